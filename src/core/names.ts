/**
 * Bucket-name and object-key validation, shared so the client can refuse early what the server would refuse.
 * Each validator returns null when the name is fine, else a human-readable reason.
 */
import { hasLoneSurrogate } from './encode.js';

const utf8 = new TextEncoder();

/** A `.` or `..` segment between slashes or at either end. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Longest object key in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1023;

/** null when `name` is a valid bucket name: 3..63 of [a-z0-9-], starting and ending with a letter or digit. */
export function validateBucketName(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'bucket name is empty';
  if (name.length < 3 || name.length > 63) return `bucket name must be 3 to 63 characters long (got ${name.length})`;
  if (!/^[a-z0-9-]+$/.test(name)) return 'bucket name may contain only lower-case letters, digits and hyphens';
  if (name.startsWith('-') || name.endsWith('-')) return 'bucket name must start and end with a letter or digit';
  return null;
}

/**
 * null when `key` is a valid object key: 1..1023 UTF-8 bytes, not starting with `/` or `\`.
 * Stricter than OSS on purpose in three ways:
 * - NUL and lone surrogates: they have no faithful UTF-8 / XML form, so such a key could not round-trip
 *   through listings or be written as a local file name on download.
 * - a `.` or `..` path segment: OSS would store `a/../b` as an opaque string, but every tool that maps keys
 *   to paths (ours included, on download) would either resolve it outside the target directory or silently
 *   rename it. Refusing is the honest choice; the embedded server refuses the same keys so both ends agree.
 */
export function validateObjectKey(key: string): string | null {
  if (typeof key !== 'string' || key.length === 0) return 'object key is empty';
  if (hasLoneSurrogate(key)) return 'object key is not valid Unicode (unpaired surrogate)';
  // A UTF-16 unit is at most 3 UTF-8 bytes (a pair, 4): a key this short cannot be too long, and is not encoded.
  if (key.length > MAX_KEY_BYTES / 3) {
    const bytes = utf8.encode(key).length;
    if (bytes > MAX_KEY_BYTES) return `object key is ${bytes} bytes in UTF-8; the limit is ${MAX_KEY_BYTES}`;
  }
  if (key.startsWith('/') || key.startsWith('\\')) return 'object key must not start with / or \\';
  if (key.includes('\u0000')) return 'object key must not contain NUL';
  if (DOT_SEGMENT.test(key)) return 'object key must not contain a "." or ".." path segment';
  return null;
}
