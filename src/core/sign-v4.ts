/**
 * OSS signature V4 (OSS4-HMAC-SHA256): canonical request, StringToSign, signing key, and the header and
 * presigned-URL forms (OSS-PROTOCOL.md §5). Unlike V1, every query parameter is signed.
 */
import { HEADERS, HEADER_PREFIX, SIGNING } from './dialect.js';
import { createHash, createHmac } from 'node:crypto';
import type { Credentials, SignableRequest } from './canonical.js';
import { requireTokenHeader } from './canonical.js';
import { percentEncode } from './encode.js';
import { ArgumentError } from './errors.js';

/** The V4 algorithm name, in Authorization and x-oss-signature-version. */
export const V4_ALGORITHM = SIGNING.v4Algorithm;
/** Payload hash OSS V4 uses: the body is not hashed. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Longest lifetime of a presigned V4 URL, seconds (7 days). */
export const V4_MAX_EXPIRES = 604800;

/** Date and region that scope a V4 signature, plus extra headers to sign. */
export interface V4Scope {
  /** Signing time; its UTC day is part of the scope. */
  date: Date;
  /** Region without the `oss-` prefix, e.g. cn-hangzhou. */
  region: string;
  /** Further headers to sign beyond x-oss-*, content-type and content-md5. */
  additionalHeaders?: string[];
}

/** `YYYYMMDDTHHMMSSZ` in UTC, the x-oss-date form. */
export function formatV4Date(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** `<YYYYMMDD>/<region>/oss/aliyun_v4_request`. */
export function credentialScopeV4(date: Date, region: string): string {
  return `${formatV4Date(date).slice(0, 8)}/${region}/${SIGNING.v4Service}/${SIGNING.v4Terminator}`;
}

function isDefaultSigned(name: string): boolean {
  return name === 'content-type' || name === 'content-md5' || name.startsWith(HEADER_PREFIX);
}

/**
 * The additional-header list as signed: lower-cased, deduplicated, without names that are signed anyway
 * (x-oss-*, content-type, content-md5) or absent from the request, sorted. Same rule as ali-oss and Go v2.
 */
export function normalizeAdditionalHeaders(names: readonly string[], headers: Record<string, string>): string[] {
  const set = new Set<string>();
  for (const n of names) {
    const lower = n.trim().toLowerCase();
    if (lower !== '' && !isDefaultSigned(lower) && headers[lower] !== undefined) set.add(lower);
  }
  return [...set].sort();
}

/** `/bucket/key` percent-encoded except `/` (`/` for service level, `/bucket/` for bucket level). */
export function canonicalUriV4(bucket?: string, key?: string): string {
  if (bucket === undefined || bucket === '') return '/';
  return percentEncode(`/${bucket}/${key ?? ''}`, true);
}

/** Every query pair encoded, sorted by encoded name then value, `k=v` or bare `k`; x-oss-signature excluded. */
export function canonicalQueryV4(query: ReadonlyArray<readonly [string, string]>): string {
  return query
    .filter(([k]) => k !== HEADERS.signature)
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&');
}

/**
 * The canonical request. `additionalHeaders` is normalized here (see normalizeAdditionalHeaders) so the
 * server may pass the list straight from the Authorization header or x-oss-additional-headers.
 */
export function canonicalRequestV4(req: SignableRequest, additionalHeaders: string[]): string {
  const extra = normalizeAdditionalHeaders(additionalHeaders, req.headers);
  const signed: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (isDefaultSigned(lower) || extra.includes(lower)) signed.push([lower, String(value).trim()]);
  }
  signed.sort((a, b) => cmp(a[0], b[0]));
  return [
    req.method.toUpperCase(),
    canonicalUriV4(req.bucket, req.key),
    canonicalQueryV4(req.query),
    signed.map(([n, v]) => `${n}:${v}\n`).join(''),
    extra.join(';'),
    req.headers[HEADERS.contentSha256] ?? UNSIGNED_PAYLOAD,
  ].join('\n');
}

/** `OSS4-HMAC-SHA256\n<x-oss-date>\n<scope>\n<hex sha256(canonicalRequest)>`. */
export function stringToSignV4(canonicalRequest: string, date: Date, region: string): string {
  const hash = createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  return `${V4_ALGORITHM}\n${formatV4Date(date)}\n${credentialScopeV4(date, region)}\n${hash}`;
}

