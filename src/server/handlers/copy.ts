// CopyObject (and the copy source that UploadPartCopy shares): x-oss-copy-source, its conditions, the metadata and
// tagging directives, and the copy's record over new names for the source's blobs (no bytes copied).
import { percentDecode } from '../../core/encode.js';
import { ErrorReply } from '../errors.js';
import { checkConditions } from '../preconditions.js';
import { sendXml } from '../respond.js';
import type { ObjectReader } from '../store/segments.js';
import type { ObjectRecord } from '../store/types.js';
import { tagHeaderToStored } from '../tags.js';
import { trafficLimitOf } from '../traffic-limit.js';
import { forbidOverwrite, isoDate, parseObjectAcl, quoted, replacedAttributes, type Ctx } from './context.js';
import { canWrite, commit, denied } from './object.js';
import { parseSse, sseHeaders } from './sse.js';
import * as versions from './versions.js';

/** Parses x-oss-copy-source: `/bucket/key`, percent-encoded, optionally with ?versionId. */
export function copySource(ctx: Ctx): { bucket: string; key: string; versionId?: string } {
  const raw = ctx.req.headers['x-oss-copy-source']!;
  const [pathPart, query] = raw.split('?');
  const path = pathPart!.replace(/^\//, '');
  const versionId = query === undefined ? undefined : new URLSearchParams(query).get('versionId');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1)
    throw new ErrorReply(
      'InvalidArgument',
      { 'x-oss-copy-source': raw },
      { message: 'Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.' },
    );
  try {
    return {
      bucket: percentDecode(path.slice(0, slash), false),
      key: percentDecode(path.slice(slash + 1), false),
      ...(versionId ? { versionId } : {}),
    };
  } catch {
    throw new ErrorReply('InvalidArgument', { 'x-oss-copy-source': raw }, { message: 'Malformed x-oss-copy-source.' });
  }
}

/** The readable source record of a copy, after its x-oss-copy-source-if-* conditions. */
export async function loadCopySource(ctx: Ctx): Promise<{ bucket: string; rec: ObjectRecord; versionId?: string }> {
  const src = copySource(ctx);
  trafficLimitOf(ctx.req); // refused as OSS does when out of range; a copy sends no body over the wire to pace
  // Before any lookup: an anonymous copy must not tell which source buckets and keys exist.
  if (!ctx.principal) throw denied();
  const srcBucket = await ctx.store.getBucket(src.bucket);
  if (!srcBucket) throw new ErrorReply('NoSuchBucket', { BucketName: src.bucket });
  const rec =
    src.versionId === undefined
      ? await ctx.store.getObject(src.bucket, src.key)
      : await versions.readVersion(ctx, src.versionId, src.key, src.bucket);
  if (!rec) throw new ErrorReply('NoSuchKey', { Key: src.key });
  const cond = checkConditions(ctx.req.headers, rec, {
    match: 'x-oss-copy-source-if-match',
    noneMatch: 'x-oss-copy-source-if-none-match',
    modifiedSince: 'x-oss-copy-source-if-modified-since',
    unmodifiedSince: 'x-oss-copy-source-if-unmodified-since',
  });
  // 412 PreconditionFailed for if-match / if-unmodified-since, a bodiless 304 for the other two (CopyObject doc).
  if (cond !== undefined)
    throw new ErrorReply(
      'PreconditionFailed',
      { Condition: 'x-oss-copy-source-if-*' },
      cond === 304 ? { status: 304 } : {},
    );
  return { bucket: src.bucket, rec, ...(src.versionId ? { versionId: src.versionId } : {}) };
}

export async function copyObject(ctx: Ctx): Promise<void> {
  if (!canWrite(ctx)) throw denied();
  const { bucket: srcBucket, rec: checked, versionId } = await loadCopySource(ctx);
  // Hold the source's bytes: an overwrite of the source meanwhile must not pull them from under the copy.
  const opened = await versions.openSource(ctx, srcBucket, checked.key, versionId);
  if (!opened) throw new ErrorReply('NoSuchKey', { Key: checked.key });
  try {
    await copyOpened(ctx, srcBucket, opened);
  } finally {
    await opened.close();
  }
}

async function copyOpened(ctx: Ctx, srcBucket: string, opened: ObjectReader): Promise<void> {
  const { req, store, bucket, key } = ctx;
  const src = opened.rec;
  const forbid = forbidOverwrite(req);
  if (forbid && (await store.getObject(bucket.name, key))) throw new ErrorReply('FileAlreadyExists', { Key: key });
  const replace = (req.headers['x-oss-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
  const attrs = replace
    ? replacedAttributes(req, bucket.storageClass, src)
    : {
        storageClass: src.storageClass,
        acl: src.acl,
        headers: src.headers,
        userMeta: src.userMeta,
        ...(src.tagging ? { tagging: src.tagging } : {}),
      };
  attrs.acl = parseObjectAcl(req.headers['x-oss-object-acl'], replace ? attrs.acl : 'default');
  // Tags follow x-oss-tagging-directive (Copy by default), whatever the metadata directive says.
  const header = req.headers['x-oss-tagging'];
  const tagging =
    (req.headers['x-oss-tagging-directive'] ?? 'Copy').toLowerCase() === 'replace'
      ? header
        ? tagHeaderToStored(header)
        : undefined
      : src.tagging;
  if (tagging) attrs.tagging = tagging;
  else delete attrs.tagging;
  const { blob: _b, segments: _s, sse: _e, tagging: _t, versionId: _v, ...meta } = src;
  // The copy is encrypted only as this request asks: the source's encryption is not inherited (CopyObject doc).
  const sse = parseSse(req);
  const { sse: _r, ...plain } = attrs;
  const rec: ObjectRecord = {
    ...meta,
    ...plain,
    key,
    ...(sse ? { sse } : {}),
    ...(await ctx.blobs.cloneObjectBytes(srcBucket, opened, bucket.name)),
    lastModified: ctx.config.now(),
  };
  await commit(ctx, rec, forbid);
  sendXml(
    ctx.res,
    200,
    'CopyObjectResult',
    { ETag: quoted(rec.etag), LastModified: isoDate(rec.lastModified) },
    {
      ETag: quoted(rec.etag),
      'x-oss-hash-crc64ecma': rec.crc64,
      ...sseHeaders(sse),
      ...versions.versionHeader(rec),
      ...(src.versionId !== undefined ? { 'x-oss-copy-source-version-id': src.versionId } : {}),
    },
  );
}
