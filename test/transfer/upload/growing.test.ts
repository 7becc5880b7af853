// An upload whose parts grow while it runs (upload/resume-feed.ts): the new cut is journaled before any part of it,
// a resume lays the parts out as the killed run did, a lost cut or one no run could have made never yields a wrong
// object, and a version 1 checkpoint (no cuts) still resumes.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { JournalWriter, readJournal } from '../../../src/transfer/checkpoint/journal.js';
import { planParts } from '../../../src/transfer/engine/plan.js';
import { uploadFile } from '../../../src/transfer/index.js';
import type { TransferEvent } from '../../../src/transfer/index.js';
import { grownLayout } from '../../../src/transfer/upload/session.js';
import { UPLOAD_CHECKPOINT_VERSION, type UploadRecord } from '../../../src/transfer/upload/types.js';
import { AbortedError } from '../../../src/core/errors.js';
import { PART, makeFile, objectBytes, pauseAfter, setup } from '../fixtures.js';
import { growingPlanner } from './growing-planner.js';

const SIZE = 40 * PART + 7;
const AFTER = 4;

/** Fresh feeds offer 4 x PART once AFTER parts have been handed out: 2 at a time, PART before. */
const growing = () => growingPlanner({ partSize: PART, after: AFTER, to: 4 * PART, concurrency: 2 });

/** The part sizes of the layout: AFTER of PART, then 4 x PART to the end. */
const GROWN = [PART, PART, PART, PART, ...Array(9).fill(4 * PART), 7];

async function journal(cp: string): Promise<[Record<string, unknown>, ...UploadRecord[]]> {
  return (await readJournal(cp))!.records as [Record<string, unknown>, ...UploadRecord[]];
}
/** Replace the journal at `cp` with these records (the header first), through the journal's own writer. */
async function rewrite(cp: string, [header, ...records]: unknown[]): Promise<void> {
  const writer = await JournalWriter.create(cp, header);
  for (const r of records) await writer.append(r);
  await writer.close();
}

/** A file of `size` bytes whose upload (`planner` given: growing) was paused after `parts` parts: its journal read. */
async function interrupted(t: TestContext, seed: number, parts: number, size = SIZE, planner = true) {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'g.bin', size, seed);
  const cp = `${file}.ucp`;
  const opts = { bucket: env.bucket, key: 'g', file, checkpoint: true, ...(planner ? { planner: growing() } : {}) };
  await assert.rejects(uploadFile(env.client, { ...opts, ...pauseAfter(parts) }), AbortedError);
  const [header, ...records] = await journal(cp);
  return { env, data, cp, opts, header, records };
}

/** The 'start' event of `events`. */
function startOf(events: TransferEvent[]) {
  const start = events.find((e) => e.type === 'start');
  assert.ok(start?.type === 'start');
  return start;
}

function sizesSent(events: TransferEvent[]): number[] {
  const sizes = new Map<number, number>();
  for (const e of events) if (e.type === 'part') sizes.set(e.partNumber, e.size!);
  return [...sizes.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

test('a fresh upload cuts its parts not handed out again, larger, and the object is the file', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'g.bin', SIZE, 31);
  const events: TransferEvent[] = [];
  const res = await uploadFile(env.client, {
    bucket: env.bucket,
    key: 'g',
    file,
    checkpoint: true,
    planner: growing(),
    onProgress: (e) => events.push(e),
  });
  assert.deepEqual(sizesSent(events), GROWN);
  assert.equal(res.parts, GROWN.length);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'g'), data);
});

