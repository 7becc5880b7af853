// The first pass over a part: MD5 (sent as Content-MD5, so the server rejects bytes that differ from what we
// hashed) and CRC-64 (compared with the server's x-oss-hash-crc64ecma). Reads in fixed-size chunks, so memory is
// bounded whatever the part size; parts up to BUFFER_LIMIT are kept in memory and sent from there (one read).
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Crc64 } from '../../core/crc64.js';
import { abortError } from '../../core/errors.js';

/** Parts at or below this size are read once and sent from memory (see the report in hash.ts's caller). */
export const BUFFER_LIMIT = 8 * 1024 * 1024;
/** Bytes per read while hashing. */
export const CHUNK = 1024 * 1024;

export interface RangeDigest {
  md5: Buffer;
  crc64: bigint;
  /** The bytes themselves, when the range was small enough to keep. */
  data?: Buffer;
}

/**
 * The chunk loop every range hasher shares: where each read goes, the digests over exactly the bytes read, and the
 * short-file check. The reads are the caller's, so the same loop serves the async hasher below and the synchronous
 * one on the hashing threads (worker.ts). With `data`, the bytes land there; otherwise in `scratch`.
 */
export class RangeHashing {
  /** Absent when only the CRC-64 is wanted (checking a part against the CRC-64 the server lists). */
  private readonly md5: Hash | undefined;
  private readonly crc = new Crc64();
  private done = 0;

  constructor(
    readonly file: string,
    readonly start: number,
    readonly length: number,
    private readonly data: Buffer | undefined,
    private readonly scratch: Buffer | undefined = data
      ? undefined
      : Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, length))),
    opts: { crcOnly?: boolean } = {},
  ) {
    this.md5 = opts.crcOnly ? undefined : createHash('md5');
  }

  get finished(): boolean {
    return this.done >= this.length;
  }

  /** The buffer the next read fills, and the file position it reads from. */
  next(): { target: Buffer; position: number } {
    const want = Math.min(CHUNK, this.length - this.done);
    const target = this.data ? this.data.subarray(this.done, this.done + want) : this.scratch!.subarray(0, want);
    return { target, position: this.start + this.done };
  }

  /** Account for a read of `bytesRead` bytes into `target`; none means the file ended early (it changed). */
  took(target: Buffer, bytesRead: number): void {
    if (bytesRead === 0) {
      throw Object.assign(
        new Error(`${this.file} ended at ${this.start + this.done}, expected ${this.start + this.length} bytes`),
        { code: 'ESHORTFILE' },
      );
    }
    const chunk = target.subarray(0, bytesRead);
    this.md5?.update(chunk);
    this.crc.update(chunk);
    this.done += bytesRead;
  }

  /** With `crcOnly`, `md5` is empty. */
  digest(): { md5: Buffer; crc64: bigint } {
    return { md5: this.md5?.digest() ?? Buffer.alloc(0), crc64: this.crc.digest() };
  }
}

/** Hash `length` bytes of `file` from `start` (read into `into` when given, which must be large enough). Fails if the file is shorter than that (it changed). */
export async function hashFileRange(
  file: string,
  start: number,
  length: number,
  opts: { keep?: boolean; into?: Buffer; signal?: AbortSignal; crcOnly?: boolean } = {},
): Promise<RangeDigest> {
  const keep = opts.keep ?? length <= BUFFER_LIMIT;
  const data = opts.into ? opts.into.subarray(0, length) : keep ? Buffer.allocUnsafe(length) : undefined;
  const hashing = new RangeHashing(file, start, length, data, undefined, { crcOnly: opts.crcOnly });
  const handle = await fsp.open(file, 'r');
  try {
    while (!hashing.finished) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const { target, position } = hashing.next();
      hashing.took(target, (await handle.read(target, 0, target.length, position)).bytesRead);
    }
  } finally {
    await handle.close();
  }
  return { ...hashing.digest(), data };
}
