// The engine on its ports, with no server: a fake TransferClient (fake-client.ts), a planner whose feed counts what
// the scheduler asks of it, and checkpoint factories of the test's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AbortedError } from '../../../src/core/errors.js';
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../../../src/core/limits.js';
import { MemoryCheckpointStore } from '../../../src/transfer/checkpoint/memory.js';
import {
  copyObject,
  defaultCopyPartSize,
  downloadFile,
  downloadStream,
  ladderPlanner,
  seedPlanner,
  uploadFile,
  uploadStream,
  type CheckpointPorts,
  type PartFeed,
  type PartPlanner,
  type TransferEvent,
} from '../../../src/transfer/index.js';
import { FakeClient } from './fake-client.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PART = 100 * KiB;

/** A planner over `inner` whose feeds count the scheduler's questions; `concurrency(n)` decides per finished parts. */
function countingPlanner(inner: PartPlanner, concurrency?: (finished: number) => number) {
  const seen = { plans: 0, next: 0, concurrency: 0, observed: 0 };
  const planner: PartPlanner = {
    plan(req, resume) {
      seen.plans++;
      const feed = inner.plan(req, resume);
      return {
        ...feed,
        next: () => {
          const part = feed.next();
          if (part) seen.next++;
          return part;
        },
        concurrency: () => {
          seen.concurrency++;
          return concurrency ? concurrency(seen.observed) : feed.concurrency();
        },
        observe: () => {
          seen.observed++;
        },
      } satisfies PartFeed;
    },
  };
  return { planner, seen };
}

async function tempFile(t: { after: (fn: () => Promise<void>) => void }, size: number) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-ports-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = randomBytes(size);
  const file = path.join(dir, 'f.bin');
  await writeFile(file, data);
  return { dir, file, data };
}

test('a file upload and a stream upload go through the same planner feed, scheduler and checks', async (t) => {
  const fake = new FakeClient();
  const { file, data } = await tempFile(t, 5 * PART + 7);
  const { planner, seen } = countingPlanner(seedPlanner);
  const starts: TransferEvent[] = [];
  const onProgress = (e: TransferEvent) => e.type === 'start' && starts.push(e);
  const up = await uploadFile(fake, {
    bucket: 'bkt',
    key: 'file',
    file,
    partSize: PART,
    concurrency: 2,
    planner,
    onProgress,
  });
  assert.equal(up.parts, 6);
  assert.deepEqual(fake.objects.get('bkt/file'), data);
  assert.equal(seen.observed, 6, 'the scheduler told the feed of every part');
  const chunks = Array.from({ length: 11 }, (_, i) => data.subarray(i * 50 * KiB, (i + 1) * 50 * KiB));
  const st = await uploadStream(fake, Readable.from(chunks), {
    bucket: 'bkt',
    key: 'stream',
    partSize: PART,
    planner,
    onProgress,
  });
  assert.equal(st.parts, 6);
  assert.equal(st.file, '-');
  assert.deepEqual(fake.objects.get('bkt/stream'), data);
  assert.equal(st.crc64, up.crc64, 'the same bytes, the same combined CRC-64');
  assert.equal(seen.plans, 2);
  assert.equal(seen.observed, 12);
  assert.ok(seen.concurrency >= 12, 'the scheduler asks for the concurrency each time a slot frees');
  assert.deepEqual(
    starts.map((e) => e.type === 'start' && [e.partSize, e.concurrency, e.totalParts]),
    [
      [PART, 2, 6],
      [PART, 4, 0],
    ],
    "'start' says the chosen part size and concurrency, once per transfer (a stream's part count is unknown)",
  );
});

test('the feed can raise the concurrency while the transfer runs', async (t) => {
  const fake = new FakeClient();
  fake.partDelayMs = 20;
  const { file, data } = await tempFile(t, 12 * PART);
  // One at a time for the first two parts, then four.
  const { planner } = countingPlanner(seedPlanner, (finished) => (finished < 2 ? 1 : 4));
  await uploadFile(fake, { bucket: 'bkt', key: 'k', file, partSize: PART, planner });
  assert.deepEqual(fake.objects.get('bkt/k'), data);
  assert.ok(fake.mostInFlight > 1, `at most ${fake.mostInFlight} parts were in flight`);
  assert.ok(fake.mostInFlight <= 4, `${fake.mostInFlight} parts were in flight`);
});

