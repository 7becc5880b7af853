// How slow start begins and ends, on a simulated clock: the command's own start-up (a tree's listing, an upload's
// first read and InitiateMultipartUpload) is not judged as the link, a stall is not either, and a doubling that did
// not pay turns the first probe down (BENCHMARKS.md, "Issue 23, uploads that missed").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveController } from '../../../src/transfer/engine/adaptive.js';
import { controllerOptions } from '../../../src/cli/tuning.js';
import { fixedPolicy, simulate, type LinkProfile, type Policy } from './fake-link.js';

const MB = 1e6;
const KiB = 1024;
/** From the budget's start to the first byte of a tree: listing the files, the first requests' start-up. */
const FIRST_BYTE_MS = 300;
/** Then the link's rate ramps up while the first connections open. */
const RAMP_MS = 200;
/** The CLI's start-up and a tree's listing, paid by every setting alike (the bench measures launch to exit). */
const ALIKE_MS = 300 + FIRST_BYTE_MS;

/**
 * The bench's loopback for 64 KiB files: the two cores are the limit, spent per request (signing, parsing, the
 * server's write) rather than per byte, so the whole tree moves ~50 MB/s and each file in flight past 16 costs a
 * little of it.
 */
const CPU_BOUND: LinkProfile = {
  name: 'loopback, 64 KiB files',
  rttMs: 0.2,
  serverMs: 2,
  connBytesPerSec: 400 * MB,
  totalBytesPerSec: 50 * MB,
  knee: 16,
  contention: 0.01,
};

/**
 * The controller as a tree drives it: its clock started FIRST_BYTE_MS before the link's first request, and no
 * request reported as a part done (a tree's small files are single requests outside any part feed).
 */
function asTree(ctl: AdaptiveController): Policy {
  const at = (now: number) => now + FIRST_BYTE_MS;
  return {
    connections: (now) => ctl.connections(at(now)),
    partSize: (now) => ctl.partSize(at(now)),
    record: (bytes, now) => ctl.record(bytes, at(now)),
    partDone: () => {},
    throttled: (now, delayMs) => ctl.throttled(at(now), delayMs),
  };
}

test('a tree on a CPU-bound loopback: its start-up is not judged as the link, so 64 files in flight are not kept', () => {
  const workload = { smallFiles: 64 * KiB };
  const total = 2000 * 64 * KiB;
  const opts = { durationMs: 120_000, totalBytes: total, workload, rampMs: RAMP_MS };
  let best = { ms: Infinity, what: '' };
  for (const c of [8, 16, 32, 64]) {
    const ms = simulate(CPU_BOUND, fixedPolicy(c, 64 * KiB), opts).doneMs;
    if (ms < best.ms) best = { ms, what: `${c} at once` };
  }
  for (const seed of [1, 2, 3]) {
    const ctl = new AdaptiveController(controllerOptions('tree', {}), 0);
    const sim = simulate(CPU_BOUND, asTree(ctl), { ...opts, seed });
    const end = ctl.connections(sim.doneMs + FIRST_BYTE_MS);
    const said = `seed ${seed}: ${sim.doneMs} ms, ending at ${end} (${ctl.tuning().reason}); best ${best.what} ${best.ms} ms`;
    // Judged on the listing, the first window made any doubling look like a gain: 32 -> 64, then 48 kept.
    assert.ok(end <= 32, said);
    assert.ok((best.ms + ALIKE_MS) / (sim.doneMs + ALIKE_MS) >= 0.97, said);
  }
});

test('a stall in slow start is not judged: it waits for bytes again, then measures', () => {
  const ctl = new AdaptiveController(controllerOptions('tree', {}), 0);
  let now = 0;
  ctl.record(64 * KiB, now); // the first file's bytes
  // The scheduler asks for the budget while nothing moves (the next requests are still on their way).
  for (; now < 1000; now += 10) ctl.connections(now);
  // Then a link that moves 30 MB/s however many files are in flight.
  let peak = 0;
  for (; now < 4000; now += 10) {
    peak = Math.max(peak, ctl.connections(now));
    ctl.record(0.3 * MB, now);
  }
  const said = `at ${ctl.connections(now)}, up to ${peak} (${ctl.tuning().reason})`;
  assert.ok(ctl.connections(now) <= 32, said);
  assert.doesNotMatch(ctl.tuning().reason, /ceiling/, said);
});

test('a doubling that did not pay turns the first probe down, towards the knee it showed', () => {
  // Two cores: 16 at once is the most that pays; past it each one more costs a little.
  const rate = (c: number) => (60 * MB * Math.min(c, 16)) / 16 / (1 + Math.max(0, c - 16) * 0.01);
  const ctl = new AdaptiveController(controllerOptions('tree', {}), 0);
  const seen: number[] = [];
  for (let now = 0; now < 6000; now += 10) {
    const c = ctl.connections(now);
    if (seen.at(-1) !== c) seen.push(c);
    ctl.record((rate(c) * 10) / 1000, now);
  }
  // 32, 64 (did not pay), back to 32, then the first probe.
  assert.deepEqual(seen.slice(0, 3), [32, 64, 32], `${seen}`);
  assert.ok(seen[3]! < 32, `${seen} (${ctl.tuning().reason})`);
});

test('a dip that passes does not carry the transfer up: after a fall it measures the setting in use first', () => {
  const ctl = new AdaptiveController(controllerOptions('tree', {}), 0);
  const seen: number[] = [];
  for (let now = 0; now < 8000; now += 10) {
    const c = ctl.connections(now);
    if (seen.at(-1) !== c) seen.push(c);
    // A link that moves 40 MB/s however many files are in flight, but a third of it for 0.8 s (a pause elsewhere).
    const dip = now >= 2500 && now < 3300;
    ctl.record((dip ? 0.4 : 1.2) * 0.1 * MB, now);
  }
  // It may try a doubling again once it has measured afresh, but keeps it only for a gain over the fresh window.
  const said = `${seen} (${ctl.tuning().reason})`;
  assert.ok(seen.at(-1)! <= 32, said);
});
