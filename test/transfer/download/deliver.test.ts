// The download's direct body path: with the lean client (plain http), a file download's ranges are pushed from the
// socket into the file sink (RangeResponse.body.deliver -> PartSink.receiver), never read through the body's
// iterator; cut short, they are continued from the byte they stopped at. A client whose bodies cannot deliver
// falls back to reading them as iterables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { OssClient } from '../../../src/client/index.js';
import { AbortedError } from '../../../src/core/errors.js';
import type { ChunkReceiver, RangeResponse, TransferClient } from '../../../src/transfer/engine/ports.js';
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import { PART, leftovers, proxyFor, recorder, withObject } from './env.js';

type Body = RangeResponse['body'];

/**
 * `client` with its GetObject bodies watched: `delivered` counts bodies handed to a receiver; reading a body as an
 * iterable fails the download (`iterable: 'forbidden'`), or the body loses its `deliver` (`iterable: 'only'`).
 */
function watched(client: OssClient, iterable: 'forbidden' | 'only') {
  const stats = { delivered: 0, iterated: 0 };
  const w = Object.create(client) as OssClient;
  w.getObject = async (...args: Parameters<OssClient['getObject']>) => {
    const res = await client.getObject(...args);
    const body = res.body as Body;
    if (iterable === 'only') {
      const plain: Body = {
        [Symbol.asyncIterator]: () => {
          stats.iterated++;
          return body[Symbol.asyncIterator]();
        },
        destroy: (err?: Error) => body.destroy(err),
      };
      return { ...res, body: plain as typeof res.body };
    }
    const deliver = body.deliver!.bind(body);
    Object.assign(body, {
      deliver: (to: ChunkReceiver) => {
        stats.delivered++;
        deliver(to);
      },
      [Symbol.asyncIterator]: () => {
        throw new Error('the body was read as an iterable');
      },
    });
    return res;
  };
  return { client: w as TransferClient, stats };
}

test('a file download pushes every range from the socket into the file, without reading a body as a stream', async (t) => {
  const size = 6 * PART + 123;
  const { env, data } = await withObject(t, 'd', size, 81);
  const { client, stats } = watched(env.client, 'forbidden');
  const file = path.join(env.dir, 'd.out');
  const rec = recorder();
  const res = await downloadFile(client, {
    bucket: env.bucket,
    key: 'd',
    file,
    partSize: PART,
    concurrency: 3,
    onProgress: rec.onProgress,
  });
  assert.equal(res.verified, 'crc64');
  assert.deepEqual(await readFile(file), data);
  assert.equal(stats.delivered, 7, 'one delivery per range');
  assert.equal(rec.progress().at(-1), size);
});

test('bodies that cannot deliver are read as iterables, with the same bytes and checks', async (t) => {
  const size = 4 * PART + 5;
  const { env, data } = await withObject(t, 'i', size, 82);
  const { client, stats } = watched(env.client, 'only');
  const file = path.join(env.dir, 'i.out');
  const res = await downloadFile(client, { bucket: env.bucket, key: 'i', file, partSize: PART, concurrency: 2 });
  assert.equal(res.verified, 'crc64');
  assert.deepEqual(await readFile(file), data);
  assert.equal(stats.iterated, 5);
});

test('delivered ranges cut short again and again are continued from the byte they stopped at', async (t) => {
  // Through the fault proxy on the lean client (no agent): every response is cut, mid-batch and across batches, so
  // the file is whole only if each new request continues exactly where the bytes pushed into the sink end.
  const size = 5 * 1024 * 1024 + 777;
  const { env, data } = await withObject(t, 'cut', size, 83);
  const proxy = await proxyFor(t, env, {
    rate: 1,
    seed: 11,
    maxFaults: 12,
    maxOffset: 1_600_000,
    retryAfterSeconds: 0,
    kinds: ['truncate-response', 'reset-response'],
  });
  const lean = env.clientFor(proxy.endpoint, { retry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5 } });
  const { client, stats } = watched(lean, 'forbidden');
  const file = path.join(env.dir, 'cut.out');
  const rec = recorder();
  const res = await downloadFile(client, {
    bucket: env.bucket,
    key: 'cut',
    file,
    partSize: 2.5 * 1024 * 1024,
    concurrency: 2,
    checkpoint: true,
    onProgress: rec.onProgress,
  });
  assert.ok(proxy.stats().faults >= 4, JSON.stringify(proxy.stats()));
  assert.ok(stats.delivered > 3, `resumed bodies are delivered too (${stats.delivered})`);
  assert.equal(res.verified, 'crc64');
  assert.equal(res.transferredBytes, size);
  assert.deepEqual(await readFile(file), data);
  const progress = rec.progress();
  assert.ok(
    progress.every((b, i) => b <= size && (i === 0 || b > progress[i - 1]!)),
    'retried bytes are not counted twice',
  );
  assert.deepEqual(await leftovers(env.dir), ['cut.out']);
});

test('an abort while delivered ranges are being written stops the download with AbortedError', async (t) => {
  const size = 8 * PART;
  const { env } = await withObject(t, 'a', size, 84);
  const { client, stats } = watched(env.client, 'forbidden');
  const ac = new AbortController();
  const file = path.join(env.dir, 'a.out');
  const err = await downloadFile(client, {
    bucket: env.bucket,
    key: 'a',
    file,
    partSize: 4 * PART,
    signal: ac.signal,
    onProgress: (e) => {
      if (e.type === 'progress' && e.bytesDone > 0) ac.abort();
    },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof AbortedError, String(err));
  assert.ok(stats.delivered >= 1);
  assert.deepEqual(await leftovers(env.dir), [], 'no temporary file without a checkpoint');
});
