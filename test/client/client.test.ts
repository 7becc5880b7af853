// OssClient against the embedded server over real HTTP (V1 and V4), plus the error decoding it relies on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { OssClient, bufferBody } from '../../src/client/index.js';
import { ServiceError, ArgumentError } from '../../src/core/errors.js';
import { crc64 } from '../../src/core/crc64.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

for (const signatureVersion of ['v4', 'v1'] as const) {
  test(`${signatureVersion}: object round trip, range, head, list, copy, delete`, async (t) => {
    const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials, signatureVersion });
    t.after(() => c.close());
    const bucket = `client-${signatureVersion}`;
    await c.putBucket(bucket);
    const put = await c.putObject(bucket, 'dir/hello world+1.txt', 'hello world', {
      contentType: 'text/plain',
      meta: { Author: 'alice' },
    });
    assert.equal(put.etag, '5EB63BBBE01EEED093CB22BB8F5ACDC3');
    assert.equal(put.crc64, crc64(Buffer.from('hello world')));
    assert.match(put.requestId, /^[0-9A-F]{24}$/);

    const head = await c.headObject(bucket, 'dir/hello world+1.txt');
    assert.equal(head.size, 11);
    assert.equal(head.contentType, 'text/plain');
    assert.deepEqual(head.meta, { author: 'alice' });

    const got = await c.getObject(bucket, 'dir/hello world+1.txt', { range: { start: 6 } });
    assert.equal(got.status, 206);
    assert.equal(await text(got.body), 'world');

    await c.copyObject(bucket, 'dir/hello world+1.txt', bucket, 'copy.txt');
    assert.equal(await text((await c.getObject(bucket, 'copy.txt')).body), 'hello world');

    for (let i = 0; i < 5; i++) await c.putObject(bucket, `many/${i}`, String(i));
    const keys: string[] = [];
    for await (const o of c.listObjectsAll(bucket, { prefix: 'many/', maxKeys: 2 })) keys.push(o.key);
    assert.deepEqual(keys, ['many/0', 'many/1', 'many/2', 'many/3', 'many/4']);
    const v2: string[] = [];
    for await (const o of c.listObjectsAll(bucket, { prefix: 'many/', maxKeys: 2, v2: true })) v2.push(o.key);
    assert.deepEqual(v2, keys);
    const pages: string[][] = [];
    for await (const page of c.listObjectPages(bucket, { prefix: 'many/', maxKeys: 2, v2: true }))
      pages.push(page.map((o) => o.key));
    assert.deepEqual(pages, [['many/0', 'many/1'], ['many/2', 'many/3'], ['many/4']]);

    await c.deleteObject(bucket, 'copy.txt');
    await assert.rejects(
      c.headObject(bucket, 'copy.txt'),
      (e: unknown) => e instanceof ServiceError && e.status === 404,
    );
  });

  test(`${signatureVersion}: multipart primitives and upload listing`, async (t) => {
    const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials, signatureVersion });
    t.after(() => c.close());
    const bucket = `mp-${signatureVersion}`;
    await c.putBucket(bucket);
    const { uploadId } = await c.initiateMultipartUpload(bucket, 'obj', { contentType: 'application/x-test' });
    const a = Buffer.alloc(100 * 1024, 'a');
    const b = Buffer.from('tail');
    const p1 = await c.uploadPart(bucket, 'obj', uploadId, 1, bufferBody(a));
    const p2 = await c.uploadPart(bucket, 'obj', uploadId, 2, b);
    assert.equal(p1.crc64, crc64(a));
    const uploads = [];
    for await (const u of c.listMultipartUploadsAll(bucket)) uploads.push(u.uploadId);
    assert.deepEqual(uploads, [uploadId]);
    const listed = await c.listParts(bucket, 'obj', uploadId);
    assert.deepEqual(
      listed.parts.map((p) => [p.partNumber, p.etag, p.size]),
      [
        [1, p1.etag, a.length],
        [2, p2.etag, 4],
      ],
    );
    const done = await c.completeMultipartUpload(bucket, 'obj', uploadId, [
      { partNumber: 1, etag: p1.etag },
      { partNumber: 2, etag: p2.etag },
    ]);
    assert.match(done.etag, /^[0-9A-F]{32}-2$/);
    assert.equal(done.crc64, crc64(b, crc64(a)));
    await assert.rejects(
      c.abortMultipartUpload(bucket, 'obj', uploadId),
      (e: unknown) => e instanceof ServiceError && e.code === 'NoSuchUpload',
    );
  });

  test(`${signatureVersion}: presigned URLs are fetchable without credentials`, async (t) => {
    const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials, signatureVersion });
    t.after(() => c.close());
    const bucket = `pre-${signatureVersion}`;
    await c.putBucket(bucket);
    await c.putObject(bucket, 'a b/ü.txt', 'presigned!');
    const res = await fetch(await c.presignUrl('GET', bucket, 'a b/ü.txt', { expiresSeconds: 60 }));
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.equal(body, 'presigned!');
    const headers = { 'content-type': 'text/plain' };
    const put = await fetch(await c.presignUrl('PUT', bucket, 'up.txt', { expiresSeconds: 60, headers }), {
      method: 'PUT',
      body: 'via url',
      headers,
    });
    assert.equal(put.status, 200, await put.text());
    assert.equal(await text((await c.getObject(bucket, 'up.txt')).body), 'via url');
  });
}

