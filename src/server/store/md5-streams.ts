// The MD5s of the bodies one hashing thread (hasher-worker.ts) receives at once. With the native multi-buffer MD5
// (io/md5-native.ts) several bodies' bytes are hashed side by side in SIMD lanes: 4 bodies cost about what 1.7 do
// one at a time, 8 about what 1.9 do (BENCHMARKS.md, "multi-buffer MD5"). Lanes need bytes of several bodies at
// the same moment, so a body's bytes wait here until as many bodies have some as are expected (those open, or as
// many as were open together in the last COMPANY_MS: parts come in waves, each opening on its own), or until one
// body holds its share of the thread's in-flight budget, or it finishes; then equal lengths of each go through the
// lanes together, and bodies finishing at the same moment finish together. A body with no company expected never
// waits. Without the addon, node:crypto hashes each batch as it comes, as before.
import { createHash, type Hash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MD5_MAX_STREAMS, md5Context, type NativeMd5 } from '../../io/md5-native.js';

/** One body's MD5 as the thread sees it. */
export interface Md5Stream {
  readonly id: number;
}

/** The MD5s of the bodies a hashing thread has open. */
export interface Md5Streams {
  open(id: number): Md5Stream;
  /** `data`'s bytes come next in `s`; `done` once they are hashed (the buffer is then free to go). */
  add(s: Md5Stream, data: Uint8Array, done?: () => void): void;
  /** Hashes what is due, finishing streams included (call once the messages waiting have been taken in). */
  pump(): void;
  /** Hashes all of `s`'s bytes now (others' beside them), so a buffer added last may be reused on return. */
  flush(s: Md5Stream): void;
  /** `s` has all its bytes: at the next pump, `done` gets its digest and `s` is closed. */
  finish(s: Md5Stream, done: (digest: Buffer) => void): void;
  /** Closes `s` without a digest (its bytes' `done` still run). */
  drop(s: Md5Stream): void;
}

/** node:crypto, one body at a time, as each batch arrives. */
export class CryptoMd5Streams implements Md5Streams {
  private readonly hashes = new Map<Md5Stream, Hash>();
  open(id: number): Md5Stream {
    const s = { id };
    this.hashes.set(s, createHash('md5'));
    return s;
  }
  add(s: Md5Stream, data: Uint8Array, done?: () => void): void {
    this.hashes.get(s)!.update(data);
    done?.();
  }
  pump(): void {}
  flush(): void {}
  finish(s: Md5Stream, done: (digest: Buffer) => void): void {
    const digest = this.hashes.get(s)!.digest();
    this.hashes.delete(s);
    done(digest);
  }
  drop(s: Md5Stream): void {
    this.hashes.delete(s);
  }
}

interface Piece {
  data: Uint8Array;
  /** Bytes of `data` already hashed. */
  at: number;
  done?: () => void;
}

interface LaneStream extends Md5Stream {
  ctx: Uint8Array;
  queue: Piece[];
  /** Bytes queued and not yet hashed. */
  waiting: number;
  /** Set by finish: its digest goes here at the next pump. */
  finished?: (digest: Buffer) => void;
}

/** How long a burst of open bodies is expected back (the next wave of parts) after it ends. */
export const COMPANY_MS = 250;

/** The native multi-buffer MD5: bodies' bytes wait for company, then go through the SIMD lanes together. */
export class LaneMd5Streams implements Md5Streams {
  private readonly streams = new Set<LaneStream>();
  private readonly lanes: number;
  /** The most bodies open together lately, and when. */
  private peak = 0;
  private peakAt = 0;

  /** `budget`: the bytes all bodies together may keep waiting (3/4 of the thread's in-flight bound, hasher.ts). */
  constructor(
    private readonly md5: NativeMd5,
    private readonly budget: number,
    lanes = md5.md5Lanes,
  ) {
    this.lanes = Math.max(1, Math.min(lanes, MD5_MAX_STREAMS));
  }

