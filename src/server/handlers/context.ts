// What every handler receives, and the request-reading helpers several handlers share.
import { HEADERS, USER_META_PREFIX } from '../../core/dialect.js';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Credentials } from '../../core/canonical.js';
import { MAX_OBJECT_SIZE } from '../../core/limits.js';
import type { Principal } from '../auth.js';
import type { CallbackSigner } from '../callback.js';
import { ErrorReply, invalidArgument } from '../errors.js';
import type { OssRequest } from '../request.js';
import { BodyIncompleteError, BodyTooLargeError, type WrittenBlob } from '../store/blob.js';
import type { MultipartStore } from '../store/multipart.js';
import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { unlinkQuiet } from '../../io/fs.js';
import { parseSse } from './sse.js';
import { tagHeaderToStored } from '../tags.js';
import { BodyTimeoutError, BodyTooSlowError, limitedBody } from '../body.js';
import { paced, trafficLimitOf } from '../traffic-limit.js';
import type { BucketAcl, BucketRecord, ObjectAcl, ObjectAttributes, StoredHeaders } from '../store/types.js';

export interface ServerConfig {
  endpoint: string;
  region: string;
  now: () => number;
  /** Accepted keys, for requests that authenticate in their body (PostObject form fields). */
  credentials?: Credentials[];
  /** A request body that makes no progress for this long is answered 400 RequestTimeout. */
  bodyTimeoutMs: number;
  /** Bytes per second a body must average over each bodyTimeoutMs of waiting (0: none); else 400 RequestTimeout. */
  minBodyRate: number;
}

/** What a service-level handler receives (ListBuckets, and PutBucket, whose bucket does not exist yet). */
export interface ServiceCtx {
  req: OssRequest;
  res: ServerResponse;
  principal: Principal;
  store: MetadataStore;
  blobs: BlobStore;
  multipart: MultipartStore;
  config: ServerConfig;
  callbacks: CallbackSigner;
}

/** What a bucket- or object-level handler receives: the addressed bucket, checked to exist. */
export interface Ctx extends ServiceCtx {
  bucket: BucketRecord;
  /** The object key ('' for bucket-level operations), checked to be valid. */
  key: string;
}

export const OWNER = { ID: '1000000000000000', DisplayName: '1000000000000000' };

export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

export function quoted(etag: string): string {
  return `"${etag}"`;
}

export function parseBucketAcl(v: string | undefined, fallback: BucketAcl): BucketAcl {
  if (v === undefined || v === '') return fallback;
  if (v === 'private' || v === 'public-read' || v === 'public-read-write') return v;
  throw invalidArgument(HEADERS.acl, v, 'no such bucket access control exists');
}

export function parseObjectAcl(v: string | undefined, fallback: ObjectAcl): ObjectAcl {
  if (v === undefined || v === '') return fallback;
  if (v === 'default') return v;
  return parseBucketAcl(v, 'private');
}

const STORAGE_CLASSES = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];

/** A storage class as OSS spells it (case-insensitive on input), or InvalidArgument naming `field`. */
export function parseStorageClass(
  v: string | undefined,
  fallback: string,
  field: string = HEADERS.storageClass,
): string {
  if (v === undefined || v === '') return fallback;
  const found = STORAGE_CLASSES.find((c) => c.toLowerCase() === v.trim().toLowerCase());
  if (!found)
    throw invalidArgument(field, v, `Invalid storage class "${v}"; use one of ${STORAGE_CLASSES.join(', ')}.`);
  return found;
}

/** Metadata headers of Put/Initiate/Copy(REPLACE) as stored with the object; objects inherit the bucket's class. */
export function attributesFrom(req: OssRequest, bucketClass = 'Standard'): ObjectAttributes {
  const h = req.headers;
  const headers: StoredHeaders = { contentType: h['content-type'] || 'application/octet-stream' };
  if (h['content-disposition'] !== undefined) headers.contentDisposition = h['content-disposition'];
  if (h['cache-control'] !== undefined) headers.cacheControl = h['cache-control'];
  if (h['content-encoding'] !== undefined) headers.contentEncoding = h['content-encoding'];
  if (h['content-language'] !== undefined) headers.contentLanguage = h['content-language'];
  if (h.expires !== undefined) headers.expires = h.expires;
  const userMeta: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (name.startsWith(USER_META_PREFIX)) userMeta[name.slice(USER_META_PREFIX.length)] = value;
  }
  requireMetaWithinLimit(userMeta);
  const attrs: ObjectAttributes = {
    storageClass: parseStorageClass(h[HEADERS.storageClass], bucketClass),
    acl: parseObjectAcl(h[HEADERS.objectAcl], 'default'),
    headers,
    userMeta,
  };
  const tagging = h[HEADERS.tagging];
  if (tagging !== undefined && tagging !== '') attrs.tagging = tagHeaderToStored(tagging);
  const sse = parseSse(req);
  if (sse) attrs.sse = sse;
  return attrs;
}

/** OSS's limit on user metadata: the x-oss-meta-* names and values of one object together (EC 0011-00000002). */
export const MAX_USER_META_BYTES = 8 * 1024;

/**
 * Refuses user metadata over 8 KiB (names with their x-oss-meta- prefix, plus values, in bytes). Every path that
 * sets metadata goes through attributesFrom, so an object never carries headers a client cannot read back.
 */
