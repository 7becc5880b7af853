// A download of known size as the CLI starts it (its first guess, the budget's planner), on the fake link
// (fake-link.ts) and a simulated clock: a 1 GiB download on a fast link lasts 1.5-3 s, so slow start must not spend
// it trialling settings it ends before using, nor judge its first window on the HEAD, file and connections before the
// first byte (BENCHMARKS.md, "Issue 23: the `links` runs at the size").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveController } from '../../../src/transfer/engine/adaptive.js';
import { ConnectionBudget } from '../../../src/transfer/engine/budget.js';
import { ladderPlanner } from '../../../src/transfer/engine/planner.js';
import type { PartFeed, PlannedPart } from '../../../src/transfer/engine/ports.js';
import { guidedRangeSize, RANGE_SECONDS } from '../../../src/transfer/engine/ranges.js';
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

/** A download of `size` with no flags: the controller the CLI makes, and its budget's feed of ranges. */
function noFlags(size: number) {
  const ctl = new AdaptiveController(controllerOptions('download', {}, size), 0);
  const feed = new ConnectionBudget(ctl, { now: () => 0 }).planner(ladderPlanner).plan({ kind: 'download', size });
  return { ctl, feed };
}

/**
 * A download of `size` with no flags run as the CLI runs it on the simulated link: the controller and its budget's
 * feed cut each range as a connection frees and are told of each range that finished. Their clock started
 * FIRST_BYTE_MS before the link's first request. `sizes`: the ranges cut, in order.
 */
function cliDownload(size: number, untimed = false) {
  let clock = 0;
  const at = (now: number) => (clock = now + FIRST_BYTE_MS);
  const ctl = new AdaptiveController(controllerOptions('download', {}, size), 0);
  const feed = new ConnectionBudget(ctl, { now: () => clock }).planner(ladderPlanner).plan({ kind: 'download', size });
  const sizes: number[] = [];
  const policy: Policy = {
    connections: (now) => ctl.connections(at(now)),
    partSize: (now) => ctl.partSize(at(now)),
    record: (bytes, now) => ctl.record(bytes, at(now)),
    // The budget's feed tells the controller (partDone) and keeps the rate a range gets on one connection.
    partDone: (ms, now, bytes) => {
      at(now);
      feed.observe?.({ number: 0, start: 0, size: bytes }, { ms });
    },
    throttled: (now, delayMs) => ctl.throttled(at(now), delayMs),
  };
  const rangeSize = (_left: number, now: number) => {
    at(now);
    // The rule before ranges were timed: a share of what is left, whatever the rate (for comparison).
    if (untimed) return guidedRangeSize(_left, ctl.connections(clock));
    const part = feed.next();
    assert.ok(part, 'the feed hands out a range while bytes are left');
    feed.started?.(part);
    sizes.push(part.size);
    return part.size;
  };
  return { ctl, policy, rangeSize, sizes };
}

/** The ranges a feed hands out when `connections` are in flight throughout. */
function rangesOf(feed: PartFeed): PlannedPart[] {
  const parts: PlannedPart[] = [];
  for (let p = feed.next(); p; p = feed.next()) parts.push(p);
  return parts;
}

/** The best of 5 connection counts x 2 range sizes, fixed, on `link` (ms to the last byte). */
function gridBest(link: LinkProfile, size: number) {
  let best = { ms: Infinity, what: '' };
  for (const c of [4, 8, 16, 32, 64]) {
    for (const p of [8 * MiB, 64 * MiB]) {
      const opts = { durationMs: 60_000, totalBytes: size, partSize: p, rampMs: RAMP_MS };
      const ms = simulate(link, fixedPolicy(c, p), opts).doneMs;
      if (ms < best.ms) best = { ms, what: `${c} x ${p / MiB} MiB` };
    }
  }
  return best;
}

