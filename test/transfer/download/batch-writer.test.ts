// A download's range writers share one file: one batch at a time goes to the thread pool, and a batch ready while
// it is there is written on the event loop, at once, at its offset (batch-writer.ts, WriteLane).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BatchWriter, WriteLane } from '../../../src/transfer/download/batch-writer.js';

async function tempFile(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ossup-bw-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'f.tmp');
}

test('a batch ready while another range has a write on the pool is written at once, on the loop', async (t) => {
  const file = await tempFile(t);
  const handle = await open(file, 'w+');
  t.after(() => handle.close());
  const lane = new WriteLane();
  const written: string[] = [];
  const a = new BatchWriter(handle, lane, file, 4, 0, (end) => written.push(`a${end}`));
  const b = new BatchWriter(handle, lane, file, 4, 8, (end) => written.push(`b${end}`));
  assert.equal(a.push(Buffer.from('AAAA')), undefined); // a full batch: to the pool
  assert.equal(lane.pooled, true);
  assert.equal(b.push(Buffer.from('BB')), undefined);
  assert.equal(b.push(Buffer.from('BB')), undefined); // full while a's write is on the pool: written here
  assert.deepEqual(written, ['b12'], 'reported written before push returned');
  assert.equal(readFileSync(file).subarray(8, 12).toString(), 'BBBB');
  await a.flush();
  await b.flush();
  assert.equal(lane.pooled, false);
  assert.deepEqual(written, ['b12', 'a4']);
  assert.equal((await readFile(file)).toString('latin1'), 'AAAA\0\0\0\0BBBB');
});

test('ranges written by several writers on one lane land at their offsets, byte for byte', async (t) => {
  const file = await tempFile(t);
  const handle = await open(file, 'w+');
  t.after(() => handle.close());
  const lane = new WriteLane();
  const size = 64 * 1024;
  const data = randomBytes(size * 4);
  const writers = [0, 1, 2, 3].map((i) => new BatchWriter(handle, lane, file, 8192, i * size, () => undefined));
  // Interleaved 1 KiB chunks, awaiting backpressure as the exchange does.
  for (let off = 0; off < size; off += 1024) {
    for (let i = 0; i < 4; i++) await writers[i]!.push(data.subarray(i * size + off, i * size + off + 1024));
  }
  await Promise.all(writers.map((w) => w.flush()));
  assert.ok((await readFile(file)).equals(data));
});

test("a batch written on the loop throws its write's error from push", async (t) => {
  const file = await tempFile(t);
  await (await open(file, 'w')).close();
  const handle = await open(file, 'r'); // writes fail: EBADF
  t.after(() => handle.close());
  const lane = new WriteLane();
  lane.pooled = true; // as if another range's write were on the pool
  const w = new BatchWriter(handle, lane, file, 2, 0, () => assert.fail('nothing was written'));
  assert.throws(() => w.push(Buffer.from('xy')), { code: 'EBADF' });
});
