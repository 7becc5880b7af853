// Reads a Readable into part-sized buffers, hashing the bytes (MD5 for Content-MD5, CRC-64) as they are copied, so a
// part is ready to send the moment its last byte arrives. Waiting for input races the signal: a pipe that stays
// silent must not keep a cancelled upload alive.
import { createHash } from 'node:crypto';
import { Crc64 } from '../../core/crc64.js';
import { abortError } from '../../core/errors.js';

export interface FilledPart {
  /** Bytes copied into the buffer (less than its length only at the end of the stream). */
  size: number;
  md5: Buffer;
  crc64: bigint;
}

export class StreamReader {
  private readonly it: AsyncIterator<unknown>;
  private pending: Buffer | undefined;
  private ended = false;
  /** Bytes read from the stream so far. */
  total = 0;

  constructor(
    readable: AsyncIterable<unknown>,
    private readonly signal?: AbortSignal,
  ) {
    this.it = readable[Symbol.asyncIterator]();
  }

  /** Fill `target` from the stream (fewer bytes only when the stream ends). */
  async fill(target: Buffer): Promise<FilledPart> {
    const md5 = createHash('md5');
    const crc = new Crc64();
    let size = 0;
    while (size < target.length) {
      const chunk = await this.take();
      if (!chunk) break;
      const n = Math.min(chunk.length, target.length - size);
      chunk.copy(target, size, 0, n);
      if (n < chunk.length) this.pending = chunk.subarray(n);
      const copied = target.subarray(size, size + n);
      md5.update(copied);
      crc.update(copied);
      size += n;
    }
    this.total += size;
    return { size, md5: md5.digest(), crc64: crc.digest() };
  }

  /** True when the stream has no byte left (reads ahead one chunk to find out). */
  async atEnd(): Promise<boolean> {
    const chunk = await this.take();
    if (!chunk) return true;
    this.pending = chunk;
    return false;
  }

  /**
   * Stop reading: the stream is destroyed (the upload failed or was cancelled). Not awaited: with a read still
   * pending on a silent pipe, the iterator's return() settles only when that read does.
   */
  close(): void {
    const done = this.it.return?.();
    if (done) done.catch(() => undefined);
  }

  private async take(): Promise<Buffer | undefined> {
    if (this.pending?.length) {
      const p = this.pending;
      this.pending = undefined;
      return p;
    }
    while (!this.ended) {
      const r = await this.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      const b =
        typeof r.value === 'string'
          ? Buffer.from(r.value)
          : Buffer.isBuffer(r.value)
            ? r.value
            : Buffer.from(r.value as Uint8Array);
      if (b.length > 0) return b;
    }
    return undefined;
  }

  private next(): Promise<IteratorResult<unknown>> {
    const signal = this.signal;
    if (!signal) return this.it.next();
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.it
        .next()
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