export function requireMetaWithinLimit(userMeta: Record<string, string>): void {
  let size = 0;
  for (const [name, value] of Object.entries(userMeta)) {
    size += Buffer.byteLength(`${USER_META_PREFIX}${name}`) + Buffer.byteLength(value);
  }
  if (size > MAX_USER_META_BYTES) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: 'x-oss-meta-*', ArgumentValue: `${size} bytes` },
      {
        message: `Your metadata headers exceed the maximum allowed metadata size: ${size} bytes of x-oss-meta-* names and values, at most ${MAX_USER_META_BYTES}.`,
        ec: '0011-00000002',
      },
    );
  }
}

const CLIENT_SIDE_ENCRYPTION = 'client-side-encryption-';

/**
 * A REPLACE copy's attributes: the request's, but, as OSS does, the source's Content-Type when the request sends
 * none, and the source's client-side encryption envelope (`x-oss-meta-client-side-encryption-*`, without which the
 * bytes cannot be decrypted) when the request sends none of its own.
 */
export function replacedAttributes(req: OssRequest, bucketClass: string, src: ObjectAttributes): ObjectAttributes {
  const attrs = attributesFrom(req, bucketClass);
  if (!req.headers['content-type']) attrs.headers.contentType = src.headers.contentType;
  if (!Object.keys(attrs.userMeta).some((k) => k.startsWith(CLIENT_SIDE_ENCRYPTION))) {
    for (const [k, v] of Object.entries(src.userMeta)) if (k.startsWith(CLIENT_SIDE_ENCRYPTION)) attrs.userMeta[k] = v;
    requireMetaWithinLimit(attrs.userMeta);
  }
  return attrs;
}

export function forbidOverwrite(req: OssRequest): boolean {
  return (req.headers[HEADERS.forbidOverwrite] ?? '').toLowerCase() === 'true';
}

/** Decodes Content-MD5 up front, so a malformed value fails before any byte is read. */
export function expectedMd5(req: OssRequest): Buffer | undefined {
  const v = req.headers['content-md5'];
  if (v === undefined) return undefined;
  const b = Buffer.from(v, 'base64');
  if (b.length !== 16 || b.toString('base64') !== v.trim()) {
    throw new ErrorReply('InvalidDigest', { 'Content-MD5': v }, { ec: '0017-00000502' });
  }
  return b;
}

/** Streams the request body into a temp blob, enforcing Content-Length, the size cap and Content-MD5. */
export async function receiveBody(ctx: ServiceCtx, maxLength = MAX_OBJECT_SIZE): Promise<WrittenBlob> {
  const md5 = expectedMd5(ctx.req);
  const limit = trafficLimitOf(ctx.req);
  const cl = ctx.req.headers['content-length'];
  const expectedLength = cl === undefined ? undefined : Number(cl);
  if (expectedLength !== undefined && expectedLength > maxLength) throw new ErrorReply('EntityTooLarge');
  let written: WrittenBlob;
  try {
    // The request's own chunks may go to the hashing thread; paced pieces are views of them, so they stay.
    const body = limit === undefined ? requestBody(ctx) : paced(requestBody(ctx), limit);
    written = await ctx.blobs.writeTemp(body, { expectedLength, maxLength, giveChunks: limit === undefined });
  } catch (err) {
    if (err instanceof BodyTimeoutError) throw requestTimeout(err);
    if (err instanceof BodyTooLargeError) throw new ErrorReply('EntityTooLarge');
    if (err instanceof BodyIncompleteError) throw new ErrorReply('InvalidArgument', {}, { message: err.message });
    throw err;
  }
  if (md5 && !md5.equals(written.md5)) {
    await unlinkQuiet(written.tmpPath);
    throw new ErrorReply('InvalidDigest', { 'Content-MD5': ctx.req.headers['content-md5']! });
  }
  return written;
}

/** Bucket configuration and tagging calls: the bucket owner's only, never anonymous. */
export function requireOwner(ctx: ServiceCtx): void {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
}

/** A small request document, checked against its Content-MD5 when one is sent. */
export async function readVerifiedBody(ctx: ServiceCtx): Promise<string> {
  const md5 = expectedMd5(ctx.req);
  const text = await readSmallBody(ctx);
  if (md5 && !md5.equals(createHash('md5').update(text).digest())) throw new ErrorReply('InvalidDigest');
  return text;
}

/** Request documents (Complete, Delete) are small: 10,000 parts fit well under this. */
const MAX_XML_BODY = 4 << 20;

export async function readSmallBody(ctx: ServiceCtx, max = MAX_XML_BODY): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of requestBodyOrTimeout(ctx)) {
    size += c.length;
    if (size > max) throw new ErrorReply('MalformedXML', {}, { message: 'The XML you provided was too large.' });
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The request body, failing with BodyTimeoutError when it stalls or crawls (bodyTimeoutMs, minBodyRate). */
export function requestBody(ctx: ServiceCtx): AsyncIterable<Buffer> {
  return limitedBody(ctx.req.raw, { idleMs: ctx.config.bodyTimeoutMs, minRate: ctx.config.minBodyRate });
}

/** requestBody, its timeouts answered as 400 RequestTimeout. */
export async function* requestBodyOrTimeout(ctx: ServiceCtx): AsyncGenerator<Buffer> {
  try {
    yield* requestBody(ctx);
  } catch (err) {
    if (err instanceof BodyTimeoutError) throw requestTimeout(err);
    throw err;
  }
}

function requestTimeout(err: BodyTimeoutError): ErrorReply {
  const message =
    err instanceof BodyTooSlowError
      ? `The request body arrived too slowly (${err.received} bytes in ${err.ms / 1000} s, under the minimum of ${err.minRate} bytes/s); nothing was stored.`
      : `The request body made no progress for ${err.ms / 1000} s; nothing was stored.`;
  return new ErrorReply('RequestTimeout', {}, { message });
}
