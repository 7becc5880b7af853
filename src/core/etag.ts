/**
 * OSS ETags: the upper-case hex MD5 of the content, and for multipart objects
 * upper(hex(MD5(concatenated upper-case hex part MD5s)))-<count> (OSS-PROTOCOL.md §2; not S3's formula,
 * which hashes the binary digests).
 */
import { createHash } from 'node:crypto';
import { ArgumentError } from './errors.js';

/** Upper-case hex MD5 of `buf`. */
export function md5Hex(buf: Uint8Array | string): string {
  return createHash('md5').update(buf).digest('hex').toUpperCase();
}

/** Base64 MD5, the Content-MD5 header form. */
export function md5Base64(buf: Uint8Array | string): string {
  return createHash('md5').update(buf).digest('base64');
}

/** The ETag of a completed multipart object from its parts' MD5s (hex, in part order). */
export function multipartEtag(partMd5HexList: readonly string[]): string {
  if (partMd5HexList.length === 0) throw new ArgumentError('parts', 'a multipart ETag needs at least one part');
  const joined = partMd5HexList
    .map((h) => {
      const t = unquoteEtag(h);
      if (!/^[0-9A-Fa-f]{32}$/.test(t)) throw new ArgumentError('parts', `not an MD5 hex ETag: ${JSON.stringify(h)}`);
      return t.toUpperCase();
    })
    .join('');
  return `${md5Hex(joined)}-${partMd5HexList.length}`;
}

/** Removes surrounding quotes (as in the ETag header and XML) and whitespace; leaves case alone. */
export function unquoteEtag(etag: string): string {
  const t = etag.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Adds the quotes OSS puts around an ETag (idempotent). */
export function quoteEtag(etag: string): string {
  return `"${unquoteEtag(etag)}"`;
}

/** Hex MD5 -> base64 (Content-MD5) form. */
export function md5HexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
