// Journals across the change to ranges sized as they are handed out (engine/ranges.ts): a version 1 journal (one range
// size, as earlier releases wrote it) resumes under guided ranges, a version 2 journal of guided ranges resumes under
// a fixed size, and a version this release does not know is discarded, saying which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError } from '../../../src/core/errors.js';
import { crc64, crc64ToDecimal } from '../../../src/core/crc64.js';
import { controllerOptions } from '../../../src/cli/tuning.js';
import { decodeJournal, encodeRecord } from '../../../src/transfer/checkpoint/journal.js';
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import { guidedCount, guidedRangeSize } from '../../../src/transfer/engine/ranges.js';
import type { DownloadCheckpointHeader, RangeRecord } from '../../../src/transfer/download/types.js';
import { AdaptiveController } from '../../../src/transfer/engine/adaptive.js';
import { ConnectionBudget } from '../../../src/transfer/engine/budget.js';
import { ladderPlanner } from '../../../src/transfer/engine/planner.js';
import type { PartPlanner } from '../../../src/transfer/engine/ports.js';
import type { TransferEvent } from '../../../src/transfer/index.js';
import { pauseAfter, recorder, withObject } from './env.js';

const MiB = 1024 ** 2;
const SIZE = 96 * MiB;

/** The CLI's planner with no flags: the budget over its controller (cli/tuning.ts). */
function noFlags(size: number): PartPlanner {
  const ctl = new AdaptiveController(controllerOptions('download', {}, size), performance.now());
  return new ConnectionBudget(ctl).planner(ladderPlanner);
}

type Rec = Partial<DownloadCheckpointHeader> & Partial<RangeRecord>;

/** Rewrite a journal's header record (the records after it kept byte for byte). */
async function rewriteHeader(cp: string, change: (h: Rec) => Rec): Promise<Rec[]> {
  const bytes = await readFile(cp);
  const [header, ...rest] = decodeJournal<Rec>(bytes)!.records;
  const magic = bytes.subarray(0, 8); // 'OSSUPJ1\n'
  await writeFile(cp, Buffer.concat([magic, encodeRecord(change(header!)), ...rest.map(encodeRecord)]));
  return rest;
}

const fetched = (events: TransferEvent[]) => events.flatMap((e) => (e.type === 'part' ? [e.size ?? 0] : []));
const startOf = (events: TransferEvent[]) => events.find((e) => e.type === 'start') as { discarded?: string };

test('a version 1 journal (one range size, as earlier releases wrote it) resumes; what is left is guided', async (t) => {
  const { env, data } = await withObject(t, 'v1', SIZE, 3);
  const file = path.join(env.dir, 'v1.out');
  const opts = { bucket: env.bucket, key: 'v1', file, checkpoint: true };
  await assert.rejects(
    downloadFile(env.client, { ...opts, partSize: 8 * MiB, concurrency: 1, ...pauseAfter(2) }),
    AbortedError,
  );
  // As main's code wrote it: version 1, the one range size and the plan's count in the header.
  const rest = await rewriteHeader(`${file}.dcp`, (h) => ({ ...h, version: 1, partSize: 8 * MiB, partCount: 12 }));
  const recorded = rest.filter((r) => r.kind === 'range');
  assert.deepEqual(
    recorded.map((r) => [r.partNumber, r.offset, r.size]),
    [
      [1, 0, 8 * MiB],
      [2, 8 * MiB, 8 * MiB],
    ],
  );

  const rec = recorder();
  const res = await downloadFile(env.client, { ...opts, planner: noFlags(SIZE), onProgress: rec.onProgress });
  assert.equal(startOf(rec.events).discarded, undefined);
  assert.equal(res.resumedBytes, 16 * MiB);
  assert.equal(res.crc64, crc64ToDecimal(crc64(data)));
  assert.ok((await readFile(file)).equals(data), 'byte-identical');
  const sizes = fetched(rec.events);
  assert.equal(
    sizes.reduce((a, s) => a + s, 0),
    SIZE - 16 * MiB,
  );
  // main planned the rest at the checkpoint's 8 MiB: here a share of the 80 MiB left per connection.
  assert.ok(Math.max(...sizes) > 8 * MiB, `ranges ${sizes}`);
});

