// SIGKILL the server process mid-upload and restart it on the same root: no partial object is ever visible,
// the previous version of an overwritten object survives, and an in-progress multipart upload completes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerChild, killChild } from './child.js';
import {
  signHeaders,
  call,
  pathOf,
  mkBucket,
  put,
  xmlField,
  xmlFields,
  errorCode,
  type Target,
} from '../../harness/oss-http.js';

const CREDS = { accessKeyId: 'crash-ak', accessKeySecret: 'crash-secret' };
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ossup-crash-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function startChild(): Promise<{ child: ChildProcess; target: Target }> {
  const { child, endpoint } = await startServerChild(root, CREDS);
  return { child, target: { endpoint, credentials: CREDS } };
}

async function tempFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of await readdir(join(root, 'tmp'))) out.push(...(await readdir(join(root, 'tmp', dir))));
  return out;
}

const kill = (child: ChildProcess) => killChild(child).then(() => undefined);

/** Starts a signed upload of `total` bytes but sends only `sent` of them, then leaves it hanging. */
async function partialUpload(
  t: Target,
  o: { key: string; query?: Array<[string, string]>; total: number; sent: number },
): Promise<void> {
  const headers = signHeaders(
    { method: 'PUT', bucket: 'crash', key: o.key, query: o.query ?? [] },
    t.credentials,
    o.total,
  );
  const qs = (o.query ?? []).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const url = new URL(t.endpoint);
  const req = request({
    host: url.hostname,
    port: url.port,
    method: 'PUT',
    path: pathOf('crash', o.key) + (qs ? `?${qs}` : ''),
    headers,
    agent: false,
  });
  req.on('error', () => undefined);
  req.write(randomBytes(o.sent));
  // Give the server time to stream what was sent into its temp file.
  await new Promise((r) => setTimeout(r, 300));
}

test('SIGKILL mid PutObject and mid multipart: nothing partial is visible, the upload completes after restart', async () => {
  let { child, target } = await startChild();
  await mkBucket(target, 'crash');
  const v1 = randomBytes(300 * 1024);
  assert.equal((await put(target, 'crash', 'overwritten', v1)).status, 200);

  const init = await call(target, { method: 'POST', bucket: 'crash', key: 'mpu', query: [['uploads', '']] });
  const uploadId = xmlField(init.text, 'UploadId')!;
  const part1 = randomBytes(200 * 1024);
  const part2 = randomBytes(150 * 1024);
  const r1 = await call(target, {
    method: 'PUT',
    bucket: 'crash',
    key: 'mpu',
    query: [
      ['partNumber', '1'],
      ['uploadId', uploadId],
    ],
    body: part1,
  });
  assert.equal(r1.status, 200);

  await partialUpload(target, { key: 'new-object', total: 4 << 20, sent: 1 << 20 });
  await partialUpload(target, { key: 'overwritten', total: 4 << 20, sent: 2 << 20 });
  await partialUpload(target, {
    key: 'mpu',
    query: [
      ['partNumber', '2'],
      ['uploadId', uploadId],
    ],
    total: 150 * 1024,
    sent: 100 * 1024,
  });
  // Three bodies are mid-stream into temp files right now.
  assert.equal((await tempFiles()).filter((f) => f.endsWith('.part')).length, 3);
  await kill(child);

  ({ child, target } = await startChild());
  try {
    assert.equal(errorCode(await call(target, { bucket: 'crash', key: 'new-object' })), 'NoSuchKey');
    const old = await call(target, { bucket: 'crash', key: 'overwritten' });
    assert.ok(old.body.equals(v1), 'the previous version survives an interrupted overwrite');
    const listing = await call(target, { bucket: 'crash' });
    assert.deepEqual(xmlFields(listing.text, 'Key'), ['overwritten']);
    // The temp files of the dead uploads were swept at start.
    assert.deepEqual(await tempFiles(), []);

    const uploads = await call(target, { bucket: 'crash', query: [['uploads', '']] });
    assert.deepEqual(xmlFields(uploads.text, 'UploadId'), [uploadId]);
    const parts = await call(target, { bucket: 'crash', key: 'mpu', query: [['uploadId', uploadId]] });
    assert.deepEqual(xmlFields(parts.text, 'PartNumber'), ['1']);
    assert.equal(xmlField(parts.text, 'Size'), String(part1.length));
    const r2 = await call(target, {
      method: 'PUT',
      bucket: 'crash',
      key: 'mpu',
      query: [
        ['partNumber', '2'],
        ['uploadId', uploadId],
      ],
      body: part2,
    });
    assert.equal(r2.status, 200);
    const done = await call(target, {
      method: 'POST',
      bucket: 'crash',
      key: 'mpu',
      query: [['uploadId', uploadId]],
      headers: { 'x-oss-complete-all': 'yes' },
    });
    assert.equal(done.status, 200, done.text);
    const g = await call(target, { bucket: 'crash', key: 'mpu' });
    assert.ok(g.body.equals(Buffer.concat([part1, part2])));
  } finally {
    await kill(child);
  }
});

test('SIGTERM shuts the server down cleanly', async () => {
  const { child } = await startChild();
  const out: string[] = [];
  child.stdout!.on('data', (c: Buffer) => out.push(c.toString()));
  assert.equal(await killChild(child, 'SIGTERM'), '0/null', out.join(''));
  assert.match(out.join(''), /ossup serve: stopped/);
});
