// uploadFile against the embedded server over real HTTP: results, integrity, progress, pause/resume, abandon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { uploadFile, abandonUpload, type TransferEvent } from '../../../src/transfer/index.js';
import {
  AbortedError,
  CheckpointError,
  CheckpointLockedError,
  ServiceError,
  ArgumentError,
} from '../../../src/core/errors.js';
import { PART, makeFile, objectBytes, setup, pauseAfter } from '../fixtures.js';

function recorder() {
  const events: TransferEvent[] = [];
  return {
    events,
    onProgress: (e: TransferEvent) => {
      events.push(e);
    },
  };
}

/** Progress invariants: monotone, never above total, 100% only after 'completing', 'complete' last. */
function assertProgressSane(events: TransferEvent[], total: number, multipart: boolean) {
  assert.equal(events[0]!.type, 'start');
  assert.equal(events.at(-1)!.type, 'complete');
  let last = -1;
  let completingAt = -1;
  events.forEach((e, i) => {
    if (e.type === 'completing') completingAt = i;
    if (e.type !== 'progress') return;
    assert.ok(e.bytesDone > last, 'progress only grows');
    assert.ok(e.bytesDone <= total, 'never above total');
    assert.equal(e.totalBytes, total);
    if (e.bytesDone === total && multipart)
      assert.ok(completingAt >= 0 && i > completingAt, '100% only after Complete');
    last = e.bytesDone;
  });
  assert.equal(last, total, 'ends at 100%');
}

test('a multipart upload arrives byte-identical, verified, with its checkpoint and lock cleaned up', async (t) => {
  const env = await setup(t);
  const size = 10 * PART + 4321;
  const { file, data } = await makeFile(env.dir, 'data.bin', size);
  const rec = recorder();
  const res = await uploadFile(env.client, {
    bucket: env.bucket,
    key: 'big/data.bin',
    file,
    checkpoint: true,
    meta: { origin: 'test' },
    onProgress: rec.onProgress,
  });
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'big/data.bin'), data);
  assert.equal(res.size, size);
  assert.equal(res.parts, 11);
  assert.equal(res.resumedBytes, 0);
  assert.equal(res.transferredBytes, size);
  assert.match(res.etag, /^[0-9A-F]{32}-11$/);
  const head = await env.client.headObject(env.bucket, 'big/data.bin');
  assert.equal(head.crc64?.toString(), res.crc64);
  assert.equal(head.etag, res.etag);
  assert.deepEqual(head.meta, { origin: 'test' });
  assert.equal(head.contentType, 'application/octet-stream');
  await assert.rejects(stat(`${file}.ucp`), { code: 'ENOENT' });
  await assert.rejects(stat(`${file}.ucp.lock`), { code: 'ENOENT' });
  assertProgressSane(rec.events, size, true);
  assert.equal(rec.events.filter((e) => e.type === 'part').length, 11);
  const uploads = await env.client.listMultipartUploads(env.bucket);
  assert.equal(uploads.uploads.length, 0);
});

test('concurrent parts arrive byte-identical', async (t) => {
  const env = await setup(t);
  const size = 30 * PART + 17;
  const { file, data } = await makeFile(env.dir, 'c.bin', size, 2);
  const rec = recorder();
  const res = await uploadFile(env.client, {
    bucket: env.bucket,
    key: 'c',
    file,
    concurrency: 5,
    onProgress: rec.onProgress,
  });
  assert.equal(res.parts, 31);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'c'), data);
  assertProgressSane(rec.events, size, true);
});

test('a file of one part or less is a single PutObject with the same checks; empty files work', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'small.json', PART, 3);
  const rec = recorder();
  const res = await uploadFile(env.client, {
    bucket: env.bucket,
    key: 'small.json',
    file,
    checkpoint: true,
    onProgress: rec.onProgress,
  });
  assert.equal(res.parts, 1);
  assert.equal(res.uploadId, undefined);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'small.json'), data);
  assert.equal((await env.client.headObject(env.bucket, 'small.json')).contentType, 'application/json');
  assertProgressSane(rec.events, PART, false);

  const empty = await makeFile(env.dir, 'empty.txt', 0);
  const rec0 = recorder();
  const r0 = await uploadFile(env.client, {
    bucket: env.bucket,
    key: 'empty',
    file: empty.file,
    onProgress: rec0.onProgress,
  });
  assert.equal(r0.size, 0);
  assert.equal(r0.etag, 'D41D8CD98F00B204E9800998ECF8427E');
  assert.equal((await objectBytes(env.client, env.bucket, 'empty')).length, 0);
  assertProgressSane(rec0.events, 0, false);
});

