// Uploads through a fault-injecting TCP proxy: resets mid-request and mid-response, truncated responses and
// injected 5xx are survived by retries; when retries run out, the next run resumes from the checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadFile, type TransferEvent } from '../../../src/transfer/index.js';
import { NetworkError } from '../../../src/core/errors.js';
import { PART, clientThrough, makeFile, objectBytes, proxyFor, setup } from '../fixtures.js';

/** One request per connection, so every request meets the proxy's fault dice (keep-alive would dodge them). */
test('an upload survives resets, truncated responses and 5xx through retries, byte-identical', async (t) => {
  const env = await setup(t);
  const proxy = await proxyFor(t, env, {
    rate: 0.35,
    seed: 7,
    maxFaults: 25,
    maxOffset: 150 * 1024,
    retryAfterSeconds: 0,
    kinds: ['reset-request', 'reset-response', 'truncate-response', 'status-503', 'status-500', 'status-429'],
  });
  const client = clientThrough(t, env, proxy, { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5 });
  const size = 16 * PART + 333;
  const { file, data } = await makeFile(env.dir, 'n.bin', size, 31);
  const events: TransferEvent[] = [];
  const res = await uploadFile(client, {
    bucket: env.bucket,
    key: 'n',
    file,
    checkpoint: true,
    concurrency: 3,
    onProgress: (e) => {
      events.push(e);
    },
  });
  assert.ok(proxy.stats().faults >= 2, `faults injected: ${JSON.stringify(proxy.stats())}`);
  assert.equal(res.size, size);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'n'), data);
  const progress = events.filter((e) => e.type === 'progress').map((e) => (e as { bytesDone: number }).bytesDone);
  assert.ok(
    progress.every((b, i) => b <= size && (i === 0 || b > progress[i - 1]!)),
    'retried bytes are not counted twice',
  );
});

test('when retries run out the run fails with NetworkError; the next run resumes from the checkpoint', async (t) => {
  const env = await setup(t);
  const proxy = await proxyFor(t, env, { rate: 0, kinds: [] });
  const client = clientThrough(t, env, proxy, { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 });
  const size = 10 * PART;
  const { file, data } = await makeFile(env.dir, 'r.bin', size, 32);
  const err = await uploadFile(client, {
    bucket: env.bucket,
    key: 'r',
    file,
    checkpoint: true,
    // After 4 parts the network goes bad for good: every connection is reset mid-request.
    onProgress: (e) => {
      if (e.type === 'part' && e.partsDone === 4) proxy.setPlan({ rate: 1, kinds: ['reset-request'], maxOffset: 1000 });
    },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof NetworkError, String(err));
  proxy.setPlan({ rate: 0, kinds: [] });
  const res = await uploadFile(client, { bucket: env.bucket, key: 'r', file, checkpoint: true });
  assert.ok(res.resumedBytes >= 4 * PART && res.resumedBytes < size, `resumed ${res.resumedBytes}`);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'r'), data);
});

test('a lost CompleteMultipartUpload response: the retry finds the upload gone and accepts the verified object', async (t) => {
  const env = await setup(t);
  const proxy = await proxyFor(t, env, { rate: 0, kinds: [] });
  const client = clientThrough(t, env, proxy, { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
  const { file, data } = await makeFile(env.dir, 'lost.bin', 4 * PART + 9, 33);
  const res = await uploadFile(client, {
    bucket: env.bucket,
    key: 'lost',
    file,
    checkpoint: true,
    // The server completes the object, then the connection dies before the first response byte reaches us.
    onProgress: (e) => {
      if (e.type === 'completing') proxy.setPlan({ rate: 1, kinds: ['reset-response'], maxOffset: 1, maxFaults: 1 });
    },
  });
  assert.equal(proxy.stats().byKind['reset-response'], 1);
  assert.match(res.etag, /-5$/);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'lost'), data);
});
