// CRC-64 checks with a server that lies: an HTTP proxy rewrites x-oss-hash-crc64ecma on chosen responses.
// A part whose CRC disagrees is re-sent; if it keeps disagreeing the upload fails loudly and is never completed.
// And Content-MD5 with a network that damages request bytes (the fault proxy's corrupt-request).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { uploadFile } from '../../../src/transfer/index.js';
import { IntegrityError, ServiceError } from '../../../src/core/errors.js';
import { BUFFER_LIMIT } from '../../../src/transfer/hash/hash.js';
import {
  KiB,
  PART,
  clientThrough,
  editingProxy,
  makeFile,
  objectBytes,
  proxyFor,
  setup,
  type Env,
} from '../fixtures.js';

const MiB = 1024 * KiB;

interface Seen {
  method: string;
  path: string;
}

/** A proxy in front of `target` whose responses to requests matching `when` carry a wrong CRC-64 header. */
async function lyingProxy(t: TestContext, target: string, when: (req: Seen) => boolean): Promise<string> {
  const proxy = await editingProxy(t, target, (req, headers) => {
    if (when(req) && headers['x-oss-hash-crc64ecma']) headers['x-oss-hash-crc64ecma'] = '12345';
  });
  return proxy.endpoint;
}

const isPart = (n: number) => (req: Seen) => req.method === 'PUT' && req.path.includes(`partNumber=${n}&`);

test('a part whose CRC-64 disagrees once is re-sent and the object completes byte-identical', async (t) => {
  const env = await setup(t);
  let lies = 1;
  const endpoint = await lyingProxy(t, env.server.endpoint, (r) => isPart(2)(r) && lies-- > 0);
  const client = env.clientFor(endpoint);
  const { file, data } = await makeFile(env.dir, 'i.bin', 4 * PART, 61);
  const res = await uploadFile(client, { bucket: env.bucket, key: 'i', file });
  assert.equal(lies, -1, 'the lie was told');
  assert.equal(res.parts, 4);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'i'), data);
});

test('a part whose CRC-64 keeps disagreeing fails with IntegrityError and the object is never completed', async (t) => {
  const env = await setup(t);
  const endpoint = await lyingProxy(t, env.server.endpoint, isPart(3));
  const client = env.clientFor(endpoint);
  const { file } = await makeFile(env.dir, 'j.bin', 4 * PART, 62);
  const err = await uploadFile(client, { bucket: env.bucket, key: 'j', file, checkpoint: true }).catch(
    (e: unknown) => e,
  );
  assert.ok(err instanceof IntegrityError, String(err));
  assert.equal(err.check, 'crc64');
  assert.equal(err.expected, '12345');
  await assert.rejects(
    env.client.headObject(env.bucket, 'j'),
    (e: unknown) => e instanceof ServiceError && e.status === 404,
  );
});

test('a Complete whose CRC-64 disagrees with the combined parts fails loudly', async (t) => {
  const env = await setup(t);
  const endpoint = await lyingProxy(t, env.server.endpoint, (r) => r.method === 'POST' && r.path.includes('uploadId='));
  const client = env.clientFor(endpoint);
  const { file } = await makeFile(env.dir, 'k.bin', 3 * PART, 63);
  const err = await uploadFile(client, { bucket: env.bucket, key: 'k', file }).catch((e: unknown) => e);
  assert.ok(err instanceof IntegrityError, String(err));
});

test('a single PutObject whose CRC-64 keeps disagreeing fails with IntegrityError', async (t) => {
  const env = await setup(t);
  const endpoint = await lyingProxy(t, env.server.endpoint, (r) => r.method === 'PUT');
  const client = env.clientFor(endpoint);
  const { file } = await makeFile(env.dir, 's.bin', 1000, 64);
  const err = await uploadFile(client, { bucket: env.bucket, key: 's', file }).catch((e: unknown) => e);
  assert.ok(err instanceof IntegrityError, String(err));
});

// A network that damages bytes: the fault proxy flips one body byte of chosen requests. By default the part's CRC-64
// in the answer then differs (resend); with Content-MD5 the server answers InvalidDigest, which is damage on the way
// (resend), not a changed file, unless re-hashing the file says so.
async function corruptingClient(t: TestContext, env: Env, maxFaults?: number) {
  const proxy = await proxyFor(t, env, { rate: 1, kinds: ['corrupt-request'], maxFaults, seed: 7, maxOffset: 1 << 30 });
  return { proxy, client: clientThrough(t, env, proxy, { maxAttempts: 1 }) };
}