test('pause (signal) keeps the checkpoint and upload ID; the next run resumes and verifies', async (t) => {
  const env = await setup(t);
  const size = 12 * PART + 99;
  const { file, data } = await makeFile(env.dir, 'p.bin', size, 4);
  const pause = pauseAfter(4);
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key: 'p', file, checkpoint: true, ...pause }),
    AbortedError,
  );
  const cp = await readFile(`${file}.ucp`);
  assert.equal((await stat(`${file}.ucp`)).mode & 0o777, 0o600);
  for (const secret of [
    env.server.credentials.accessKeySecret,
    env.server.credentials.accessKeyId,
    'Signature',
    'uthorization',
  ]) {
    assert.equal(cp.includes(secret), false, `checkpoint must not contain ${secret}`);
  }
  await assert.rejects(stat(`${file}.ucp.lock`), { code: 'ENOENT' });
  assert.equal((await env.client.listMultipartUploads(env.bucket)).uploads.length, 1);

  const rec = recorder();
  const res = await uploadFile(env.client, {
    bucket: env.bucket,
    key: 'p',
    file,
    checkpoint: true,
    onProgress: rec.onProgress,
  });
  assert.equal(res.resumedBytes, 4 * PART);
  assert.equal(res.transferredBytes, size - 4 * PART);
  // The done parts are re-read in the background while the rest is sent: no phase before 'start'.
  assert.equal(rec.events.filter((e) => e.type === 'verifying').length, 0, 'no verifying phase');
  const start = rec.events[0]!;
  assert.ok(
    start.type === 'start' && start.resumedBytes === 4 * PART && start.partsDone === 4 && start.totalParts === 13,
  );
  assertProgressSane(rec.events, size, true);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'p'), data);
  assert.equal((await env.client.listMultipartUploads(env.bucket)).uploads.length, 0);
});

test('abandonUpload aborts the upload on the server and deletes the checkpoint; the next run starts over', async (t) => {
  const env = await setup(t);
  const cpDir = path.join(env.dir, 'cps');
  await mkdir(cpDir);
  const { file, data } = await makeFile(env.dir, 'a.bin', 6 * PART, 5);
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key: 'a', file, checkpoint: cpDir, ...pauseAfter(2) }),
    AbortedError,
  );
  assert.equal((await env.client.listMultipartUploads(env.bucket)).uploads.length, 1);
  const aborted = await abandonUpload(env.client, { bucket: env.bucket, key: 'a', file, checkpoint: cpDir });
  assert.ok(aborted);
  assert.equal((await env.client.listMultipartUploads(env.bucket)).uploads.length, 0);
  const res = await uploadFile(env.client, { bucket: env.bucket, key: 'a', file, checkpoint: cpDir });
  assert.equal(res.resumedBytes, 0);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'a'), data);
});

test('a vanished upload ID (NoSuchUpload) starts a fresh upload', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'v.bin', 6 * PART + 1, 6);
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key: 'v', file, checkpoint: true, ...pauseAfter(3) }),
    AbortedError,
  );
  const upload = (await env.client.listMultipartUploads(env.bucket)).uploads[0]!;
  await env.client.abortMultipartUpload(env.bucket, 'v', upload.uploadId);
  const res = await uploadFile(env.client, { bucket: env.bucket, key: 'v', file, checkpoint: true });
  assert.equal(res.resumedBytes, 0);
  assert.notEqual(res.uploadId, upload.uploadId);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'v'), data);
});

