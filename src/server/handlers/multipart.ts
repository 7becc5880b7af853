// InitiateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts.
import { HEADERS } from '../../core/dialect.js';
import { parseCrc64 } from '../../core/crc64.js';
import { encodeKeyPath } from '../../core/encode.js';
import { EC_INVALID_PART_NUMBER } from '../../core/error-codes.js';
import { MAX_PART_SIZE, MAX_PARTS } from '../../core/limits.js';
import {
  buildCompleteMultipartUploadResult,
  buildInitiateMultipartUploadResult,
  buildListPartsResult,
  parseCompleteMultipartUpload,
} from '../../core/xml.js';
import { ErrorReply } from '../errors.js';
import { q } from '../request.js';
import { sendEmpty, sendXml, sendXmlText } from '../respond.js';
import { openSource, versionHeader } from './versions.js';
import { CompleteError } from '../store/multipart.js';
import { ObjectExistsError } from '../store/metadata-store.js';
import type { UploadRecord } from '../store/types.js';
import { parseCallback, runCallback } from './callback-flow.js';
import { refuseSseOnPart, sseHeaders } from './sse.js';
import {
  attributesFrom,
  forbidOverwrite,
  isoDate,
  parseObjectAcl,
  quoted,
  readSmallBody,
  receiveBody,
  type Ctx,
} from './context.js';
import { canWrite } from './access.js';
import { loadCopySource } from './object.js';

function denyAnonymousWrite(ctx: Ctx): void {
  if (!canWrite(ctx)) throw new ErrorReply('AccessDenied');
}

/** `encoding-type=url` makes key-like fields percent-encoded in the response (core's builders do the encoding). */
export function encodingType(ctx: Ctx): { encodingType?: string } {
  return q(ctx.req, 'encoding-type') === 'url' ? { encodingType: 'url' } : {};
}

async function loadUpload(ctx: Ctx, operation: string): Promise<UploadRecord> {
  const id = q(ctx.req, 'uploadId') ?? '';
  const up = await ctx.multipart.get(ctx.bucket.name, id, ctx.key);
  if (!up) throw new ErrorReply('NoSuchUpload', { UploadId: id }, { operation });
  return up;
}

export async function initiate(ctx: Ctx): Promise<void> {
  denyAnonymousWrite(ctx);
  if (forbidOverwrite(ctx.req) && (await ctx.store.getObject(ctx.bucket.name, ctx.key))) {
    throw new ErrorReply('FileAlreadyExists', { Key: ctx.key });
  }
  const up = await ctx.multipart.initiate(ctx.bucket.name, ctx.key, attributesFrom(ctx.req, ctx.bucket.storageClass));
  sendXmlText(
    ctx.res,
    200,
    buildInitiateMultipartUploadResult({
      bucket: ctx.bucket.name,
      key: ctx.key,
      uploadId: up.uploadId,
      ...encodingType(ctx),
    }),
    sseHeaders(up.attributes.sse),
  );
}

function partNumberOf(ctx: Ctx): number {
  const raw = q(ctx.req, 'partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PARTS) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: 'PartNumber', ArgumentValue: raw },
      { message: 'Part number must be an integer between 1 and 10000, inclusive.', ec: EC_INVALID_PART_NUMBER },
    );
  }
  return n;
}

export async function uploadPart(ctx: Ctx): Promise<void> {
  denyAnonymousWrite(ctx);
  const partNumber = partNumberOf(ctx);
  refuseSseOnPart(ctx.req);
  const up = await loadUpload(ctx, 'UploadPart');
  const written = await receiveBody(ctx, MAX_PART_SIZE);
  const part = await ctx.multipart.putPart(ctx.bucket.name, up.uploadId, partNumber, written);
  if (!part) throw new ErrorReply('NoSuchUpload', { UploadId: up.uploadId }, { operation: 'UploadPart' });
  sendEmpty(ctx.res, 200, {
    ETag: quoted(part.etag),
    'Content-MD5': written.md5.toString('base64'),
    [HEADERS.hashCrc64ecma]: part.crc64,
    ...sseHeaders(up.attributes.sse),
  });
}

export async function uploadPartCopy(ctx: Ctx): Promise<void> {
  denyAnonymousWrite(ctx);
  const partNumber = partNumberOf(ctx);
  const up = await loadUpload(ctx, 'UploadPartCopy');
  const { bucket, rec: checked, versionId } = await loadCopySource(ctx);
  // Hold the bytes open: an overwrite of the source meanwhile must not pull them from under the copy.
  const opened = await openSource(ctx, bucket, checked.key, versionId);
  if (!opened) throw new ErrorReply('NoSuchKey', { Key: checked.key });
  let written;
  try {
    const rec = opened.rec;
    let start = 0;
    let end = rec.size - 1;
    const range = ctx.req.headers[HEADERS.copySourceRange];
    if (range !== undefined) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
      if (!m || Number(m[1]) >= rec.size || (m[2] !== '' && Number(m[2]) < Number(m[1]))) {
        throw new ErrorReply(
          'InvalidArgument',
          { ArgumentName: HEADERS.copySourceRange, ArgumentValue: range },
          { message: 'Invalid copy source range.' },
        );
      }
      start = Number(m[1]);
      end = m[2] === '' ? rec.size - 1 : Math.min(Number(m[2]), rec.size - 1);
    }
    // A segmented source is read across its segment boundaries like a ranged GET.
    written = await ctx.blobs.writeTemp(opened.stream(start, end), { expectedLength: Math.max(0, end - start + 1) });
  } finally {
    await opened.close();
  }
  const part = await ctx.multipart.putPart(ctx.bucket.name, up.uploadId, partNumber, written);
  if (!part) throw new ErrorReply('NoSuchUpload', { UploadId: up.uploadId });
  sendXml(
    ctx.res,
    200,
    'CopyPartResult',
    { LastModified: isoDate(part.lastModified), ETag: quoted(part.etag) },
    {
      ETag: quoted(part.etag),
      [HEADERS.hashCrc64ecma]: part.crc64,
    },
  );
}

