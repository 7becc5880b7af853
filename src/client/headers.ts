// Request headers for object writes (PutObject, InitiateMultipartUpload, CompleteMultipartUpload), built from typed
// options in one place so the single-put and multipart paths cannot drift apart.
import { HEADERS, USER_META_PREFIX } from '../core/dialect.js';
import { ArgumentError } from '../core/errors.js';

/** Upload callback (OSS-PROTOCOL.md §6). */
export interface CallbackOptions {
  /** Callback URL(s), up to 5 joined by ';'. */
  url: string;
  /** Body template with ${bucket} ${object} ${etag} ${size} ${mimeType} ${crc64} ${x:var} ... */
  body: string;
  /** 'application/x-www-form-urlencoded' (default) or 'application/json'. */
  bodyType?: string;
  /** Host header OSS uses when calling back. */
  host?: string;
}

export interface ObjectWriteOptions {
  /** Content-Type of the object. */
  contentType?: string;
  /** User metadata; each entry becomes x-oss-meta-<name>. */
  meta?: Record<string, string>;
  /** Object ACL: private, public-read, public-read-write, default. */
  acl?: string;
  /** Storage class: Standard, IA, Archive, ColdArchive, DeepColdArchive. */
  storageClass?: string;
  /** Tags as a map or an encoded `A=1&B=2` string. */
  tagging?: Record<string, string> | string;
  /** Refuse to overwrite an existing object (409 FileAlreadyExists). */
  forbidOverwrite?: boolean;
  /** Cache-Control, Content-Disposition, Content-Encoding, Expires and any other raw header (lower-case names). */
  headers?: Record<string, string>;
}

export function metaHeaders(o: ObjectWriteOptions): Record<string, string> {
  return addMetaHeaders({}, o);
}

/** metaHeaders written into `h` (one object for a request's headers, no spreads: every PutObject builds them). */
function addMetaHeaders(h: Record<string, string>, o: ObjectWriteOptions): Record<string, string> {
  if (o.contentType) h['content-type'] = o.contentType;
  const meta = o.meta;
  if (meta) {
    for (const name in meta) {
      if (!Object.hasOwn(meta, name)) continue;
      if (!/^[A-Za-z0-9-_.]+$/.test(name))
        throw new ArgumentError('meta', `metadata name ${JSON.stringify(name)} must be [A-Za-z0-9-_.]`);
      h[`${USER_META_PREFIX}${name.toLowerCase()}`] = meta[name]!;
    }
  }
  if (o.storageClass) h[HEADERS.storageClass] = o.storageClass;
  if (o.tagging !== undefined) {
    h[HEADERS.tagging] =
      typeof o.tagging === 'string' ? o.tagging : new URLSearchParams(o.tagging).toString().replace(/\+/g, '%20');
  }
  const raw = o.headers;
  if (raw) for (const name in raw) if (Object.hasOwn(raw, name)) h[name.toLowerCase()] = raw[name]!;
  return h;
}

export function aclHeaders(o: ObjectWriteOptions): Record<string, string> {
  return addAclHeaders({}, o);
}

function addAclHeaders(h: Record<string, string>, o: ObjectWriteOptions): Record<string, string> {
  if (o.acl) h[HEADERS.objectAcl] = o.acl;
  if (o.forbidOverwrite) h[HEADERS.forbidOverwrite] = 'true';
  return h;
}

export function callbackHeaders(
  cb: CallbackOptions | undefined,
  vars: Record<string, string> | undefined,
): Record<string, string> {
  if (!cb) return {};
  if (!cb.url || !cb.body) throw new ArgumentError('callback', 'callback needs url and body');
  const doc: Record<string, string> = { callbackUrl: cb.url, callbackBody: cb.body };
  if (cb.bodyType) doc.callbackBodyType = cb.bodyType;
  if (cb.host) doc.callbackHost = cb.host;
  const h: Record<string, string> = { [HEADERS.callback]: Buffer.from(JSON.stringify(doc)).toString('base64') };
  if (vars && Object.keys(vars).length > 0) {
    const named: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars)) named[k.startsWith('x:') ? k : `x:${k}`] = v;
    h[HEADERS.callbackVar] = Buffer.from(JSON.stringify(named)).toString('base64');
  }
  return h;
}

export function trafficLimitHeader(bitsPerSecond: number | undefined): Record<string, string> {
  if (bitsPerSecond === undefined) return {};
  if (!Number.isInteger(bitsPerSecond) || bitsPerSecond <= 0) {
    throw new ArgumentError('trafficLimit', `trafficLimit must be a positive integer (bits/s), got ${bitsPerSecond}`);
  }
  return { [HEADERS.trafficLimit]: String(bitsPerSecond) };
}

/** The headers of a request that writes an object: its user metadata and ACL. */
export function writeHeaders(o: ObjectWriteOptions): Record<string, string> {
  return addAclHeaders(addMetaHeaders({}, o), o);
}

/** The headers that go with a request body: its traffic limit, and its Content-MD5 when one was taken. */
export function bodyHeaders(o: { trafficLimit?: number; contentMd5?: string }): Record<string, string> {
  return addBodyHeaders({}, o);
}

function addBodyHeaders(
  h: Record<string, string>,
  o: { trafficLimit?: number; contentMd5?: string },
): Record<string, string> {
  if (o.trafficLimit !== undefined) h[HEADERS.trafficLimit] = trafficLimitHeader(o.trafficLimit)[HEADERS.trafficLimit]!;
  if (o.contentMd5) h['content-md5'] = o.contentMd5;
  return h;
}

/**
 * A PutObject's headers, in one object: writeHeaders, then the callback's, then bodyHeaders (a later one wins, as
 * when they were spread together).
 */
export function putHeaders(
  o: ObjectWriteOptions & {
    callback?: CallbackOptions;
    callbackVars?: Record<string, string>;
    trafficLimit?: number;
    contentMd5?: string;
  },
): Record<string, string> {
  const h = addAclHeaders(addMetaHeaders({}, o), o);
  if (o.callback) Object.assign(h, callbackHeaders(o.callback, o.callbackVars));
  return addBodyHeaders(h, o);
}
