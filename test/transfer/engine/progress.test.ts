import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressTracker } from '../../../src/transfer/engine/progress.js';
import type { TransferEvent } from '../../../src/transfer/types.js';

function track(total: number, resumed = 0) {
  const seen: number[] = [];
  const t = new ProgressTracker(total, resumed, (e: TransferEvent) => {
    if (e.type === 'progress') seen.push(e.bytesDone);
  });
  return { t, seen };
}

test('retried bytes are not counted twice and progress only grows', () => {
  const { t, seen } = track(300);
  t.partBytes(1, 50);
  t.partBytes(1, 100);
  t.partBytes(1, 30); // the part was retried: its stream restarted
  t.partBytes(1, 80);
  t.partBytes(2, 60);
  t.partDone(1, 100);
  assert.deepEqual(seen, [50, 100, 160]);
  assert.equal(t.bytesDone, 160);
});

test('100% is held back until finish(), and never exceeded', () => {
  const { t, seen } = track(200, 100);
  t.partDone(2, 100);
  assert.equal(t.bytesDone, 199);
  t.partBytes(3, 500); // a bogus over-report cannot push past total
  assert.equal(t.bytesDone, 199);
  t.finish();
  assert.equal(seen.at(-1), 200);
  assert.ok(seen.every((b) => b <= 200));
  assert.equal(seen.filter((b) => b === 200).length, 1);
});

test('an empty file reports 0 of 0 once, at finish', () => {
  const { t, seen } = track(0);
  assert.deepEqual(seen, []);
  t.finish();
  assert.deepEqual(seen, [0]);
});
