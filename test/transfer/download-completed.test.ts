// A download killed after renaming its verified temporary file into place, before deleting the checkpoint: the rerun
// must re-verify the destination and finish without fetching, and must not trust a destination that is not it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeJournal } from '../../src/transfer/journal.js';
import { downloadFile } from '../../src/transfer/index.js';
import { PART, bytes, setup, type Env } from './fixtures.js';

async function renamedBehindTheCheckpoint(env: Env, dest: string, checkpoint: string): Promise<void> {
  const ac = new AbortController();
  await assert.rejects(downloadFile(env.client, {
    bucket: env.bucket, key: 'k', file: dest, partSize: PART, concurrency: 2, checkpoint, signal: ac.signal,
    onProgress: (e) => { if (e.type === 'part' && e.partsDone === e.totalParts) ac.abort(); },
  }), { code: 'Aborted' });
  const header = decodeJournal<{ temp?: string }>(await readFile(checkpoint))!.records[0];
  await rename(header.temp!, dest);
}

test('a download rerun after the rename re-verifies the destination and fetches nothing', async (t) => {
  const env = await setup(t);
  const data = bytes(6 * PART + 5, 3);
  await env.client.putObject(env.bucket, 'k', data);
  const dest = path.join(env.dir, 'copy.bin');
  const checkpoint = path.join(env.dir, 'copy.dcp');
  await renamedBehindTheCheckpoint(env, dest, checkpoint);

  const rerun = await downloadFile(env.client, { bucket: env.bucket, key: 'k', file: dest, partSize: PART, checkpoint });
  assert.equal(rerun.transferredBytes, 0);
  assert.equal(rerun.resumedBytes, data.length);
  assert.equal(rerun.verified, 'crc64');
  assert.deepEqual(await readFile(dest), data);
  await assert.rejects(access(checkpoint), 'the checkpoint is removed');
});

test('a destination changed after the rename is not trusted: the rerun fetches the object again', async (t) => {
  const env = await setup(t);
  const data = bytes(6 * PART + 5, 4);
  await env.client.putObject(env.bucket, 'k', data);
  const dest = path.join(env.dir, 'copy.bin');
  const checkpoint = path.join(env.dir, 'copy.dcp');
  await renamedBehindTheCheckpoint(env, dest, checkpoint);
  await writeFile(dest, Buffer.alloc(data.length, 1)); // same size, other bytes

  const rerun = await downloadFile(env.client, { bucket: env.bucket, key: 'k', file: dest, partSize: PART, checkpoint });
  assert.equal(rerun.transferredBytes, data.length);
  assert.deepEqual(await readFile(dest), data);
});
