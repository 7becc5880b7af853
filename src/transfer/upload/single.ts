// A file within one part goes up in one PutObject. Content-MD5 must be sent before the body, so keeping it means
// reading and hashing the whole file before the first byte leaves (measured: the PUT took ~2x a plain streamed PUT).
// Instead the file is streamed as is while a hashing thread reads and hashes it alongside (MD5 and CRC-64; hashing
// on the main thread, which also feeds the socket, took a third of the PUT's time), and the stored object is checked
// against both from the response: the ETag of a PutObject is the MD5 of the stored bytes, and
// x-oss-hash-crc64ecma their CRC-64. So the object is proven to be the file's bytes. A mismatch means the server
// stored other bytes (or the file changed under us, which the identity check after the response tells apart): the
// object is overwritten with a fresh attempt, and after INTEGRITY_ATTEMPTS it is removed and IntegrityError raised.
// Content-MD5 is still sent up front (hash first, as before) where a wrong object must never exist even briefly:
//   - with a callback: the application's server is told about the object as soon as it is stored;
//   - with forbidOverwrite: a damaged object could not be replaced by the retry;
//   - when a response carries neither a CRC-64 nor an MD5 ETag (e.g. KMS encryption): nothing could be checked
//     after the fact, so that attempt is redone with Content-MD5. No check is ever dropped.
import { crc64ToDecimal } from '../../core/crc64.js';
import { FileChangedError, IntegrityError } from '../../core/errors.js';
import { fileRange, type BodySource, type HeadObjectResult, type PutObjectResult } from '../../client/index.js';
import { hashPool } from '../hash/pool.js';
import { INTEGRITY_ATTEMPTS } from './resend.js';

/** A PutObject ETag that is the MD5 of the object (a plain upload, no KMS): 32 hex digits. */
const MD5_ETAG = /^[0-9A-F]{32}$/;

export function etagIsMd5(etag: string | undefined): boolean {
  return etag !== undefined && MD5_ETAG.test(etag.toUpperCase());
}

/** MD5 and CRC-64 of the file, as the hashing thread read it while it was sent. */
export interface FileDigest {
  md5: Buffer;
  crc64: bigint;
}

export interface PutWhileHashingInput {
  file: string;
  size: number;
  signal?: AbortSignal;
  /** One PutObject of `body` (the file), without Content-MD5. */
  send(body: BodySource): Promise<PutObjectResult>;
  /** After a response (or a failed request), before its checks: throws FileChangedError if the file changed. */
  received(): Promise<void>;
  head(): Promise<HeadObjectResult>;
  remove(): Promise<void>;
}

async function hashFile(input: PutWhileHashingInput): Promise<FileDigest> {
  try {
    return await hashPool().hash(input.file, 0, input.size, { signal: input.signal });
  } catch (err) {
    if ((err as { code?: string }).code === 'ESHORTFILE')
      throw new FileChangedError(input.file, `${input.file} shrank while it was being sent`, { cause: err });
    throw err;
  }
}

/**
 * PutObject of the file hashed while sent; resolves with the digests and the response once the stored object is
 * proven to be those bytes, or undefined when the response carries nothing to prove it by (the caller then sends
 * with Content-MD5). A stored object whose ETag or CRC-64 disagrees is overwritten by another attempt; after the
 * last one it is removed (if it is still ours) and IntegrityError raised.
 */
export async function putWhileHashing(
  input: PutWhileHashingInput,
): Promise<{ digest: FileDigest; res: PutObjectResult } | undefined> {
  for (let attempt = 1; ; attempt++) {
    const hashing = hashFile(input);
    hashing.catch(() => undefined); // awaited below, unless the request failed first
    let res: PutObjectResult;
    try {
      res = await input.send(fileRange(input.file, 0, input.size));
    } catch (err) {
      await input.received(); // a file that shrank or changed is FileChangedError, not a transport error
      throw err;
    }
    const digest = await hashing;
    await input.received();
    if (res.crc64 === undefined && !etagIsMd5(res.etag)) return undefined;
    const md5 = digest.md5.toString('hex').toUpperCase();
    const md5Wrong = etagIsMd5(res.etag) && res.etag.toUpperCase() !== md5;
    const crcWrong = res.crc64 !== undefined && res.crc64 !== digest.crc64;
    if (!md5Wrong && !crcWrong) return { digest, res };
    if (attempt < INTEGRITY_ATTEMPTS) continue; // overwrite the damaged copy
    const head = await input.head().catch(() => undefined);
    if (head?.etag === res.etag) await input.remove().catch(() => undefined);
    if (md5Wrong) {
      throw new IntegrityError(
        'md5',
        md5,
        res.etag,
        `the server stored bytes other than those sent (its ETag ${res.etag} is not their MD5 ${md5}) ${attempt} times (request ${res.requestId}); the damaged object was removed`,
      );
    }
    throw new IntegrityError(
      'crc64',
      crc64ToDecimal(res.crc64!),
      crc64ToDecimal(digest.crc64),
      `the server's CRC-64 ${crc64ToDecimal(res.crc64!)} differs from the local ${crc64ToDecimal(digest.crc64)} after ${attempt} attempts (request ${res.requestId}); the object was removed`,
    );
  }
}
