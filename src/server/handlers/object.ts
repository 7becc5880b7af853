// PutObject, GetObject, HeadObject, GetObjectMeta, DeleteObject, CopyObject and the object ACL.
import { pipeline } from 'node:stream/promises';
import type { ServerResponse } from 'node:http';
import { crc64ToDecimal } from '../../core/crc64.js';
import { percentDecode } from '../../core/encode.js';
import { ErrorReply } from '../errors.js';
import { checkConditions, parseRange, refuseWritePreconditions } from '../preconditions.js';
import { q } from '../request.js';
import { sendEmpty, sendXml } from '../respond.js';
import type { ObjectReader } from '../store/segments.js';
import type { WrittenBlob } from '../store/blob.js';
import type { ObjectAttributes, ObjectRecord } from '../store/types.js';
import { runCallback, parseCallback } from './callback-flow.js';
import { parseSse, sseHeaders } from './sse.js';
import { tagHeaderToStored } from '../tags.js';
import { canWrite, commit, denied, noSuchKey, readable } from './access.js';
import { checkReadable, restoreHeader } from './restore.js';
import { throughSymlink } from './symlink.js';
import { paced, trafficLimitOf } from '../traffic-limit.js';
import * as versions from './versions.js';
import {
  attributesFrom,
  forbidOverwrite,
  replacedAttributes,
  isoDate,
  OWNER,
  parseObjectAcl,
  quoted,
  receiveBody,
  type Ctx,
} from './context.js';

export async function putObject(ctx: Ctx): Promise<void> {
  if (!canWrite(ctx)) throw denied();
  const { req, store, bucket, key } = ctx;
  refuseWritePreconditions(req.headers);
  const callback = parseCallback(req);
  const forbid = forbidOverwrite(req);
  if (forbid && (await store.getObject(bucket.name, key))) throw new ErrorReply('FileAlreadyExists', { Key: key });
  const attributes = attributesFrom(req, bucket.storageClass);
  const written = await receiveBody(ctx);
  const blob = await ctx.blobs.adoptBlob(bucket.name, written);
  const rec = normalRecord(ctx, key, attributes, blob, written);
  await commit(ctx, rec, forbid);
  const headers = {
    ETag: quoted(rec.etag),
    'Content-MD5': rec.contentMd5!,
    'x-oss-hash-crc64ecma': rec.crc64,
    ...sseHeaders(rec.sse),
    ...versions.versionHeader(rec),
  };
  if (callback) return runCallback(ctx, callback, rec, headers);
  sendEmpty(ctx.res, 200, headers);
}

/** The record of a whole object sent in one body (PutObject, PostObject), its blob already adopted. */
export function normalRecord(
  ctx: Ctx,
  key: string,
  attributes: ObjectAttributes,
  blob: string,
  written: WrittenBlob,
): ObjectRecord {
  return {
    ...attributes,
    key,
    blob,
    size: written.size,
    etag: written.md5.toString('hex').toUpperCase(),
    crc64: crc64ToDecimal(written.crc64),
    contentMd5: written.md5.toString('base64'),
    lastModified: ctx.config.now(),
    type: 'Normal',
  };
}

function objectHeaders(rec: ObjectRecord): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'Content-Type': rec.headers.contentType,
    ETag: quoted(rec.etag),
    'Last-Modified': new Date(rec.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': rec.type,
    'x-oss-storage-class': rec.storageClass,
    'x-oss-hash-crc64ecma': rec.crc64,
  };
  if (rec.contentMd5) h['Content-MD5'] = rec.contentMd5;
  if (rec.headers.contentDisposition !== undefined) h['Content-Disposition'] = rec.headers.contentDisposition;
  if (rec.headers.cacheControl !== undefined) h['Cache-Control'] = rec.headers.cacheControl;
  if (rec.headers.contentEncoding !== undefined) h['Content-Encoding'] = rec.headers.contentEncoding;
  if (rec.headers.contentLanguage !== undefined) h['Content-Language'] = rec.headers.contentLanguage;
  if (rec.headers.expires !== undefined) h.Expires = rec.headers.expires;
  if (rec.tagging) h['x-oss-tagging-count'] = rec.tagging.split('&').filter(Boolean).length;
  for (const [k, v] of Object.entries(rec.userMeta)) h[`x-oss-meta-${k}`] = v;
  Object.assign(h, sseHeaders(rec.sse));
  if (rec.type === 'Appendable') h['x-oss-next-append-position'] = rec.size;
  Object.assign(h, versions.versionHeader(rec));
  return h;
}

