/**
 * OSS signature V1: HMAC-SHA1 over VERB, Content-MD5, Content-Type, Date, CanonicalizedOSSHeaders and
 * CanonicalizedResource (OSS-PROTOCOL.md §5), in header form and presigned-URL form.
 */
import { HEADERS, HEADER_PREFIX, SIGNING } from './dialect.js';
import { createHmac } from 'node:crypto';
import type { Credentials, SignableRequest } from './canonical.js';
import { isV1SubResource, requireTokenHeader } from './canonical.js';
import { ArgumentError } from './errors.js';

/** Every x-oss-* header, lower-cased, value trimmed, sorted, each `name:value\n`. */
export function canonicalizedOssHeadersV1(headers: Record<string, string>): string {
  const picked: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(HEADER_PREFIX)) picked.push([lower, String(value).trim()]);
  }
  picked.sort((a, b) => compareStrings(a[0], b[0]));
  return picked.map(([n, v]) => `${n}:${v}\n`).join('');
}

/** `/bucket/key` with the decoded key (`/` service, `/bucket/` bucket), then `?` and the sorted sub-resources. */
export function canonicalizedResourceV1(req: Pick<SignableRequest, 'bucket' | 'key' | 'query'>): string {
  let resource = '/';
  if (req.bucket !== undefined && req.bucket !== '') {
    resource = `/${req.bucket}/${req.key ?? ''}`;
  }
  const subs = req.query.filter(([name]) => isV1SubResource(name));
  if (subs.length === 0) return resource;
  const sorted = [...subs].sort((a, b) => compareStrings(a[0], b[0]) || compareStrings(a[1], b[1]));
  return `${resource}?${sorted.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&')}`;
}

function header(req: SignableRequest, name: string): string {
  return req.headers[name] ?? '';
}

/** StringToSign with an explicit Date slot (header date, or Expires for presigned URLs). */
function stringToSignWithDate(req: SignableRequest, dateSlot: string): string {
  return [
    req.method.toUpperCase(),
    header(req, 'content-md5'),
    header(req, 'content-type'),
    dateSlot,
    canonicalizedOssHeadersV1(req.headers) + canonicalizedResourceV1(req),
  ].join('\n');
}

/** V1 StringToSign of a header-signed request; the Date slot is x-oss-date if present, else date. */
export function stringToSignV1(req: SignableRequest): string {
  return stringToSignWithDate(req, req.headers[HEADERS.date] ?? header(req, 'date'));
}

/**
 * V1 StringToSign of a presigned request: Expires fills the Date slot. The server passes the request's
 * query as received; OSSAccessKeyId, Expires and Signature are not sub-resources, security-token is.
 */
export function presignedStringToSignV1(req: SignableRequest, expires: string | number): string {
  return stringToSignWithDate(req, String(expires));
}

/** base64(HMAC-SHA1(secret, stringToSign)). */
export function signatureV1(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** The Authorization header value: `OSS <AccessKeyId>:<signature>`. */
export function authorizationV1(req: SignableRequest, creds: Credentials): string {
  requireTokenHeader(req, creds);
  return `${SIGNING.v1Scheme} ${creds.accessKeyId}:${signatureV1(creds.accessKeySecret, stringToSignV1(req))}`;
}

/** Query pairs (decoded) to append for a presigned V1 URL: OSSAccessKeyId, Expires, Signature, security-token. */
export function presignV1(
  req: SignableRequest,
  creds: Credentials,
  expiresUnixSeconds: number,
): Array<[string, string]> {
  if (!Number.isSafeInteger(expiresUnixSeconds) || expiresUnixSeconds <= 0) {
    throw new ArgumentError('expires', `Expires must be a positive integer (unix seconds), got ${expiresUnixSeconds}`);
  }
  const token = creds.securityToken || undefined;
  const signed: SignableRequest =
    token === undefined || req.query.some(([k]) => k === 'security-token')
      ? req
      : { ...req, query: [...req.query, ['security-token', token]] };
  const signature = signatureV1(creds.accessKeySecret, presignedStringToSignV1(signed, expiresUnixSeconds));
  const pairs: Array<[string, string]> = [
    ['OSSAccessKeyId', creds.accessKeyId],
    ['Expires', String(expiresUnixSeconds)],
    ['Signature', signature],
  ];
  if (token !== undefined && signed !== req) pairs.push(['security-token', token]);
  return pairs;
}

/** The parts of a V1 Authorization header, or null when it is not `OSS ak:signature`. */
export function parseAuthorizationV1(value: string): { accessKeyId: string; signature: string } | null {
  const m = /^(\S+) ([^:\s]+):(\S+)$/.exec(value.trim());
  return m && m[1] === SIGNING.v1Scheme ? { accessKeyId: m[2]!, signature: m[3]! } : null;
}

/** Byte-order (UTF-16 code unit) comparison, as the SDKs' sort.Strings / Array.sort do. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
