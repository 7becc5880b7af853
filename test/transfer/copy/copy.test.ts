// copyObject against the embedded server over real HTTP: one CopyObject or UploadPartCopy parts, metadata kept or
// replaced, resumable after SIGKILL, and a source that changes mid-copy (or between runs) refused, never mixed.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { crc64, crc64ToDecimal } from '../../../src/core/crc64.js';
import { AbortedError, ArgumentError, type OssupError } from '../../../src/core/errors.js';
import { OssClient } from '../../../src/client/index.js';
import { copyObject } from '../../../src/transfer/index.js';
import { nodeArgsFor, spawnEventChild } from '../../helpers/child.js';
import { bytes, objectBytes, PART, setup, type Env } from '../fixtures.js';

const CHILD = nodeArgsFor(import.meta.url, './child');

async function source(env: Env, key: string, size: number, seed = 1): Promise<Buffer> {
  const data = bytes(size, seed);
  await env.client.putObject(env.bucket, key, data, {
    contentType: 'text/x-test',
    meta: { owner: 'alice' },
    headers: { 'cache-control': 'no-cache' },
  });
  return data;
}

async function openUploads(env: Env): Promise<number> {
  return (await env.client.listMultipartUploads(env.bucket)).uploads.length;
}

test('up to the threshold: one CopyObject, bytes and metadata kept, CRC-64 checked', async (t) => {
  const env = await setup(t);
  const data = await source(env, 'src/a.bin', 3 * PART + 5);
  const res = await copyObject(env.client, {
    sourceBucket: env.bucket,
    sourceKey: 'src/a.bin',
    bucket: env.bucket,
    key: 'dst/a.bin',
  });
  assert.equal(res.parts, 1);
  assert.equal(res.uploadId, undefined);
  assert.equal(res.crc64, crc64ToDecimal(crc64(data)));
  assert.equal(res.file, `oss://${env.bucket}/src/a.bin`);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'dst/a.bin'), data);
  const head = await env.client.headObject(env.bucket, 'dst/a.bin');
  assert.equal(head.contentType, 'text/x-test');
  assert.deepEqual(head.meta, { owner: 'alice' });
});

test('beyond the threshold: UploadPartCopy parts in parallel, metadata carried over, nothing left behind', async (t) => {
  const env = await setup(t);
  const data = await source(env, 'big.bin', 10 * PART + 123);
  const cp = path.join(env.dir, 'copy.ccp');
  const events: string[] = [];
  const res = await copyObject(env.client, {
    sourceBucket: env.bucket,
    sourceKey: 'big.bin',
    bucket: env.bucket,
    key: 'big-copy.bin',
    multipartThreshold: PART,
    partSize: PART,
    concurrency: 3,
    checkpoint: cp,
    onProgress: (e) => events.push(e.type),
  });
  assert.equal(res.parts, 11);
  assert.match(res.etag, /-11$/);
  assert.equal(res.crc64, crc64ToDecimal(crc64(data)));
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'big-copy.bin'), data);
  const head = await env.client.headObject(env.bucket, 'big-copy.bin');
  assert.equal(head.contentType, 'text/x-test');
  assert.deepEqual(head.meta, { owner: 'alice' });
  assert.equal(head.headers['cache-control'], 'no-cache');
  assert.deepEqual(events.filter((e) => e !== 'progress').slice(-2), ['completing', 'complete']);
  assert.ok(events.lastIndexOf('progress') > events.indexOf('completing'), '100% only once the copy is complete');
  assert.equal(await openUploads(env), 0);
  await assert.rejects(stat(cp), { code: 'ENOENT' });
});

