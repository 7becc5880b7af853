// Downloads through a fault-injecting TCP proxy: responses reset or cut short mid-body are continued from the byte
// they stopped at, injected 5xx are retried, and the file is byte-identical; when retries run out the next run
// resumes from the checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import { AbortedError, NetworkError } from '../../../src/core/errors.js';
import { PART, clientThrough, leftovers, proxyFor, recorder, withObject } from './env.js';

/** One request per connection, so every request meets the proxy's fault dice (keep-alive would dodge them). */
for (const [name, kinds] of [
  ['resets mid-response', ['reset-response']],
  ['truncated responses', ['truncate-response']],
  [
    'a mix of resets, truncation and 5xx',
    ['reset-response', 'truncate-response', 'reset-request', 'status-503', 'status-500'],
  ],
] as const) {
  test(`a download survives ${name}, byte-identical, progress counted once`, async (t) => {
    const size = 24 * PART + 321;
    const { env, data } = await withObject(t, 'n', size, 71);
    const proxy = await proxyFor(t, env, {
      // Offsets below one range's response, so cuts land mid-body.
      rate: 0.6,
      seed: 9,
      maxFaults: 20,
      maxOffset: 90 * 1024,
      retryAfterSeconds: 0,
      kinds: [...kinds],
    });
    const client = clientThrough(t, env, proxy, { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5 });
    const file = path.join(env.dir, 'n.out');
    const rec = recorder();
    const res = await downloadFile(client, {
      bucket: env.bucket,
      key: 'n',
      file,
      checkpoint: true,
      concurrency: 3,
      onProgress: rec.onProgress,
    });
    assert.ok(proxy.stats().faults >= 5, `faults injected: ${JSON.stringify(proxy.stats())}`);
    assert.equal(res.verified, 'crc64');
    assert.deepEqual(await readFile(file), data);
    const progress = rec.progress();
    assert.ok(
      progress.every((b, i) => b <= size && (i === 0 || b > progress[i - 1]!)),
      'retried bytes are not counted twice',
    );
    assert.equal(progress.at(-1), size);
    assert.deepEqual(await leftovers(env.dir), ['n.out']);
  });
}

test('a large range cut short again and again is continued from where it stopped, not refetched', async (t) => {
  const size = 8 * PART;
  const { env, data } = await withObject(t, 'cont', size, 72);
  // Every response, for ever, is cut after at most 200 KB: an 800 KB range can only arrive in pieces, so this
  // finishes only if each new request continues from the byte the last one stopped at.
  const proxy = await proxyFor(t, env, {
    rate: 1,
    seed: 3,
    maxOffset: 200 * 1024,
    kinds: ['truncate-response'],
  });
  const client = clientThrough(t, env, proxy, { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5 });
  const file = path.join(env.dir, 'cont.out');
  const res = await downloadFile(client, { bucket: env.bucket, key: 'cont', file, partSize: size });
  assert.equal(res.parts, 1);
  assert.equal(res.verified, 'crc64');
  assert.deepEqual(await readFile(file), data);
  assert.ok(proxy.stats().faults >= 4, JSON.stringify(proxy.stats()));
});

test('when retries run out the run fails with NetworkError; the next run resumes from the checkpoint', async (t) => {
  const size = 10 * PART;
  const { env, data } = await withObject(t, 'r', size, 73);
  const proxy = await proxyFor(t, env, { rate: 0, kinds: [] });
  const client = clientThrough(t, env, proxy, { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 });
  const file = path.join(env.dir, 'r.out');
  const err = await downloadFile(client, {
    bucket: env.bucket,
    key: 'r',
    file,
    checkpoint: true,
    // After 4 ranges the network goes bad for good: every connection is reset before the response.
    onProgress: (e) => {
      if (e.type === 'part' && e.partsDone === 4) proxy.setPlan({ rate: 1, kinds: ['reset-request'], maxOffset: 10 });
    },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof NetworkError, String(err));
  await assert.rejects(stat(file), { code: 'ENOENT' });
  proxy.setPlan({ rate: 0, kinds: [] });
  const res = await downloadFile(client, { bucket: env.bucket, key: 'r', file, checkpoint: true });
  assert.ok(res.resumedBytes >= 4 * PART && res.resumedBytes < size, `resumed ${res.resumedBytes}`);
  assert.deepEqual(await readFile(file), data);
});

test('ranges of several write batches, cut short anywhere, are continued from the byte they stopped at', async (t) => {
  // 2.5 MiB ranges are written in 1 MiB batches (one in flight while the next gathers); cuts land before, inside
  // and after batch boundaries, so a retry has to start exactly where the written bytes end.
  const size = 5 * 1024 * 1024 + 777;
  const { env, data } = await withObject(t, 'batches', size, 74);
  const proxy = await proxyFor(t, env, {
    rate: 1,
    seed: 5,
    maxFaults: 8,
    maxOffset: 2_600_000,
    retryAfterSeconds: 0,
    kinds: ['truncate-response', 'reset-response'],
  });
  const client = clientThrough(t, env, proxy, { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5 });
  const file = path.join(env.dir, 'batches.out');
  const rec = recorder();
  const res = await downloadFile(client, {
    bucket: env.bucket,
    key: 'batches',
    file,
    partSize: 2.5 * 1024 * 1024,
    concurrency: 2,
    checkpoint: true,
    onProgress: rec.onProgress,
  });
  assert.ok(proxy.stats().faults >= 4, JSON.stringify(proxy.stats()));
  assert.equal(res.parts, 3);
  assert.equal(res.verified, 'crc64');
  assert.equal(res.transferredBytes, size);
  assert.deepEqual(await readFile(file), data);
  const progress = rec.progress();
  assert.ok(
    progress.every((b, i) => b <= size && (i === 0 || b > progress[i - 1]!)),
    'retried bytes are not counted twice',
  );
  assert.ok(progress.length >= 5, `progress is reported per written batch (${progress.length} events)`);
  assert.deepEqual(await leftovers(env.dir), ['batches.out']);
});

test('a pause in the middle of a many-batch range leaves nothing being written; the rerun is byte-identical', async (t) => {
  const size = 6 * 1024 * 1024;
  const { env, data } = await withObject(t, 'midpause', size, 75);
  const file = path.join(env.dir, 'midpause.out');
  const ac = new AbortController();
  const err = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'midpause',
    file,
    partSize: 3 * 1024 * 1024,
    checkpoint: true,
    signal: ac.signal,
    onProgress: (e) => {
      if (e.type === 'progress' && e.bytesDone >= 4 * 1024 * 1024) ac.abort();
    },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof AbortedError, String(err));
  const res = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'midpause',
    file,
    partSize: 3 * 1024 * 1024,
    checkpoint: true,
  });
  assert.equal(res.resumedBytes, 3 * 1024 * 1024, 'the first range was recorded, the second fetched again');
  assert.deepEqual(await readFile(file), data);
  assert.deepEqual(await leftovers(env.dir), ['midpause.out']);
});
