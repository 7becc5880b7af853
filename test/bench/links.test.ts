// The links extra's repetitions: every setting takes each place in turn, the profile with no delay runs more of
// them, and the options are read and checked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../bench/args.js';
import { DEFAULT_GRID, estimateSeconds, linkProfiles, parseGrid, rotated } from '../../bench/links.js';

test('over as many repetitions as settings, each setting runs first once, the no-flag run included', () => {
  const settings = ['auto', '4x8M', '16x8M', '4x64M'];
  const orders = [0, 1, 2, 3].map((rep) => rotated(settings, rep));
  assert.deepEqual(
    orders.map((o) => o[0]),
    settings,
  );
  for (const o of orders) assert.deepEqual([...o].sort(), [...settings].sort());
  assert.deepEqual(rotated(settings, 4), settings);
});

test('--links-reps: 1 by default, a positive whole number otherwise', () => {
  assert.equal(parseArgs([]).linksReps, 1);
  assert.equal(parseArgs(['--links-reps', '3']).linksReps, 3);
  assert.throws(() => parseArgs(['--links-reps', '0']), /positive integer/);
});

test('--links-loopback-reps: unset by default (3x --links-reps), a positive whole number otherwise', () => {
  assert.equal(parseArgs([]).linksLoopbackReps, undefined);
  assert.equal(parseArgs(['--links-loopback-reps', '9']).linksLoopbackReps, 9);
  assert.throws(() => parseArgs(['--links-loopback-reps', '0']), /positive integer/);
  // The estimate counts each profile's own repetitions.
  const g = parseGrid(DEFAULT_GRID);
  const est = (loopback: number) =>
    estimateSeconds(g, 1024 ** 3, 2000, 64 * 1024, false, (p) => (p.shape ? 1 : loopback));
  const delayed = est(0);
  const loopbackOnce = est(1) - delayed;
  assert.ok(delayed > 0 && loopbackOnce > 0);
  assert.ok(Math.abs(est(3) - (delayed + 3 * loopbackOnce)) < 1e-6);
});

test('--links-profiles picks profiles by key, in their usual order; an unknown key names the ones there are', () => {
  assert.equal(parseArgs([]).linksProfiles, undefined);
  assert.deepEqual(
    linkProfiles(undefined).map((p) => p.key),
    ['none', '20ms', '80ms'],
  );
  const picked = linkProfiles(parseArgs(['--links-profiles', '80ms,none']).linksProfiles);
  assert.deepEqual(
    picked.map((p) => p.name),
    ['no delay', '80 ms RTT, 200 Mbit/s'],
  );
  assert.throws(() => linkProfiles(['none', '40ms']), /unknown links profile "40ms" \(none, 20ms, 80ms\)/);
  assert.throws(() => linkProfiles([]), /names no profile/);
  // The estimate counts only the profiles run: the loopback profile alone is a small part of the whole.
  const g = parseGrid(DEFAULT_GRID);
  const all = estimateSeconds(g, 1024 ** 3, 2000, 64 * 1024);
  const loopback = estimateSeconds(g, 1024 ** 3, 2000, 64 * 1024, false, () => 1, linkProfiles(['none']));
  assert.ok(loopback > 0 && loopback < all / 5, `${loopback} of ${all}`);
});
