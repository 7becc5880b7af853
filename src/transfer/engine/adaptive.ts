// The adaptive controller: how many connections to keep busy and how big to make parts not yet started, learnt from
// the throughput the transfer gets while it runs. Pure: no timers and no I/O; every call takes `now` (ms), so the
// engine passes its clock and the tests a fake one (DESIGN.md, "Tuned to the link").
//
// The shape is the AWS Rust transfer manager's: a slow start that doubles the connections while each step buys at
// least 10% more throughput and goes back one step when it does not, then a hold, then a probe up or down. A throttle
// (503, SlowDown, *RateLimitExceeded, x-oss-qos-delay-time) cuts the connections multiplicatively, at most once per
// window, never below what the throughput measured before the cut needed; without more throttling it adds one back
// per window (AIMD).
import { MAX_PART_SIZE } from '../../core/limits.js';
import { climbOf, DROP, doublingKept, GAIN, HOLD, MAX_HOLD, pct, probeKept } from './adaptive-rules.js';
import { sentSettled, throttledConns, timeLeft, worthStepping } from './adaptive-rules.js';
import { formatMiB, grownPartSize, grownReason } from './part-growth.js';

import type { AdaptiveOptions, Tuning, TuningSource } from './tuning.js';

export type { AdaptiveOptions, TunedValue, Tuning, TuningSource } from './tuning.js';

type Phase = 'slow-start' | 'hold' | 'probe' | 'recover';

export class AdaptiveController {
  private conns: number;
  private size: number;
  private readonly maxConns: number;
  /** Connections it started from (the defaults): a throttle never cuts below half of them. */
  private readonly start: number;
  private readonly maxSize: number;
  private readonly fixedConns: boolean;
  private readonly fixedSize: boolean;
  private readonly minWindow: number;
  private phase: Phase = 'slow-start';
  /** The setting a pending step is judged against, and its rate. */
  private base = 0;
  private best = 0;
  /**
   * The best mean rate since the link was last measured afresh. Fewer connections are kept only within 5% of it,
   * not of the last hold's mean: judged against the last mean, probes down ratchet (each may lose up to 5% more, and
   * on a CPU-bound loopback every setting is within noise of the next).
   */
  private peak = 0;
  /** Highest rate per connection seen without throttling: what a throttled transfer needs at least. */
  private perConn = 0;
  private windowStart: number;
  private windowBytes = 0;
  /** Requests finished in this window. */
  private windowDone = 0;
  /** The first window after a change is not measured: new connections are still opening. */
  private settling = true;
  private freshDone = 0; // requests started since the change that have finished, while settling (sentSettled)
  private changedAt: number;
  private holdLeft = HOLD;
  private holdLength = HOLD;
  private probeDown = false;
  private drops = 0;
  private holdSum = 0;
  private holdCount = 0;
  private throttledInWindow = false;
  private lastCut = -Infinity;
  private partMs = 0;
  private why = 'starting from the defaults';
  /** Bytes left of a transfer of known size (else Infinity). */
  private left: number;
  /** A download's first window at the setting it measures first (0: none yet), and its climb to the second. */
  private firstRate = 0;
  private climb = 1;
  /** Until the first byte: a first window on a tree's listing or an upload's first read made any step look a gain. */
  private waiting = true;

