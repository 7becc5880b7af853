// Service and bucket operations: ListBuckets, PutBucket, DeleteBucket, bucket ACL and location, ListObjects
// (V1 and V2) and ListMultipartUploads.
import { HEADERS } from '../../core/dialect.js';
import { ErrorReply } from '../errors.js';
import { q } from '../request.js';
import { sendEmpty, sendXml, sendXmlText } from '../respond.js';
import { compareUtf8 } from '../store/key-index.js';
import { pageKeys, searchEndOfPrefix } from '../store/paging.js';
import { encodeUrlField } from '../../core/encode.js';
import { boolOf, listOf, parseXml, requireText, rootOf, textOf } from '../../core/xml-core.js';
import { requireValidKey } from '../names-check.js';
import {
  isoDate,
  OWNER,
  parseBucketAcl,
  parseStorageClass,
  readSmallBody,
  readVerifiedBody,
  type Ctx,
  type ServiceCtx,
} from './context.js';
import { canWrite } from './access.js';
import { encodingType } from './multipart.js';
import { refuseImmutableEntries } from './worm.js';
import {
  buildListAllMyBucketsResult,
  buildListBucketResult,
  buildListMultipartUploadsResult,
  type ListBucketResult,
} from '../../core/xml.js';

const OWNER_DOC = { id: OWNER.ID, displayName: OWNER.DisplayName };

function location(ctx: ServiceCtx): string {
  return `oss-${ctx.config.region}`;
}

export async function listBuckets(ctx: ServiceCtx): Promise<void> {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
  const prefix = q(ctx.req, 'prefix') ?? '';
  const marker = q(ctx.req, 'marker') ?? '';
  const maxKeys = maxKeysOf(ctx, 'max-keys');
  // Names are [a-z0-9-]: code-unit order is byte order. A page holds names after the marker, like ListObjects.
  const matching = (await ctx.store.listBuckets()).filter((b) => b.name.startsWith(prefix) && b.name > marker);
  const buckets = matching.slice(0, maxKeys);
  const truncated = matching.length > maxKeys;
  // OSS omits the paging elements when one page holds everything and none was asked for (OSS-PROTOCOL-2.md §6).
  const paged = truncated || ['prefix', 'marker', 'max-keys'].some((n) => q(ctx.req, n) !== undefined);
  const host = new URL(ctx.config.endpoint).host;
  sendXmlText(
    ctx.res,
    200,
    buildListAllMyBucketsResult({
      owner: OWNER_DOC,
      ...(paged ? { prefix, marker, maxKeys, isTruncated: truncated } : {}),
      ...(truncated ? { nextMarker: buckets[buckets.length - 1]!.name } : {}),
      buckets: buckets.map((b) => ({
        name: b.name,
        creationDate: isoDate(b.created),
        location: location(ctx),
        extranetEndpoint: host,
        intranetEndpoint: host,
        region: ctx.config.region,
        storageClass: b.storageClass,
      })),
    }),
  );
}

export async function putBucket(ctx: ServiceCtx, name: string): Promise<void> {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
  const acl = parseBucketAcl(ctx.req.headers[HEADERS.acl], 'private');
  // The optional CreateBucketConfiguration body only chooses a storage class; drain it either way.
  const body = await readSmallBody(ctx);
  const sc = parseStorageClass(
    /<StorageClass>\s*([^<]*?)\s*<\/StorageClass>/.exec(body)?.[1],
    'Standard',
    'StorageClass',
  );
  const created = await ctx.store.createBucket(name, acl, sc);
  if (!created && ctx.req.headers[HEADERS.acl] !== undefined) await ctx.store.setBucketAcl(name, acl);
  sendEmpty(ctx.res, 200, { Location: `/${name}` });
}

