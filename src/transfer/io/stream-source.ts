// A Readable (or any async iterable of bytes) as a PartSource (engine/ports.ts): read once, in part order, into
// part-sized buffers, hashing the bytes (MD5 for Content-MD5, CRC-64) as they are copied, so a part is ready to send
// the moment its last byte arrives. Not replayable, so not resumable. Waiting for input races the signal: a pipe that
// stays silent must not keep a cancelled upload alive. Buffers of confirmed parts carry the next ones.
import { createHash } from 'node:crypto';
import { Crc64 } from '../../core/crc64.js';
import { abortError } from '../../core/errors.js';
import type { PartBytes, PartSource, PlannedPart, ReadOptions } from '../engine/ports.js';

export class StreamSource implements PartSource {
  readonly replayable = false;
  readonly identity = undefined;
  readonly size = undefined;
  private readonly it: AsyncIterator<unknown>;
  private pending: Buffer | undefined;
  private ended = false;
  /** Reads run one after another, in the order they were asked for (part order). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Buffers whose part was confirmed, for the next parts (a failed request's buffer is never reused). */
  private readonly spare: Buffer[] = [];
  /** Bytes read from the stream so far. */
  total = 0;

  constructor(
    readable: AsyncIterable<unknown>,
    readonly name = 'standard input',
  ) {
    this.it = readable[Symbol.asyncIterator]();
  }

  /** Fill part `part.number`'s buffer from the stream (fewer bytes only when the stream ends). */
  read(part: PlannedPart, opts: ReadOptions = {}): Promise<PartBytes> {
    const turn = this.queue.then(() => this.fill(part.size, opts.signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** True when the stream has no byte left (reads ahead one chunk to find out). */
  atEnd(signal?: AbortSignal): Promise<boolean> {
    const turn = this.queue.then(async () => {
      const chunk = await this.take(signal);
      if (!chunk) return true;
      this.pending = chunk;
      return false;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Stop reading: the stream is destroyed (the upload failed or was cancelled). Not awaited: with a read still
   * pending on a silent pipe, the iterator's return() settles only when that read does.
   */
  close(): void {
    const done = this.it.return?.();
    if (done) done.catch(() => undefined);
  }

  private async fill(size: number, signal: AbortSignal | undefined): Promise<PartBytes> {
    const target = this.buffer(size);
    const md5 = createHash('md5');
    const crc = new Crc64();
    let filled = 0;
    while (filled < size) {
      const chunk = await this.take(signal);
      if (!chunk) break;
      const n = Math.min(chunk.length, size - filled);
      chunk.copy(target, filled, 0, n);
      if (n < chunk.length) this.pending = chunk.subarray(n);
      const copied = target.subarray(filled, filled + n);
      md5.update(copied);
      crc.update(copied);
      filled += n;
    }
    this.total += filled;
    const data = target.subarray(0, filled);
    return {
      size: filled,
      data,
      body: data,
      md5: md5.digest(),
      crc64: crc.digest(),
      release: () => this.spare.push(target),
    };
  }

  private buffer(size: number): Buffer {
    for (;;) {
      const b = this.spare.pop();
      if (!b) return Buffer.allocUnsafe(size);
      if (b.length === size) return b;
      // Parts grew: smaller buffers are dropped rather than kept beside the larger ones.
    }
  }

  private async take(signal: AbortSignal | undefined): Promise<Buffer | undefined> {
    if (this.pending?.length) {
      const p = this.pending;
      this.pending = undefined;
      return p;
    }
    while (!this.ended) {
      const r = await this.next(signal);
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

  private next(signal: AbortSignal | undefined): Promise<IteratorResult<unknown>> {
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
