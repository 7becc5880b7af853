// The byte pacer behind --bwlimit (client) and x-oss-traffic-limit (server), on a fake clock: what it lets through
// matches the rate whatever the chunk sizes, with at most its burst (a quarter second by default).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pacer } from '../../src/core/pacer.js';

/** Milliseconds of fake time that `chunks` take through a pacer of `rate` bytes/s, one after another. */
async function paced(rate: number, chunks: number[]): Promise<number> {
  let clock = 5_000;
  const pacer = new Pacer(rate, {
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  });
  for (const n of chunks) await pacer.take(n);
  return clock - 5_000;
}

test('a chunk waits for its own bytes: 400 KiB at 100 KiB/s takes 3.75 s, in two chunks or in many', async () => {
  assert.equal(await paced(100 * 1024, [200 * 1024, 200 * 1024]), 3750);
  assert.equal(
    await paced(
      100 * 1024,
      Array.from({ length: 100 }, () => 4 * 1024),
    ),
    3750,
  );
});

test('a quiet pacer lets a quarter second of the rate through at once, and no more', async () => {
  assert.equal(await paced(1024 * 1024, [256 * 1024]), 0);
  assert.equal(await paced(1024 * 1024, [256 * 1024, 1024]), 1000 / 1024);
  assert.equal(await paced(1024 * 1024, [512 * 1024]), 250);
});