  open(id: number): Md5Stream {
    const s: LaneStream = { id, ctx: md5Context(this.md5), queue: [], waiting: 0 };
    this.streams.add(s);
    const now = performance.now();
    if (this.streams.size >= this.peak || now - this.peakAt > COMPANY_MS) {
      this.peak = this.streams.size;
      this.peakAt = now;
    }
    return s;
  }

  add(s: Md5Stream, data: Uint8Array, done?: () => void): void {
    const ls = s as LaneStream;
    if (data.length === 0) {
      // Nothing to hash, but `done` must not run before the bytes queued ahead of it are hashed.
      const last = ls.queue[ls.queue.length - 1];
      if (last && done) {
        const before = last.done;
        last.done = before
          ? () => {
              before();
              done();
            }
          : done;
      } else done?.();
      return;
    }
    ls.queue.push({ data, at: 0, done });
    ls.waiting += data.length;
  }

  pump(): void {
    this.finishDue();
    const recent = performance.now() - this.peakAt <= COMPANY_MS ? this.peak : 0;
    const expected = Math.min(this.lanes, Math.max(this.streams.size, recent));
    const hold = Math.max(64 << 10, Math.floor(this.budget / Math.max(1, expected)));
    for (;;) {
      const ready = [...this.streams].filter((s) => s.waiting > 0).sort((a, b) => b.waiting - a.waiting);
      if (ready.length === 0) return;
      if (ready.length < expected && ready[0]!.waiting < hold) return;
      const group = ready.slice(0, this.lanes);
      const least = group[group.length - 1]!.waiting;
      this.hash(new Map(group.map((s) => [s, group.length === 1 ? s.waiting : least])));
    }
  }

  finish(s: Md5Stream, done: (digest: Buffer) => void): void {
    (s as LaneStream).finished = done;
  }

  flush(s: Md5Stream): void {
    this.hashAll([s as LaneStream]);
  }

  /** All of `due`'s bytes, with as many of the others' as fit beside them. */
  private hashAll(due: LaneStream[]): void {
    const most = Math.max(...due.map((s) => s.waiting));
    const others = [...this.streams]
      .filter((o) => !due.includes(o) && o.waiting > 0)
      .sort((a, b) => b.waiting - a.waiting)
      .slice(0, Math.max(0, this.lanes - due.length));
    this.hash(
      new Map([
        ...due.map((s) => [s, s.waiting] as const),
        ...others.map((o) => [o, Math.min(o.waiting, most)] as const),
      ]),
    );
  }

  /** The finished streams' last bytes, with as many of the others' as fit beside them; then their digests. */
  private finishDue(): void {
    const due = [...this.streams].filter((s) => s.finished);
    if (due.length === 0) return;
    this.hashAll(due);
    for (const s of due) {
      this.streams.delete(s);
      s.finished!(this.md5.md5Final(s.ctx));
    }
  }

  drop(s: Md5Stream): void {
    const ls = s as LaneStream;
    this.streams.delete(ls);
    for (const p of ls.queue) p.done?.();
    ls.queue = [];
    ls.waiting = 0;
  }

  /** Hashes `quota` bytes of each stream, in equal lengths per call so every lane stays busy. */
  private hash(quota: Map<LaneStream, number>): void {
    for (;;) {
      const active = [...quota].filter(([, q]) => q > 0);
      if (active.length === 0) return;
      let n = Number.POSITIVE_INFINITY;
      for (const [s, q] of active) n = Math.min(n, q, s.queue[0]!.data.length - s.queue[0]!.at);
      const ctxs: Uint8Array[] = [];
      const datas: Uint8Array[] = [];
      for (const [s, q] of active) {
        const p = s.queue[0]!;
        ctxs.push(s.ctx);
        datas.push(p.data.subarray(p.at, p.at + n));
        p.at += n;
        s.waiting -= n;
        quota.set(s, q - n);
      }
      this.md5.md5Update(ctxs, datas);
      for (const [s] of active) {
        const p = s.queue[0]!;
        if (p.at === p.data.length) {
          s.queue.shift();
          p.done?.();
        }
      }
    }
  }
}
