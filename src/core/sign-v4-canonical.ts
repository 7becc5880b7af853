/**
 * The pure half of OSS signature V4: constants, canonical request and the text around the hashes, with no hashing
 * of its own. Node's signer (sign-v4.ts) hashes with node:crypto, the browser's (src/browser/sign.ts) with
 * WebCrypto, both over these functions, so the two can never canonicalise differently.
 */
import type { SignableRequest } from './canonical.js';
import { HEADERS, HEADER_PREFIX, SIGNING } from './dialect.js';
import { percentEncode } from './encode.js';

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
  // Called several times for every request signed, and requests come many to a second: the last one is kept.
  const second = Math.floor(d.getTime() / 1000);
  if (second === lastV4Date.second) return lastV4Date.text;
  // 2026-12-06T13:10:56.123Z -> 20261206T131056Z, by position.
  const iso = d.toISOString();
  const text =
    iso.length !== 24
      ? iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '') // years beyond 9999
      : `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  lastV4Date = { second, text };
  return text;
}

let lastV4Date = { second: Number.NaN, text: '' };

/** `<YYYYMMDD>/<region>/oss/aliyun_v4_request`. */
export function credentialScopeV4(date: Date, region: string): string {
  const day = formatV4Date(date).slice(0, 8);
  // Twice per request signed, the same text all day: the last one is kept.
  if (day === lastScope.day && region === lastScope.region) return lastScope.text;
  const text = `${day}/${region}/${SIGNING.v4Service}/${SIGNING.v4Terminator}`;
  lastScope = { day, region, text };
  return text;
}

let lastScope = { day: '', region: '', text: '' };

function isDefaultSigned(name: string): boolean {
  return name === 'content-type' || name === 'content-md5' || name.startsWith(HEADER_PREFIX);
}

/**
 * The additional-header list as signed: lower-cased, deduplicated, without names that are signed anyway
 * (x-oss-*, content-type, content-md5) or absent from the request, sorted. Same rule as ali-oss and Go v2.
 */
export function normalizeAdditionalHeaders(names: readonly string[], headers: Record<string, string>): string[] {
  if (names.length === 0) return [];
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
  const extra = additionalHeaders.length > 0 ? normalizeAdditionalHeaders(additionalHeaders, req.headers) : [];
  // Every request is signed: one pass over the names, one array of the signed ones (lower-case as given, which
  // is the rule for a request's headers; any other name is lower-cased and paired with its value).
  const signed: Array<string | [string, string]> = [];
  const headers = req.headers;
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (isDefaultSigned(lower) || (extra.length > 0 && extra.includes(lower)))
      signed.push(lower === name ? name : [lower, headers[name]!]);
  }
  signed.sort(byName);
  let lines = '';
  for (const e of signed)
    lines += typeof e === 'string' ? `${e}:${String(headers[e]).trim()}\n` : `${e[0]}:${String(e[1]).trim()}\n`;
  const query = req.query.length > 0 ? canonicalQueryV4(req.query) : '';
  return `${req.method.toUpperCase()}\n${canonicalUriV4(req.bucket, req.key)}\n${query}\n${lines}\n${extra.join(';')}\n${
    req.headers[HEADERS.contentSha256] ?? UNSIGNED_PAYLOAD
  }`;
}

/** `OSS4-HMAC-SHA256\n<x-oss-date>\n<scope>\n<hash>`, given the hex SHA-256 of the canonical request. */
export function stringToSignFromHashV4(canonicalRequestHash: string, date: Date, region: string): string {
  return `${V4_ALGORITHM}\n${formatV4Date(date)}\n${credentialScopeV4(date, region)}\n${canonicalRequestHash}`;
}

/** The Authorization header value around a computed signature; `extra` is the normalized additional-header list. */
export function authorizationValueV4(
  accessKeyId: string,
  date: Date,
  region: string,
  extra: readonly string[],
  signature: string,
): string {
  const additional = extra.length > 0 ? `AdditionalHeaders=${extra.join(';')},` : '';
  return `${V4_ALGORITHM} Credential=${accessKeyId}/${credentialScopeV4(date, region)},${additional}Signature=${signature}`;
}

function byName(a: string | [string, string], b: string | [string, string]): number {
  return cmp(typeof a === 'string' ? a : a[0], typeof b === 'string' ? b : b[0]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