for (const multipart of [false, true]) {
  test(`--meta replaces the user metadata and keeps the type; --content-type the reverse (${multipart ? 'multipart' : 'CopyObject'})`, async (t) => {
    const env = await setup(t);
    const data = await source(env, 'm.bin', 2 * PART + 1);
    const extra = multipart ? { multipartThreshold: PART, partSize: PART } : {};
    await copyObject(env.client, {
      sourceBucket: env.bucket,
      sourceKey: 'm.bin',
      bucket: env.bucket,
      key: 'm1',
      meta: { team: 'b' },
      ...extra,
    });
    let head = await env.client.headObject(env.bucket, 'm1');
    assert.deepEqual(head.meta, { team: 'b' });
    assert.equal(head.contentType, 'text/x-test');
    await copyObject(env.client, {
      sourceBucket: env.bucket,
      sourceKey: 'm.bin',
      bucket: env.bucket,
      key: 'm2',
      contentType: 'application/json',
      ...extra,
    });
    head = await env.client.headObject(env.bucket, 'm2');
    assert.deepEqual(head.meta, { owner: 'alice' });
    assert.equal(head.contentType, 'application/json');
    assert.deepEqual(await objectBytes(env.client, env.bucket, 'm2'), data);
  });
}

test('onto itself: refused without new metadata (OSS refuses it), allowed with it', async (t) => {
  const env = await setup(t);
  const data = await source(env, 'self.bin', PART);
  await assert.rejects(
    copyObject(env.client, { sourceBucket: env.bucket, sourceKey: 'self.bin', bucket: env.bucket, key: 'self.bin' }),
    (e: ArgumentError) => e instanceof ArgumentError && /OSS refuses it/.test(e.message),
  );
  await copyObject(env.client, {
    sourceBucket: env.bucket,
    sourceKey: 'self.bin',
    bucket: env.bucket,
    key: 'self.bin',
    meta: { state: 'archived' },
  });
  const head = await env.client.headObject(env.bucket, 'self.bin');
  assert.deepEqual(head.meta, { state: 'archived' });
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'self.bin'), data);
});

test('a multipart copy killed with SIGKILL resumes from its checkpoint and ends byte-identical', async (t) => {
  const env = await setup(t);
  const data = await source(env, 'kill.bin', 30 * PART + 99);
  const checkpoint = path.join(env.dir, 'kill.ccp');
  const args = {
    endpoint: env.server.endpoint,
    credentials: env.server.credentials,
    sourceBucket: env.bucket,
    sourceKey: 'kill.bin',
    bucket: env.bucket,
    key: 'kill-copy.bin',
    file: '-',
    checkpoint,
    partSize: PART,
    concurrency: 1,
  };
  const child = spawnEventChild([...CHILD, JSON.stringify(args)]);
  const seen = await child.waitFor((e) => e.type === 'part' && (e.partsDone as number) >= 5);
  child.proc.kill('SIGKILL');
  await child.exited;
  assert.ok(seen, 'the child copied parts before it was killed');
  const { file: _file, endpoint: _e, credentials: _c, ...same } = args;
  const res = await copyObject(env.client, { ...same, multipartThreshold: PART });
  assert.ok(res.resumedBytes >= 5 * PART, `resumed ${res.resumedBytes} bytes`);
  assert.equal(res.transferredBytes, data.length - res.resumedBytes);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'kill-copy.bin'), data);
  assert.equal(res.crc64, crc64ToDecimal(crc64(data)));
  assert.equal(await openUploads(env), 0);
  await assert.rejects(stat(checkpoint), { code: 'ENOENT' });
});

