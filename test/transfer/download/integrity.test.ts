// The destination never holds wrong bytes: bytes that do not match the server's whole-object CRC-64 (corrupted in
// the embedded server's store, under an intact ETag and CRC) restart the download once and then fail loudly with
// nothing left behind. A server that sends no CRC-64 gives a result that says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { open, readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import { IntegrityError } from '../../../src/core/errors.js';
import { PART, leftovers, recorder, withObject, type Env } from './env.js';

/** The single blob file holding the bucket's only object in the server's store. */
async function onlyBlob(env: Env): Promise<string> {
  const root = path.join(env.server.root, 'buckets', env.bucket, 'blobs');
  const files: string[] = [];
  for (const dir of await readdir(root))
    for (const f of await readdir(path.join(root, dir))) files.push(path.join(root, dir, f));
  assert.equal(files.length, 1, 'one object in the bucket');
  return files[0]!;
}

async function flipByte(file: string, at: number): Promise<void> {
  const h = await open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await h.read(b, 0, 1, at);
    b[0]! ^= 0x20;
    await h.write(b, 0, 1, at);
  } finally {
    await h.close();
  }
}

/** The same, synchronously: done inside a progress callback, it lands before the engine's next step. */
function flipByteSync(file: string, at: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, at);
    b[0]! ^= 0x20;
    fs.writeSync(fd, b, 0, 1, at);
  } finally {
    fs.closeSync(fd);
  }
}

test("bytes that differ from the server's CRC-64 every time: IntegrityError after one restart, nothing left behind", async (t) => {
  const { env } = await withObject(t, 'bad', 6 * PART + 3, 81);
  await flipByte(await onlyBlob(env), 3 * PART + 5);
  const file = path.join(env.dir, 'bad.out');
  const rec = recorder();
  const err = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'bad',
    file,
    checkpoint: true,
    concurrency: 2,
    onProgress: rec.onProgress,
  }).catch((e: unknown) => e);
  assert.ok(err instanceof IntegrityError, String(err));
  assert.equal(err.check, 'crc64');
  assert.equal(err.code, 'IntegrityMismatch');
  assert.equal(rec.events.filter((e) => e.type === 'start').length, 2, 'restarted once from scratch');
  assert.equal(rec.events.filter((e) => e.type === 'complete').length, 0);
  assert.deepEqual(await leftovers(env.dir), [], 'no destination, temporary file, checkpoint or lock');
});

test('bytes corrupted once: the mismatch restarts the download from scratch and the second pass is verified', async (t) => {
  const { env, data } = await withObject(t, 'flaky', 6 * PART + 3, 82);
  const blob = await onlyBlob(env);
  await flipByte(blob, PART + 1);
  const file = path.join(env.dir, 'flaky.out');
  let starts = 0;
  const res = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'flaky',
    file,
    checkpoint: true,
    onProgress: (e) => {
      if (e.type === 'start') starts++;
      // The whole-object check follows 'completing'; repaired now, the restart reads good bytes.
      if (e.type === 'completing' && starts === 1) flipByteSync(blob, PART + 1);
    },
  });
  assert.equal(starts, 2);
  assert.equal(res.resumedBytes, 0, 'nothing of the bad pass was kept');
  assert.equal(res.verified, 'crc64');
  assert.deepEqual(await readFile(file), data);
  assert.deepEqual(await leftovers(env.dir), ['flaky.out']);
});

/** An HTTP proxy that drops x-oss-hash-crc64ecma from every response, like a server that does not send it. */
async function crcStrippingProxy(t: { after: (fn: () => Promise<void>) => void }, target: string): Promise<string> {
  const up = new URL(target);
  const server = http.createServer((req, res) => {
    const fwd = http.request(
      { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        const headers = { ...r.headers };
        delete headers['x-oss-hash-crc64ecma'];
        res.writeHead(r.statusCode ?? 502, headers);
        r.pipe(res);
      },
    );
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a server that sends no CRC-64: the whole download is checked by length only, and the result says so', async (t) => {
  const { env, data } = await withObject(t, 'nocrc', 3 * PART + 9, 83);
  const client = env.clientFor(await crcStrippingProxy(t, env.server.endpoint));
  assert.equal((await client.headObject(env.bucket, 'nocrc')).crc64, undefined);
  const file = path.join(env.dir, 'nocrc.out');
  const res = await downloadFile(client, { bucket: env.bucket, key: 'nocrc', file, checkpoint: true });
  assert.equal(res.verified, 'length-only');
  assert.deepEqual(await readFile(file), data);
  assert.deepEqual(await leftovers(env.dir), ['nocrc.out']);
});