  constructor(opts: AdaptiveOptions, now: number) {
    this.maxConns = Math.max(1, opts.maxConnections ?? 64);
    this.conns = Math.min(this.maxConns, Math.max(1, Math.round(opts.initialConnections)));
    this.start = this.conns;
    this.size = opts.initialPartSize;
    this.fixedConns = (opts.connectionsSource ?? 'auto') !== 'auto';
    this.fixedSize = (opts.partSizeSource ?? 'auto') !== 'auto';
    this.sources = { connections: opts.connectionsSource ?? 'auto', partSize: opts.partSizeSource ?? 'auto' };
    this.maxSize = Math.min(opts.maxPartSize ?? 64 * 1024 ** 2, MAX_PART_SIZE);
    this.totalBytes = opts.totalBytes ?? Infinity;
    this.minWindow = opts.windowMs ?? 250;
    this.windowStart = now;
    this.changedAt = now;
    this.left = opts.transferBytes ?? Infinity;
    this.sized = Number.isFinite(this.left) && opts.sentBytes !== true;
    if (opts.startReason) this.why = opts.startReason;
    this.trace = opts.trace;
    this.born = now;
    this.files = opts.files === true;
    this.sentBytes = opts.sentBytes === true;
    if (this.fixedConns)
      this.why = `connections fixed by ${this.sources.connections === 'flag' ? 'a flag' : 'the checkpoint'}`;
  }
  private readonly sources: { connections: TuningSource; partSize: TuningSource };
  private readonly totalBytes: number;
  private sizeWhy = '';
  private readonly trace: ((line: string) => void) | undefined;
  private readonly born: number;
  private readonly files: boolean;
  private readonly sentBytes: boolean;
  private readonly sized: boolean; // a download of known size: planned ahead, its first setting measured twice
  /** Connections the transfer may keep busy now; the scheduler asks whenever a slot frees. */
  connections(now: number): number {
    this.tick(now);
    return this.conns;
  }

  /** The size for a part not yet started. */
  partSize(now: number): number {
    this.tick(now);
    return this.size;
  }

  /** Bytes moved (sent or received) since the last call. */
  record(bytes: number, now: number): void {
    if (this.waiting && bytes > 0) {
      this.waiting = false;
      this.restart(now, this.changedAt); // the requests started before the first byte are the change's
    }
    this.tick(now);
    this.windowBytes += bytes;
    this.left -= bytes;
  }

  /** A part or file finished after `ms`: the typical part time sets the window length. */
  partDone(ms: number, now: number): void {
    this.partMs = this.partMs === 0 ? ms : this.partMs * 0.8 + ms * 0.2;
    this.windowDone++;
    if (this.settling && now - ms >= this.changedAt) this.freshDone++;
    this.tick(now);
  }

  /** The server throttled a request (503, SlowDown, a *RateLimitExceeded code, x-oss-qos-delay-time). */
  throttled(now: number, delayMs = 0): void {
    this.tick(now);
    this.throttledInWindow = true;
    if (this.fixedConns || now - this.lastCut < Math.max(this.window(), delayMs)) return;
    const before = this.conns;
    this.conns = throttledConns(before, this.perConn > 0 ? Math.ceil(this.rateBefore() / this.perConn) : 1, this.start);
    this.lastCut = now;
    this.phase = 'recover'; // growing stops either way: no more slow start into a throttle
    this.best = 0;
    this.peak = 0;
    this.restart(now);
    this.why =
      this.conns < before
        ? `throttled by the server: ${before} -> ${this.conns} connection${this.conns === 1 ? '' : 's'}`
        : `throttled by the server: staying at ${before} connection${before === 1 ? '' : 's'}`;
  }

  /** A request failed and will be retried (a reset, a timeout, a 5xx that is not a throttle). */
  failed(now: number): void {
    this.tick(now);
    if (this.fixedConns || this.phase !== 'slow-start') return;
    // Errors while growing: stop growing at the last setting that paid.
    if (this.base > 0) this.conns = this.base;
    this.enterHold(now, `errors during slow start: back to ${this.conns} connections`);
  }

  /** Whether the connections in use are a step being measured, which the next judgement may take back. */
  trialling(): boolean {
    return (this.phase === 'slow-start' && this.base > 0) || this.phase === 'probe';
  }

  /** What is in use now, and why; without why parts grow when the transfer's own size is not tuned (a resume's). */
  tuning(sizeTuned = true): Tuning {
    return {
      connections: { value: this.conns, source: this.sources.connections },
      partSize: { value: this.size, source: this.sources.partSize },
      reason: this.sizeWhy && sizeTuned ? `${this.why}; ${this.sizeWhy}` : this.why,
    };
  }

