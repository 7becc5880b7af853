// A token bucket for bytes: what both ends pace with. The client shares one across every request of a run
// (--bwlimit); the embedded server makes one per request that carries x-oss-traffic-limit.
import { setTimeout as sleepFor } from 'node:timers/promises';

export interface PacerOptions {
  /** Bytes the bucket holds, as seconds of the rate: what a quiet pacer lets through at once (default 0.25). */
  burstSeconds?: number;
  /** The clock, in ms (tests inject one). */
  now?: () => number;
  /** How to wait `ms` (tests inject one; the client passes its abortable sleep). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class Pacer {
  /** When the bytes reserved so far will have gone at the rate (ms on the pacer's clock). */
  private nextFree = 0;
  private readonly burstMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    /** Bytes per second, over everything paced by this pacer. */
    readonly bytesPerSecond: number,
    opts: PacerOptions = {},
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be above 0, got ${bytesPerSecond}`);
    this.burstMs = (opts.burstSeconds ?? 0.25) * 1000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
  }

  /**
   * Waits until `bytes` more may pass; callers are served in the order they asked. A chunk waits until the bucket
   * holds all of its bytes, not only until the chunk before it has gone: bodies come in chunks of up to 1 MiB, and
   * the looser rule let a run send about one chunk per request more than the rate allows.
   */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    this.nextFree = Math.max(this.nextFree, now - this.burstMs) + (bytes / this.bytesPerSecond) * 1000;
    const wait = this.nextFree - now;
    if (wait > 0) await this.sleep(wait, signal);
  }
}
