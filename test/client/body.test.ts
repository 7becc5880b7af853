import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncate } from 'node:fs/promises';
import { afterWrite, readRange } from '../../src/client/body.js';
import { FileChangedError } from '../../src/core/errors.js';
import { OssClient, fileRange } from '../../src/client/index.js';
import { startTestServer } from '../../harness/server.js';
import { bytes, objectBytes, tempFile } from '../transfer/fixtures.js';

const MiB = 1024 * 1024;

test('a file range is read in 1 MiB chunks whose buffers come back only once written', async (t) => {
  const data = bytes(4 * MiB + 777, 3);
  const file = await tempFile(t, data);
  const start = 12_345;
  const length = 3 * MiB + 100;
  const chunks: Buffer[] = [];
  let held: { chunk: Buffer; done: (err?: Error | null) => void } | undefined;
  for await (const chunk of readRange(file, start, length)) {
    const done = afterWrite(chunk);
    assert.ok(done, 'a chunk of a file body can be handed back');
    assert.equal(afterWrite(chunk), undefined, 'only once');
    chunks.push(Buffer.from(chunk));
    // The first chunk's write is still pending while the others are read (and theirs given back, one failed).
    if (!held) held = { chunk, done };
    else done(chunks.length === 3 ? new Error('write failed') : null);
  }
  assert.deepEqual(Buffer.concat(chunks), data.subarray(start, start + length));
  assert.ok(chunks.every((c) => c.length <= MiB));
  assert.deepEqual(held!.chunk, data.subarray(start, start + MiB), 'a chunk not yet written was never overwritten');
  held!.done();
  assert.equal(afterWrite(Buffer.alloc(10)), undefined, 'any other buffer is not ours');
});

test('a file body that shrank while being sent fails as a changed file; its bytes went up exactly otherwise', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const client = new OssClient({
    endpoint: server.endpoint,
    credentials: server.credentials,
    retry: { maxAttempts: 1 },
  });
  t.after(() => client.close());
  await client.putBucket('body-bucket');
  const data = bytes(3 * MiB + 5, 8);
  const file = await tempFile(t, data);
  await client.putObject('body-bucket', 'k', fileRange(file, 7, data.length - 7));
  assert.deepEqual(await objectBytes(client, 'body-bucket', 'k'), data.subarray(7));
  await truncate(file, 2 * MiB);
  await assert.rejects(client.putObject('body-bucket', 'k2', fileRange(file, 0, data.length)), FileChangedError);
});
