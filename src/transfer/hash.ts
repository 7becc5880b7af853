// The first pass over a part: MD5 (sent as Content-MD5, so the server rejects bytes that differ from what we
// hashed) and CRC-64 (compared with the server's x-oss-hash-crc64ecma). Reads in fixed-size chunks, so memory is
// bounded whatever the part size; parts up to BUFFER_LIMIT are kept in memory and sent from there (one read).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Crc64 } from '../core/crc64.js';
import { abortError } from '../client/retry.js';

/** Parts at or below this size are read once and sent from memory (see the report in hash.ts's caller). */
export const BUFFER_LIMIT = 8 * 1024 * 1024;
const CHUNK = 1024 * 1024;

export interface RangeDigest {
  md5: Buffer;
  crc64: bigint;
  /** The bytes themselves, when the range was small enough to keep. */
  data?: Buffer;
}

/** Hash `length` bytes of `file` from `start` (read into `into` when given, which must be large enough). Fails if the file is shorter than that (it changed). */
export async function hashFileRange(
  file: string, start: number, length: number, opts: { keep?: boolean; into?: Buffer; signal?: AbortSignal } = {},
): Promise<RangeDigest> {
  const md5 = createHash('md5');
  const crc = new Crc64();
  const keep = opts.keep ?? length <= BUFFER_LIMIT;
  const data = opts.into ? opts.into.subarray(0, length) : keep ? Buffer.allocUnsafe(length) : undefined;
  const handle = await fsp.open(file, 'r');
  try {
    const scratch = data ? undefined : Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, length)));
    let done = 0;
    while (done < length) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const want = Math.min(CHUNK, length - done);
      const target = data ? data.subarray(done, done + want) : scratch!.subarray(0, want);
      const { bytesRead } = await handle.read(target, 0, want, start + done);
      if (bytesRead === 0) throw Object.assign(new Error(`${file} ended at ${start + done}, expected ${start + length} bytes`), { code: 'ESHORTFILE' });
      const chunk = target.subarray(0, bytesRead);
      md5.update(chunk);
      crc.update(chunk);
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { md5: md5.digest(), crc64: crc.digest(), data };
}
