// Hashing off the event loop. MD5 (Content-MD5) and CRC-64 of every part cost the client about 2 CPU-seconds per
// GiB; done on the main thread they stall the sockets for ~20 ms per 8 MiB part, and a part cannot be hashed while
// the previous one is being sent. A few worker threads (worker.ts) read and hash ranges instead, into
// SharedArrayBuffers both threads see (core/aligned-memory.ts), so a part's bytes are never copied between threads. One pool per process, created on first use; idle workers do not keep the process
// alive. Where workers cannot start (a bundler that drops the worker file, say), hashing falls back to the main
// thread with the same results and errors.
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { abortError } from '../../core/errors.js';
import { hashFileRange } from './hash.js';

export interface HashRequest {
  id: number;
  file: string;
  start: number;
  length: number;
  /** Receives the bytes (from `offset`, at least `length` of them), shared with the worker. */
  buffer?: SharedArrayBuffer;
  offset?: number;
  /** Only the CRC-64 (the reply's md5 is empty): checking a part against the CRC-64 the server lists. */
  crcOnly?: boolean;
}

export type HashReply =
  | { id: number; md5: Uint8Array; crc64: bigint; error?: undefined }
  | { id: number; error: { message: string; code?: string; errno?: number; syscall?: string; path?: string } };

export interface PooledDigest {
  md5: Buffer;
  crc64: bigint;
}

interface Pending {
  req: HashRequest;
  resolve: (d: PooledDigest) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** The worker has answered at least once (so it loaded). */
  answered: boolean;
}

const WORKER_URL = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export class HashPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private broken = false;

  constructor(
    private readonly size = defaultSize(),
    private readonly workerUrl: URL = WORKER_URL,
  ) {}

  /**
   * MD5 and CRC-64 of `length` bytes of `file` from `start`; with `buffer`, the bytes are also read into it (at
   * `offset`, default 0). Do not touch the buffer until this settles.
   * Rejects with code ESHORTFILE if the file is shorter than that (it changed), or with the read's own error.
   * With `crcOnly` the MD5 is skipped (about 60% of the cost) and `md5` is empty. With `burst`, one thread more than
   * the pool's size may start: re-reading a resumed transfer's done parts, when the main thread has little to do.
   */
  async hash(
    file: string,
    start: number,
    length: number,
    opts: {
      buffer?: SharedArrayBuffer;
      offset?: number;
      signal?: AbortSignal;
      crcOnly?: boolean;
      burst?: boolean;
    } = {},
  ): Promise<PooledDigest> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const { buffer, offset, crcOnly } = opts;
    const slot = this.broken ? undefined : this.pick(opts.burst ? 1 : 0);
    if (!slot) return this.hashHere({ id: 0, file, start, length, buffer, offset, crcOnly }, opts.signal);
    const req: HashRequest = { id: this.nextId++, file, start, length, buffer, offset, crcOnly };
    const result = new Promise<PooledDigest>((resolve, reject) => slot.pending.set(req.id, { req, resolve, reject }));
    if (slot.pending.size === 1) slot.worker.ref();
    slot.worker.postMessage(req);
    if (!opts.signal) return result;
    // An abort answers at once; the worker's late reply is dropped. The caller must then not reuse the buffer.
    const signal = opts.signal;
    return new Promise<PooledDigest>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      // One listener per part being hashed, removed when it is done: as many as the parts in flight, which the
      // adaptive budget may raise past Node's default warning level of 10.
      setMaxListeners(0, signal);
      signal.addEventListener('abort', onAbort, { once: true });
      result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Start a worker now, so its start-up (~30 ms) overlaps with whatever comes before the first part. */
  warm(): void {
    if (!this.broken && this.slots.length === 0) this.start();
  }

  /** Stop every worker (tests; the process never needs it, idle workers are unreferenced). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private async hashHere(req: HashRequest, signal?: AbortSignal): Promise<PooledDigest> {
    const { file, start, length, buffer, crcOnly } = req;
    const d = await hashFileRange(file, start, length, {
      keep: false,
      into: buffer && Buffer.from(buffer, req.offset ?? 0, length),
      signal,
      crcOnly,
    });
    return { md5: d.md5, crc64: d.crc64 };
  }

  /** The least busy worker, starting another while there are fewer than `size` (+ `extra`); undefined if workers cannot run. */
  private pick(extra = 0): Slot | undefined {
    const idle = this.slots.find((s) => s.pending.size === 0);
    if (idle) return idle;
    if (this.slots.length < this.size + extra) {
      const started = this.start();
      if (started) return started;
    }
    if (this.slots.length === 0) return undefined;
    return this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private start(): Slot | undefined {
    let worker: Worker;
    try {
      worker = new Worker(this.workerUrl);
    } catch {
      this.broken = this.slots.length === 0;
      return undefined;
    }
    const slot: Slot = { worker, pending: new Map(), answered: false };
    worker.on('message', (reply: HashReply) => {
      slot.answered = true;
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.error) p.reject(Object.assign(new Error(reply.error.message), reply.error));
      else
        p.resolve({
          md5: Buffer.from(reply.md5.buffer, reply.md5.byteOffset, reply.md5.byteLength),
          crc64: reply.crc64,
        });
    });
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      // A worker that never answered could not load: hash here from now on, including what it was given.
      if (!slot.answered) this.broken = true;
      for (const p of slot.pending.values()) {
        if (slot.answered) {
          p.reject(new Error(`the hashing thread stopped: ${err.message}`, { cause: err }));
        } else {
          this.hashHere(p.req).then(p.resolve, p.reject);
        }
      }
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    // After the listeners: attaching a 'message' listener refs the worker again, and an idle worker must never keep
    // the process alive (a warmed, never-used worker did: the process hung at exit).
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}

/** One thread on two cores (the other is the main thread's), up to four on larger machines. */
function defaultSize(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

let shared: HashPool | undefined;

/** The process-wide pool. */
export function hashPool(): HashPool {
  return (shared ??= new HashPool());
}