test('a source replaced mid-copy is refused (If-Match), no object and no upload left', async (t) => {
  const env = await setup(t);
  await source(env, 'moving.bin', 20 * PART);
  const checkpoint = path.join(env.dir, 'moving.ccp');
  let overwrite: Promise<unknown> | undefined;
  // A part sent once the overwrite has begun waits for it to land: otherwise, on a slow machine, the copy's last
  // parts could all finish before the new source is in, and nothing would have changed during the copy.
  const client = new Proxy(env.client, {
    get(target, prop) {
      if (prop === 'uploadPartCopy') {
        return async (...args: Parameters<typeof target.uploadPartCopy>) => {
          await overwrite;
          return target.uploadPartCopy(...args);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  await assert.rejects(
    copyObject(client, {
      sourceBucket: env.bucket,
      sourceKey: 'moving.bin',
      bucket: env.bucket,
      key: 'moving-copy.bin',
      multipartThreshold: PART,
      partSize: PART,
      checkpoint,
      onProgress: (e) => {
        if (e.type === 'part' && e.partsDone === 2) overwrite = source(env, 'moving.bin', 20 * PART, 7);
      },
    }),
    (e: OssupError) => e.code === 'ObjectChanged' && /changed during the copy/.test(e.message),
  );
  await overwrite;
  await assert.rejects(env.client.headObject(env.bucket, 'moving-copy.bin'), (e: OssupError) => e.code === 'NoSuchKey');
  assert.equal(await openUploads(env), 0);
  await assert.rejects(stat(checkpoint), { code: 'ENOENT' });
});

test('a source replaced between a paused copy and its rerun is refused; the next run copies the new version', async (t) => {
  const env = await setup(t);
  await source(env, 'paused.bin', 12 * PART);
  const checkpoint = path.join(env.dir, 'paused.ccp');
  const opts = {
    sourceBucket: env.bucket,
    sourceKey: 'paused.bin',
    bucket: env.bucket,
    key: 'paused-copy.bin',
    multipartThreshold: PART,
    partSize: PART,
    checkpoint,
  };
  const controller = new AbortController();
  await assert.rejects(
    copyObject(env.client, {
      ...opts,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'part' && e.partsDone === 3) controller.abort();
      },
    }),
    AbortedError,
  );
  assert.equal(await openUploads(env), 1, 'pausing keeps the upload for the rerun');
  await stat(checkpoint);
  const fresh = await source(env, 'paused.bin', 12 * PART, 9);
  await assert.rejects(
    copyObject(env.client, opts),
    (e: OssupError) => e.code === 'ObjectChanged' && /changed since this copy began/.test(e.message),
  );
  assert.equal(await openUploads(env), 0, 'the stale parts were discarded');
  const res = await copyObject(env.client, opts);
  assert.equal(res.resumedBytes, 0);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'paused-copy.bin'), fresh);
});

test('a multipart copy without a checkpoint that is cancelled leaves no upload behind', async (t) => {
  const env = await setup(t);
  await source(env, 'nocp.bin', 8 * PART);
  const controller = new AbortController();
  await assert.rejects(
    copyObject(env.client, {
      sourceBucket: env.bucket,
      sourceKey: 'nocp.bin',
      bucket: env.bucket,
      key: 'nocp-copy.bin',
      multipartThreshold: PART,
      partSize: PART,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'part' && e.partsDone === 2) controller.abort();
      },
    }),
    AbortedError,
  );
  assert.equal(await openUploads(env), 0);
});

test('parts whose UploadPartCopy answer has no CRC-64 (as OSS may send) are checked with ListParts', async (t) => {
  const env = await setup(t);
  const data = await source(env, 'nocrc.bin', 4 * PART + 17);
  let listed = 0;
  const quiet = new (class extends OssClient {
    override async uploadPartCopy(...a: Parameters<OssClient['uploadPartCopy']>) {
      const res = await super.uploadPartCopy(...a);
      return { ...res, crc64: undefined };
    }
    override listParts(...a: Parameters<OssClient['listParts']>) {
      listed++;
      return super.listParts(...a);
    }
  })({ endpoint: env.server.endpoint, credentials: env.server.credentials });
  t.after(() => quiet.close());
  const res = await copyObject(quiet, {
    sourceBucket: env.bucket,
    sourceKey: 'nocrc.bin',
    bucket: env.bucket,
    key: 'nocrc-copy.bin',
    multipartThreshold: PART,
    partSize: PART,
  });
  assert.equal(listed, 5, 'one ListParts per part');
  assert.equal(res.crc64, crc64ToDecimal(crc64(data)));
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'nocrc-copy.bin'), data);
});
