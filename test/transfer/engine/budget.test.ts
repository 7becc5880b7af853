// The shared budget through the real scheduler (runParts): the parts of several files together never exceed the
// connections the controller allows, a fixed --parallel keeps its count, and parts are sized by the controller
// within the base planner's floor and two parts per connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveController } from '../../../src/transfer/engine/adaptive.js';
import { ConnectionBudget, LOOK_AHEAD_MIN_MS } from '../../../src/transfer/engine/budget.js';
import { startInfo } from '../../../src/transfer/engine/engine.js';
import { runParts } from '../../../src/transfer/engine/part-pool.js';
import { ladderPlanner, remainingFeed } from '../../../src/transfer/engine/planner.js';
import type { PartFeed } from '../../../src/transfer/engine/ports.js';
import { runJobs } from '../../../src/transfer/tree/jobs.js';

const MiB = 1024 ** 2;

function budget(connections: number, extra: { parallel?: number; jobs?: number } = {}) {
  const c = new AdaptiveController(
    { initialConnections: connections, initialPartSize: MiB, connectionsSource: 'flag' },
    0,
  );
  return new ConnectionBudget(c, { now: () => 0, ...extra });
}

/** Runs a file's parts through runParts, counting the parts in flight across every file. */
async function moveFile(b: ConnectionBudget, size: number, seen: { now: number; peak: number; parts: number }) {
  const planner = b.planner(ladderPlanner);
  const feed = planner.plan({ kind: 'upload', size });
  await b.holding(() =>
    runParts({
      feed,
      work: async (part) => {
        seen.now++;
        seen.peak = Math.max(seen.peak, seen.now);
        await new Promise((r) => setTimeout(r, 2));
        seen.now--;
        seen.parts++;
        return part.size;
      },
      done: async () => undefined,
    }),
  );
}

async function* sizes(list: number[]) {
  yield* list;
}

test('files of a tree and the parts of its large files in flight together stay within the budget, and use it', async () => {
  const b = budget(6);
  const seen = { now: 0, peak: 0, parts: 0 };
  const files = [40 * MiB, 64 * 1024, 40 * MiB, 64 * 1024, 64 * 1024, 40 * MiB, 64 * 1024];
  await runJobs(
    sizes(files),
    (running) => b.files(running),
    new AbortController().signal,
    (size) => moveFile(b, size, seen),
  );
  assert.equal(seen.parts, 120 + 4);
  assert.equal(seen.peak, 6);
  assert.equal(b.inUse, 0, 'every unit is given back');
});

test('a fixed --parallel keeps its count per file; files are sized by the budget unless --jobs fixes them', async () => {
  const b = budget(4, { parallel: 3 });
  const seen = { now: 0, peak: 0, parts: 0 };
  await moveFile(b, 30 * MiB, seen);
  assert.equal(seen.peak, 3);
  assert.equal(b.files(2), 4 - 0 + 2, 'room for as many files as the budget has free units');
  assert.equal(budget(4, { jobs: 9 }).files(2), 9);
});

test('a fresh transfer gets the controller’s part size, never below the ladder, at least two parts per connection', () => {
  const c = new AdaptiveController({ initialConnections: 4, initialPartSize: 64 * MiB, partSizeSource: 'auto' }, 0);
  const b = new ConnectionBudget(c, { now: () => 0 });
  const planner = b.planner(ladderPlanner);
  assert.equal(planner.plan({ kind: 'upload', size: 4 * 1024 * MiB }).partSize, 64 * MiB);
  assert.equal(planner.plan({ kind: 'upload', size: 64 * MiB }).partSize, 8 * MiB, '64 MiB over 4 connections x 2');
  assert.equal(planner.plan({ kind: 'upload', size: 3 * MiB }).partSize, MiB, 'the ladder floor');
  // A resume keeps its checkpoint's size; a request's own size is only a default; a --part-size wins.
  assert.equal(planner.plan({ kind: 'upload', size: 4 * 1024 * MiB }, { partSize: 8 * MiB }).partSize, 8 * MiB);
  assert.equal(planner.plan({ kind: 'upload', size: 4 * 1024 * MiB, partSize: 2 * MiB }).partSize, 64 * MiB);
  const flagged = new ConnectionBudget(c, { now: () => 0, partSize: 16 * MiB }).planner(ladderPlanner);
  assert.equal(flagged.plan({ kind: 'upload', size: 4 * 1024 * MiB }).partSize, 16 * MiB);
});