export async function deleteBucket(ctx: Ctx): Promise<void> {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
  if ((await ctx.store.deleteBucket(ctx.bucket.name, () => ctx.multipart.hasUploads(ctx.bucket.name))) === 'notEmpty') {
    throw new ErrorReply('BucketNotEmpty', { BucketName: ctx.bucket.name });
  }
  sendEmpty(ctx.res, 204);
}

export async function getBucketAcl(ctx: Ctx): Promise<void> {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
  sendXml(ctx.res, 200, 'AccessControlPolicy', { Owner: OWNER, AccessControlList: { Grant: ctx.bucket.acl } });
}

export async function putBucketAcl(ctx: Ctx): Promise<void> {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
  await ctx.store.setBucketAcl(ctx.bucket.name, parseBucketAcl(ctx.req.headers[HEADERS.acl], ctx.bucket.acl));
  sendEmpty(ctx.res, 200);
}

export async function getBucketLocation(ctx: Ctx): Promise<void> {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
  sendXmlText(
    ctx.res,
    200,
    `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint>${location(ctx)}</LocationConstraint>`,
  );
}

export function maxKeysOf(ctx: ServiceCtx, name: string, dflt = 100): number {
  const raw = q(ctx.req, name);
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 1000) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: name, ArgumentValue: raw },
      { message: `Argument ${name} must be an integer between 1 and 1000.` },
    );
  }
  return n;
}

/** V2 continuation tokens are opaque to clients: base64url of the last key or prefix returned. */
function decodeToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

export async function listObjects(ctx: Ctx, v2: boolean): Promise<void> {
  const readable = ctx.principal || ctx.bucket.acl !== 'private';
  if (!readable) throw new ErrorReply('AccessDenied');
  const prefix = q(ctx.req, 'prefix') ?? '';
  const delimiter = q(ctx.req, 'delimiter') ?? '';
  const maxKeys = maxKeysOf(ctx, 'max-keys');
  const token = q(ctx.req, 'continuation-token');
  const startAfter = q(ctx.req, 'start-after') ?? '';
  const marker = q(ctx.req, 'marker') ?? '';
  const after = v2 ? (token !== undefined ? decodeToken(token) : startAfter) : marker;
  const page = await ctx.store.list(ctx.bucket.name, { prefix, delimiter, maxKeys, after });
  const fetchOwner = !v2 || q(ctx.req, 'fetch-owner') === 'true';
  const result: ListBucketResult = {
    listType: v2 ? 2 : 1,
    name: ctx.bucket.name,
    prefix,
    maxKeys,
    delimiter,
    isTruncated: page.isTruncated,
    ...encodingType(ctx),
    contents: page.contents.map((e) => ({
      key: e.key,
      lastModified: isoDate(e.lastModified),
      etag: e.etag,
      type: e.type,
      size: e.size,
      storageClass: e.storageClass,
      ...(fetchOwner ? { owner: OWNER_DOC } : {}),
    })),
    commonPrefixes: page.commonPrefixes,
  };
  if (v2) {
    if (token !== undefined) result.continuationToken = token;
    if (startAfter) result.startAfter = startAfter;
    if (page.isTruncated) result.nextContinuationToken = Buffer.from(page.nextMarker).toString('base64url');
  } else {
    result.marker = marker;
    if (page.isTruncated) result.nextMarker = page.nextMarker;
  }
  sendXmlText(ctx.res, 200, buildListBucketResult(result));
}