test('a download with no flags sizes its ranges from the object: large while much is left, the floor at the end', () => {
  const { feed } = noFlags(GiB);
  // Before any range has finished, no rate is known: the floor.
  const first = feed.next()!;
  assert.equal(first.size, 8 * MiB);
  feed.started?.(first);
  // 33 MiB/s on one connection: 2 s would be 66 MiB, above the cap; 0.25 s is 8 MiB, the floor.
  feed.observe?.(first, { ms: 240 });
  const parts = [first, ...rangesOf(feed)];
  const sizes = parts.map((p) => p.size);
  // main planned 128 ranges of 8 MiB before the first byte.
  assert.equal(sizes[1], 64 * MiB, `first ranges ${sizes.slice(0, 4)}`);
  assert.ok(parts.length <= 49, `${parts.length} ranges`);
  assert.ok(
    sizes.slice(0, -1).every((s) => s >= 8 * MiB && s <= 64 * MiB),
    `within 8..64 MiB: ${sizes}`,
  );
  for (let i = 2; i < sizes.length; i++) assert.ok(sizes[i]! <= sizes[i - 1]!, 'never growing: the tail is small');
  assert.ok(sizes.at(-1)! <= 8 * MiB);
  // They tile the object exactly, numbered in order.
  let at = 0;
  for (const [i, p] of parts.entries()) {
    assert.equal(p.start, at);
    assert.equal(p.number, i + 1);
    at += p.size;
  }
  assert.equal(at, GiB);
  assert.equal(feed.totalParts, parts.length);
});

test('a fast link: no range under a quarter second at the rate measured, so its tail is cut in fewer ranges', () => {
  // 4 connections on the quiet loopback get ~250 MB/s each: an 8 MiB range is ~35 ms there, of which the request
  // and the server's first byte took 16-50 ms on the loaded machine (BENCHMARKS.md, "h23dl").
  const cut = (ms: number) => {
    const ctl = new AdaptiveController(controllerOptions('download', { parallel: 4 }, GiB), 0);
    const feed = new ConnectionBudget(ctl, { parallel: 4, now: () => 0 })
      .planner(ladderPlanner)
      .plan({ kind: 'download', size: GiB });
    const first = feed.next()!;
    feed.started?.(first);
    feed.observe?.(first, { ms });
    const sizes = [first, ...rangesOf(feed)].map((p) => p.size);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      GiB,
    );
    assert.equal(feed.totalParts, sizes.length);
    return sizes;
  };
  const fast = cut(32); // 262 MB/s: 0.25 s is 62 MiB
  const said = `ranges ${fast.map((s) => s / MiB)}`;
  // main cut the last 256 MiB into shares of what was left down to 8 MiB: 24 ranges in all.
  assert.ok(fast.length <= 20, said);
  assert.ok(
    fast.slice(1, -1).every((s) => s >= 62 * MiB),
    said,
  );
  // A connection of 20 MB/s (0.25 s is 4.8 MiB) keeps the 8 MiB floor and its tail of shares down to it.
  const slow = cut(420);
  assert.equal(slow.at(-1), 8 * MiB, `ranges ${slow.map((s) => s / MiB)}`);
  assert.ok(slow.length >= 28, `ranges ${slow.map((s) => s / MiB)}`);
});

for (const link of [LOOPBACK, DELAYED]) {
  test(`${link.name}: a 1 GiB download with no flags is not spent trialling, and ends with the best of the grid`, () => {
    const { ctl, policy, rangeSize } = cliDownload(GiB);
    const opts = { durationMs: 60_000, totalBytes: GiB, rampMs: RAMP_MS };
    const sim = simulate(link, policy, { ...opts, rangeSize });
    const best = gridBest(link, GiB);
    const said = `no flags ${sim.doneMs} ms in ${sim.parts} ranges, up to ${sim.peakConnections} connections (${ctl.tuning().reason}); best ${best.what} ${best.ms} ms`;
    // The old rule ended its settling at the first byte and judged the ramp: 16 -> 32 -> 64, ending at 32 or more.
    assert.ok(sim.peakConnections <= 32, said);
    assert.equal(ctl.connections(sim.doneMs + FIRST_BYTE_MS), 16, said);
    // Start-up costs every setting alike; the bench measures launch to exit.
    assert.ok((best.ms + FIRST_BYTE_MS) / (sim.doneMs + FIRST_BYTE_MS) >= 0.9, said);
    // The connections finish together: the last range ends within a small share of the whole after the first idles.
    assert.ok(sim.doneMs - sim.idleFromMs <= 0.1 * sim.doneMs, `${said}; tail from ${sim.idleFromMs} ms`);
  });
}

