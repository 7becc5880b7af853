// A file within one part goes up in one PutObject. Content-MD5 must be sent before the body, so keeping it means
// reading and hashing the whole file before the first byte leaves (measured: the PUT took ~2x a plain streamed PUT).
// Instead the file is streamed as is and each chunk is hashed (MD5 and CRC-64) once the socket has it, on the event
// loop while the kernel and the server work on that chunk (with node:http feeding the socket this took a third of
// the PUT's time and a hashing thread reading the file alongside was faster; with the lean HTTP client the loop has
// the room, and the thread's start-up and second read of the file are gone: figures in BENCHMARKS.md, issue 15). The
// stored object is checked against both digests from the response: the ETag of a PutObject is the MD5 of the stored bytes, and
// x-oss-hash-crc64ecma their CRC-64. So the object is proven to be the file's bytes. A mismatch means the server
// stored other bytes (or the file changed under us, which the identity check after the response tells apart): the
// object is overwritten with a fresh attempt, and after INTEGRITY_ATTEMPTS it is removed and IntegrityError raised.
// Content-MD5 is still sent up front (hash first, as before) where a wrong object must never exist even briefly:
//   - with a callback: the application's server is told about the object as soon as it is stored;
//   - with forbidOverwrite: a damaged object could not be replaced by the retry;
//   - when a response carries neither a CRC-64 nor an MD5 ETag (e.g. KMS encryption): nothing could be checked
//     after the fact, so that attempt is redone with Content-MD5. No check is ever dropped.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Crc64, crc64, crc64ToDecimal } from '../../core/crc64.js';
import { FileChangedError, IntegrityError } from '../../core/errors.js';
import type { BodySource, HeadObjectResult, PutObjectResult } from '../../client/index.js';
import { hashPool } from '../hash/pool.js';
import { INTEGRITY_ATTEMPTS } from './resend.js';

/** A PutObject ETag that is the MD5 of the object (a plain upload, no KMS): 32 hex digits. */
const MD5_ETAG = /^[0-9A-F]{32}$/;

export function etagIsMd5(etag: string | undefined): boolean {
  return etag !== undefined && MD5_ETAG.test(etag.toUpperCase());
}

/** MD5 and CRC-64 of the file, of the bytes that were sent. */
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
 * The file as a request body whose every attempt takes MD5 and CRC-64 of exactly the bytes it hands to the
 * socket, on this thread as they go out (still in cache from the read). `digest()` is that of the last attempt
 * opened, once it was read to its end.
 */
function hashedAsSent(file: string, size: number): { source: BodySource; digest(): FileDigest | undefined } {
  let last: { md5: Hash; crc: Crc64; done: boolean } | undefined;
  const source: BodySource = {
    size,
    path: file,
    open: () => {
      const attempt = { md5: createHash('md5'), crc: new Crc64(), done: false };
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
          attempt.md5.update(chunk);
          attempt.crc.update(chunk);
        }
        attempt.done = read === size;
      }
    },
  };
  return {
    source,
    digest: () => (last?.done ? { md5: last.md5.digest(), crc64: last.crc.digest() } : undefined),
  };
}

/**
 * Files up to this size are read whole, in one read, and hashed before they are sent: the request is one write of
 * bytes already hashed. For a small file the stream, its chunks and its hashing-as-sent cost more CPU than the
 * bytes (issue 27: a 4 KiB file's upload was ~2 ms of client CPU).
 */
const WHOLE_READ_LIMIT = 256 * 1024;

/** The whole file as the body, with its digests: what is sent is exactly the buffer that was hashed. */
async function readWhole(file: string, size: number): Promise<{ source: BodySource; digest(): FileDigest }> {
  const bytes = await readFile(file);
  if (bytes.length !== size)
    throw new FileChangedError(file, `${file} changed while it was being read (${bytes.length} bytes, not ${size})`);
  const digest = { md5: createHash('md5').update(bytes).digest(), crc64: crc64(bytes) };
  return { source: { size, path: file, open: () => bytes }, digest: () => digest };
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
    const body =
      input.size <= WHOLE_READ_LIMIT ? await readWhole(input.file, input.size) : hashedAsSent(input.file, input.size);
    let res: PutObjectResult;
    try {
      res = await input.send(body.source);
    } catch (err) {
      await input.received(); // a file that shrank or changed is FileChangedError, not a transport error
      throw err;
    }
    // The digest of the attempt that was answered (the last one opened), unless it was not read to its end (the
    // server answered early): then read the file again on a hashing thread.
    const digest = body.digest() ?? (await hashFile(input));
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
