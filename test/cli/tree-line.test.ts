// The tree's live line (issue 24, items 4, 5, 11): an ETA while files are still being counted, one that counts files
// as well as bytes, the bytes resumed, and whole fields dropped (never half of one) on a narrow terminal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TreeEvent } from '../../src/transfer/tree/index.js';
import { TreeTracker, treeLine } from '../../src/cli/tree-progress.js';

const MiB = 1024 * 1024;

function result(rel: string, size: number, action: 'upload' | 'download' | 'skip' = 'download'): TreeEvent {
  return {
    type: 'done',
    result: {
      action,
      rel,
      bucket: 'b',
      key: rel,
      file: `/d/${rel}`,
      size,
      etag: '',
      crc64: '',
      parts: 1,
      resumedBytes: 0,
      transferredBytes: size,
      seconds: 0,
      reason: 'new',
      dryRun: false,
    },
  };
}

/** `n` small files of `size` bytes, each moved in one progress event, one every `stepMs`. */
function run(t: TreeTracker, clock: { ms: number }, from: number, n: number, size: number, stepMs: number): void {
  for (let i = from; i < from + n; i++) {
    const rel = `f${i}`;
    clock.ms += stepMs;
    t.onEvent({ type: 'file-start', rel, size });
    t.onEvent({ type: 'file-progress', rel, event: { type: 'progress', bytesDone: size, totalBytes: size } });
    t.onEvent(result(rel, size));
  }
}

test('many small files: the ETA counts files as well as bytes', () => {
  const clock = { ms: 0 };
  const t = new TreeTracker(() => clock.ms);
  t.onEvent({ type: 'scanned', files: 2000, bytes: 2000 * 1000 });
  run(t, clock, 0, 100, 1000, 10); // 100 files a second, 100 KB/s
  // Bytes alone say 19 s; 1,900 files at 100 a second are 19 s as well.
  assert.ok(Math.abs(t.eta() - 19) < 1, `${t.eta()}`);
  const fastBytes = new TreeTracker(() => clock.ms);
  fastBytes.onEvent({ type: 'scanned', files: 2000, bytes: 2000 * 1000 });
  fastBytes.onEvent({ type: 'file-start', rel: 'big', size: 1 });
  clock.ms += 1000;
  fastBytes.onEvent({
    type: 'file-progress',
    rel: 'big',
    event: { type: 'progress', bytesDone: 1_900_000, totalBytes: 1 },
  });
  fastBytes.onEvent(result('big', 1_900_000));
  // 1.9 MB in 1 s: 0.05 s of bytes left, but 1,999 files left at 1 a second.
  assert.ok(fastBytes.eta() > 1000, `files-based ETA, got ${fastBytes.eta()}`);
});

test('while the listing is still counting, the line shows an estimate marked +, not ?', () => {
  const clock = { ms: 0 };
  const t = new TreeTracker(() => clock.ms);
  for (let i = 0; i < 500; i++) t.onEvent({ type: 'found', rel: `f${i}`, size: 1000 });
  run(t, clock, 0, 100, 1000, 10);
  const line = treeLine(t, 77);
  assert.match(line, /files 100\/500\+ \| .* \| ETA [\d.]+ s\+/);
  assert.doesNotMatch(line, /ETA \?/);
});

test('resumed bytes show on the line; a narrow line drops whole fields', () => {
  const clock = { ms: 0 };
  const t = new TreeTracker(() => clock.ms);
  t.onEvent({ type: 'scanned', files: 5, bytes: 400 * MiB });
  t.onEvent({ type: 'file-start', rel: 'big', size: 400 * MiB });
  t.onEvent({
    type: 'file-progress',
    rel: 'big',
    event: { type: 'start', totalBytes: 400 * MiB, resumedBytes: 357 * MiB, totalParts: 400, partsDone: 357 },
  });
  clock.ms += 1000;
  t.onEvent({
    type: 'file-progress',
    rel: 'big',
    event: { type: 'progress', bytesDone: 360 * MiB, totalBytes: 400 * MiB },
  });
  assert.equal(t.resumed, 357 * MiB);
  assert.match(treeLine(t, 117), /\| 357\.0 MiB resumed/);
  const known =
    /^(files \d+\/\d+\+?|[\d.]+ [KMG]?i?B\/[\d.]+ [KMG]?i?B\+?|[\d.]+ [KMG]?i?B\/s|ETA \S+( s)?\+?|[\d.]+ [KMG]?i?B resumed|\d+ failed)$/;
  for (let width = 77; width >= 20; width--) {
    const line = treeLine(t, width);
    assert.ok([...line].length <= width, `${width}: ${line}`);
    const fields = line.replace(/^[█░]+ /, '').split(' | ');
    for (const f of fields) assert.match(f, known, `${width}: a cut field in ${JSON.stringify(line)}`);
  }
  assert.match(treeLine(t, 47), /^files 0\/5 \| /);
});

test('a thousand small files a second keep a few rate samples, and the rates stay right', () => {
  const clock = { ms: 0 };
  const t = new TreeTracker(() => clock.ms);
  t.onEvent({ type: 'scanned', files: 20_000, bytes: 20_000 * 1000 });
  run(t, clock, 0, 10_000, 1000, 0.5); // 2,000 files a second for 5 s, three events each
  assert.equal(Math.round(t.fileRate()), 2000);
  assert.equal(Math.round(t.rate()), 2_000_000);
  // One sample per 100 ms of the 5 s window (a sample per event kept 30,000).
  const kept = (t as unknown as { samples: unknown[] }).samples.length;
  assert.ok(kept <= 52, `${kept} samples kept`);
});
