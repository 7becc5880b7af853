// The README's library example, through the public entry point only: if this breaks, the documented API broke.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ossup from '../src/index.js';

test('public API: start a server, upload with a checkpoint and progress, download, verify', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-api-'));
  const credentials = { accessKeyId: 'api-test-key', accessKeySecret: 'api-test-secret' };
  const server = await ossup.startServer({ root: join(dir, 'data'), port: 0, credentials: [credentials] });
  try {
    const client = new ossup.OssClient({ endpoint: server.endpoint, credentials });
    await client.putBucket('demo');
    const file = join(dir, 'big.bin');
    const bytes = randomBytes(1024 * 1024 + 12345);
    await writeFile(file, bytes);

    const events: ossup.TransferEvent[] = [];
    const up = await ossup.uploadFile(client, {
      bucket: 'demo',
      key: 'big.bin',
      file,
      partSize: 256 * 1024,
      concurrency: 3,
      checkpoint: true,
      onProgress: (e) => events.push(e),
    });
    assert.equal(up.size, bytes.length);
    assert.equal(up.parts, 5);
    assert.equal(BigInt(up.crc64), ossup.crc64(bytes));
    assert.equal(events[0]!.type, 'start');
    assert.equal(events.at(-1)?.type, 'complete');
    await assert.rejects(access(`${file}.ucp`), 'the checkpoint is deleted on success');

    const target = join(dir, 'copy.bin');
    const down = await ossup.downloadFile(client, { bucket: 'demo', key: 'big.bin', file: target, concurrency: 2 });
    assert.equal(down.verified, 'crc64');
    assert.equal(down.crc64, up.crc64);
    assert.deepEqual(await readFile(target), bytes);

    await assert.rejects(
      client.headObject('demo', 'missing'),
      (err: unknown) =>
        err instanceof ossup.ServiceError &&
        err.code === 'NoSuchKey' &&
        err.status === 404 &&
        /^[0-9A-F]{24}$/.test(err.requestId ?? ''),
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('public API: the entry point exports the documented names and no internals', () => {
  const names = new Set(Object.keys(ossup));
  for (const name of [
    'OssClient',
    'uploadFile',
    'downloadFile',
    'uploadStream',
    'downloadStream',
    'copyObject',
    'abandonUpload',
    'uploadDirectory',
    'downloadPrefix',
    'copyPrefix',
    'syncTree',
    'deletePrefix',
    'startServer',
    'uploaderCorsRule',
    'OssupError',
    'ServiceError',
    'AbortedError',
    'crc64',
    'Crc64',
  ]) {
    assert.ok(names.has(name), `${name} is part of the documented surface`);
  }
  for (const internal of [
    'acquireLock',
    'ProgressTracker',
    'resolveDownloadTarget',
    'keyBaseName',
    'planParts',
    'resolveCheckpointPath',
    'compileFilter',
    'releaseBodyChunks',
    'resumableBody',
  ]) {
    assert.ok(!names.has(internal), `${internal} is internal, not exported`);
  }
});
