// downloadFile's `head` option and result: a HEAD the caller already made is the first attempt's (no HEAD sent),
// a restart (the object changed) sends its own, and the result carries the HEAD of the version written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import { startRequestLog } from '../../../harness/request-log.js';
import { PART, bytes, putBytes, withObject } from './env.js';

async function logged(t: Parameters<typeof withObject>[0], env: Awaited<ReturnType<typeof withObject>>['env']) {
  const url = new URL(env.server.endpoint);
  const log = await startRequestLog({ host: url.hostname, port: Number(url.port) });
  t.after(() => log.close());
  return { log, client: env.clientFor(log.endpoint) };
}

test("a caller's HEAD is the download's: no HEAD sent, the result carries it", async (t) => {
  const { env, data } = await withObject(t, 'h.bin', 3 * PART + 7);
  const { log, client } = await logged(t, env);
  const head = await env.client.headObject(env.bucket, 'h.bin');
  const file = path.join(env.dir, 'h.bin');
  const res = await downloadFile(client, { bucket: env.bucket, key: 'h.bin', file, partSize: PART, head });
  assert.deepEqual(await readFile(file), data);
  assert.equal(res.verified, 'crc64');
  assert.equal(res.head, head);
  assert.deepEqual(
    log.requests.filter((q) => !q.startsWith('GET ')),
    [],
    log.requests.join('\n'),
  );
  assert.equal(log.requests.length, 4, 'one GET per range');

  // Without one, the download sends its own, and the result carries that.
  log.requests.length = 0;
  const again = await downloadFile(client, { bucket: env.bucket, key: 'h.bin', file, partSize: PART });
  assert.equal(log.requests.filter((q) => q.startsWith('HEAD ')).length, 1);
  assert.equal(again.head?.etag, head.etag);
  assert.equal(again.head?.size, data.length);
});

test("a caller's HEAD of a version since replaced: the download restarts from a fresh HEAD and writes the new one", async (t) => {
  const { env } = await withObject(t, 'r.bin', 2 * PART + 1, 1);
  const stale = await env.client.headObject(env.bucket, 'r.bin');
  const fresh = await putBytes(env, 'r.bin', bytes(3 * PART + 2, 2));
  const { log, client } = await logged(t, env);
  const file = path.join(env.dir, 'r.bin');
  const res = await downloadFile(client, { bucket: env.bucket, key: 'r.bin', file, partSize: PART, head: stale });
  assert.deepEqual(await readFile(file), fresh);
  assert.equal(res.verified, 'crc64');
  assert.notEqual(res.head?.etag, stale.etag);
  assert.equal(res.head?.size, fresh.length);
  assert.equal(log.requests.filter((q) => q.startsWith('HEAD ')).length, 1, 'the restart sent its own HEAD');
});
