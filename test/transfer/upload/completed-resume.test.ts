// A run that dies after the server committed CompleteMultipartUpload but before the checkpoint was deleted: the rerun
// must prove the object is this file and finish without sending a byte, and must not be fooled when it is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeJournal } from '../../../src/transfer/checkpoint/journal.js';
import { uploadFile } from '../../../src/transfer/index.js';
import { PART, makeFile, objectBytes, setup, type Env } from '../fixtures.js';

/** Upload every part, pause before Complete, then complete on the server from the journal, as the dead run did. */
async function completeBehindTheCheckpoint(env: Env, file: string, checkpoint: string): Promise<void> {
  const ac = new AbortController();
  await assert.rejects(
    uploadFile(env.client, {
      bucket: env.bucket,
      key: 'k',
      file,
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
  const journal = decodeJournal<{ uploadId?: string; partNumber?: number; etag?: string }>(await readFile(checkpoint))!;
  const parts = journal.records
    .slice(1)
    .map((r) => ({ partNumber: r.partNumber!, etag: r.etag! }))
    .sort((a, b) => a.partNumber - b.partNumber);
  await env.client.completeMultipartUpload(env.bucket, 'k', journal.records[0]!.uploadId!, parts);
}

test('a rerun after a committed Complete finishes from the checkpoint without resending', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'f.bin', 5 * PART + 777);
  const checkpoint = path.join(env.dir, 'f.ucp');
  await completeBehindTheCheckpoint(env, file, checkpoint);

  const rerun = await uploadFile(env.client, { bucket: env.bucket, key: 'k', file, partSize: PART, checkpoint });
  assert.equal(rerun.transferredBytes, 0);
  assert.equal(rerun.resumedBytes, data.length);
  assert.match(rerun.etag, /-6$/);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'k'), data);
  await assert.rejects(access(checkpoint), 'the checkpoint is removed');
});

test('a rerun whose object was replaced after Complete uploads again and stores the file', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'f.bin', 5 * PART + 777);
  const checkpoint = path.join(env.dir, 'f.ucp');
  await completeBehindTheCheckpoint(env, file, checkpoint);
  // Someone else wrote the key in between, with the same size: size alone must not be taken as proof.
  await env.client.putObject(env.bucket, 'k', Buffer.alloc(data.length, 9));

  const rerun = await uploadFile(env.client, { bucket: env.bucket, key: 'k', file, partSize: PART, checkpoint });
  assert.equal(rerun.transferredBytes, data.length);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'k'), data);
});
