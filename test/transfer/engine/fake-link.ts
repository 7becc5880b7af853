// A fake link for the adaptive controller's tests: a fluid simulation of connections moving parts on a simulated
// clock. Each request pays a round trip and the server's time, then moves its bytes at the connection's share of the
// link; past a knee, more connections cost throughput (contention), and a throttle admits bytes at a fixed rate and
// answers the rest with 503 and a delay, as OSS does with x-oss-qos-delay-time.

import { seededRandom } from '../../../harness/fault-proxy.js';

export interface LinkProfile {
  name: string;
  rttMs: number;
  /** Server time per request. */
  serverMs: number;
  /** What one connection can carry (its TCP window over the RTT, or a per-connection shaper). */
  connBytesPerSec: number;
  /** What the whole link (or the CPU on loopback) carries. */
  totalBytesPerSec: number;
  /** Connections beyond which each one more costs `contention` of the total. */
  knee: number;
  contention: number;
  /** A server throttle: bytes admitted per second; the rest get 503 with the delay until there is room. */
  throttleBytesPerSec?: number;
}

/** What drives the simulated transfer: the controller, or a fixed setting. */
export interface Policy {
  connections(now: number): number;
  partSize(now: number): number;
  record(bytes: number, now: number): void;
  /** A part of `bytes` finished, `ms` after it started. */
  partDone(ms: number, now: number, bytes: number): void;
  throttled(now: number, delayMs: number): void;
}

export function fixedPolicy(connections: number, partSize: number): Policy {
  return {
    connections: () => connections,
    partSize: () => partSize,
    record: () => {},
    partDone: () => {},
    throttled: () => {},
  };
}

export interface Workload {
  /** One endless file cut into parts of the policy's size, or endless files of this size (a tree of small files). */
  smallFiles?: number;
}

interface Conn {
  phase: 'latency' | 'body' | 'wait';
  until: number;
  remaining: number;
  size: number;
  startedAt: number;
}

export interface SimResult {
  /** Bytes moved in each step of DT ms. */
  steps: number[];
  throttles: number;
  /** Bytes/s over [fromMs, toMs). */
  rate(fromMs: number, toMs: number): number;
  /** The highest connection budget the policy asked for. */
  peakConnections: number;
  /** With `totalBytes`: when the last byte arrived (ms), or Infinity when the run ended first. */
  doneMs: number;
  /** With `totalBytes`: when a connection first finished with nothing left to start (the tail begins). */
  idleFromMs: number;
  /** Requests (parts) started. */
  parts: number;
  /** The longest a part took, from its request to its last byte (ms). */
  longestPartMs: number;
  /** The most bytes parts in flight had received at any moment: what a kill then loses (the journal keeps parts). */
  lostBytesMax: number;
}

const DT = 5;

export function simulate(
  link: LinkProfile,
  policy: Policy,
  opts: {
    durationMs: number;
    seed?: number;
    noise?: number;
    workload?: Workload;
    /** A finite transfer: this many bytes in all (a file whose last part is short, or so many small files). */
    totalBytes?: number;
    /** Every part this size, whatever the policy says (a file's parts are sized once, when it is planned). */
    partSize?: number;
    /** Each part sized as it starts from the bytes not yet started (a download's guided ranges, ranges.ts). */
    rangeSize?: (left: number, now: number) => number;
    /** The link reaches its rate linearly over this long from the first request (connections and server warming). */
    rampMs?: number;
  },
): SimResult {
  const random = seededRandom(opts.seed ?? 1);
  const noise = opts.noise ?? 0.1;
  const conns: Conn[] = [];
  const steps: number[] = [];
  let throttles = 0;
  let peak = 0;
  // The throttle's bucket may go into debt by one second's worth; a request arriving in debt is turned away.
  let tokens = link.throttleBytesPerSec ?? 0;
  let factor = 1;
  // Round trips vary a little, so connections opened together do not stay in step.
  const latency = () => (link.rttMs + link.serverMs) * (0.75 + random() / 2);
  let left = opts.totalBytes ?? Infinity;
  let doneMs = Infinity;
  let idleFromMs = Infinity;
  let parts = 0;
  let longestPartMs = 0;
  let lostBytesMax = 0;
  const start = (now: number) => {
    const size = Math.min(
      left,
      opts.workload?.smallFiles ?? opts.rangeSize?.(left, now) ?? opts.partSize ?? policy.partSize(now),
    );
    parts++;
    left -= size;
    conns.push({ phase: 'latency', until: now + latency(), remaining: size, size, startedAt: now });
  };
  const fill = (now: number) => {
    const limit = policy.connections(now);
    peak = Math.max(peak, limit);
    while (conns.length < limit && left > 0) start(now);
  };
  fill(0);
  for (let now = 0; now < opts.durationMs; now += DT) {
    if (now % 100 === 0) factor = 1 + noise * (random() - 0.5) * 2;
    if (link.throttleBytesPerSec) {
      tokens = Math.min(link.throttleBytesPerSec * 0.25, tokens + (link.throttleBytesPerSec * DT) / 1000);
    }
    for (const c of conns) {
      if (c.phase === 'wait' && now >= c.until) {
        c.phase = 'latency';
        c.until = now + latency();
      }
      if (c.phase === 'latency' && now >= c.until) {
        if (link.throttleBytesPerSec && tokens < 0) {
          const delayMs = Math.ceil((-tokens / link.throttleBytesPerSec) * 1000);
          throttles++;
          policy.throttled(now, delayMs);
          c.phase = 'wait';
          c.until = now + delayMs;
          continue;
        }
        if (link.throttleBytesPerSec) tokens -= c.size;
        c.phase = 'body';
      }
    }
    const body = conns.filter((c) => c.phase === 'body');
    const n = conns.length;
    const efficiency = n > link.knee ? 1 / (1 + (n - link.knee) * link.contention) : 1;
    const ramp = opts.rampMs ? Math.min(1, (now + DT) / opts.rampMs) : 1;
    const share =
      body.length > 0
        ? Math.min(link.connBytesPerSec, (link.totalBytesPerSec * efficiency) / body.length) * factor * ramp
        : 0;
    let moved = 0;
    const finished: Conn[] = [];
    for (const c of body) {
      const adv = Math.min(c.remaining, (share * DT) / 1000);
      c.remaining -= adv;
      moved += adv;
      if (c.remaining <= 0) finished.push(c);
    }
    steps.push(moved);
    const t = now + DT;
    policy.record(moved, t);
    lostBytesMax = Math.max(
      lostBytesMax,
      conns.reduce((a, c) => a + (c.remaining > 0 ? c.size - c.remaining : 0), 0),
    );
    for (const c of finished) {
      conns.splice(conns.indexOf(c), 1);
      longestPartMs = Math.max(longestPartMs, t - c.startedAt);
      policy.partDone(t - c.startedAt, t, c.size);
    }
    // The scheduler asks for the budget whenever a slot frees, and when the budget may have grown.
    fill(t);
    if (finished.length > 0 && left <= 0) idleFromMs = Math.min(idleFromMs, t);
    if (left <= 0 && conns.length === 0) {
      doneMs = t;
      break;
    }
  }
  return {
    steps,
    throttles,
    peakConnections: peak,
    doneMs,
    idleFromMs,
    parts,
    longestPartMs,
    lostBytesMax,
    rate(fromMs, toMs) {
      let sum = 0;
      for (let i = Math.floor(fromMs / DT); i < Math.floor(toMs / DT); i++) sum += steps[i] ?? 0;
      return (sum * 1000) / (toMs - fromMs);
    },
  };
}