/** HMAC-SHA256 chain over "aliyun_v4"+secret: date, region, "oss", "aliyun_v4_request". */
export function signingKeyV4(secret: string, yyyymmdd: string, region: string): Buffer {
  let key = createHmac('sha256', `${SIGNING.v4KeyPrefix}${secret}`).update(yyyymmdd).digest();
  key = createHmac('sha256', key).update(region).digest();
  key = createHmac('sha256', key).update(SIGNING.v4Service).digest();
  return createHmac('sha256', key).update(SIGNING.v4Terminator).digest();
}

/** Hex signature of a V4 StringToSign. */
export function signatureV4(secret: string, stringToSign: string, date: Date, region: string): string {
  const key = signingKeyV4(secret, formatV4Date(date).slice(0, 8), region);
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/**
 * The Authorization header value. The caller must already have set x-oss-date (matching scope.date),
 * x-oss-content-sha256 and, for STS credentials, x-oss-security-token; the input is never mutated.
 */
export function authorizationV4(req: SignableRequest, creds: Credentials, scope: V4Scope): string {
  const expectedDate = formatV4Date(scope.date);
  if (req.headers[HEADERS.date] !== expectedDate) {
    throw new ArgumentError(HEADERS.date, `x-oss-date must be set to ${expectedDate} before V4 signing`);
  }
  requireTokenHeader(req, creds);
  const extra = normalizeAdditionalHeaders(scope.additionalHeaders ?? [], req.headers);
  const sts = stringToSignV4(canonicalRequestV4(req, extra), scope.date, scope.region);
  const signature = signatureV4(creds.accessKeySecret, sts, scope.date, scope.region);
  const credential = `${creds.accessKeyId}/${credentialScopeV4(scope.date, scope.region)}`;
  const additional = extra.length > 0 ? `AdditionalHeaders=${extra.join(';')},` : '';
  return `${V4_ALGORITHM} Credential=${credential},${additional}Signature=${signature}`;
}

/** Query pairs (decoded) to append for a presigned V4 URL; x-oss-signature comes last. */
export function presignV4(
  req: SignableRequest,
  creds: Credentials,
  scope: V4Scope,
  expiresSeconds: number,
): Array<[string, string]> {
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > V4_MAX_EXPIRES) {
    throw new ArgumentError(
      'expires',
      `x-oss-expires must be an integer in 1..${V4_MAX_EXPIRES}, got ${expiresSeconds}`,
    );
  }
  const extra = normalizeAdditionalHeaders(scope.additionalHeaders ?? [], req.headers);
  const pairs: Array<[string, string]> = [
    [HEADERS.signatureVersion, V4_ALGORITHM],
    [HEADERS.credential, `${creds.accessKeyId}/${credentialScopeV4(scope.date, scope.region)}`],
    [HEADERS.date, formatV4Date(scope.date)],
    [HEADERS.expires, String(expiresSeconds)],
  ];
  if (extra.length > 0) pairs.push([HEADERS.additionalHeaders, extra.join(';')]);
  if (creds.securityToken) pairs.push([HEADERS.securityToken, creds.securityToken]);
  const signedReq: SignableRequest = { ...req, query: [...req.query, ...pairs] };
  const sts = stringToSignV4(canonicalRequestV4(signedReq, extra), scope.date, scope.region);
  pairs.push([HEADERS.signature, signatureV4(creds.accessKeySecret, sts, scope.date, scope.region)]);
  return pairs;
}

/** Fields of a V4 Authorization header. */
export interface ParsedAuthorizationV4 {
  /** AccessKey ID from Credential. */
  accessKeyId: string;
  /** YYYYMMDD from Credential. */
  date: string;
  /** Region from Credential. */
  region: string;
  /** AdditionalHeaders, split on `;` ([] when absent). */
  additionalHeaders: string[];
  /** Hex signature. */
  signature: string;
}

/**
 * Parses `OSS4-HMAC-SHA256 Credential=ak/date/region/oss/aliyun_v4_request[,AdditionalHeaders=a;b],Signature=hex`
 * (a space after each comma is tolerated). Null when malformed: the server answers InvalidArgument.
 */
export function parseAuthorizationV4(value: string): ParsedAuthorizationV4 | null {
  const prefix = `${V4_ALGORITHM} `;
  if (!value.startsWith(prefix)) return null;
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  if (credential === undefined || signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) return null;
  const m = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(credential);
  if (!m || m[4] !== SIGNING.v4Service || m[5] !== SIGNING.v4Terminator) return null;
  const extra = fields.get('AdditionalHeaders');
  return {
    accessKeyId: m[1]!,
    date: m[2]!,
    region: m[3]!,
    additionalHeaders: extra ? extra.split(';').filter((h) => h !== '') : [],
    signature,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
