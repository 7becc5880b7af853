// Hashing received bodies off the event loop. MD5 (ETag, Content-MD5) and CRC-64 of every byte cost the server
// about half its CPU for uploads, all of it on the one thread that also reads every socket. For bodies of at least
// REMOTE_MIN bytes (by Content-Length), a hashing thread keeps the running digests of each batch once it is
// written: the batch's own buffers are transferred to it and freed there once hashed (no copy: each chunk node:http
// hands over owns its memory), or, when one does not, the thread reads the range back from the temp file (page
// cache). Past IN_FLIGHT_MAX bytes waiting on the thread, the writer waits for room (the body's socket is then
// read no further) rather than have the range read back: a read-back range is hashed at once, alone, so under
// load the lanes emptied and MD5 ran on the scalar loop. The event loop awaits the digest at the end, overlapped
// with the fsync. Smaller bodies, bodies of unknown length, and servers where a worker cannot start hash inline,
// as before: a message round trip costs more than hashing 100 KiB.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Crc64 } from '../../core/crc64.js';
import { offerNativeCrc64 } from '../../io/crc64-native.js';
import { nativeMd5 } from '../../io/md5-native.js';
import type { HasherOptions, HasherReleased, HasherReply, HasherRequest } from './hasher-worker.js';

// The server's own CRC-64s (bodies hashed inline, copies, appends) through the native kernel where it was built.
offerNativeCrc64();

/** Bodies at least this long (Content-Length) are hashed on a hashing thread. */
export const REMOTE_MIN = 1 << 20;

/**
 * Bytes handed to one hashing thread and not yet hashed, past which a writer waits for room: memory stays bounded
 * when bodies arrive faster than the thread hashes (MD5 runs at ~650 MB/s alone).
 */
export const IN_FLIGHT_MAX = 16 << 20;

/**
 * How long a writer waits for room before its batch is read back from the file instead. The thread always makes
 * room (its MD5s hold at most 3/4 of IN_FLIGHT_MAX waiting for company, md5-streams.ts), so this only bounds a
 * stall the design does not expect.
 */
export const ROOM_WAIT_MS = 1000;

export interface BodyDigest {
  md5: Buffer;
  crc64: bigint;
}

/** The running digests of one body: fed with chunks (inline) or with written file ranges (on a hashing thread). */
export interface BodyHasher {
  /** A chunk as it arrives (inline hashers only use these). */
  chunk(data: Uint8Array): void;
  /**
   * A range of the temp file that is now written (hashing-thread hashers only use these). `buffers`, when given,
   * are the range's bytes and the caller's no more: they may be transferred (detached). A promise when the thread
   * has no room for them yet: the caller should await it before reading more of the body (backpressure); ranges
   * given meanwhile are still taken in order.
   */
  written(position: number, length: number, buffers?: Uint8Array[]): Promise<void> | undefined;
  finish(): Promise<BodyDigest>;
  /** The body failed: release the session. */
  drop(): void;
}

class InlineHasher implements BodyHasher {
  private readonly md5: Hash = createHash('md5');
  private readonly crc = new Crc64();
  chunk(data: Uint8Array): void {
    this.md5.update(data);
    this.crc.update(data);
  }
  written(): undefined {}
  async finish(): Promise<BodyDigest> {
    return { md5: this.md5.digest(), crc64: this.crc.digest() };
  }
  drop(): void {}
}

interface Slot {
  worker: Worker;
  /** Bytes transferred to the thread and not yet released (hashed). */
  inFlight: number;
  waiting: Map<number, { resolve: (d: BodyDigest) => void; reject: (e: Error) => void }>;
  sessions: number;
  /** It has answered once, so it loaded. */
  answered: boolean;
  /** Writers waiting for `inFlight` to fall under IN_FLIGHT_MAX (woken at each release; they check again). */
  roomWaiters: (() => void)[];
}

