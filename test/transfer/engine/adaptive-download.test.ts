// A download of known size as the CLI starts it (its first guess, the budget's planner), on the fake link
// (fake-link.ts) and a simulated clock: a 1 GiB download on a fast link lasts 1.5-3 s, so slow start must not spend
// it trialling settings it ends before using, nor judge its first window on the HEAD, file and connections before the
// first byte (BENCHMARKS.md, "Issue 23: the `links` runs at the size").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveController } from '../../../src/transfer/engine/adaptive.js';
import { ConnectionBudget } from '../../../src/transfer/engine/budget.js';
import { ladderPlanner } from '../../../src/transfer/engine/planner.js';
import { controllerOptions } from '../../../src/cli/tuning.js';
import { fixedPolicy, simulate, type LinkProfile, type Policy } from './fake-link.js';

const MiB = 1024 ** 2;
const GiB = 1024 * MiB;
const MB = 1e6;
/** From the budget's start to the first byte: a HEAD, the checkpoint, the temporary file (0.1-0.8 s measured). */
const FIRST_BYTE_MS = 300;
/** Then the link's rate ramps up while 16 connections open and the server starts reading. */
const RAMP_MS = 200;

/** The bench's loopback: the two cores are the limit, and each connection past 16 costs a little of them. */
const LOOPBACK: LinkProfile = {
  name: 'loopback',
  rttMs: 0.2,
  serverMs: 2,
  connBytesPerSec: 400 * MB,
  totalBytesPerSec: 700 * MB,
  knee: 16,
  contention: 0.02,
};
/** The shaping proxy at 20 ms RTT: it caps no connection, so the CPU is the limit again. */
const DELAYED: LinkProfile = {
  ...LOOPBACK,
  name: '20 ms RTT, no per-connection cap',
  rttMs: 20,
  totalBytesPerSec: 450 * MB,
};
/** A link whose connections are each capped (a real WAN's TCP windows): more connections pay. */
const CAPPED: LinkProfile = {
  ...DELAYED,
  name: '20 ms RTT, 40 MB/s per connection',
  connBytesPerSec: 40 * MB,
  totalBytesPerSec: 2000 * MB,
  knee: 64,
};

/** The controller's clock started FIRST_BYTE_MS before the simulated link's first request. */
function late(ctl: AdaptiveController): Policy {
  const at = (now: number) => now + FIRST_BYTE_MS;
  return {
    connections: (now) => ctl.connections(at(now)),
    partSize: (now) => ctl.partSize(at(now)),
    record: (bytes, now) => ctl.record(bytes, at(now)),
    partDone: (ms, now) => ctl.partDone(ms, at(now)),
    throttled: (now, delayMs) => ctl.throttled(at(now), delayMs),
  };
}

/** A download of `size` with no flags: the controller the CLI makes, and the range size its planner picks. */
function noFlags(size: number) {
  const ctl = new AdaptiveController(controllerOptions('download', {}, size), 0);
  const partSize = new ConnectionBudget(ctl, { now: () => 0 })
    .planner(ladderPlanner)
    .plan({ kind: 'download', size }).partSize;
  return { ctl, partSize };
}

for (const link of [LOOPBACK, DELAYED]) {
  test(`${link.name}: a 1 GiB download with no flags is not spent trialling, and ends with the best of the grid`, () => {
    const { ctl, partSize } = noFlags(GiB);
    assert.equal(partSize, 8 * MiB);
    const sim = simulate(link, late(ctl), { durationMs: 60_000, totalBytes: GiB, partSize, rampMs: RAMP_MS });
    let best = { ms: Infinity, what: '' };
    for (const c of [4, 8, 16, 32, 64]) {
      for (const p of [8 * MiB, 64 * MiB]) {
        const opts = { durationMs: 60_000, totalBytes: GiB, partSize: p, rampMs: RAMP_MS };
        const ms = simulate(link, fixedPolicy(c, p), opts).doneMs;
        if (ms < best.ms) best = { ms, what: `${c} x ${p / MiB} MiB` };
      }
    }
    const said = `no flags ${sim.doneMs} ms, up to ${sim.peakConnections} connections (${ctl.tuning().reason}); best ${best.what} ${best.ms} ms`;
    // The old rule ended its settling at the first byte and judged the ramp: 16 -> 32 -> 64, ending at 32 or more.
    assert.ok(sim.peakConnections <= 32, said);
    assert.equal(ctl.connections(sim.doneMs + FIRST_BYTE_MS), 16, said);
    // Start-up costs every setting alike; the bench measures launch to exit.
    assert.ok((best.ms + FIRST_BYTE_MS) / (sim.doneMs + FIRST_BYTE_MS) >= 0.9, said);
  });
}

test('loopback: a 512 MiB download keeps its first 16 ranges: the rest is too short for a step to pay back', () => {
  const { ctl, partSize } = noFlags(512 * MiB);
  const sim = simulate(LOOPBACK, late(ctl), { durationMs: 60_000, totalBytes: 512 * MiB, partSize, rampMs: RAMP_MS });
  assert.equal(sim.peakConnections, 16, ctl.tuning().reason);
  assert.match(ctl.tuning().reason, /too short to pay back/);
  // Its ranges were planned before the first byte: the reason does not claim sizes it cannot use.
  assert.doesNotMatch(ctl.tuning().reason, /parts grown/);
});

test('a long download on a link that caps each connection still grows past its first guess', () => {
  const size = 16 * GiB;
  const { ctl, partSize } = noFlags(size);
  const sim = simulate(CAPPED, late(ctl), { durationMs: 60_000, totalBytes: size, partSize });
  const fixed16 = simulate(CAPPED, fixedPolicy(16, partSize), { durationMs: 60_000, totalBytes: size, partSize });
  const said = `${sim.doneMs} ms up to ${sim.peakConnections} connections vs ${fixed16.doneMs} ms at 16 (${ctl.tuning().reason})`;
  assert.ok(sim.peakConnections >= 32, said);
  assert.ok(sim.doneMs < 0.7 * fixed16.doneMs, said);
});

test('only a download is told its size: uploads and trees keep exploring as before', () => {
  assert.equal(controllerOptions('download', {}, GiB).transferBytes, GiB);
  assert.equal(controllerOptions('file', {}, GiB).transferBytes, undefined);
  assert.equal(controllerOptions('tree', {}).transferBytes, undefined);
  // No HEAD was made (--part-size given): the size is not known, so nothing is assumed about it.
  assert.equal(controllerOptions('download', { partSize: 8 * MiB }, 0).transferBytes, undefined);
});