// `faults` stays below the attempts a request gets (3); with one connection per request each fault lands on one.
for (const [name, size, partSize, faults] of [
  ['parts sent from memory', 4 * PART, PART, 3],
  ['a single PutObject', 50 * KiB, PART, 2],
  [
    'parts streamed from the file (larger than the in-memory limit)',
    2 * BUFFER_LIMIT + 2 * MiB + 5,
    BUFFER_LIMIT + MiB,
    3,
  ],
] as const) {
  for (const contentMd5 of [false, true]) {
    test(`${name}${contentMd5 ? ', with Content-MD5' : ''}: bytes damaged on the way are sent again, and the object is byte-identical`, async (t) => {
      const env = await setup(t);
      const { proxy, client } = await corruptingClient(t, env, faults);
      const { file, data } = await makeFile(env.dir, 'c.bin', size, 65);
      const res = await uploadFile(client, { bucket: env.bucket, key: 'c', file, partSize, contentMd5 });
      assert.equal(proxy.stats().byKind['corrupt-request'], faults, 'the proxy damaged requests');
      assert.equal(res.transferredBytes, size);
      assert.deepEqual(await objectBytes(env.client, env.bucket, 'c'), data);
    });
  }
}

for (const [contentMd5, check, message] of [
  [false, 'crc64', /part \d+: the server's CRC-64 \d+ differs from the local \d+ after 3 attempts/],
  [true, 'md5', /Content-MD5 mismatch\) 3 times/],
] as const) {
  test(`parts damaged on every attempt fail with IntegrityError (${check}), not FileChanged, and nothing is completed`, async (t) => {
    const env = await setup(t);
    const { client } = await corruptingClient(t, env);
    const { file } = await makeFile(env.dir, 'd.bin', 3 * PART, 66);
    const err = await uploadFile(client, { bucket: env.bucket, key: 'd', file, contentMd5 }).catch((e: unknown) => e);
    assert.ok(err instanceof IntegrityError, String(err));
    assert.equal(err.check, check);
    assert.match(err.message, message);
    await assert.rejects(
      env.client.headObject(env.bucket, 'd'),
      (e: unknown) => e instanceof ServiceError && e.status === 404,
    );
  });
}

// A single PutObject is hashed as it is sent (no Content-MD5, which would need the whole file hashed first) and
// checked against the stored object's CRC-64. See src/transfer/upload/single.ts.
test('a single PutObject damaged on every attempt fails with IntegrityError (crc64) and leaves no damaged object', async (t) => {
  const env = await setup(t);
  const { client } = await corruptingClient(t, env);
  const { file } = await makeFile(env.dir, 'sd.bin', 50 * KiB, 67);
  const err = await uploadFile(client, { bucket: env.bucket, key: 'sd', file }).catch((e: unknown) => e);
  assert.ok(err instanceof IntegrityError, String(err));
  assert.equal(err.check, 'crc64');
  assert.match(err.message, /differs from the local .* after 3 attempts .* the object was removed/);
  await assert.rejects(
    env.client.headObject(env.bucket, 'sd'),
    (e: unknown) => e instanceof ServiceError && e.status === 404,
  );
});

test('a single PutObject with forbidOverwrite still sends Content-MD5 first: damaged bytes are never stored', async (t) => {
  const env = await setup(t);
  const { client } = await corruptingClient(t, env);
  const { file } = await makeFile(env.dir, 'sf.bin', 50 * KiB, 68);
  const err = await uploadFile(client, { bucket: env.bucket, key: 'sf', file, forbidOverwrite: true }).catch(
    (e: unknown) => e,
  );
  assert.ok(err instanceof IntegrityError, String(err));
  assert.match(err.message, /Content-MD5 mismatch\) 3 times/);
  await assert.rejects(
    env.client.headObject(env.bucket, 'sf'),
    (e: unknown) => e instanceof ServiceError && e.status === 404,
  );
});

test('a single PutObject whose response has neither a CRC-64 nor an MD5 ETag is sent again with Content-MD5', async (t) => {
  const env = await setup(t);
  // As OSS answers for a KMS-encrypted object: an ETag that is not the MD5, and (here) no CRC-64 header.
  const proxy = await editingProxy(t, env.server.endpoint, (req, headers) => {
    delete headers['x-oss-hash-crc64ecma'];
    if (req.method === 'PUT') headers.etag = '"0A1B-KMS"';
  });
  const client = env.clientFor(proxy.endpoint);
  const { file, data } = await makeFile(env.dir, 'sk.bin', 50 * KiB, 69);
  await uploadFile(client, { bucket: env.bucket, key: 'sk', file });
  const puts = proxy.seen.filter((r) => r.method === 'PUT').map((r) => ({ md5: r.contentMd5 !== undefined }));
  assert.deepEqual(puts, [{ md5: false }, { md5: true }], 'hashed while sent, then again with Content-MD5');
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'sk'), data);
});