test('a link that caps each connection: guided ranges beat both 8 and 64 MiB ranges, and finish together', () => {
  // A WAN's TCP window caps each connection, so the round trip before each range's first byte is idle time no other
  // connection takes up: fewer, larger ranges pay it fewer times. But 64 MiB ranges of an object that is not a
  // multiple of 64 MiB x 16 leave a straggler running alone; guided ranges shrink to 8 MiB at the end.
  const size = GiB + 24 * MiB;
  const opts = { durationMs: 60_000, totalBytes: size, rampMs: RAMP_MS };
  const ranged = simulate(CAPPED, fixedPolicy(16, 0), { ...opts, rangeSize: (left) => guidedRangeSize(left, 16) });
  const small = simulate(CAPPED, fixedPolicy(16, 8 * MiB), opts);
  const large = simulate(CAPPED, fixedPolicy(16, 64 * MiB), opts);
  const tail = (r: typeof ranged) => r.doneMs - r.idleFromMs;
  const said = `guided ${ranged.doneMs} ms in ${ranged.parts} ranges (tail ${tail(ranged)}); 8 MiB ${small.doneMs} in ${small.parts} (tail ${tail(small)}); 64 MiB ${large.doneMs} (tail ${tail(large)})`;
  assert.ok(ranged.parts * 2 <= small.parts, said);
  assert.ok(ranged.doneMs <= 0.95 * small.doneMs, said);
  assert.ok(ranged.doneMs <= 0.9 * large.doneMs, said);
  // The connections finish within one small range of each other, as with 8 MiB ranges throughout.
  assert.ok(tail(ranged) <= tail(small) + 25, said);
});

test('loopback: a 512 MiB download keeps its first 16 ranges: the rest is too short for a step to pay back', () => {
  const { ctl, policy, rangeSize } = cliDownload(512 * MiB);
  const opts = { durationMs: 60_000, totalBytes: 512 * MiB, rangeSize, rampMs: RAMP_MS };
  const sim = simulate(LOOPBACK, policy, opts);
  assert.equal(sim.peakConnections, 16, ctl.tuning().reason);
  assert.match(ctl.tuning().reason, /too short to pay back/);
  // Its ranges were planned before the first byte: the reason does not claim sizes it cannot use.
  assert.doesNotMatch(ctl.tuning().reason, /parts grow/);
});

test('a long download on a link that caps each connection still grows past its first guess', () => {
  const size = 16 * GiB;
  const { ctl, policy, rangeSize } = cliDownload(size);
  const sim = simulate(CAPPED, policy, { durationMs: 60_000, totalBytes: size, rangeSize });
  const opts = { durationMs: 60_000, totalBytes: size, rangeSize: (left: number) => guidedRangeSize(left, 16) };
  const fixed16 = simulate(CAPPED, fixedPolicy(16, 0), opts);
  const said = `${sim.doneMs} ms up to ${sim.peakConnections} connections vs ${fixed16.doneMs} ms at 16 (${ctl.tuning().reason})`;
  assert.ok(sim.peakConnections >= 32, said);
  assert.ok(sim.doneMs < 0.7 * fixed16.doneMs, said);
});

