// The live bar's line fitted to the terminal: the documented drop order, and what an 80-column line keeps.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { fitLine, middleEllipsis, type BarFields } from '../../src/cli/bar-line.js';
import { ProgressBar, TransferTracker } from '../../src/cli/progress.js';
import { summary } from '../../src/cli/commands/transfer-run.js';

const fields: BarFields = {
  label: 'a-rather-long-backup-name-2026-11-30.tar.zst',
  fraction: 0.45,
  pct: '45.3%',
  bytes: '104.0/256.0 MiB',
  rate: '14.7 MiB/s',
  eta: 'ETA 10 s',
  parts: 'parts 104/256',
  resumed: 'resumed 104.0 MiB',
};
const width = (s: string) => [...s].length;

test('a wide terminal gets every field, the full name and a 24-cell bar', () => {
  const line = fitLine(fields, 200);
  assert.equal(
    line,
    `${fields.label} ${'\u2588'.repeat(11)}${'\u2591'.repeat(13)} 45.3% | 104.0/256.0 MiB | 14.7 MiB/s | ETA 10 s | parts 104/256 | resumed 104.0 MiB`,
  );
  assert.equal(fitLine(fields, undefined), line, 'no known width: the full line');
});

test('at 80 columns percent, bytes, rate, ETA and resumed are all there, within 79 characters', () => {
  const line = fitLine(fields, 80);
  assert.ok(width(line) <= 79, line);
  for (const part of ['45.3%', '104.0/256.0 MiB', '14.7 MiB/s', 'ETA 10 s', 'resumed 104.0 MiB'])
    assert.ok(line.includes(part), `${part} in ${line}`);
  assert.ok(!line.includes('parts'), 'the parts count went before them');
});

test('the drop order: bar narrows, name shortens, parts go, name goes, bar goes, then rate, ETA, bytes, resumed', () => {
  const seen: string[] = [];
  for (let columns = 200; columns >= 8; columns--) {
    const line = fitLine(fields, columns);
    assert.ok(width(line) <= columns - 1, `${columns}: ${line}`);
    const shape = [
      line.includes(fields.label) ? 'name' : line.includes('…') ? 'short name' : '',
      /[\u2588\u2591]/.test(line) ? 'bar' : '',
      line.includes('parts') ? 'parts' : '',
      line.includes('MiB/s') ? 'rate' : '',
      line.includes('ETA') ? 'eta' : '',
      line.includes('/256.0') ? 'bytes' : '',
      line.includes('resumed') ? 'resumed' : '',
      line.includes('45.3%') ? 'pct' : '',
    ]
      .filter(Boolean)
      .join(',');
    if (seen[seen.length - 1] !== shape) seen.push(shape);
  }
  assert.deepEqual(seen, [
    'name,bar,parts,rate,eta,bytes,resumed,pct',
    'short name,bar,parts,rate,eta,bytes,resumed,pct',
    'short name,bar,rate,eta,bytes,resumed,pct',
    'bar,rate,eta,bytes,resumed,pct',
    'rate,eta,bytes,resumed,pct',
    'eta,bytes,resumed,pct',
    'bytes,resumed,pct',
    'resumed,pct',
    'pct',
  ]);
});

test('a shortened name keeps its start and its extension', () => {
  assert.equal(middleEllipsis('a-rather-long-backup-name.tar.zst', 16), 'a-rather…tar.zst');
  assert.equal(middleEllipsis('short.bin', 16), 'short.bin');
});

test('the bar shows the verifying phase with its own count, then the transfer', () => {
  const stream = Object.assign(new PassThrough(), {
    columns: 80,
    isTTY: true,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  });
  const tracker = new TransferTracker(1024);
  const bar = new ProgressBar(tracker, 'demo.bin', stream as unknown as NodeJS.WriteStream);
  const feed = (e: Parameters<TransferTracker['onEvent']>[0]) => {
    tracker.onEvent(e);
    bar.onEvent(e);
  };
  feed({ type: 'verifying', partsChecked: 0, partsTotal: 104, totalBytes: 256 * 1024 });
  feed({ type: 'verifying', partsChecked: 12, partsTotal: 104, totalBytes: 256 * 1024 });
  assert.equal(bar.fields().pct, 'verifying 104 done parts... 12/104');
  const verifying = fitLine(bar.fields(), 80);
  assert.match(
    verifying,
    /^demo\.bin [\u2588\u2591]{24} verifying 104 done parts\.\.\. 12\/104$/,
    'the phase alone: nothing moves yet',
  );
  feed({ type: 'start', totalBytes: 256 * 1024, resumedBytes: 104 * 1024, totalParts: 256, partsDone: 104 });
  assert.equal(bar.fields().pct, '40.6%');
  assert.equal(bar.fields().resumed, 'resumed 104.0 KiB');
  assert.equal(bar.fields().bytes, '104.0/256.0 KiB');
  bar.stop();
});

test('the summary after a resume says what this run moved, what was resumed and the object size', () => {
  const MiB = 1024 * 1024;
  const r = {
    size: 256 * MiB,
    parts: 256,
    resumedBytes: 180 * MiB,
    transferredBytes: 76 * MiB,
    etag: 'E-256',
    crc64: '1',
  };
  assert.equal(
    summary(r, 5.2),
    '76.0 MiB sent in 5.2 s (14.6 MiB/s), 180.0 MiB resumed; 256.0 MiB object, 256 parts; ETag E-256, CRC-64 1',
  );
  assert.match(summary(r, 5.2, 'download'), /^76\.0 MiB fetched in 5\.2 s/);
  assert.equal(
    summary({ ...r, resumedBytes: 0, transferredBytes: 256 * MiB }, 2),
    '256.0 MiB in 2.0 s (128.0 MiB/s), 256 parts; ETag E-256, CRC-64 1',
  );
});
