import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, parseDuration, parseSize, ParseError } from '../../src/cli/size.js';
import {
  defaultParallel,
  defaultPartSize,
  defaultRangeSize,
  MIN_DEFAULT_PART_SIZE,
  MIN_DEFAULT_RANGE_SIZE,
  partCount,
} from '../../src/cli/defaults.js';
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../../src/core/limits.js';

test('sizes: binary units, short forms read as binary, plain bytes', () => {
  assert.equal(parseSize('100KiB'), 102400);
  assert.equal(parseSize('8MiB'), 8 * 1024 ** 2);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('8M'), 8 * 1024 ** 2);
  assert.equal(parseSize('8mb'), 8 * 1024 ** 2);
  assert.equal(parseSize('1.5KiB'), 1536);
  assert.equal(parseSize('1048576'), 1048576);
  assert.equal(parseSize(' 5 GiB '), 5 * 1024 ** 3);
});

test('sizes: garbage is refused with a message naming the accepted forms', () => {
  for (const bad of ['', 'abc', '-1', '10XB', '1e6', 'MiB', '0.3B', '1,5MiB']) {
    assert.throws(() => parseSize(bad), ParseError, bad);
  }
  assert.throws(() => parseSize('10XB'), /unknown unit "XB"; use KiB, MiB, GiB or TiB/);
});

test('durations need a unit', () => {
  assert.equal(parseDuration('7d'), 7 * 86_400_000);
  assert.equal(parseDuration('12h'), 12 * 3_600_000);
  assert.equal(parseDuration('0s'), 0);
  assert.throws(() => parseDuration('7'), ParseError);
  assert.throws(() => parseDuration('7y'), ParseError);
});

test('human sizes', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(64 * 1024 ** 2), '64.0 MiB');
});

test('default part size keeps an upload within a few hundred to a thousand parts', () => {
  for (const size of [0, 1, 64 * 1024 ** 2, 10 * 1024 ** 3, 40e9, 1e12, 40e12]) {
    const part = defaultPartSize(size);
    assert.ok(part >= MIN_DEFAULT_PART_SIZE && part <= MAX_PART_SIZE, `${size}: ${part}`);
    assert.ok(partCount(size, part) <= 10_000, `${size}: ${partCount(size, part)} parts`);
    if (size > MIN_DEFAULT_PART_SIZE * 1000 && size <= MAX_PART_SIZE * 1000) {
      const parts = partCount(size, part);
      assert.ok(parts >= 400 && parts <= 1000, `${size}: ${parts} parts`);
    }
  }
  // Below a thousand MiB, parts stay at 1 MiB: per-request cost, not the part count, is what matters there.
  assert.equal(defaultPartSize(64 * 1024 ** 2), MIN_DEFAULT_PART_SIZE);
  assert.equal(defaultPartSize(1000 * 1024 ** 2), MIN_DEFAULT_PART_SIZE);
  assert.equal(defaultPartSize(1000 * 1024 ** 2 + 1), 2 * MIN_DEFAULT_PART_SIZE);
  // The same file always gets the same part size, so a rerun can resume its checkpoint.
  assert.equal(defaultPartSize(40e9), defaultPartSize(40e9));
  assert.equal(defaultParallel(64 * 1024 ** 2, MIN_PART_SIZE), 4);
  assert.equal(defaultParallel(1000, MIN_PART_SIZE), 1);
});

test('default download ranges: 8 MiB at least, then the upload ladder (a function of the size alone)', () => {
  assert.equal(MIN_DEFAULT_RANGE_SIZE, 8 * 1024 ** 2);
  assert.equal(defaultRangeSize(0), MIN_DEFAULT_RANGE_SIZE);
  assert.equal(defaultRangeSize(64 * 1024 ** 2), MIN_DEFAULT_RANGE_SIZE, '64 MiB: 8 ranges of 8 MiB');
  assert.equal(defaultRangeSize(8000 * 1024 ** 2), MIN_DEFAULT_RANGE_SIZE);
  assert.equal(defaultRangeSize(8000 * 1024 ** 2 + 1), 16 * 1024 ** 2, 'above 1,000 ranges the ladder takes over');
  assert.equal(defaultRangeSize(40e12), defaultPartSize(40e12));
  for (const size of [1, 5e6, 3e9, 40e9, 1e12])
    assert.ok(partCount(size, defaultRangeSize(size)) <= 1000, String(size));
});

test('the tracker counts confirmed bytes by part, and starts over when the engine does', async () => {
  const { TransferTracker } = await import('../../src/cli/progress.js');
  let now = 0;
  const t = new TransferTracker(100, () => now);
  t.onEvent({ type: 'start', totalBytes: 250, resumedBytes: 100, totalParts: 3, partsDone: 1 });
  now = 1000;
  t.onEvent({ type: 'progress', bytesDone: 180, totalBytes: 250 });
  t.onEvent({ type: 'part', partNumber: 3, partsDone: 2, totalParts: 3 });
  assert.equal(t.confirmedBytes, 150, 'resumed 100 + the 50-byte last part; part 2 is only in flight');
  assert.equal(t.bytesDone, 180);
  assert.equal(t.rate(), 80);
  t.onEvent({ type: 'start', totalBytes: 250, resumedBytes: 0, totalParts: 3, partsDone: 0 });
  assert.deepEqual([t.bytesDone, t.confirmedBytes, t.partsDone], [0, 0, 0]);
});