test('one file is told its size either way; a tree keeps exploring', () => {
  assert.equal(controllerOptions('download', {}, GiB).transferBytes, GiB);
  assert.equal(controllerOptions('file', {}, GiB).transferBytes, GiB);
  assert.equal(controllerOptions('tree', {}).transferBytes, undefined);
  // No HEAD was made (--part-size given): the size is not known, so nothing is assumed about it.
  assert.equal(controllerOptions('download', { partSize: 8 * MiB }, 0).transferBytes, undefined);
});

/** 80 ms RTT, 200 Mbit/s: one connection of 16 gets ~1.5 MB/s, so a 64 MiB range would take ~43 s. */
const SLOW: LinkProfile = {
  ...LOOPBACK,
  name: '80 ms RTT, 200 Mbit/s',
  rttMs: 80,
  connBytesPerSec: 4 * MB,
  totalBytesPerSec: 25 * MB,
  knee: 64,
  contention: 0,
};
/** 20 ms RTT, 160 MB/s over connections capped at 10 MB/s each: ranges between the floor and the cap. */
const MIDDLE: LinkProfile = {
  ...CAPPED,
  name: '20 ms RTT, 10 MB/s per connection',
  connBytesPerSec: 10 * MB,
  totalBytesPerSec: 160 * MB,
  knee: 64,
};

for (const [link, size, lostSeconds] of [
  [SLOW, GiB, 12],
  [MIDDLE, 2 * GiB, 4],
] as const) {
  test(`${link.name}: ranges take a few seconds each, so a kill at any moment loses a few seconds of work`, () => {
    // The ranges the journal has not recorded yet are lost at a kill. Sized by the object alone, the first 16 ranges of
    // 1 GiB were 64 MiB each: ~43 s on the slow link, all lost at a kill just before they end.
    const { ctl, policy, rangeSize, sizes } = cliDownload(size);
    const sim = simulate(link, policy, { durationMs: 600_000, totalBytes: size, rangeSize, rampMs: RAMP_MS });
    const rate = (size * 1000) / sim.doneMs;
    const said = `${sim.doneMs} ms, ${sim.parts} ranges of ${[...new Set(sizes.map((s) => s / MiB))]} MiB, longest ${sim.longestPartMs} ms, at most ${(sim.lostBytesMax / MiB).toFixed(0)} MiB in flight (${ctl.tuning().reason})`;
    assert.ok(sim.doneMs < Infinity, said);
    assert.ok(
      sim.lostBytesMax / rate <= lostSeconds,
      `${said}: ${(sim.lostBytesMax / rate).toFixed(1)} s of work lost`,
    );
    assert.ok(sim.longestPartMs <= lostSeconds * 1000, said);
    assert.equal(sizes[0], 8 * MiB, 'no rate known yet: the floor');
  });
}

test('loopback: once the first ranges are timed, a long download still grows its ranges to 64 MiB', () => {
  const size = 4 * GiB;
  const { policy, rangeSize, sizes } = cliDownload(size);
  const sim = simulate(LOOPBACK, policy, { durationMs: 60_000, totalBytes: size, rangeSize, rampMs: RAMP_MS });
  const old = cliDownload(size, true);
  const was = simulate(LOOPBACK, old.policy, {
    durationMs: 60_000,
    totalBytes: size,
    rangeSize: old.rangeSize,
    rampMs: RAMP_MS,
  });
  const said = `${sim.doneMs} ms in ${sim.parts} ranges (${sizes.map((s) => s / MiB).join(' ')}); untimed ${was.doneMs} ms in ${was.parts}`;
  assert.equal(Math.max(...sizes), 64 * MiB, said);
  // What timing costs there: the first wave at the floor, and ranges a little smaller while slow start trials.
  assert.ok(sim.parts <= was.parts * 1.3, said);
  assert.ok(
    sim.longestPartMs <= 2 * RANGE_SECONDS * 1000,
    `${said}; longest ${sim.longestPartMs} ms, untimed ${was.longestPartMs}`,
  );
  assert.ok(sim.doneMs <= was.doneMs * 1.02, said);
});

