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
import { Crc64 } from '../../core/crc64.js';
import type { BodySource } from '../../client/body.js';

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
