// OSS signature V4 on WebCrypto, for pages. The canonical request and the text around the hashes are core's
// (core/sign-v4-canonical.ts), the very functions Node's signer and the embedded server use; only the SHA-256 and
// HMAC calls differ, and WebCrypto's are asynchronous.
import type { Credentials, SignableRequest } from '../core/canonical.js';
import { SIGNING } from '../core/dialect.js';
import {
  authorizationValueV4,
  canonicalRequestV4,
  formatV4Date,
  normalizeAdditionalHeaders,
  stringToSignFromHashV4,
  UNSIGNED_PAYLOAD,
} from '../core/sign-v4-canonical.js';

/** What a request looks like before it is signed: core's SignableRequest (lower-case header names). */
export type UnsignedRequest = SignableRequest;

const utf8 = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new Error('WebCrypto (crypto.subtle) is not available: pages need a secure context (https or localhost)');
  return s;
}

type SubtleCrypto = NonNullable<typeof globalThis.crypto>['subtle'];

function hex(bytes: ArrayBuffer): string {
  let out = '';
  for (const b of new Uint8Array(bytes)) out += b.toString(16).padStart(2, '0');
  return out;
}

async function hmac(key: Uint8Array | ArrayBuffer, data: string): Promise<ArrayBuffer> {
  const k = await subtle().importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return subtle().sign('HMAC', k, utf8.encode(data));
}

/** The signing key is the same all day for one secret and region: kept, so a request costs two digests, not six. */
let lastKey: { id: string; key: ArrayBuffer } | undefined;

async function signingKey(secret: string, day: string, region: string): Promise<ArrayBuffer> {
  const id = `${day}\n${region}\n${secret}`;
  if (lastKey?.id === id) return lastKey.key;
  let key = await hmac(utf8.encode(`${SIGNING.v4KeyPrefix}${secret}`), day);
  key = await hmac(key, region);
  key = await hmac(key, SIGNING.v4Service);
  key = await hmac(key, SIGNING.v4Terminator);
  lastKey = { id, key };
  return key;
}

/**
 * Headers to send for `req` signed with `creds` at `date`: x-oss-date, x-oss-content-sha256, the STS token and
 * Authorization, added to a copy of req.headers. Same result as Node's client/sign.ts for the same input.
 */
export async function signV4(
  req: UnsignedRequest,
  creds: Credentials,
  region: string,
  date: Date,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { ...req.headers };
  if (creds.securityToken) headers['x-oss-security-token'] = creds.securityToken;
  headers['x-oss-date'] = formatV4Date(date);
  headers['x-oss-content-sha256'] = UNSIGNED_PAYLOAD;
  const signable: SignableRequest = { method: req.method, bucket: req.bucket, key: req.key, query: req.query, headers };
  const extra = normalizeAdditionalHeaders([], headers);
  const canonical = canonicalRequestV4(signable, extra);
  const hash = hex(await subtle().digest('SHA-256', utf8.encode(canonical)));
  const stringToSign = stringToSignFromHashV4(hash, date, region);
  const key = await signingKey(creds.accessKeySecret, formatV4Date(date).slice(0, 8), region);
  const signature = hex(await hmac(key, stringToSign));
  headers.authorization = authorizationValueV4(creds.accessKeyId, date, region, extra, signature);
  return headers;
}
