// A download killed after renaming its verified temporary file into place, before deleting the checkpoint: the rerun
// must re-verify the destination and finish without fetching, and must not trust a destination that is not it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeJournal } from '../../../src/transfer/checkpoint/journal.js';
import { downloadFile } from '../../../src/transfer/index.js';
import { PART, bytes, setup, type Env } from '../fixtures.js';

/** An object of 6 parts and a download of it left renamed into place with its checkpoint still there. */
async function renamedBehindTheCheckpoint(
  t: TestContext,
  seed: number,
): Promise<{ env: Env; data: Buffer; dest: string; checkpoint: string }> {
  const env = await setup(t);
  const data = bytes(6 * PART + 5, seed);
  await env.client.putObject(env.bucket, 'k', data);
  const dest = path.join(env.dir, 'copy.bin');
  const checkpoint = path.join(env.dir, 'copy.dcp');
  const ac = new AbortController();
  await assert.rejects(
    downloadFile(env.client, {
      bucket: env.bucket,
      key: 'k',
      file: dest,
      partSize: PART,
      concurrency: 2,
      checkpoint,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.type === 'part' && e.partsDone === e.totalParts) ac.abort();
      },
    }),
    { code: 'Aborted' },
  );
  const header = decodeJournal<{ temp?: string }>(await readFile(checkpoint))!.records[0]!;
  await rename(header.temp!, dest);
  return { env, data, dest, checkpoint };
}

test('a download rerun after the rename re-verifies the destination and fetches nothing', async (t) => {
  const { env, data, dest, checkpoint } = await renamedBehindTheCheckpoint(t, 3);

  const events: string[] = [];
  const rerun = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'k',
    file: dest,
    partSize: PART,
    checkpoint,
    onProgress: (e) => {
      if (e.type === 'verifying' || e.type === 'start')
        events.push(e.type === 'verifying' ? `${e.partsChecked}/${e.partsTotal}` : 'start');
    },
  });
  assert.deepEqual(
    events,
    ['0/7', '7/7', 'start'],
    'nothing left to fetch: every range is checked first, and that phase is reported',
  );
  assert.equal(rerun.transferredBytes, 0);
  assert.equal(rerun.resumedBytes, data.length);
  assert.equal(rerun.verified, 'crc64');
  assert.deepEqual(await readFile(dest), data);
  await assert.rejects(access(checkpoint), 'the checkpoint is removed');
});

test('a destination changed after the rename is not trusted: the rerun fetches the object again', async (t) => {
  const { env, data, dest, checkpoint } = await renamedBehindTheCheckpoint(t, 4);
  await writeFile(dest, Buffer.alloc(data.length, 1)); // same size, other bytes

  const rerun = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'k',
    file: dest,
    partSize: PART,
    checkpoint,
  });
  assert.equal(rerun.transferredBytes, data.length);
  assert.deepEqual(await readFile(dest), data);
});