test('a 1 GiB download whose rate climbs for most of a second at any setting: no doubling taken for the climb', () => {
  // The quiet links run at `023be01`: at 20 ms RTT no flags went 16 -> 32 -> 64 on the client's own warming (the rate
  // climbs for 1-3 s after the first byte whatever the setting) and ended at 32, 0.75 of `--parallel 16`.
  const ramp = 800;
  for (const link of [LOOPBACK, DELAYED]) {
    const { ctl, policy, rangeSize } = cliDownload(GiB);
    const sim = simulate(link, policy, { durationMs: 60_000, totalBytes: GiB, rampMs: ramp, rangeSize });
    let best = Infinity;
    for (const c of [4, 8, 16, 32, 64])
      for (const p of [8 * MiB, 64 * MiB]) {
        const opts = { durationMs: 60_000, totalBytes: GiB, partSize: p, rampMs: ramp };
        best = Math.min(best, simulate(link, fixedPolicy(c, p), opts).doneMs);
      }
    const said = `${link.name}: no flags ${sim.doneMs} ms, up to ${sim.peakConnections} (${ctl.tuning().reason}); best ${best} ms`;
    // main: 64, then 32 to the end, 0.72-0.75 of the best.
    assert.ok(sim.peakConnections <= 32, said);
    assert.equal(ctl.connections(sim.doneMs + FIRST_BYTE_MS), 16, said);
    assert.ok((best + FIRST_BYTE_MS) / (sim.doneMs + FIRST_BYTE_MS) >= 0.9, said);
  }
});

test('ranges cut while slow start measures a doubling are the floor: a doubling taken back drains at once', () => {
  let clock = 0;
  const ctl = new AdaptiveController(controllerOptions('download', {}, GiB), 0);
  const feed = new ConnectionBudget(ctl, { now: () => clock })
    .planner(ladderPlanner)
    .plan({ kind: 'download', size: GiB });
  const first = feed.next()!;
  feed.started?.(first);
  feed.observe?.(first, { ms: 240 }); // ~35 MB/s on one connection: 2 s is the 64 MiB cap
  // 16 connections at a steady 500 MiB/s from the first byte: settling, two windows, then the doubling to 32.
  for (clock = 10; ctl.connections(clock) === 16 && clock < 5_000; clock += 10) ctl.record(5 * MiB, clock);
  assert.equal(ctl.connections(clock), 32, ctl.tuning().reason);
  // main cut a share of what was left for 32 (~25 MiB each here): 16 more ranges the next judgement cannot take back.
  const trial = Array.from({ length: 16 }, () => feed.next()!.size);
  assert.ok(
    trial.every((s) => s === 8 * MiB),
    `ranges during the trial: ${trial.map((s) => s / MiB)}`,
  );
  // 32 moves no more than 16: back to 16, and the next ranges are a share of what is left again.
  for (; ctl.connections(clock) === 32 && clock < 10_000; clock += 10) ctl.record(5 * MiB, clock);
  assert.equal(ctl.connections(clock), 16, ctl.tuning().reason);
  assert.ok(feed.next()!.size > 8 * MiB);
});

test('a download judges its first doubling against the better of its first two windows, not a dip between waves', () => {
  // Traced at 20 ms RTT: 418 then 215 MiB/s at 16 as the first ranges ended together; 32 then "gave 51% more".
  const ctl = new AdaptiveController(controllerOptions('download', {}, 4 * GiB), 0);
  let clock = 0;
  const run = (mibps: number, ms: number) => {
    for (const end = clock + ms; clock < end; clock += 10) ctl.record((mibps * MiB) / 100, clock);
  };
  run(400, 125 + 250); // settling, then the first window
  run(250, 250); // the second dips: the doubling is taken
  assert.equal(ctl.connections(clock), 32, ctl.tuning().reason);
  run(330, 125 + 250); // 32 gains a third over the dip, but less than the first window
  assert.equal(ctl.connections(clock), 16, ctl.tuning().reason);
});