test('only a fresh multipart transfer with no --part-size is offered the controller’s size for its later parts', () => {
  const c = new AdaptiveController({ initialConnections: 4, initialPartSize: 8 * MiB, partSizeSource: 'auto' }, 0);
  const planner = new ConnectionBudget(c, { now: () => 0 }).planner(ladderPlanner);
  const fresh = planner.plan({ kind: 'upload', size: 1024 * MiB });
  assert.equal(fresh.partSizeNow?.(), 8 * MiB);
  assert.equal(planner.plan({ kind: 'upload', size: 1024 * MiB }, { partSize: 8 * MiB }).partSizeNow, undefined);
  assert.equal(planner.plan({ kind: 'upload', size: MiB / 2 }).partSizeNow, undefined, 'one request');
  const flagged = new ConnectionBudget(c, { now: () => 0, partSize: 16 * MiB }).planner(ladderPlanner);
  assert.equal(flagged.plan({ kind: 'upload', size: 1024 * MiB }).partSizeNow, undefined);
});

for (const [how, over] of [
  ['its own feed', (f: PartFeed) => f],
  // What a resumed upload and a copy run over: it must keep the budget feed's close.
  ['a feed of the parts left', (f: PartFeed) => remainingFeed(f, new Set([1]))],
] as const)
  test(`a file that fails with parts in flight gives its units back at once, and the next file gets the whole budget (${how})`, async () => {
    const b = budget(6);
    const feed = over(b.planner(ladderPlanner).plan({ kind: 'upload', size: 40 * MiB }));
    let inFlight = 0;
    const failed = b.holding(() =>
      runParts({
        feed,
        work: async (part, signal) => {
          inFlight++;
          await new Promise((r) => setTimeout(r, 5));
          if (part.number === 3) throw new Error('part 3 refused');
          // The others are still sending when part 3 fails: the scheduler's abort stops them, as it stops a request.
          await new Promise((_, reject) => {
            if (signal.aborted) reject(signal.reason);
            else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          });
          return part.size;
        },
        done: async () => undefined,
      }),
    );
    await assert.rejects(failed, /part 3 refused/);
    assert.equal(inFlight, 6, 'six parts were in flight when part 3 failed');
    assert.equal(b.inUse, 0, 'every unit is given back');
    // The next file runs six parts at once again.
    const seen = { now: 0, peak: 0, parts: 0 };
    await moveFile(b, 40 * MiB, seen);
    assert.equal(seen.peak, 6);
  });

test('the start event says what the budget chose and why: connections, this transfer’s part size, their sources', () => {
  const c = new AdaptiveController(
    { initialConnections: 8, initialPartSize: 8 * MiB, startReason: 'first guess: 8 parts in flight' },
    0,
  );
  const b = new ConnectionBudget(c, { now: () => 0 });
  const fresh = startInfo(b.planner(ladderPlanner).plan({ kind: 'upload', size: 1024 * MiB }), 1024 * MiB);
  assert.deepEqual(fresh.tuning, {
    connections: { value: 8, source: 'auto' },
    partSize: { value: 8 * MiB, source: 'auto' },
    reason: 'first guess: 8 parts in flight',
  });
  const resumed = b.planner(ladderPlanner).plan({ kind: 'upload', size: 1024 * MiB }, { partSize: 2 * MiB });
  assert.deepEqual(startInfo(resumed, 1024 * MiB).tuning?.partSize, { value: 2 * MiB, source: 'checkpoint' });
});

test('once parts grew, the reason says so for a fresh transfer and not for a resumed one, whose size is its own', () => {
  let clock = 0;
  const c = new AdaptiveController({ initialConnections: 4, initialPartSize: 8 * MiB, totalBytes: 16 * 1024 * MiB }, 0);
  const b = new ConnectionBudget(c, { now: () => clock });
  for (; clock < 3000; clock += 10) b.record(4 * MiB); // 400 MiB/s: 100 MiB/s a connection
  const planner = b.planner(ladderPlanner);
  const fresh = planner.plan({ kind: 'upload', size: 16 * 1024 * MiB });
  assert.match(startInfo(fresh, 16 * 1024 * MiB).tuning?.reason ?? '', /; parts grow up to 64 MiB/);
  const resumed = planner.plan({ kind: 'upload', size: 16 * 1024 * MiB }, { partSize: 8 * MiB });
  assert.doesNotMatch(startInfo(resumed, 16 * 1024 * MiB).tuning?.reason ?? '', /parts grow/);
});

