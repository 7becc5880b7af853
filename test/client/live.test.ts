// Opt-in checks against real Alibaba Cloud OSS. Runs only when OSS_LIVE_ENDPOINT and OSS_LIVE_BUCKET are set, with
// credentials in OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET (and OSS_SESSION_TOKEN for STS). Never needed by CI.
// Everything it writes lives under a unique prefix and is deleted afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OssClient } from '../../src/client/index.js';
import { uploadFile, type TransferEvent } from '../../src/transfer/index.js';
import { AbortedError, ServiceError } from '../../src/core/errors.js';

const endpoint = process.env.OSS_LIVE_ENDPOINT;
const bucket = process.env.OSS_LIVE_BUCKET;
const skip =
  !endpoint || !bucket || !process.env.OSS_ACCESS_KEY_ID
    ? 'set OSS_LIVE_ENDPOINT, OSS_LIVE_BUCKET and OSS_ACCESS_KEY_ID/SECRET to run'
    : false;
const prefix = `ossup-live-test/${Date.now()}-${randomBytes(3).toString('hex')}/`;

async function readBody(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

for (const signatureVersion of ['v4', 'v1'] as const) {
  test(`live ${signatureVersion}: put, head, get, presign, errors`, { skip }, async (t) => {
    const c = new OssClient({ endpoint: endpoint!, signatureVersion, region: process.env.OSS_LIVE_REGION });
    t.after(async () => {
      await c.deleteObject(bucket!, `${prefix}${signatureVersion}.txt`).catch(() => undefined);
      await c.close();
    });
    const key = `${prefix}${signatureVersion}.txt`;
    const put = await c.putObject(bucket!, key, 'hello world');
    assert.equal(put.etag, '5EB63BBBE01EEED093CB22BB8F5ACDC3');
    assert.equal((await c.headObject(bucket!, key)).size, 11);
    assert.equal((await readBody((await c.getObject(bucket!, key)).body)).toString(), 'hello world');
    const res = await fetch(await c.presignUrl('GET', bucket!, key, { expiresSeconds: 120 }));
    assert.equal(res.status, 200);
    const err = await c.headObject(bucket!, `${key}.missing`).catch((e: unknown) => e);
    assert.ok(err instanceof ServiceError && err.status === 404 && err.requestId);
  });
}

test('live: resumable multipart upload, paused and resumed, byte-identical', { skip }, async (t) => {
  const c = new OssClient({ endpoint: endpoint!, region: process.env.OSS_LIVE_REGION });
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-live-'));
  const key = `${prefix}multipart.bin`;
  t.after(async () => {
    await c.deleteObject(bucket!, key).catch(() => undefined);
    await c.close();
    await rm(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'data.bin');
  const data = randomBytes(6 * 100 * 1024 + 123);
  await writeFile(file, data);
  const ac = new AbortController();
  const pause = (e: TransferEvent) => {
    if (e.type === 'part' && e.partsDone === 2) ac.abort();
  };
  await assert.rejects(
    uploadFile(c, { bucket: bucket!, key, file, checkpoint: true, onProgress: pause, signal: ac.signal }),
    AbortedError,
  );
  const res = await uploadFile(c, { bucket: bucket!, key, file, checkpoint: true });
  assert.ok(res.resumedBytes >= 2 * 100 * 1024);
  assert.deepEqual(await readBody((await c.getObject(bucket!, key)).body), data);
});
