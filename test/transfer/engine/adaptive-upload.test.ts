// An upload as its sockets count it: the client hands a part's bytes to its socket as fast as its own CPU allows,
// until the socket's buffers (the kernel's, a proxy's) hold BUFFER bytes beyond what the link delivered, and a step's
// new parts start as slots free (the scheduler asks the controller when a part finishes). Right after a doubling the
// new parts' buffers fill while the link moves no more: the controller must not read that as the link
// (adaptive-rules.ts `sentSettled`). Seeded, so each case is the same run every time.
import assert from 'node:assert/strict';
import test from 'node:test';
import { AdaptiveController } from '../../../src/transfer/engine/adaptive.js';
import { timeLeft } from '../../../src/transfer/engine/adaptive-rules.js';
import { seededRandom } from '../../../harness/fault-proxy.js';

const MiB = 1024 ** 2;
const PART = 8 * MiB;
const BUFFER = 6 * MiB;
/** What the client can hand its sockets (bytes/s): its CPU, hashing as it sends. */
const CLIENT = 900 * MiB;

interface Part {
  started: number;
  counted: number;
  delivered: number;
  /** Its share of the link against the others' (connections are never quite equal). */
  weight: number;
}

/** The trace of a 3 s upload on `linkRate(connections)`: one line per window. */
function upload(sentBytes: boolean, linkRate: (conns: number) => number, seed: number): string[] {
  const random = seededRandom(seed);
  const lines: string[] = [];
  const ctl = new AdaptiveController(
    { initialConnections: 16, initialPartSize: PART, sentBytes, trace: (l) => lines.push(l) },
    0,
  );
  const parts: Part[] = [];
  const fill = (now: number) => {
    while (parts.length < ctl.connections(now))
      parts.push({ started: now, counted: 0, delivered: 0, weight: 0.5 + random() });
  };
  fill(0);
  for (let now = 1; now <= 3000; now++) {
    const weights = parts.reduce((sum, p) => sum + p.weight, 0);
    const link = linkRate(parts.length) / 1000;
    for (const p of parts) p.delivered = Math.min(p.counted, p.delivered + (link * p.weight) / weights);
    const room = parts.filter((p) => p.counted < Math.min(PART, p.delivered + BUFFER));
    let counted = 0;
    for (const p of room) {
      const to = Math.min(PART, p.delivered + BUFFER, p.counted + CLIENT / 1000 / room.length);
      counted += to - p.counted;
      p.counted = to;
    }
    ctl.record(counted, now);
    for (let i = parts.length - 1; i >= 0; i--) {
      const p = parts[i]!;
      if (p.delivered < PART) continue;
      parts.splice(i, 1);
      ctl.partDone(now - p.started, now);
      fill(now); // a slot freed: the scheduler asks how many may run
    }
  }
  return lines;
}

/** The decision slow start took on its doubling from 16 to 32. */
function doublingTo32(sentBytes: boolean, linkRate: (conns: number) => number, seed: number): string {
  const lines = upload(sentBytes, linkRate, seed);
  const line = lines.find((l) => /^\d+ ms slow-start at 32: .* -> /.test(l));
  assert.ok(line, lines.join('\n'));
  return line.replace(/^.* -> /, '');
}

/** When the first window was judged (ms), on a link 32 connections fill no better than 16. */
function judgedAt(seed: number): number {
  const line = upload(true, () => 450 * MiB, seed).find((l) => l.includes(' -> '));
  assert.ok(line);
  return Number.parseInt(line, 10);
}

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);
const kept = (sentBytes: boolean, linkRate: (conns: number) => number) =>
  SEEDS.filter((seed) => doublingTo32(sentBytes, linkRate, seed).startsWith('slow-start at 64')).length;

test('an upload on a link that 32 connections fill no better than 16: buffers filling are not read as a gain', () => {
  const flat = () => 450 * MiB;
  // Judged half a window after the step (the rule before sentSettled), half the runs took the doubling.
  assert.equal(kept(false, flat), 6);
  // Settled until the new parts finished: only window-to-window noise is left (GAIN's 10% sees to the rest).
  assert.ok(kept(true, flat) <= 3, `${kept(true, flat)} of ${SEEDS.length} kept`);
});

test('an upload on a link that caps each connection: a doubling that moves more is still kept', () => {
  const capped = (conns: number) => Math.min(conns * 20 * MiB, 2000 * MiB);
  assert.equal(kept(true, capped), SEEDS.length);
});

test("an upload's first parts settle its first window: they were started by the change that began it", () => {
  // The parts started before the first byte finish after ~16 x 8 MiB / 450 MiB/s = 285 ms, the next ones at ~570 ms;
  // a window's measurement follows. Counting only parts started after the first byte, it was judged at 920-1010 ms.
  const first = SEEDS.map((seed) => judgedAt(seed));
  assert.ok(
    first.every((ms) => ms < 800),
    `first judged at ${first.join(', ')} ms`,
  );
});

test('what is left, in words: an upload with every byte handed to its sockets says so, not "0 KiB left"', () => {
  assert.equal(timeLeft(0, 400 * MiB), 'nothing left to send, the last parts in flight');
  assert.equal(timeLeft(-MiB, 400 * MiB), 'nothing left to send, the last parts in flight');
  assert.match(timeLeft(200 * MiB, 400 * MiB), /^200(\.0)? MiB left, about 0\.5 s$/);
});
