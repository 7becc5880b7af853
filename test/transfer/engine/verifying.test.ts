// On a resume the engines start at once and re-read the done parts in the background (no 'verifying' phase; that is
// reported only where a resume must check everything first, see completed.test.ts), and a checkpoint they could not
// use is named on 'start' (`discarded`), so a caller can say why the transfer starts over.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { AbortedError } from '../../../src/core/errors.js';
import { downloadFile } from '../../../src/transfer/index.js';
import { PART, bytes, pauseAfter, putBytes, recorder, setup } from '../download/env.js';

test('a resumed download starts at once: its recorded ranges count as resumed on start, checked in the background', async (t) => {
  const env = await setup(t);
  await putBytes(env, 'v', bytes(8 * PART, 3));
  const file = path.join(env.dir, 'v.out');
  await assert.rejects(
    downloadFile(env.client, {
      bucket: env.bucket,
      key: 'v',
      file,
      partSize: PART,
      checkpoint: true,
      ...pauseAfter(3),
    }),
    AbortedError,
  );
  const rec = recorder();
  const res = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'v',
    file,
    partSize: PART,
    checkpoint: true,
    onProgress: rec.onProgress,
  });
  assert.ok(res.resumedBytes >= 3 * PART, `resumed ${res.resumedBytes}`);
  assert.equal(rec.events.filter((e) => e.type === 'verifying').length, 0, 'no verifying phase');
  const start = rec.events[0]!;
  assert.ok(start.type === 'start' && start.discarded === undefined && start.resumedBytes === res.resumedBytes);
});

test('a download checkpoint of an object that changed since: start says why it was discarded', async (t) => {
  const env = await setup(t);
  await putBytes(env, 'c', bytes(8 * PART, 4));
  const file = path.join(env.dir, 'c.out');
  await assert.rejects(
    downloadFile(env.client, {
      bucket: env.bucket,
      key: 'c',
      file,
      partSize: PART,
      checkpoint: true,
      ...pauseAfter(2),
    }),
    AbortedError,
  );
  await putBytes(env, 'c', bytes(8 * PART, 5));
  const rec = recorder();
  const res = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'c',
    file,
    partSize: PART,
    checkpoint: true,
    onProgress: rec.onProgress,
  });
  assert.equal(res.resumedBytes, 0);
  const start = rec.events.find((e) => e.type === 'start');
  assert.ok(start?.type === 'start');
  assert.match(String(start.discarded), /^the object's ETag changed \(\S+ -> \S+\)$/);
});
