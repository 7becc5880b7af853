// The page's fetch transport and signing, run under Node (which has fetch and WebCrypto) against the embedded
// server: multipart requests round-trip, errors decode to the Node library's classes, and STS credentials that
// expire are fetched again once. The same code runs in Chromium in upload.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { OssClient as NodeClient } from '../../src/client/index.js';
import { parseEndpoint, requestUrl } from '../../src/client/endpoint.js';
import { presignQuery, signHeaders } from '../../src/client/sign.js';
import { OssClient } from '../../src/browser/client.js';
import { crc64 } from '../../src/core/crc64.js';
import { ServiceError } from '../../src/core/errors.js';
import type { ServerCredentials } from '../../src/server/index.js';

const stsA: ServerCredentials = { accessKeyId: 'STS.a', accessKeySecret: 'secret-a', securityToken: 'token-a' };
const stsB: ServerCredentials = { accessKeyId: 'STS.b', accessKeySecret: 'secret-b', securityToken: 'token-b' };
const stsC: ServerCredentials = { accessKeyId: 'STS.c', accessKeySecret: 'secret-c', securityToken: 'token-c' };
const stsD: ServerCredentials = { accessKeyId: 'STS.d', accessKeySecret: 'secret-d', securityToken: 'token-d' };

let server: TestServer;
let node: NodeClient;
before(async () => {
  server = await startTestServer({ credentials: [stsA, stsB, stsC, stsD] });
  node = new NodeClient({ endpoint: server.endpoint, credentials: server.credentials });
  await node.putBucket('btr');
});
after(async () => {
  await node.close();
  await server.close();
});

function part(n: number, size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + n * 7) & 0xff);
}

test('multipart requests over fetch: initiate, parts with their CRC-64, list, complete', async () => {
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  const t = c.transfer;
  const init = await t.initiateMultipartUpload('btr', 'dir/a b.bin', {
    contentType: 'application/x-test',
    meta: { by: 'page' },
  });
  const p1 = part(1, 100 * 1024);
  const p2 = part(2, 5000);
  const r1 = await t.uploadPart('btr', 'dir/a b.bin', init.uploadId, 1, p1);
  const r2 = await t.uploadPart('btr', 'dir/a b.bin', init.uploadId, 2, p2);
  assert.equal(r1.crc64, crc64(p1));
  assert.equal(r2.crc64, crc64(p2));
  assert.match(r1.etag, /^[0-9A-F]{32}$/);
  const listed = await t.listParts('btr', 'dir/a b.bin', init.uploadId);
  assert.deepEqual(
    listed.parts.map((p) => [p.partNumber, p.size, p.etag, p.crc64]),
    [
      [1, p1.length, r1.etag, crc64(p1)],
      [2, p2.length, r2.etag, crc64(p2)],
    ],
  );
  const done = await t.completeMultipartUpload('btr', 'dir/a b.bin', init.uploadId, [
    { partNumber: 1, etag: r1.etag },
    { partNumber: 2, etag: r2.etag },
  ]);
  assert.match(done.etag, /^[0-9A-F]{32}-2$/);
  const head = await node.headObject('btr', 'dir/a b.bin');
  assert.equal(head.size, p1.length + p2.length);
  assert.equal(head.contentType, 'application/x-test');
  assert.equal(head.meta.by, 'page');
  assert.equal(done.crc64, head.crc64);
});

test('an OSS error becomes the same ServiceError as in Node', async () => {
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  const err = await c.transfer.listParts('btr', 'k', 'no-such-upload').catch((e: unknown) => e);
  assert.ok(err instanceof ServiceError);
  assert.equal(err.code, 'NoSuchUpload');
  assert.equal(err.status, 404);
  assert.equal(err.operation, 'ListParts');
  assert.match(err.requestId, /^[0-9A-F]{24}$/);
});