  private rateLast = 0;
  /** The doubling pending was taken on a tree's round-trip-bound files (read before it): kept whatever it moves. */
  private oneRequest = false;
  private rateBefore(): number {
    return Math.max(this.rateLast, this.best);
  }

  /** Long enough to average over parts finishing, short enough to reach the link's rate within a few seconds. */
  private window(): number {
    return Math.min(1000, Math.max(this.minWindow, this.partMs / 2));
  }

  /**
   * Slow start measured per completed request, not per time window: one request per connection since the step
   * (settling), then two more each (measuring). Small files on a delayed link then double every few round trips, not
   * every 375 ms; requests over a quarter window keep the time window (fewer, larger samples judge on noise).
   */
  private enoughDone(): boolean {
    if (this.phase !== 'slow-start' || this.partMs > this.minWindow / 4) return false; // large parts: a time window
    return this.windowDone >= (this.settling ? 1 : 2) * this.conns;
  }

  private restart(now: number, changedAt = now): void {
    this.windowStart = now;
    this.windowBytes = 0;
    this.windowDone = 0;
    this.freshDone = 0;
    this.changedAt = changedAt;
    this.settling = true;
    this.throttledInWindow = false;
  }

  private tick(now: number): void {
    if (this.waiting) return;
    const w = this.window();
    // After a change, half a window goes unmeasured while the connections just opened make their first round trips.
    if (now - this.windowStart < (this.settling ? w / 2 : w) && !this.enoughDone()) return;
    const fresh = this.settling && this.sentBytes && !this.enoughDone();
    if (fresh && !sentSettled(this.freshDone, this.conns, now - this.windowStart, w)) return;
    const rate = (this.windowBytes * 1000) / (now - this.windowStart);
    const measured =
      this.trace &&
      `${Math.round(now - this.born)} ms ${this.phase} at ${this.conns}: ${formatMiB(rate)}/s over ${Math.round(now - this.windowStart)} ms, ${this.windowDone} done`;
    const throttled = this.throttledInWindow;
    const settling = this.settling;
    this.restart(now);
    this.settling = false;
    // Nothing moved while growing (a stall): not judged, and the next window would judge its end, so wait for bytes.
    if (rate === 0 && this.phase === 'slow-start') this.waiting = true;
    if (settling || this.waiting) {
      this.trace?.(`${measured}: ${settling ? 'settling' : 'nothing moved'}`);
      return;
    }
    this.rateLast = rate;
    if (!throttled && this.phase !== 'recover') this.perConn = Math.max(this.perConn, rate / this.conns);
    this.decide(rate, throttled, now);
    this.growParts(rate);
    this.trace?.(`${measured} -> ${this.phase} at ${this.conns}: ${this.why}`);
  }

