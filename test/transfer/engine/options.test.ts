import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OssClient } from '../../../src/client/client.js';
import { ArgumentError } from '../../../src/core/errors.js';
import { downloadFile, uploadFile } from '../../../src/transfer/index.js';

const isArg = (field: string, message: RegExp) => (err: unknown) =>
  err instanceof ArgumentError && err.field === field && message.test(err.message);

// Nothing listens on this port: a request would fail with a NetworkError, so an ArgumentError proves the check ran
// before any request.
const client = new OssClient({
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
  retry: { maxAttempts: 1 },
});

test('one validation for both directions: bucket names and trafficLimit are checked before any request', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-options-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'f.bin');
  await writeFile(file, 'x');
  const up = { bucket: 'b-ok', key: 'k', file };
  const down = { bucket: 'b-ok', key: 'k', file: join(dir, 'out.bin') };
  for (const run of [
    (o: object) => uploadFile(client, { ...up, ...o }),
    (o: object) => downloadFile(client, { ...down, ...o }),
  ]) {
    await assert.rejects(run({ bucket: 'UPPER' }), isArg('bucket', /invalid bucket name "UPPER"/));
    await assert.rejects(run({ trafficLimit: -1 }), isArg('trafficLimit', /positive integer/));
    await assert.rejects(run({ trafficLimit: 1.5 }), isArg('trafficLimit', /positive integer/));
    await assert.rejects(run({ concurrency: 0 }), isArg('concurrency', /1\.\.1000/));
    await assert.rejects(
      run({ partSize: 1 }),
      (err: unknown) => err instanceof ArgumentError && err.field === 'partSize',
    );
    await assert.rejects(run({ key: '' }), isArg('key', /key is required/));
  }
  // Keys are checked against the write rules only when ossup writes them.
  await assert.rejects(uploadFile(client, { ...up, key: 'a/../b' }), isArg('key', /"\.\." path segment/));
  await assert.rejects(downloadFile(client, { ...down, range: { start: -1 } }), isArg('range', /non-negative/));
  assert.deepEqual((await readdir(dir)).sort(), ['f.bin']);
});
