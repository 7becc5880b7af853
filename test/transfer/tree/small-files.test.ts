// A tree's small files take the one-request path (uploadSmallFile from the walk's stat; one GET into a temporary
// file for downloads). It keeps every check of the engine's path: a server whose CRC-64 disagrees, a file rewritten
// while it is sent, and a download that fails leave no wrong object, no silent success and no temporary file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { slabsMade } from '../../../src/client/lean/slabs.js';
import { FileChangedError, IntegrityError, ServiceError } from '../../../src/core/errors.js';
import { downloadPrefix, uploadDirectory } from '../../../src/transfer/tree/index.js';
import { INTEGRITY_ATTEMPTS } from '../../../src/transfer/upload/resend.js';
import { bytes, editingProxy, objectBytes, proxyFor, setup } from '../fixtures.js';

const isPut = (key: string) => (r: { method: string; path: string }) => r.method === 'PUT' && r.path.endsWith(key);

test('a small file whose stored CRC-64 keeps disagreeing fails alone and its object is removed', async (t) => {
  const env = await setup(t);
  const src = join(env.dir, 'src');
  await mkdir(src);
  await writeFile(join(src, 'a.txt'), bytes(4096, 1));
  await writeFile(join(src, 'b.txt'), bytes(4096, 2));
  const proxy = await editingProxy(t, env.server.endpoint, (req, headers) => {
    if (isPut('/small/a.txt')(req) && headers['x-oss-hash-crc64ecma']) headers['x-oss-hash-crc64ecma'] = '12345';
  });
  const result = await uploadDirectory(env.clientFor(proxy.endpoint), {
    dir: src,
    bucket: env.bucket,
    prefix: 'small/',
  });
  assert.deepEqual(
    result.failed.map((f) => f.rel),
    ['a.txt'],
  );
  const err = result.failed[0]!.error;
  assert.ok(err instanceof IntegrityError, String(err));
  assert.equal(err.check, 'crc64');
  assert.equal(err.expected, '12345');
  // Sent again before failing, then the damaged copy deleted: no reader is left with it.
  assert.equal(proxy.seen.filter(isPut('/small/a.txt')).length, INTEGRITY_ATTEMPTS);
  await assert.rejects(
    env.client.headObject(env.bucket, 'small/a.txt'),
    (e: unknown) => e instanceof ServiceError && e.status === 404,
  );
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'small/b.txt'), bytes(4096, 2));
});

test('a small file rewritten while it is sent fails with FileChangedError', async (t) => {
  const env = await setup(t);
  const src = join(env.dir, 'src');
  await mkdir(src);
  const file = join(src, 'c.txt');
  await writeFile(file, bytes(4096, 3));
  await writeFile(join(src, 'd.txt'), bytes(4096, 4));
  let rewritten = 0;
  const proxy = await editingProxy(t, env.server.endpoint, (req) => {
    // The answer to its PutObject is held until the file is rewritten (another size: a change no clock granularity
    // can hide), so the client sees the response only after the change.
    if (isPut('/changed/c.txt')(req) && rewritten++ === 0) writeFileSync(file, bytes(5000, 5));
  });
  const result = await uploadDirectory(env.clientFor(proxy.endpoint), {
    dir: src,
    bucket: env.bucket,
    prefix: 'changed/',
  });
  assert.equal(rewritten, 1);
  assert.deepEqual(
    result.failed.map((f) => f.rel),
    ['c.txt'],
  );
  const err = result.failed[0]!.error;
  assert.ok(err instanceof FileChangedError, String(err));
  assert.match(err.message, /c\.txt was modified during the upload \(size 4096 -> 5000 bytes\)/);
  assert.equal(result.transferred, 1);
});

test('a small download whose CRC-64 disagrees fails alone and leaves no file and no temporary file', async (t) => {
  const env = await setup(t);
  await env.client.putObject(env.bucket, 'down/x.txt', bytes(4096, 6));
  await env.client.putObject(env.bucket, 'down/y.txt', bytes(4096, 7));
  const proxy = await editingProxy(t, env.server.endpoint, (req, headers) => {
    if (req.method === 'GET' && req.path.endsWith('/down/x.txt') && headers['x-oss-hash-crc64ecma'])
      headers['x-oss-hash-crc64ecma'] = '12345';
  });
  const out = join(env.dir, 'out');
  const result = await downloadPrefix(env.clientFor(proxy.endpoint), {
    dir: out,
    bucket: env.bucket,
    prefix: 'down/',
  });
  assert.deepEqual(
    result.failed.map((f) => f.rel),
    ['x.txt'],
  );
  const err = result.failed[0]!.error;
  assert.ok(err instanceof IntegrityError, String(err));
  assert.equal(err.check, 'crc64');
  // Fetched again before failing (a damaged body is not final), and each attempt's temporary file removed.
  assert.ok(proxy.seen.filter((r) => r.method === 'GET' && r.path.endsWith('/down/x.txt')).length >= 2);
  assert.deepEqual(await readdir(out), ['y.txt']);
  assert.deepEqual(await readFile(join(out, 'y.txt')), bytes(4096, 7));
});

test('a small download whose body breaks off is fetched again: whole files, no temporary file left', async (t) => {
  const env = await setup(t);
  const want = new Map<string, Buffer>();
  for (let i = 0; i < 4; i++) {
    want.set(`f${i}`, bytes(4096, 10 + i));
    await env.client.putObject(env.bucket, `cut/f${i}`, want.get(`f${i}`)!);
  }
  // Responses cut (cleanly or by a reset) within their first ~4.4 KB: mostly inside a 4 KiB body, after its head.
  const proxy = await proxyFor(t, env, {
    rate: 1,
    seed: 3,
    maxFaults: 2,
    maxOffset: 4400,
    kinds: ['truncate-response', 'reset-response'],
  });
  const out = join(env.dir, 'cut-out');
  const result = await downloadPrefix(env.clientFor(proxy.endpoint, { retry: { baseDelayMs: 1, maxDelayMs: 5 } }), {
    dir: out,
    bucket: env.bucket,
    prefix: 'cut/',
    jobs: 1,
  });
  assert.equal(proxy.stats().faults, 2);
  assert.deepEqual(result.failed, []);
  assert.equal(result.transferred, 4);
  assert.deepEqual((await readdir(out)).sort(), [...want.keys()]);
  for (const [name, data] of want) assert.deepEqual(await readFile(join(out, name)), data);
});

test("a tree's small downloads give their socket memory back: one small slab serves file after file", async (t) => {
  const env = await setup(t);
  const files = 48;
  for (let i = 0; i < files; i++) await env.client.putObject(env.bucket, `slabs/f${i}`, bytes(64 * 1024, i));
  const out = join(env.dir, 'slabs-out');
  const before = slabsMade();
  const result = await downloadPrefix(env.client, { dir: out, bucket: env.bucket, prefix: 'slabs/', jobs: 1 });
  const after = slabsMade();
  assert.deepEqual(result.failed, []);
  assert.equal(result.transferred, files);
  for (const i of [0, files - 1]) assert.deepEqual(await readFile(join(out, `f${i}`)), bytes(64 * 1024, i));
  // 3 MiB read on one connection: a 256 KiB slab takes three such bodies, then is reused once they are written.
  // Left to the GC instead, a new one was made every three files (16 here); and no 1 MiB slab for 64 KiB bodies.
  assert.equal(after.large - before.large, 0, 'no large slab for small bodies');
  assert.ok(after.small - before.small <= 2, `${after.small - before.small} small slabs made for ${files} files`);
});
