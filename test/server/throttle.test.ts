// The server told to throttle answers like OSS: 503 with OSS's codes, x-oss-qos-delay-time (ms) and Retry-After;
// and a transfer through it completes, verified, at about the rate the throttle allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startTestServer } from '../../harness/server.js';
import { OssClient } from '../../src/client/index.js';
import type { RetryNotice } from '../../src/client/retry.js';
import { uploadFile } from '../../src/transfer/index.js';
import { makeFile, objectBytes } from '../transfer/fixtures.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 ** 2;

test('past the request rate: 503 TotalQpsLimitExceeded with the wait in ms and in seconds', async (t) => {
  const server = await startTestServer({ throttle: { requestsPerSecond: 2 } });
  t.after(() => server.close());
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await fetch(`${server.endpoint}/some-bucket/k`));
  const refused = answers.filter((r) => r.status === 503);
  assert.ok(refused.length >= 2, `statuses ${answers.map((r) => r.status)}`);
  const r = refused[0]!;
  const text = await r.text();
  assert.match(text, /<Code>TotalQpsLimitExceeded<\/Code>/);
  assert.match(text, /<EC>0004-00000302<\/EC>/);
  assert.equal(r.headers.get('x-oss-ec'), '0004-00000302');
  const delay = Number(r.headers.get('x-oss-qos-delay-time'));
  assert.ok(delay > 0 && delay <= 500, `x-oss-qos-delay-time ${delay}`);
  assert.equal(r.headers.get('retry-after'), '1');
  // Admitted requests go on to the usual answers (this bucket does not exist).
  assert.equal(answers[0]!.status, 404);
});

test('an upload through a bandwidth throttle completes, verified, at about the throttled rate', async (t) => {
  const rate = 8 * MiB;
  const server = await startTestServer({ throttle: { bytesPerSecond: rate } });
  const dir = await mkdtemp(join(tmpdir(), 'ossup-throttle-'));
  const notices: RetryNotice[] = [];
  const client = new OssClient({
    endpoint: server.endpoint,
    credentials: server.credentials,
    retry: { maxAttempts: 30, onRetry: (n) => notices.push(n) },
  });
  t.after(async () => {
    await client.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  await client.putBucket('throttled');
  const size = 24 * MiB;
  const { file, data } = await makeFile(dir, 'f.bin', size, 5);
  const started = performance.now();
  const res = await uploadFile(client, { bucket: 'throttled', key: 'f', file, partSize: MiB, concurrency: 4 });
  const seconds = (performance.now() - started) / 1000;
  assert.equal(res.size, size);
  assert.deepEqual(await objectBytes(client, 'throttled', 'f'), data);
  const throttled = notices.filter((n) => n.throttled);
  assert.ok(throttled.length > 0, 'the server throttled some parts');
  assert.ok(
    throttled.every((n) => n.delayMs >= 1),
    'each wait honours x-oss-qos-delay-time',
  );
  // The bucket starts with half a second's worth: what is left goes at the rate.
  const ideal = (size - rate / 2) / rate;
  assert.ok(seconds >= ideal * 0.9, `${seconds.toFixed(2)} s, faster than the throttle allows (${ideal.toFixed(2)} s)`);
  // 70%, not the controller's 80% (asserted on the fake link): these are fixed defaults on a shared machine.
  assert.ok(seconds <= ideal / 0.7, `${seconds.toFixed(2)} s: goodput under 70% of the throttle`);
});
