/**
 * OSS signature V4 (OSS4-HMAC-SHA256): canonical request, StringToSign, signing key, and the header and
 * presigned-URL forms (OSS-PROTOCOL.md §5). Unlike V1, every query parameter is signed.
 */
import { HEADERS, SIGNING } from './dialect.js';
import { createHmac, hash } from 'node:crypto';
import type { Credentials, SignableRequest } from './canonical.js';
import { requireTokenHeader } from './canonical.js';
import { ArgumentError } from './errors.js';
import {
  authorizationValueV4,
  canonicalRequestV4,
  credentialScopeV4,
  formatV4Date,
  normalizeAdditionalHeaders,
  stringToSignFromHashV4,
  V4_ALGORITHM,
  V4_MAX_EXPIRES,
  type V4Scope,
} from './sign-v4-canonical.js';

export {
  authorizationValueV4,
  canonicalQueryV4,
  canonicalRequestV4,
  canonicalUriV4,
  credentialScopeV4,
  formatV4Date,
  normalizeAdditionalHeaders,
  stringToSignFromHashV4,
  UNSIGNED_PAYLOAD,
  V4_ALGORITHM,
  V4_MAX_EXPIRES,
  type V4Scope,
} from './sign-v4-canonical.js';

/** `OSS4-HMAC-SHA256\n<x-oss-date>\n<scope>\n<hex sha256(canonicalRequest)>`. */
export function stringToSignV4(canonicalRequest: string, date: Date, region: string): string {
  // One-shot: no Hash object per request signed.
  return stringToSignFromHashV4(hash('sha256', canonicalRequest, 'hex'), date, region);
}

const NONE: string[] = [];

/** The last signing key derived: it changes once a day per key and region, and every request needs one. */
let lastKey: { secret: string; yyyymmdd: string; region: string; key: Buffer } | undefined;

/** HMAC-SHA256 chain over "aliyun_v4"+secret: date, region, "oss", "aliyun_v4_request". */
export function signingKeyV4(secret: string, yyyymmdd: string, region: string): Buffer {
  const last = lastKey;
  if (last && last.secret === secret && last.yyyymmdd === yyyymmdd && last.region === region) return last.key;
  const key = deriveSigningKeyV4(secret, yyyymmdd, region);
  lastKey = { secret, yyyymmdd, region, key };
  return key;
}

function deriveSigningKeyV4(secret: string, yyyymmdd: string, region: string): Buffer {
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
  const extra = scope.additionalHeaders ? normalizeAdditionalHeaders(scope.additionalHeaders, req.headers) : NONE;
  const sts = stringToSignV4(canonicalRequestV4(req, extra), scope.date, scope.region);
  const signature = signatureV4(creds.accessKeySecret, sts, scope.date, scope.region);
  return authorizationValueV4(creds.accessKeyId, scope.date, scope.region, extra, signature);
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