test('a killed upload journals its cut before any part of it, and the rerun resumes the grown layout', async (t) => {
  const { env, data, opts: first, header, records } = await interrupted(t, 32, 7);
  assert.equal(header.version, UPLOAD_CHECKPOINT_VERSION);
  assert.equal(header.partSize, PART, 'the header keeps the first size');
  const cut = records.findIndex((r) => r.kind === 'grow');
  assert.deepEqual(records[cut], { kind: 'grow', after: AFTER, partSize: 4 * PART });
  const grownParts = records.filter((r) => r.kind === 'part' && r.partNumber > AFTER);
  assert.ok(grownParts.length > 0, 'parts of the new cut were recorded');
  for (const r of grownParts) {
    assert.ok(records.indexOf(r) > cut, `part ${r.kind === 'part' && r.partNumber} is recorded after the cut`);
    assert.equal(r.kind === 'part' && r.size, 4 * PART);
  }
  const events: TransferEvent[] = [];
  const res = await uploadFile(env.client, { ...first, onProgress: (e) => events.push(e) });
  const start = startOf(events);
  assert.equal(start.discarded, undefined);
  assert.equal(start.totalParts, GROWN.length, 'the start counts the grown layout');
  assert.ok(res.resumedBytes >= AFTER * PART + grownParts.length * 4 * PART, `resumed ${res.resumedBytes}`);
  assert.equal(res.parts, GROWN.length);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'g'), data);
});

test('a cut lost from the journal (a power cut) costs a resend of the parts after it, never a wrong object', async (t) => {
  const { env, data, cp, opts: first, header, records } = await interrupted(t, 33, 8);
  const cut = records.findIndex((r) => r.kind === 'grow');
  // What a reader keeps when the cut's record is lost: the records before it (the reader stops at a bad record).
  await rewrite(cp, [header, ...records.slice(0, cut)]);
  const res = await uploadFile(env.client, first);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'g'), data);
  // Laid out again at PART from the first part: the server's larger parts do not fit it.
  assert.equal(res.parts, planParts(SIZE, PART).parts.length);
  assert.ok(res.resumedBytes <= AFTER * PART, `resumed ${res.resumedBytes}`);
});

test('a checkpoint naming a cut no run could have made starts over, with the reason, and the object is right', async (t) => {
  const { env, data, cp, opts: first, header, records } = await interrupted(t, 34, 7);
  // Behind the earlier cut, and smaller than the parts it follows.
  await rewrite(cp, [header, ...records, { kind: 'grow', after: 2, partSize: 2 * PART }]);
  const events: TransferEvent[] = [];
  const res = await uploadFile(env.client, { ...first, onProgress: (e) => events.push(e) });
  assert.equal(startOf(events).discarded, 'a part layout no run of this upload made');
  assert.equal(res.resumedBytes, 0);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'g'), data);
});

test('a version 1 checkpoint (no cuts) still resumes', async (t) => {
  const { env, data, cp, opts, header, records } = await interrupted(t, 35, 5, 12 * PART + 3, false);
  await rewrite(cp, [{ ...header, version: 1 }, ...records]);
  const res = await uploadFile(env.client, opts);
  assert.ok(res.resumedBytes >= 5 * PART, `resumed ${res.resumedBytes}`);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'g'), data);
});

test('grownLayout follows cuts in order and refuses one no run could make', () => {
  const plan = planParts(40 * PART, PART);
  const grow = (after: number, partSize: number): UploadRecord => ({ kind: 'grow', after, partSize });
  const part: UploadRecord = { kind: 'part', partNumber: 1, etag: 'A', crc64: '1', size: PART };
  assert.equal(grownLayout(plan, [part]), plan);
  const once = grownLayout(plan, [part, grow(4, 4 * PART)])!;
  assert.deepEqual(
    once.parts.map((p) => p.size / PART),
    [1, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4],
  );
  const twice = grownLayout(plan, [grow(4, 2 * PART), grow(6, 8 * PART)])!;
  assert.deepEqual(
    twice.parts.map((p) => p.size / PART),
    [1, 1, 1, 1, 2, 2, 8, 8, 8, 8],
  );
  for (const bad of [
    [grow(4, 4 * PART), grow(3, 8 * PART)], // behind an earlier cut
    [grow(4, 4 * PART), grow(5, 4 * PART)], // not larger
    [grow(4, PART / 2)], // smaller than the parts before it
    [grow(40, 2 * PART)], // past the last part
    [grow(-1, 2 * PART)],
    [grow(1.5, 2 * PART)],
    [grow(4, 6 * 1024 ** 3)], // above OSS's 5 GiB
    [{ kind: 'grow', after: '4', partSize: 2 * PART } as unknown as UploadRecord],
  ])
    assert.equal(grownLayout(plan, bad), undefined, JSON.stringify(bad));
});
