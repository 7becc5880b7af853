// A file within one part goes up in one PutObject. Content-MD5 must be sent before the body, so keeping it means
// reading and hashing the whole file before the first byte leaves (measured: the PUT took ~2x a plain streamed PUT).
// Instead the file is streamed as is and each chunk's CRC-64 is taken once the socket has it, on the event
// loop while the kernel and the server work on that chunk (with node:http feeding the socket this took a third of
// the PUT's time and a hashing thread reading the file alongside was faster; with the lean HTTP client the loop has
// the room, and the thread's start-up and second read of the file are gone: figures in BENCHMARKS.md, issue 15). The
// stored object is checked against it from the response (x-oss-hash-crc64ecma is the CRC-64 of the stored bytes; a
// response without one but with an MD5 ETag is checked against the file's MD5, read again on a hashing thread). So
// the object is proven to be the file's bytes (DESIGN.md, "Integrity by CRC-64"). A mismatch means the server
// stored other bytes (or the file changed under us, which the identity check after the response tells apart): the
// object is overwritten with a fresh attempt, and after INTEGRITY_ATTEMPTS it is removed and IntegrityError raised.
// Content-MD5 is still sent up front (hash first, as before) where a wrong object must never exist even briefly:
//   - with a callback: the application's server is told about the object as soon as it is stored;
//   - with forbidOverwrite: a damaged object could not be replaced by the retry;
//   - when a response carries neither a CRC-64 nor an MD5 ETag (e.g. KMS encryption): nothing could be checked
//     after the fact, so that attempt is redone with Content-MD5. No check is ever dropped.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Crc64, crc64ToDecimal } from '../../core/crc64.js';
import { FileChangedError, IntegrityError } from '../../core/errors.js';
import type { BodySource, HeadObjectResult, PutObjectResult } from '../../client/index.js';
import { hashPool } from '../hash/pool.js';
import { INTEGRITY_ATTEMPTS } from './resend.js';

/** A PutObject ETag that is the MD5 of the object (a plain upload, no KMS): 32 hex digits. */
const MD5_ETAG = /^[0-9A-F]{32}$/;

export function etagIsMd5(etag: string | undefined): boolean {
  return etag !== undefined && MD5_ETAG.test(etag.toUpperCase());
}

/** CRC-64 (and MD5, empty when not taken) of the file, of the bytes that were sent. */
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

/** Bytes per read of the file being sent (and hashed). */
const SEND_CHUNK = 1024 * 1024;

/**
 * The file as a request body whose every attempt takes the CRC-64 of exactly the bytes it hands to the socket, on
 * this thread as they go out (still in cache from the read). `digest()` is that of the last attempt opened, once it
 * was read to its end.
 */
function hashedAsSent(file: string, size: number): { source: BodySource; digest(): FileDigest | undefined } {
  let last: { crc: Crc64; done: boolean } | undefined;
  const source: BodySource = {
    size,
    path: file,
    open: () => {
      const attempt = { crc: new Crc64(), done: false };
      last = attempt;
      return Readable.from(
        hashing(createReadStream(file, { start: 0, end: Math.max(0, size - 1), highWaterMark: SEND_CHUNK })),
      );
      async function* hashing(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        if (size === 0) {
          attempt.done = true;
          return;
        }
        let read = 0;
        for await (const chunk of stream) {
          read += chunk.length;
          yield chunk;
          // Hashed once the socket has it: the kernel and the server work on this chunk meanwhile.
          attempt.crc.update(chunk);
        }
        attempt.done = read === size;
      }
    },
  };
  return {
    source,
    digest: () => (last?.done ? { md5: Buffer.alloc(0), crc64: last.crc.digest() } : undefined),
  };
}

async function hashFile(input: PutWhileHashingInput, md5: boolean): Promise<FileDigest> {
  try {
    return await hashPool().hash(input.file, 0, input.size, { signal: input.signal, crcOnly: !md5 });
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
    const body = hashedAsSent(input.file, input.size);
    let res: PutObjectResult;
    try {
      res = await input.send(body.source);
    } catch (err) {
      await input.received(); // a file that shrank or changed is FileChangedError, not a transport error
      throw err;
    }
    // The digest of the attempt that was answered (the last one opened), unless it was not read to its end (the
    // server answered early) or the response has only an MD5 ETag to check: then read the file again on a hashing
    // thread.
    if (res.crc64 === undefined && !etagIsMd5(res.etag)) {
      await input.received();
      return undefined;
    }
    const byMd5 = res.crc64 === undefined;
    const digest = (byMd5 ? undefined : body.digest()) ?? (await hashFile(input, byMd5));
    await input.received();
    const md5 = digest.md5.toString('hex').toUpperCase();
    const md5Wrong = byMd5 && res.etag.toUpperCase() !== md5;
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