  private decide(rate: number, throttled: boolean, now: number): void {
    if (this.fixedConns) return;
    switch (this.phase) {
      case 'slow-start': {
        // A download measures its first setting over two windows; its doublings must gain GAIN beyond the climb (the
        // client warming) and over the better of the two (the second may dip as its first ranges end; DESIGN.md).
        const first = this.base === 0 && this.sized ? this.firstRate : -1;
        if (first >= 0) [this.firstRate, this.climb] = first === 0 ? [rate, 1] : [0, climbOf(rate, first)];
        if (first === 0) return;
        // A tree's round-trip-bound files keep a doubling whatever a window of a few round trips made of it; the
        // probes down trim one that moves less (DESIGN.md, "Small files: the judged window was a coin toss").
        const paid = rate >= this.best * GAIN * this.climb;
        if (this.base === 0 || this.oneRequest || paid) {
          if (this.base > 0) this.why = doublingKept(this.conns, this.base, rate, this.best, paid);
          if (this.base > 0 && rate < this.best) this.probeDown = true; // kept though it moved less: look below first
          this.best = Math.max(rate, first);
          this.peak = Math.max(this.peak, rate);
          this.base = this.conns;
          if (this.conns >= this.maxConns) {
            this.enterHold(now, `at the ${this.maxConns}-connection ceiling`);
            return;
          }
          this.oneRequest = this.files && this.partMs > 0 && this.partMs <= this.minWindow / 4;
          if (worthStepping(this.left, rate, this.window())) this.step(Math.min(this.maxConns, this.conns * 2), now);
          else
            this.enterHold(now, `${this.conns} connections kept: ${timeLeft(this.left, rate)}, too short to pay back`);
        } else {
          const tried = this.conns;
          this.conns = this.base;
          this.probeDown = true; // the knee is at or below the setting kept: the first probe looks below it
          const beyond = this.climb > 1 ? ` beyond the rate's own climb (${pct(this.climb, 1)})` : '';
          const why = `slow start: ${tried} connections gave under 10% more than ${this.base}${beyond}`;
          this.enterHold(now, `${why}; keeping ${this.base}`);
        }
        return;
      }
      case 'recover':
        // Additive increase after a throttle, one connection a window, while the server stays quiet.
        if (throttled) return;
        if (rate >= this.best) this.best = rate;
        if (this.conns >= this.maxConns) {
          this.enterHold(now, 'recovered from throttling');
          return;
        }
        this.conns += 1;
        this.restart(now);
        return;
      case 'probe': {
        if (probeKept(rate, this.best, this.peak, this.probeDown, this.files) && !throttled) {
          this.why = this.probeDown
            ? `${this.conns} connections move as much as ${this.base}: keeping fewer`
            : `${this.conns} connections gave ${pct(rate, this.best)} more than ${this.base}`;
          this.best = Math.max(this.best, rate);
          this.peak = Math.max(this.peak, rate);
          this.holdLength = HOLD;
        } else {
          this.conns = this.base;
          this.holdLength = Math.min(MAX_HOLD, this.holdLength * 2);
        }
        this.probeDown = !this.probeDown;
        this.enterHold(now, this.why);
        return;
      }
      case 'hold': {
        if (rate < this.best * DROP && !throttled) {
          if (++this.drops >= 2 && worthStepping(this.left, rate, this.window())) {
            // The link changed: slow start again from a fresh window (against the dip's own, a doubling gains by chance).
            this.drops = 0;
            this.best = 0;
            this.peak = 0;
            this.base = 0;
            this.phase = 'slow-start';
            this.why = 'throughput fell: measuring the link again';
            this.restart(now);
          }
          return;
        }
        this.drops = 0;
        this.holdSum += rate;
        this.holdCount++;
        if (--this.holdLeft > 0) return;
        // A probe is judged against the hold's mean rate, not one lucky or unlucky window.
        this.best = this.holdSum / this.holdCount;
        this.peak = Math.max(this.peak, this.best);
        this.base = this.conns;
        this.phase = 'probe';
        const next = this.probeDown ? Math.max(1, Math.floor(this.conns * 0.75)) : Math.ceil(this.conns * 1.25);
        if (next === this.conns || next > this.maxConns || !worthStepping(this.left, this.best, this.window())) {
          this.probeDown = !this.probeDown;
          this.enterHold(now, this.why);
          return;
        }
        this.step(next, now);
        return;
      }
    }
  }

  private step(conns: number, now: number): void {
    this.conns = conns;
    this.restart(now);
  }

  private enterHold(now: number, why: string): void {
    this.phase = 'hold';
    this.holdSum = 0;
    this.holdCount = 0;
    this.holdLeft = this.holdLength;
    this.why = why;
    this.restart(now);
  }

  /** Parts not yet started grow with the rate (part-growth.ts); a transfer of known size was planned before its first byte. */
  private growParts(rate: number): void {
    if (this.fixedSize || this.conns <= 0 || this.sized) return;
    const size = grownPartSize(this.size, rate / this.conns, this.maxSize, this.totalBytes, this.conns);
    if (size > this.size) [this.size, this.sizeWhy] = [size, grownReason(size)];
  }
}