test('a journal of guided ranges resumes under a fixed --part-size; each record is the CRC-64 of its bytes', async (t) => {
  const { env, data } = await withObject(t, 'v2', SIZE, 4);
  const file = path.join(env.dir, 'v2.out');
  const opts = { bucket: env.bucket, key: 'v2', file, checkpoint: true };
  await assert.rejects(downloadFile(env.client, { ...opts, planner: noFlags(SIZE), ...pauseAfter(1) }), AbortedError);
  const journal = decodeJournal<Rec>(await readFile(`${file}.dcp`))!.records;
  assert.equal(journal[0]!.version, 2);
  assert.equal(journal[0]!.partSize, undefined);
  const ranges = journal.filter((r) => r.kind === 'range');
  assert.ok(ranges.length >= 1);
  for (const r of ranges) {
    assert.equal(r.crc64, crc64ToDecimal(crc64(data.subarray(r.offset!, r.offset! + r.size!))));
  }

  const rec = recorder();
  const res = await downloadFile(env.client, {
    ...opts,
    partSize: 8 * MiB,
    concurrency: 4,
    onProgress: rec.onProgress,
  });
  assert.equal(startOf(rec.events).discarded, undefined);
  assert.equal(
    res.resumedBytes,
    ranges.reduce((a, r) => a + r.size!, 0),
  );
  assert.ok((await readFile(file)).equals(data), 'byte-identical');
  const sizes = fetched(rec.events);
  assert.ok(
    sizes.every((s) => s <= 8 * MiB),
    'the gaps cut at the size given',
  );
  assert.equal(
    sizes.reduce((a, s) => a + s, 0),
    SIZE - res.resumedBytes,
  );
});

test('a journal of a version this release does not know is discarded, saying which', async (t) => {
  const { env, data } = await withObject(t, 'v9', 24 * MiB, 5);
  const file = path.join(env.dir, 'v9.out');
  const opts = { bucket: env.bucket, key: 'v9', file, checkpoint: true, partSize: 8 * MiB, concurrency: 1 };
  await assert.rejects(downloadFile(env.client, { ...opts, ...pauseAfter(1) }), AbortedError);
  await rewriteHeader(`${file}.dcp`, (h) => ({ ...h, version: 9 }));
  const rec = recorder();
  const res = await downloadFile(env.client, { ...opts, onProgress: rec.onProgress });
  assert.equal(startOf(rec.events).discarded, 'checkpoint version 9');
  assert.equal(res.resumedBytes, 0);
  assert.ok((await readFile(file)).equals(data));
});

test('the count of guided ranges left is the count the feed cuts, for any size, connections and rate', () => {
  const MiB = 1024 * 1024;
  const stepped = (left: number, connections: number, rate?: number) => {
    let n = 0;
    for (; left > 0; n++) left -= guidedRangeSize(left, connections, rate);
    return n;
  };
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const rates = [undefined, 0, 1, 3 * MiB, 7.5 * MiB, 40 * MiB, 1e12];
  for (let i = 0; i < 2000; i++) {
    const left = rand(4) === 0 ? rand(64 * MiB) + 1 : rand(2 ** 31) * 2 + rand(2);
    const connections = rand(70);
    const rate = rates[rand(rates.length)];
    assert.equal(
      guidedCount(left, connections, rate),
      stepped(left, connections, rate),
      `${left} ${connections} ${rate}`,
    );
  }
  // A 5 TiB object at the floor: counted without stepping through 655,360 ranges.
  assert.equal(guidedCount(5 * 1024 * 1024 * MiB, 4, 0), (5 * 1024 * 1024) / 8);
});