export async function listUploads(ctx: Ctx): Promise<void> {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
  const prefix = q(ctx.req, 'prefix') ?? '';
  const delimiter = q(ctx.req, 'delimiter') ?? '';
  const keyMarker = q(ctx.req, 'key-marker') ?? '';
  const idMarker = q(ctx.req, 'upload-id-marker') ?? '';
  const max = maxKeysOf(ctx, 'max-uploads', 1000);
  const all = (await ctx.multipart.listUploads(ctx.bucket.name)).filter((u) => u.key.startsWith(prefix));
  // Resume strictly after (key-marker, upload-id-marker); without an id marker, after every upload of key-marker.
  let start = 0;
  if (keyMarker !== '') {
    const at = idMarker !== '' ? all.findIndex((u) => u.key === keyMarker && u.uploadId === idMarker) : -1;
    start = at >= 0 ? at + 1 : all.findIndex((u) => compareUtf8(u.key, keyMarker) > 0);
    if (start < 0) start = all.length;
  }
  const keys = {
    keyAt: (i: number) => all[i]?.key,
    endOfPrefix: (p: string, from: number) => searchEndOfPrefix((i) => all[i]?.key, all.length, p, from),
  };
  const page = pageKeys(keys, start, { prefix, delimiter, after: keyMarker, max });
  const uploads = page.keys.map((i) => all[i]!);
  const truncated = page.isTruncated;
  const nextKey = page.nextMarker;
  const nextId = page.nextIsPrefix ? '' : (uploads[uploads.length - 1]?.uploadId ?? '');
  sendXmlText(
    ctx.res,
    200,
    buildListMultipartUploadsResult({
      bucket: ctx.bucket.name,
      keyMarker,
      uploadIdMarker: idMarker,
      // OSS names the last entry listed whether or not the page is truncated (the Python SDK v2 tests read it).
      nextKeyMarker: nextKey,
      nextUploadIdMarker: nextId,
      delimiter,
      prefix,
      maxUploads: max,
      isTruncated: truncated,
      ...encodingType(ctx),
      uploads: uploads.map((u) => ({ key: u.key, uploadId: u.uploadId, initiated: isoDate(u.initiated) })),
      commonPrefixes: page.commonPrefixes,
    }),
  );
}

/** DeleteMultipleObjects: `POST /?delete` with <Delete><Quiet/><Object><Key/></Object>*</Delete>, at most 1000. */
export async function deleteMultiple(ctx: Ctx): Promise<void> {
  if (!canWrite(ctx)) throw new ErrorReply('AccessDenied');
  const body = await readVerifiedBody(ctx);
  let objects: Array<{ key: string; versionId?: string }>;
  let quiet: boolean;
  try {
    const root = rootOf(parseXml(body), 'Delete');
    quiet = boolOf(root, 'Quiet') ?? false;
    objects = listOf(root, 'Object').map((o) => {
      const versionId = textOf(o, 'VersionId');
      return { key: requireText(o, 'Key', 'Object'), ...(versionId ? { versionId } : {}) };
    });
  } catch {
    throw new ErrorReply('MalformedXML');
  }
  if (objects.length === 0 || objects.length > 1000)
    throw new ErrorReply('MalformedXML', {}, { message: 'Delete must name 1 to 1000 objects.' });
  for (const o of objects) requireValidKey(o.key);
  await refuseImmutableEntries(ctx, objects);
  const deleted = [];
  for (const o of objects) {
    const out = await ctx.store.deleteObject(ctx.bucket.name, o.key, { versionId: o.versionId, now: ctx.config.now() });
    deleted.push({ key: o.key, requested: o.versionId, out });
  }
  const enc = q(ctx.req, 'encoding-type') === 'url' ? encodeUrlField : (k: string) => k;
  // Deleting a missing key succeeds, so quiet mode (report failures only) has nothing to report.
  sendXml(ctx.res, 200, 'DeleteResult', {
    ...(q(ctx.req, 'encoding-type') === 'url' ? { EncodingType: 'url' } : {}),
    Deleted: quiet
      ? []
      : deleted.map(({ key, requested, out }) => ({
          Key: enc(key),
          // A named version echoes it; a delete that made a marker names the marker (DeleteMarkerVersionId).
          VersionId: requested,
          DeleteMarker: out.deleteMarker ? true : undefined,
          DeleteMarkerVersionId: out.deleteMarker ? (requested ?? out.versionId) : undefined,
        })),
  });
}