test('runTransfer uses the checkpoint factories it is given: a store of its own resumes a paused upload', async (t) => {
  const fake = new FakeClient();
  fake.partDelayMs = 5;
  const { file, data } = await tempFile(t, 6 * PART);
  const stores = new Map<string, MemoryCheckpointStore<unknown, unknown>>();
  const calls: string[] = [];
  const checkpoints: CheckpointPorts = {
    locate: async (option, id, suffix) => {
      calls.push(`locate ${suffix}`);
      return option ? `db:${id.bucket}/${id.key}${suffix}` : undefined;
    },
    store: <H, R>(location: string) => {
      calls.push(`store ${location}`);
      if (!stores.has(location)) stores.set(location, new MemoryCheckpointStore());
      return stores.get(location) as unknown as MemoryCheckpointStore<H, R>;
    },
    lock: async (location) => {
      calls.push(`lock ${location}`);
      return { file: location, release: async () => void calls.push(`release ${location}`) };
    },
  };
  const controller = new AbortController();
  let parts = 0;
  const paused = uploadFile(fake, {
    bucket: 'bkt',
    key: 'k',
    file,
    partSize: PART,
    checkpoint: true,
    checkpoints,
    signal: controller.signal,
    onProgress: (e) => e.type === 'part' && ++parts === 2 && controller.abort(),
  });
  await assert.rejects(paused, AbortedError);
  const loaded = await stores.get('db:bkt/k.ucp')!.load();
  assert.ok(loaded && loaded.records.length >= 2, 'the parts were recorded in the given store');
  const res = await uploadFile(fake, { bucket: 'bkt', key: 'k', file, partSize: PART, checkpoint: true, checkpoints });
  assert.ok(res.resumedBytes >= 2 * PART, `resumed ${res.resumedBytes} bytes`);
  assert.deepEqual(fake.objects.get('bkt/k'), data);
  assert.equal(await stores.get('db:bkt/k.ucp')!.load(), undefined, 'removed after success');
  assert.deepEqual(calls.slice(0, 3), ['locate .ucp', 'lock db:bkt/k.ucp', 'store db:bkt/k.ucp']);
  assert.equal(calls.filter((c) => c.startsWith('release')).length, 2, 'the lock is released after each run');
});

test('downloads and copies run on the fake client too, and start says the range size chosen', async (t) => {
  const fake = new FakeClient();
  const { dir, data } = await tempFile(t, 3 * PART + 5);
  fake.objects.set('bkt/obj', data);
  const starts: number[] = [];
  const onProgress = (e: TransferEvent) => e.type === 'start' && starts.push(e.partSize ?? -1);
  const dest = path.join(dir, 'out.bin');
  const down = await downloadFile(fake, {
    bucket: 'bkt',
    key: 'obj',
    file: dest,
    partSize: PART,
    concurrency: 3,
    onProgress,
  });
  assert.equal(down.verified, 'crc64');
  assert.deepEqual(await readFile(dest), data);
  const got: Buffer[] = [];
  for await (const c of downloadStream(fake, { bucket: 'bkt', key: 'obj', partSize: 64 * KiB, onProgress }))
    got.push(c as Buffer);
  assert.deepEqual(Buffer.concat(got), data);
  const copy = await copyObject(fake, {
    sourceBucket: 'bkt',
    sourceKey: 'obj',
    bucket: 'bkt',
    key: 'copy',
    multipartThreshold: PART,
    partSize: PART,
    onProgress,
  });
  assert.equal(copy.parts, 4);
  assert.deepEqual(fake.objects.get('bkt/copy'), data);
  assert.deepEqual(starts, [PART, 64 * KiB, PART]);
});

test('the planner owns every default part size', () => {
  const size = (p: PartPlanner, req: Parameters<PartPlanner['plan']>[0]) => p.plan(req).partSize;
  // The library's seeds (unchanged) and the CLI's ladder.
  assert.equal(size(seedPlanner, { kind: 'upload', size: 64 * MiB }), MIN_PART_SIZE);
  assert.equal(size(ladderPlanner, { kind: 'upload', size: 64 * MiB }), MiB);
  assert.equal(size(ladderPlanner, { kind: 'upload', size: 1000 * MiB + 1 }), 2 * MiB);
  assert.equal(size(ladderPlanner, { kind: 'download', size: 64 * MiB }), 8 * MiB);
  assert.equal(ladderPlanner.plan({ kind: 'upload', size: 64 * MiB }).concurrency(), 4);
  assert.equal(ladderPlanner.plan({ kind: 'upload', size: 100 }).concurrency(), 1, 'one request: one at a time');
  // Copies, streams of unknown length (growing), download streams (any size), a given size raised to 10,000 parts.
  assert.equal(size(seedPlanner, { kind: 'copy', size: 10 * 1024 * MiB }), defaultCopyPartSize(10 * 1024 * MiB));
  const stream = seedPlanner.plan({ kind: 'upload', size: undefined });
  const sizes = Array.from({ length: 1001 }, () => stream.next()!.size);
  assert.deepEqual([sizes[0], sizes[999], sizes[1000]], [8 * MiB, 8 * MiB, 16 * MiB]);
  assert.equal(size(seedPlanner, { kind: 'download', stream: true, size: MiB, partSize: 1000 }), 1000);
  assert.equal(
    size(seedPlanner, { kind: 'upload', size: MAX_PART_SIZE * 10_000, partSize: MIN_PART_SIZE }),
    MAX_PART_SIZE,
  );
  // A resume keeps its checkpoint's part size unless one is given.
  assert.equal(seedPlanner.plan({ kind: 'upload', size: 64 * MiB }, { partSize: 3 * MiB }).partSize, 3 * MiB);
  assert.equal(
    seedPlanner.plan({ kind: 'upload', size: 64 * MiB, partSize: MiB }, { partSize: 3 * MiB }).partSize,
    MiB,
  );
  assert.throws(() => seedPlanner.plan({ kind: 'upload', size: 1, concurrency: 0 }), /concurrency must be/);
});