function parseCompleteBody(text: string): Array<{ partNumber: number; etag: string }> {
  let parts;
  try {
    parts = parseCompleteMultipartUpload(text);
  } catch {
    throw new ErrorReply('MalformedXML');
  }
  if (parts.length === 0) throw new ErrorReply('MalformedXML');
  return parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag.toUpperCase() }));
}

export async function complete(ctx: Ctx): Promise<void> {
  denyAnonymousWrite(ctx);
  const up = await loadUpload(ctx, 'CompleteMultipartUpload');
  const callback = parseCallback(ctx.req);
  const all = (ctx.req.headers[HEADERS.completeAll] ?? '').toLowerCase() === 'yes';
  const body = await readSmallBody(ctx);
  if (all && body.trim() !== '') {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: HEADERS.completeAll, ArgumentValue: 'yes' },
      { message: 'Should not speficy both complete all header and http body.' },
    );
  }
  const wanted = all ? 'all' : parseCompleteBody(body);
  const forbid = forbidOverwrite(ctx.req);
  const aclHeader = ctx.req.headers[HEADERS.objectAcl];
  let rec;
  try {
    rec = await ctx.multipart.complete(ctx.bucket.name, up, wanted, {
      forbidOverwrite: forbid,
      ...(aclHeader !== undefined ? { acl: parseObjectAcl(aclHeader, 'default') } : {}),
    });
  } catch (err) {
    if (err instanceof ObjectExistsError) throw new ErrorReply('FileAlreadyExists', { Key: ctx.key });
    if (err instanceof CompleteError) {
      const extra: Record<string, string> = err.code === 'NoSuchUpload' ? { UploadId: up.uploadId } : {};
      if (err.partNumber !== undefined) extra.PartNumber = String(err.partNumber);
      throw new ErrorReply(err.code, extra);
    }
    throw err;
  }
  const headers = {
    ETag: quoted(rec.etag),
    [HEADERS.hashCrc64ecma]: rec.crc64,
    ...sseHeaders(rec.sse),
    ...versionHeader(rec),
  };
  if (callback) return runCallback(ctx, callback, rec, headers);
  const doc = buildCompleteMultipartUploadResult({
    location: `${ctx.config.endpoint}/${ctx.bucket.name}/${encodeKeyPath(rec.key)}`,
    bucket: ctx.bucket.name,
    key: rec.key,
    etag: rec.etag,
    ...encodingType(ctx),
  });
  sendXmlText(ctx.res, 200, doc, headers);
}

export async function abort(ctx: Ctx): Promise<void> {
  denyAnonymousWrite(ctx);
  const up = await loadUpload(ctx, 'AbortMultipartUpload');
  if (!(await ctx.multipart.abort(ctx.bucket.name, up.uploadId))) {
    throw new ErrorReply('NoSuchUpload', { UploadId: up.uploadId });
  }
  sendEmpty(ctx.res, 204);
}

function boundedInt(ctx: Ctx, name: string, dflt: number, max: number): number {
  const raw = q(ctx.req, name);
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw))
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: name, ArgumentValue: raw },
      { message: `${name} must be a non-negative integer.` },
    );
  return Math.min(n, max);
}

/** ListParts' ClientEncryption* elements, from the x-oss-meta-client-side-encryption-* an upload was begun with. */
const CLIENT_ENCRYPTION: Array<[string, string]> = [
  ['client-side-encryption-key', 'ClientEncryptionKey'],
  ['client-side-encryption-start', 'ClientEncryptionStart'],
  ['client-side-encryption-cek-alg', 'ClientEncryptionCekAlg'],
  ['client-side-encryption-wrap-alg', 'ClientEncryptionWrapAlg'],
  ['client-side-encryption-data-size', 'ClientEncryptionDataSize'],
  ['client-side-encryption-part-size', 'ClientEncryptionPartSize'],
];

function clientEncryptionOf(meta: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, element] of CLIENT_ENCRYPTION) if (meta[name] !== undefined) out[element] = meta[name];
  return out;
}

export async function listParts(ctx: Ctx): Promise<void> {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
  const up = await loadUpload(ctx, 'ListParts');
  const max = boundedInt(ctx, 'max-parts', 1000, 1000);
  const marker = boundedInt(ctx, 'part-number-marker', 0, Number.MAX_SAFE_INTEGER);
  const { parts: page, truncated } = await ctx.multipart.pageParts(ctx.bucket.name, up.uploadId, marker, max);
  const doc = buildListPartsResult({
    bucket: ctx.bucket.name,
    key: up.key,
    uploadId: up.uploadId,
    partNumberMarker: marker,
    nextPartNumberMarker: page.length ? page[page.length - 1]!.partNumber : marker,
    maxParts: max,
    isTruncated: truncated,
    ...encodingType(ctx),
    storageClass: up.attributes.storageClass,
    clientEncryption: clientEncryptionOf(up.attributes.userMeta),
    parts: page.map((p) => ({
      partNumber: p.partNumber,
      lastModified: isoDate(p.lastModified),
      etag: p.etag,
      size: p.size,
      hashCrc64ecma: parseCrc64(p.crc64),
    })),
  });
  sendXmlText(ctx.res, 200, doc);
}