test('service errors are typed: code, status, message, requestId, hostId, ec, operation', async (t) => {
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  t.after(() => c.close());
  await c.putBucket('errs');
  const err = await c.getObject('errs', 'missing').catch((e: unknown) => e);
  assert.ok(err instanceof ServiceError);
  assert.equal(err.code, 'NoSuchKey');
  assert.equal(err.status, 404);
  assert.equal(err.ec, '0026-00000001');
  assert.equal(err.operation, 'GetObject');
  assert.match(err.requestId, /^[0-9A-F]{24}$/);
  assert.ok(err.hostId.length > 0);
  assert.ok(err.message.length > 0);

  // HEAD has no body: the error document arrives base64-encoded in x-oss-err.
  const headErr = await c.headObject('errs', 'missing').catch((e: unknown) => e);
  assert.ok(headErr instanceof ServiceError);
  assert.equal(headErr.code, 'NoSuchKey');
  assert.equal(headErr.ec, '0026-00000001');
  assert.equal(headErr.operation, 'HeadObject');

  const bad = new OssClient({
    endpoint: server.endpoint,
    credentials: { ...server.credentials, accessKeySecret: 'wrong' },
  });
  t.after(() => bad.close());
  const sigErr = await bad.putObject('errs', 'k', 'x').catch((e: unknown) => e);
  assert.ok(sigErr instanceof ServiceError);
  assert.equal(sigErr.code, 'SignatureDoesNotMatch');
  assert.equal(sigErr.status, 403);
  assert.ok(sigErr.stringToSign);

  await assert.rejects(
    c.uploadPart('errs', 'k', 'id', 0, Buffer.alloc(1)),
    (e: unknown) => e instanceof ArgumentError && e.field === 'partNumber',
  );
  assert.throws(
    () => new OssClient({ endpoint: '' }),
    (e: unknown) => e instanceof ArgumentError && e.field === 'endpoint',
  );
});

test('a client whose clock is an hour off corrects itself from RequestTimeTooSkewed', async (t) => {
  const c = new OssClient({
    endpoint: server.endpoint,
    credentials: server.credentials,
    now: () => Date.now() - 3600_000,
  });
  t.after(() => c.close());
  await c.putBucket('skew');
  const put = await c.putObject('skew', 'k', 'on time');
  assert.equal(put.status, 200);
});

test('STS credentials from the environment provider are sent as x-oss-security-token', async (t) => {
  const sts = { accessKeyId: 'STS.test', accessKeySecret: 'sts-secret', securityToken: 'token-123' };
  const s2 = await startTestServer({ credentials: [sts] });
  t.after(() => s2.close());
  const { EnvCredentialsProvider } = await import('../../src/client/credentials.js');
  const c = new OssClient({
    endpoint: s2.endpoint,
    credentials: new EnvCredentialsProvider({
      OSS_ACCESS_KEY_ID: sts.accessKeyId,
      OSS_ACCESS_KEY_SECRET: sts.accessKeySecret,
      OSS_SESSION_TOKEN: sts.securityToken,
    }),
  });
  t.after(() => c.close());
  await c.putBucket('sts');
  assert.equal((await c.putObject('sts', 'k', 'v')).status, 200);
});

test('listParts follows every page', async (t) => {
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  t.after(() => c.close());
  await c.putBucket('pages');
  const { uploadId } = await c.initiateMultipartUpload('pages', 'many');
  const numbers = [1, 2, 3, 5, 8, 13, 21];
  await Promise.all(numbers.map((n) => c.uploadPart('pages', 'many', uploadId, n, Buffer.from(String(n)))));
  for (const pageSize of [1, 3, 7, 1000]) {
    const listed = await c.listParts('pages', 'many', uploadId, { pageSize });
    assert.deepEqual(
      listed.parts.map((p) => p.partNumber),
      numbers,
      `page size ${pageSize}`,
    );
  }
  await c.abortMultipartUpload('pages', 'many', uploadId);
});

// A URL parser folds `.` and `..` segments (`e/a/../up` -> `e/up`): the client would sign one key and send
// another (SignatureDoesNotMatch), or write the wrong object. The key must reach the server as written, where the
// embedded server refuses dot segments by name (docs/OSS-PROTOCOL.md §9).
for (const leanHttp of [true, false]) {
  test(`dot segments in keys reach the server as written (${leanHttp ? 'lean client' : 'node:http'})`, async (t) => {
    const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials, leanHttp });
    t.after(() => c.close());
    const bucket = `dots-${leanHttp ? 'lean' : 'node'}`;
    await c.putBucket(bucket);
    for (const key of ['e/a/../up', 'e/./here']) {
      await assert.rejects(c.putObject(bucket, key, 'x'), (err: unknown) => {
        assert.ok(err instanceof ServiceError);
        assert.equal(err.code, 'InvalidObjectName');
        return true;
      });
    }
    for (const key of ['e/..x', 'e/a/%2e%2e/x']) {
      await c.putObject(bucket, key, `body of ${key}`);
      assert.equal(await text((await c.getObject(bucket, key)).body), `body of ${key}`);
    }
    const listed: string[] = [];
    for await (const o of c.listObjectsAll(bucket, { prefix: 'e/' })) listed.push(o.key);
    assert.deepEqual(listed.sort(), ['e/..x', 'e/a/%2e%2e/x']);
  });
}