const RESPONSE_OVERRIDES: Array<[string, string]> = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

/** GetObject and HeadObject: one path, so their headers can never drift apart. */
export async function getObject(ctx: Ctx): Promise<void> {
  const { req, res, bucket, key } = ctx;
  const head = req.method === 'HEAD';
  const limit = trafficLimitOf(req);
  const vid = versions.versionParam(ctx);
  let opened = head ? undefined : await versions.openSource(ctx, bucket.name, key, vid);
  try {
    const found = head ? await versions.lookup(ctx, vid) : opened?.rec;
    if (!found) await versions.refuseDeleted(ctx);
    let rec = readable(ctx, found);
    if (rec.type === 'Symlink') {
      await opened?.close();
      opened = undefined;
      ({ rec, opened } = await throughSymlink(ctx, rec, head));
    }
    const now = ctx.config.now();
    if (!head) checkReadable(rec, now);
    const headers = { ...objectHeaders(rec), ...restoreHeader(rec, now) };
    const cond = checkConditions(req.headers, rec);
    if (cond === 412) throw new ErrorReply('PreconditionFailed', { Condition: 'If-Match' });
    if (cond === 304) {
      sendEmpty(res, 304, { ETag: headers.ETag!, 'Last-Modified': headers['Last-Modified']! });
      return;
    }
    for (const [param, header] of RESPONSE_OVERRIDES) {
      const v = q(req, param);
      if (v !== undefined) headers[header] = v;
    }
    const standard = (req.headers['x-oss-range-behavior'] ?? '').toLowerCase() === 'standard';
    const range = parseRange(req.headers.range, rec.size, standard);
    let status = 200;
    let start = 0;
    let length = rec.size;
    if (range !== 'whole') {
      status = 206;
      start = range.start;
      length = range.end - range.start + 1;
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${rec.size}`;
    }
    headers['Content-Length'] = length;
    res.writeHead(status, headers);
    if (head || !opened) {
      res.end();
      return;
    }
    if (length === 0) {
      res.end();
      return;
    }
    const bytes = opened.stream(start, start + length - 1);
    await pipeline(limit === undefined ? bytes : paced(bytes, limit), res as ServerResponse).catch(() => undefined);
  } finally {
    await opened?.close();
  }
}

export async function getObjectMeta(ctx: Ctx): Promise<void> {
  const found = await versions.lookup(ctx, versions.versionParam(ctx));
  if (!found) await versions.refuseDeleted(ctx);
  const rec = readable(ctx, found);
  const headers = {
    ...versions.versionHeader(rec),
    ETag: quoted(rec.etag),
    'x-oss-object-content-length': rec.size,
    'Last-Modified': new Date(rec.lastModified).toUTCString(),
    'x-oss-hash-crc64ecma': rec.crc64,
  };
  // HEAD ?objectMeta answers the object's size in Content-Length, as a HEAD of the object does (the SDKs read
  // it there); a GET must frame its empty body with 0.
  if (ctx.req.method !== 'HEAD') return sendEmpty(ctx.res, 200, headers);
  ctx.res.writeHead(200, { ...headers, 'Content-Length': rec.size });
  ctx.res.end();
}

export async function deleteObject(ctx: Ctx): Promise<void> {
  if (!canWrite(ctx)) throw denied();
  const out = await ctx.store.deleteObject(ctx.bucket.name, ctx.key, {
    versionId: versions.versionParam(ctx),
    now: ctx.config.now(),
  });
  sendEmpty(ctx.res, 204, versions.deleteHeaders(out));
}

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

export async function getObjectAcl(ctx: Ctx): Promise<void> {
  if (!ctx.principal) throw denied();
  const rec = await versions.lookup(ctx, versions.versionParam(ctx));
  if (!rec) throw noSuchKey(ctx);
  sendXml(
    ctx.res,
    200,
    'AccessControlPolicy',
    { Owner: OWNER, AccessControlList: { Grant: rec.acl } },
    versions.versionHeader(rec),
  );
}

export async function putObjectAcl(ctx: Ctx): Promise<void> {
  if (!ctx.principal) throw denied();
  const acl = parseObjectAcl(ctx.req.headers['x-oss-object-acl'], 'default');
  sendEmpty(ctx.res, 200, await versions.updateVersioned(ctx, (rec) => ({ ...rec, acl })));
}