test('STS credentials that expire are fetched again once, and the request goes through', async () => {
  let asked = 0;
  const c = new OssClient({
    endpoint: server.endpoint,
    credentials: async () => (++asked === 1 ? stsA : stsB),
  });
  const init = await c.transfer.initiateMultipartUpload('btr', 'sts.bin');
  assert.equal(asked, 1);
  stsA.expiration = new Date(Date.now() - 1000).toISOString();
  const r = await c.transfer.uploadPart('btr', 'sts.bin', init.uploadId, 1, part(1, 1000));
  assert.equal(r.crc64, crc64(part(1, 1000)));
  assert.equal(asked, 2, 'asked again after SecurityTokenExpired');
  await c.transfer.abortMultipartUpload('btr', 'sts.bin', init.uploadId);
  assert.equal(asked, 2);
});

test('parts in flight refused together for expired credentials share one refresh', async () => {
  let asked = 0;
  const keys = [stsC, stsD];
  delete stsC.expiration;
  const c = new OssClient({ endpoint: server.endpoint, credentials: async () => keys[asked++]! });
  const init = await c.transfer.initiateMultipartUpload('btr', 'together.bin');
  stsC.expiration = new Date(Date.now() - 1000).toISOString();
  const sent = await Promise.all(
    [1, 2, 3, 4].map((n) => c.transfer.uploadPart('btr', 'together.bin', init.uploadId, n, part(n, 100))),
  );
  assert.deepEqual(
    sent.map((r) => r.crc64),
    [1, 2, 3, 4].map((n) => crc64(part(n, 100))),
  );
  assert.equal(asked, 2, 'one refresh for the four refused parts');
  await c.transfer.abortMultipartUpload('btr', 'together.bin', init.uploadId);
  delete stsC.expiration;
});

test('credentials refused again after a refresh reach the caller (asked once more, not forever)', async () => {
  let asked = 0;
  const expired = { ...stsA, accessKeyId: 'STS.unknown' };
  const c = new OssClient({
    endpoint: server.endpoint,
    credentials: async () => {
      asked++;
      return expired;
    },
  });
  const err = await c.transfer.initiateMultipartUpload('btr', 'x').catch((e: unknown) => e);
  assert.ok(err instanceof ServiceError);
  assert.equal(err.code, 'InvalidAccessKeyId');
  assert.equal(asked, 2);
});

test('a signer callback signs each request, and is asked with refresh after an expired token', async () => {
  const refreshes: boolean[] = [];
  let current = stsC;
  const c = new OssClient({
    endpoint: server.endpoint,
    signer: async (req) => {
      refreshes.push(req.refresh);
      if (req.refresh) current = stsD;
      return { headers: signHeaders(req, current, 'v4', 'cn-hangzhou', new Date()) };
    },
  });
  const init = await c.transfer.initiateMultipartUpload('btr', 'signed.bin');
  stsC.expiration = new Date(Date.now() - 1000).toISOString();
  const r = await c.transfer.uploadPart('btr', 'signed.bin', init.uploadId, 1, part(1, 10));
  assert.equal(r.crc64, crc64(part(1, 10)));
  assert.deepEqual(refreshes, [false, false, true]);
  await c.transfer.abortMultipartUpload('btr', 'signed.bin', init.uploadId);
});

test('a signer may answer with a presigned URL per request instead of headers', async () => {
  const c = new OssClient({
    endpoint: server.endpoint,
    signer: async (req) => {
      const pairs = presignQuery(req, server.credentials, 'v4', 'cn-hangzhou', new Date(), 60);
      const url = requestUrl(parseEndpoint(server.endpoint), req.bucket, req.key, [...req.query, ...pairs]);
      return { url };
    },
  });
  const init = await c.transfer.initiateMultipartUpload('btr', 'presigned.bin', { meta: { a: 'b' } });
  const r = await c.transfer.uploadPart('btr', 'presigned.bin', init.uploadId, 1, part(3, 100));
  await c.transfer.completeMultipartUpload('btr', 'presigned.bin', init.uploadId, [{ partNumber: 1, etag: r.etag }]);
  const head = await node.headObject('btr', 'presigned.bin');
  assert.equal(head.crc64, crc64(part(3, 100)));
  assert.equal(head.meta.a, 'b');
});
