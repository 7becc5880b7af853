// A file within one part goes up in one PutObject. Content-MD5 must be sent before the body, so keeping it means
// reading and hashing the whole file before the first byte leaves (measured: the PUT took ~2x a plain streamed PUT).
// Instead the file is hashed while it is sent (MD5 and CRC-64 of exactly the bytes that went out) and the object
// is checked against both from the response: the ETag of a PutObject is the MD5 of the stored bytes, and
// x-oss-hash-crc64ecma their CRC-64. A mismatch means the server stored other bytes: the object is overwritten
// with a fresh attempt, and after INTEGRITY_ATTEMPTS it fails loudly (IntegrityError).
// Content-MD5 is still sent up front (hash first, as before) where a wrong object must never exist even briefly:
//   - with a callback: the application's server is told about the object as soon as it is stored;
//   - with forbidOverwrite: a damaged object could not be replaced by the retry;
//   - when a response carries neither a CRC-64 nor an MD5 ETag (e.g. KMS encryption): nothing could be checked
//     after the fact, so that attempt is redone with Content-MD5. No check is ever dropped.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { Crc64, crc64ToDecimal } from '../../core/crc64.js';
import { IntegrityError } from '../../core/errors.js';
import type { BodySource, HeadObjectResult, PutObjectResult } from '../../client/index.js';
import { INTEGRITY_ATTEMPTS } from './resend.js';

/** A PutObject ETag that is the MD5 of the object (a plain upload, no KMS): 32 hex digits. */
const MD5_ETAG = /^[0-9A-F]{32}$/;

export function etagIsMd5(etag: string | undefined): boolean {
  return etag !== undefined && MD5_ETAG.test(etag.toUpperCase());
}

/** The digests of one attempt's bytes, complete once its stream has ended. */
export interface SentDigest {
  md5: Buffer;
  crc64: bigint;
  bytes: number;
}

/**
 * A replayable file body that hashes what it streams. `last()` is the digest of the most recent attempt (the one
 * whose response is being checked); it throws if that attempt's stream did not reach its end.
 */
export class HashingFileBody implements BodySource {
  readonly size: number;
  private current: HashingStream | undefined;

  constructor(readonly path: string, size: number) {
    this.size = size;
  }

  open(): NodeJS.ReadableStream | Uint8Array {
    this.current = new HashingStream(this.size);
    if (this.size === 0) {
      this.current.end();
      return this.current;
    }
    const file = fs.createReadStream(this.path, { start: 0, end: this.size - 1, highWaterMark: 1024 * 1024 });
    file.on('error', (err) => this.current?.destroy(err));
    return file.pipe(this.current);
  }

  last(): SentDigest {
    const d = this.current?.digest;
    if (!d) throw new Error(`${this.path}: the request body was not sent to its end`);
    return d;
  }
}

class HashingStream extends Transform {
  private readonly md5: Hash = createHash('md5');
  private readonly crc = new Crc64();
  private bytes = 0;
  digest: SentDigest | undefined;

  constructor(private readonly expected: number) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.md5.update(chunk);
    this.crc.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes !== this.expected) {
      done(Object.assign(new Error(`the file ended after ${this.bytes} of ${this.expected} bytes`), { code: 'ESHORTFILE' }));
      return;
    }
    this.digest = { md5: this.md5.digest(), crc64: this.crc.digest(), bytes: this.bytes };
    done();
  }
}

export interface PutWhileHashingInput {
  file: string;
  size: number;
  signal?: AbortSignal;
  /** One PutObject of `body`, without Content-MD5. */
  send(body: BodySource): Promise<PutObjectResult>;
  /** After a response (or a failed request), before its checks: throws FileChangedError if the file changed. */
  received(): Promise<void>;
  head(): Promise<HeadObjectResult>;
  remove(): Promise<void>;
}

/**
 * PutObject of the file hashed while sent; resolves with the digests and the response once the stored object is
 * proven to be those bytes, or undefined when the response carries nothing to prove it by (the caller then sends
 * with Content-MD5). A stored object whose ETag or CRC-64 disagrees is overwritten by another attempt; after the
 * last one it is removed (if it is still ours) and IntegrityError raised.
 */
export async function putWhileHashing(input: PutWhileHashingInput): Promise<{ digest: SentDigest; res: PutObjectResult } | undefined> {
  for (let attempt = 1; ; attempt++) {
    const body = new HashingFileBody(input.file, input.size);
    let res: PutObjectResult;
    try {
      res = await input.send(body);
    } catch (err) {
      await input.received(); // a file that shrank or changed is FileChangedError, not a transport error
      throw err;
    }
    const digest = body.last();
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
      throw new IntegrityError('md5', md5, res.etag,
        `the server stored bytes other than those sent (its ETag ${res.etag} is not their MD5 ${md5}) ${attempt} times (request ${res.requestId}); the damaged object was removed`);
    }
    throw new IntegrityError('crc64', crc64ToDecimal(res.crc64!), crc64ToDecimal(digest.crc64),
      `the server's CRC-64 ${crc64ToDecimal(res.crc64!)} differs from the local ${crc64ToDecimal(digest.crc64)} after ${attempt} attempts (request ${res.requestId}); the object was removed`);
  }
}