test('a transfer of one request reports it as a finished part, so slow start judges small files per request', () => {
  let t = 0;
  const done: number[] = [];
  const c = new AdaptiveController({ initialConnections: 4, initialPartSize: MiB, connectionsSource: 'auto' }, 0);
  const partDone = c.partDone.bind(c);
  c.partDone = (ms, now) => {
    done.push(ms);
    partDone(ms, now);
  };
  const b = new ConnectionBudget(c, { now: () => t });
  // A tree's small file: one request, no part feed of the budget's, so no `tuning` on its start.
  const small = b.meter();
  small({ type: 'start', totalBytes: 4096, resumedBytes: 0, totalParts: 1, partsDone: 0 });
  t = 30;
  small({ type: 'progress', bytesDone: 4096, totalBytes: 4096 });
  small({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  assert.deepEqual(done, [30]);
  // A transfer planned by the budget: its feed already observes each part; the meter must not count it twice.
  const planned = b.meter();
  planned({ type: 'start', totalBytes: MiB, resumedBytes: 0, totalParts: 1, partsDone: 0, tuning: c.tuning() });
  t = 60;
  planned({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  assert.deepEqual(done, [30]);
});

test('a one-request download is timed from its request, not from its response headers (its round trip counts)', () => {
  let t = 0;
  const done: number[] = [];
  const c = new AdaptiveController(
    { initialConnections: 32, initialPartSize: MiB, connectionsSource: 'auto', files: true },
    0,
  );
  const partDone = c.partDone.bind(c);
  c.partDone = (ms, now) => {
    done.push(ms);
    partDone(ms, now);
  };
  const b = new ConnectionBudget(c, { now: () => t });
  // file-ops.ts makes the meter, then sends the GET; the engine's 'start' comes once the headers are in, 80 ms later
  // on an 80 ms link, and the 64 KiB body a millisecond after that.
  t = 1000;
  const small = b.meter();
  t = 1080;
  small({ type: 'start', totalBytes: 65536, resumedBytes: 0, totalParts: 1, partsDone: 0 });
  t = 1081;
  small({ type: 'progress', bytesDone: 65536, totalBytes: 65536 });
  small({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  assert.deepEqual(done, [81], 'the round trip and the body, as an upload of one request is timed');
});

test('a job prepares ahead until a one-request transfer shows a round trip shorter than LOOK_AHEAD_MIN_MS', () => {
  let t = 0;
  const c = new AdaptiveController(
    { initialConnections: 16, initialPartSize: MiB, connectionsSource: 'auto', files: true },
    0,
  );
  const b = new ConnectionBudget(c, { now: () => t });
  const request = (ms: number) => {
    const m = b.meter();
    t += ms;
    m({ type: 'start', totalBytes: 4096, resumedBytes: 0, totalParts: 1, partsDone: 0 });
    m({ type: 'progress', bytesDone: 4096, totalBytes: 4096 });
    m({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  };
  assert.equal(b.prepareAhead(), true, 'nothing timed yet: the first files look ahead');
  request(21);
  request(LOOK_AHEAD_MIN_MS);
  assert.equal(b.prepareAhead(), true, 'a 20 ms link: every request took at least the bound');
  request(LOOK_AHEAD_MIN_MS - 1);
  assert.equal(b.prepareAhead(), false, 'one request under the bound: a short link, the look-ahead only costs');
  request(40);
  assert.equal(b.prepareAhead(), false, 'a slow request later is queueing, not the link');
});

for (const [how, feedOf] of [
  ['a download', (b: ConnectionBudget) => b.planner(ladderPlanner).plan({ kind: 'download', size: 256 * MiB })],
  // What a resumed upload runs over: it must keep the budget feed's wake-up.
  [
    'a feed of the parts an upload has left',
    (b: ConnectionBudget) =>
      remainingFeed(
        b.planner(ladderPlanner).plan({ kind: 'upload', size: 256 * MiB, partSize: 8 * MiB }),
        new Set([1]),
      ),
  ],
] as const)
  test(`a budget that grows between parts wakes the scheduler: the step opens its connections at once (${how})`, async () => {
    let clock = 0;
    const c = new AdaptiveController({ initialConnections: 2, initialPartSize: 8 * MiB }, 0);
    const b = new ConnectionBudget(c, { now: () => clock });
    const feed = feedOf(b);
    let started = 0;
    let finished = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = runParts({
      feed,
      work: async (part) => {
        started++;
        await gate; // every part is long: none ends while slow start measures and steps
        finished++;
        return part.size;
      },
      done: async () => undefined,
    });
    await new Promise((r) => setImmediate(r));
    const before = started;
    for (; c.connections(clock) === 2 && clock < 2_000; clock += 10) b.record(MiB);
    assert.equal(c.connections(clock), 4, c.tuning().reason);
    await new Promise((r) => setImmediate(r));
    // main asked the budget again only when a part ended: the doubling waited for the first range to finish.
    assert.equal(finished, 0);
    assert.equal(started, before + 2, `${before} parts, then ${started}`);
    release();
    await run;
    assert.equal(b.inUse, 0);
  });
