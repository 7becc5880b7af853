// The links extra's repetitions: every setting takes each place in turn, and the option is read and checked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../bench/args.js';
import { rotated } from '../../bench/links.js';

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