test('two uploads on one checkpoint: the second fails at once with CheckpointLocked', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'l.bin', 8 * PART, 7);
  let started!: () => void;
  const isStarted = new Promise<void>((r) => {
    started = r;
  });
  const first = uploadFile(env.client, {
    bucket: env.bucket,
    key: 'l',
    file,
    checkpoint: true,
    onProgress: (e) => {
      if (e.type === 'start') started();
    },
  });
  await isStarted;
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key: 'l', file, checkpoint: true }),
    (e: unknown) => e instanceof CheckpointLockedError && e.message.includes(`${file}.ucp.lock`),
  );
  await first;
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'l'), data);
});

test('cancelling one upload never touches another on the same client', async (t) => {
  const env = await setup(t);
  const a = await makeFile(env.dir, 'x.bin', 8 * PART, 8);
  const b = await makeFile(env.dir, 'y.bin', 8 * PART, 9);
  const pause = pauseAfter(1);
  const [ra, rb] = await Promise.allSettled([
    uploadFile(env.client, { bucket: env.bucket, key: 'x', file: a.file, checkpoint: true, ...pause }),
    uploadFile(env.client, { bucket: env.bucket, key: 'y', file: b.file, checkpoint: true }),
  ]);
  assert.equal(ra.status, 'rejected');
  assert.ok((ra as PromiseRejectedResult).reason instanceof AbortedError);
  assert.equal(rb.status, 'fulfilled');
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'y'), b.data);
});

test('object options: content type, ACL, storage class, tagging, forbid-overwrite, traffic limit', async (t) => {
  const env = await setup(t);
  for (const [name, size] of [
    ['m.bin', 3 * PART],
    ['s.bin', 10],
  ] as const) {
    const { file } = await makeFile(env.dir, name, size, 10);
    const key = `opt/${name}`;
    await uploadFile(env.client, {
      bucket: env.bucket,
      key,
      file,
      contentType: 'application/x-custom',
      acl: 'public-read',
      storageClass: 'IA',
      tagging: { project: 'ossup', 'a b': 'c+d=e' },
      forbidOverwrite: true,
      trafficLimit: 100 * 1024 * 1024 * 8,
    });
    const head = await env.client.headObject(env.bucket, key);
    assert.equal(head.contentType, 'application/x-custom');
    assert.equal(head.storageClass, 'IA');
    await assert.rejects(
      uploadFile(env.client, { bucket: env.bucket, key, file, forbidOverwrite: true }),
      (e: unknown) => e instanceof ServiceError && e.code === 'FileAlreadyExists',
    );
  }
  assert.equal(
    (await env.client.listMultipartUploads(env.bucket)).uploads.length,
    0,
    'a failed run without checkpoint leaves no upload behind',
  );
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key: 'k', file: path.join(env.dir, 'm.bin'), partSize: 1024 }),
    (e: unknown) => e instanceof ArgumentError && e.field === 'partSize',
  );
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key: 'k', file: path.join(env.dir, 'm.bin'), concurrency: 0 }),
    (e: unknown) => e instanceof ArgumentError && e.field === 'concurrency',
  );
});

test('an unusable checkpoint location is a CheckpointError naming the path; bad names are argument errors', async (t) => {
  const env = await setup(t);
  const { file } = await makeFile(env.dir, 'u.bin', 3 * PART, 23);
  const cp = path.join(env.dir, 'no-such-dir', 'x.ucp');
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key: 'u', file, checkpoint: cp }),
    (e: unknown) =>
      e instanceof CheckpointError && e.code === 'CheckpointUnusable' && e.message.includes('no-such-dir'),
  );
  await assert.rejects(
    uploadFile(env.client, { bucket: 'Bad_Bucket', key: 'u', file }),
    (e: unknown) => e instanceof ArgumentError && e.field === 'bucket',
  );
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key: '/abs', file }),
    (e: unknown) => e instanceof ArgumentError && e.field === 'key',
  );
});

test('without a checkpoint nothing could resume, so a cancelled or failed upload is aborted on the server', async (t) => {
  const env = await setup(t);
  const { file } = await makeFile(env.dir, 'nc.bin', 6 * PART, 24);
  await assert.rejects(uploadFile(env.client, { bucket: env.bucket, key: 'nc', file, ...pauseAfter(2) }), AbortedError);
  assert.equal((await env.client.listMultipartUploads(env.bucket)).uploads.length, 0);
  await assert.rejects(stat(`${file}.ucp`), { code: 'ENOENT' });
});
