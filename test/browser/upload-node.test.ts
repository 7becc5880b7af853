// ossup/browser's uploadFile under Node (which has Blob, fetch and WebCrypto, but no IndexedDB): the engine path end
// to end in seconds, the argument checks, and the clear error where no checkpoint store exists. The page-only parts
// (IndexedDB, Web Locks, CORS, reloads) are in upload.test.ts, in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { objectBytes } from '../../harness/cli.js';
import { OssClient as NodeClient } from '../../src/client/index.js';
import { OssClient, uploadFile } from '../../src/browser/index.js';
import { crc64 } from '../../src/core/crc64.js';
import { ArgumentError, CheckpointError } from '../../src/core/errors.js';
import type { TransferEvent } from '../../src/transfer/types.js';

let server: TestServer;
let node: NodeClient;
before(async () => {
  server = await startTestServer();
  node = new NodeClient({ endpoint: server.endpoint, credentials: server.credentials });
  await node.putBucket('page');
});
after(async () => {
  await node.close();
  await server.close();
});

function bytes(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 131 + (i >> 9)) & 0xff);
}

test('a Blob goes up through the engine in parallel verified parts', async () => {
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  const data = bytes(3 * 1024 * 1024 + 17);
  const events: TransferEvent[] = [];
  const r = await uploadFile(client, {
    bucket: 'page',
    key: 'blob.bin',
    file: new Blob([data], { type: 'application/x-blob' }),
    checkpoint: false,
    onProgress: (e) => events.push(e),
  });
  assert.equal(r.size, data.length);
  assert.equal(r.parts, 4, 'the ladder: 1 MiB parts');
  assert.equal(r.crc64, crc64(data).toString());
  assert.equal(r.transferredBytes, data.length);
  assert.ok((await objectBytes(node, 'page', 'blob.bin')).equals(data));
  const head = await node.headObject('page', 'blob.bin');
  assert.equal(head.contentType, 'application/x-blob', "the Blob's type");
  const start = events.find((e) => e.type === 'start') as Extract<TransferEvent, { type: 'start' }>;
  assert.equal(start.concurrency, 5);
  const last = events.filter((e) => e.type === 'progress').at(-1) as Extract<TransferEvent, { type: 'progress' }>;
  assert.equal(last.bytesDone, data.length);
  assert.equal(events.at(-1)?.type, 'complete');
});

test('the file must be a Blob, File or file handle: ArgumentError naming it', async () => {
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  for (const file of [undefined, 'path/to/file', { size: 3 }]) {
    const err = await uploadFile(client, { bucket: 'page', key: 'x', file: file as unknown as Blob }).catch((e) => e);
    assert.ok(err instanceof ArgumentError, String(err));
    assert.equal(err.field, 'file');
  }
  const badKey = await uploadFile(client, { bucket: 'page', key: '', file: new Blob(['x']) }).catch((e) => e);
  assert.ok(badKey instanceof ArgumentError);
  assert.equal(badKey.field, 'key');
});

test('with no IndexedDB, the default checkpoint is a clear CheckpointUnusable error', async () => {
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  const err = await uploadFile(client, { bucket: 'page', key: 'x', file: new Blob([bytes(10)]) }).catch((e) => e);
  assert.ok(err instanceof CheckpointError, String(err));
  assert.equal(err.code, 'CheckpointUnusable');
  assert.match(err.message, /IndexedDB is not available here: pass checkpoint: false/);
});

test('OssClient needs an endpoint and exactly one of credentials and signer', () => {
  assert.throws(() => new OssClient({ endpoint: '' } as never), { code: 'InvalidArgument', field: 'endpoint' });
  assert.throws(() => new OssClient({ endpoint: server.endpoint }), { field: 'credentials' });
  assert.throws(
    () =>
      new OssClient({
        endpoint: server.endpoint,
        credentials: server.credentials,
        signer: async () => ({ headers: {} }),
      }),
    { field: 'credentials' },
  );
});