const WORKER_URL = new URL(`./hasher-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

class RemoteHasher implements BodyHasher {
  private released = false;
  constructor(
    private readonly pool: HasherPool,
    private readonly slot: Slot,
    private readonly id: number,
    private readonly path: string,
  ) {}
  /** The hand-over still waiting for room, if any: what comes after it waits too (the thread takes ranges in order). */
  private pending: Promise<void> | undefined;
  chunk(): void {}
  written(position: number, length: number, buffers?: Uint8Array[]): Promise<void> | undefined {
    const give = buffers?.every(ownsMemory) ? buffers : undefined;
    if (!this.pending && !(give && this.slot.inFlight >= IN_FLIGHT_MAX)) {
      this.post(position, length, give);
      return undefined;
    }
    const p: Promise<void> = (this.pending ?? Promise.resolve())
      .then(() => this.handOver(position, length, give))
      .finally(() => {
        if (this.pending === p) this.pending = undefined;
      });
    this.pending = p;
    return p;
  }
  /** Posts the range once the thread has room for `buffers` (or reads it back after ROOM_WAIT_MS). */
  private async handOver(position: number, length: number, buffers?: Uint8Array[]): Promise<void> {
    const started = performance.now();
    while (buffers && this.slot.inFlight >= IN_FLIGHT_MAX) {
      const left = ROOM_WAIT_MS - (performance.now() - started);
      if (left <= 0 || !(await this.pool.room(this.slot, left))) {
        this.post(position, length); // no room in time: read back from the file
        return;
      }
    }
    this.post(position, length, buffers);
  }
  private post(position: number, length: number, buffers?: Uint8Array[]): void {
    const { worker } = this.slot;
    if (buffers) {
      this.slot.inFlight += length;
      const msg: HasherRequest = { op: 'data', id: this.id, buffers, length };
      worker.postMessage(
        msg,
        buffers.map((b) => b.buffer as ArrayBuffer),
      );
      return;
    }
    worker.postMessage({ op: 'range', id: this.id, position, length } satisfies HasherRequest);
  }
  finish(): Promise<BodyDigest> {
    if (this.pending) return this.pending.then(() => this.finish()); // cleared before this runs (finally first)
    const done = new Promise<BodyDigest>((resolve, reject) => this.slot.waiting.set(this.id, { resolve, reject }));
    this.slot.worker.postMessage({ op: 'finish', id: this.id } satisfies HasherRequest);
    return done
      .catch((err: unknown) => {
        // A thread that could not load (a bundler dropped its file, a loader it cannot use): the whole body is in
        // the temp file by now, so hash it here instead.
        if (this.slot.answered) throw err;
        return hashFile(this.path);
      })
      .finally(() => this.release());
  }
  drop(): void {
    if (this.pending) {
      void this.pending.then(() => this.drop());
      return;
    }
    this.slot.worker.postMessage({ op: 'drop', id: this.id } satisfies HasherRequest);
    this.release();
  }
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.release(this.slot);
  }
}

export class HasherPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private broken = false;
  /** Bodies one thread hashes side by side (its MD5 lanes, md5-streams.ts); 1 without the native MD5. */
  private readonly lanes = nativeMd5()?.md5Lanes ?? 1;

  constructor(
    private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1)),
    private readonly url: URL = WORKER_URL,
  ) {}

  /** A hasher for a body written to `tmpPath`, `expectedLength` bytes long if known. */
  forBody(tmpPath: string, expectedLength: number | undefined): BodyHasher {
    if (expectedLength === undefined || expectedLength < REMOTE_MIN || this.broken) return new InlineHasher();
    const slot = this.pick();
    if (!slot) return new InlineHasher();
    const id = this.nextId++;
    slot.sessions++;
    if (slot.sessions === 1) slot.worker.ref();
    slot.worker.postMessage({ op: 'open', id, path: tmpPath } satisfies HasherRequest);
    return new RemoteHasher(this, slot, id, tmpPath);
  }

  /** Resolves true once `slot` released bytes (room may have come), false after `ms` or if the thread stopped. */
  room(slot: Slot, ms: number): Promise<boolean> {
    if (!this.slots.includes(slot)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(this.slots.includes(slot));
      };
      const timer = setTimeout(() => {
        const i = slot.roomWaiters.indexOf(wake);
        if (i >= 0) slot.roomWaiters.splice(i, 1);
        resolve(false);
      }, ms);
      slot.roomWaiters.push(wake);
    });
  }

  release(slot: Slot): void {
    slot.sessions--;
    if (slot.sessions === 0) slot.worker.unref();
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private pick(): Slot | undefined {
    // With MD5 lanes, a thread hashing some bodies takes more until its lanes are full: 4 bodies on one thread
    // cost ~40% of 4 threads' CPU, and one thread's lanes outrun what the event loop receives.
    const filling = this.slots
      .filter((s) => s.sessions > 0 && s.sessions < this.lanes)
      .sort((a, b) => b.sessions - a.sessions)[0];
    if (filling) return filling;
    const idle = this.slots.find((s) => s.sessions === 0);
    if (idle) return idle;
    if (this.slots.length < this.size) {
      const started = this.start();
      if (started) return started;
    }
    return this.slots.reduce<Slot | undefined>((a, b) => (!a || b.sessions < a.sessions ? b : a), undefined);
  }

  private start(): Slot | undefined {
    let worker: Worker;
    try {
      worker = new Worker(this.url, { workerData: { md5Budget: (IN_FLIGHT_MAX * 3) / 4 } satisfies HasherOptions });
    } catch {
      this.broken = this.slots.length === 0;
      return undefined;
    }
    const slot: Slot = { worker, inFlight: 0, waiting: new Map(), sessions: 0, answered: false, roomWaiters: [] };
    const wakeWriters = () => {
      for (const wake of slot.roomWaiters.splice(0)) wake();
    };
    worker.on('message', (reply: HasherReply | HasherReleased) => {
      slot.answered = true;
      if ('released' in reply) {
        slot.inFlight -= reply.released;
        if (slot.inFlight < IN_FLIGHT_MAX) wakeWriters();
        return;
      }
      const w = slot.waiting.get(reply.id);
      if (!w) return;
      slot.waiting.delete(reply.id);
      if (reply.error !== undefined) w.reject(new Error(`hashing the body failed: ${reply.error}`));
      else
        w.resolve({
          md5: Buffer.from(reply.md5.buffer, reply.md5.byteOffset, reply.md5.byteLength),
          crc64: reply.crc64,
        });
    });
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      if (!slot.answered) this.broken = true; // it could not load: hash inline from now on
      for (const w of slot.waiting.values())
        w.reject(new Error(`the hashing thread stopped: ${err.message}`, { cause: err }));
      slot.waiting.clear();
      wakeWriters(); // they find the slot gone and read back (finish then fails or falls back as above)
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    worker.unref(); // after the listeners: an idle hashing thread must never keep the server's process alive
    this.slots.push(slot);
    return slot;
  }
}

/** A view of a whole ArrayBuffer of its own (not a slice of a shared pool): transferring it takes nothing else. */
function ownsMemory(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
}

async function hashFile(path: string): Promise<BodyDigest> {
  const h = new InlineHasher();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.chunk(chunk as Buffer);
  return h.finish();
}

let shared: HasherPool | undefined;

/** The process-wide pool of the server's hashing threads. */
export function hasherPool(): HasherPool {
  return (shared ??= new HasherPool());
}
