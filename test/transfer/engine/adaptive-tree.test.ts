// A tree of small files on a 20 ms link, on a simulated clock: a doubling judged while the client still warms up
// buys under 10%, and a refused doubling is never taken back within a short transfer (BENCHMARKS.md, "Issue 23,
// small files at 20 ms").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveController } from '../../../src/transfer/engine/adaptive.js';
import { controllerOptions } from '../../../src/cli/tuning.js';

const MB = 1e6;
const FILE = 64 * 1024;
const FILES = 2000;
/** The CLI's start-up and the tree's listing, paid by every setting alike (the bench measures launch to exit). */
const ALIKE_MS = 600;

/**
 * The bench's 20 ms link for 64 KiB files (BENCHMARKS.md, the `links` runs): each file in flight takes a round trip
 * and the two ends' work per request (~42 ms), and the two cores' CPU caps the whole tree. The client's code warms
 * for about two seconds, so the cap rises from 53 to 60 MB/s: 64 files in flight move 9% more than 32 a few hundred
 * ms in, 18% more once warm.
 */
function rate(conns: number, ms: number): number {
  const cap = 53 * MB + 7 * MB * Math.min(1, ms / 2000);
  return Math.min((conns * FILE) / 0.042, cap);
}

/** Runs the tree at `policy`'s setting, 10 ms steps; each request's time by Little's law. Returns ms to the end. */
function run(
  connections: (now: number) => number,
  done?: (ms: number, now: number) => void,
  bytes?: (b: number, now: number) => void,
): number {
  let moved = 0;
  let requests = 0;
  for (let now = 0; ; now += 10) {
    const c = connections(now);
    const r = rate(c, now);
    const step = (r * 10) / 1000;
    moved += step;
    bytes?.(step, now + 10);
    for (requests += step / FILE; requests >= 1; requests--) done?.((c * FILE * 1000) / r, now + 10);
    if (moved >= FILES * FILE) return now + 10;
  }
}

test('20 ms RTT, 2,000 small files: a doubling that moves as much is kept while the client warms', () => {
  const fixed = [16, 32, 64].map((c) => ({ c, ms: run(() => c) }));
  const best = fixed.reduce((a, b) => (b.ms < a.ms ? b : a));
  const ctl = new AdaptiveController(controllerOptions('tree', {}), 0);
  const seen: number[] = [];
  const ms = run(
    (now) => {
      const c = ctl.connections(now);
      if (seen.at(-1) !== c) seen.push(c);
      return c;
    },
    (took, now) => ctl.partDone(took, now),
    (b, now) => ctl.record(b, now),
  );
  const said = `no flags ${ms} ms via ${seen} (${ctl.tuning().reason}); fixed ${fixed.map((f) => `${f.c}: ${f.ms} ms`).join(', ')}`;
  assert.ok((best.ms + ALIKE_MS) / (ms + ALIKE_MS) >= 0.9, said);
  assert.equal(seen.at(-1), 64, said);
});

test('a CPU-bound loopback, each file reported: a doubling that moves less is kept, then trimmed by a probe', () => {
  // The two cores spent per request: 16 files in flight are the most that pay, each one more costs a little.
  const loopback = (conns: number) => (50 * MB) / (1 + Math.max(0, conns - 16) * 0.01);
  const ctl = new AdaptiveController(controllerOptions('tree', {}), 0);
  const seen: number[] = [];
  let requests = 0;
  for (let now = 0; now < 3000; now += 10) {
    const c = ctl.connections(now);
    if (seen.at(-1) !== c) seen.push(c);
    const r = loopback(c);
    ctl.record((r * 10) / 1000, now + 10);
    for (requests += (r * 10) / 1000 / FILE; requests >= 1; requests--) ctl.partDone((c * FILE * 1000) / r, now + 10);
  }
  // 64 moved 22% less than 32 and was kept (small files' doublings are not judged on a few round trips); the first
  // probe, down, moved more than 64 and was kept.
  assert.deepEqual(seen.slice(0, 3), [32, 64, 48], `${seen} (${ctl.tuning().reason})`);
  assert.ok(ctl.connections(3000) <= 48, `${seen} (${ctl.tuning().reason})`);
});

test('20 ms RTT: a doubling whose first window reads lower than the setting before it is kept', () => {
  // Both settings at the client's cap once warm, 64 a little above 32 (the links runs: 1.70-1.79 s against 1.99-2.02
  // s for 2,000 x 64 KiB up); the judged window at 64, a few round trips long, read 15% under 32's (a trace of the
  // links run at `55788da`: 63 MiB/s at 64 against 74 at 32, and 32 was kept for the whole tree).
  const ctl = new AdaptiveController(controllerOptions('tree', {}), 0);
  const seen: number[] = [];
  let requests = 0;
  let judged = false;
  for (let now = 0; now < 1500; now += 10) {
    const c = ctl.connections(now);
    if (seen.at(-1) !== c) seen.push(c);
    const atCap = c >= 64 ? 78 * MB : 74 * MB;
    const r = c >= 64 && !judged && now < 400 ? 63 * MB : Math.min((c * FILE) / 0.025, atCap);
    if (c >= 64 && now >= 400) judged = true;
    ctl.record((r * 10) / 1000, now + 10);
    for (requests += (r * 10) / 1000 / FILE; requests >= 1; requests--) ctl.partDone((c * FILE * 1000) / r, now + 10);
  }
  assert.equal(seen[1], 64, `${seen} (${ctl.tuning().reason})`);
  assert.equal(ctl.connections(1500), 64, `${seen} (${ctl.tuning().reason})`);
});
