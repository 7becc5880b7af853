// The six protocol bugs of issue 17, each driven with the request shape that failed against ossup serve.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { OssClient } from '../../../src/client/index.js';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from '../../../harness/server.js';
import {
  call,
  errorCode,
  mkBucket,
  pathOf,
  put,
  send,
  signHeaders,
  xmlField,
  xmlFields,
} from '../../../harness/oss-http.js';

const OSS = createRequire(import.meta.url)('ali-oss') as new (opts: Record<string, unknown>) => any;

let srv: TestServer;
const B = 'bugs';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
});
after(() => srv.close());

function aliOss(v4: boolean, bucket: string | undefined = B) {
  return new OSS({
    endpoint: srv.endpoint,
    region: 'oss-cn-hangzhou',
    accessKeyId: srv.credentials.accessKeyId,
    accessKeySecret: srv.credentials.accessKeySecret,
    authorizationV4: v4,
    ...(bucket ? { bucket } : {}),
  });
}

for (const sign of ['v1', 'v4'] as const) {
  test(`${sign}: "+" in the path signed as a space (Go SDK 1.5.0) stores the key with the space`, async () => {
    // Go SDK 1.5.0 query-escapes the key: "a b.txt" travels as "a+b.txt", signed as "/bugs/a b.txt".
    const key = `${sign} space key.txt`;
    const r = await call(srv, {
      method: 'PUT',
      bucket: B,
      key,
      rawPath: `/${B}/${key.replace(/ /g, '+')}`,
      body: 'spaced',
      sign,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal((await call(srv, { bucket: B, key })).text, 'spaced');
    assert.equal((await call(srv, { bucket: B, key: key.replace(/ /g, '+') })).status, 404);
    // A "+" signed as "+" stays a "+".
    const plus = `${sign}+plus+key`;
    const p = await call(srv, { method: 'PUT', bucket: B, key: plus, rawPath: `/${B}/${plus}`, body: 'plussed', sign });
    assert.equal(p.status, 200, p.text);
    assert.equal((await call(srv, { bucket: B, key: plus })).text, 'plussed');
    assert.equal((await call(srv, { bucket: B, key: plus.replace(/\+/g, ' ') })).status, 404);
    // Neither reading verifies: the client still gets SignatureDoesNotMatch.
    const bad = await call(srv, { method: 'PUT', bucket: B, key: 'other name', rawPath: `/${B}/a+b`, body: 'x', sign });
    assert.equal(errorCode(bad), 'SignatureDoesNotMatch');
  });
}

test('keys with spaces round-trip with ali-oss and our client', async () => {
  for (const v4 of [false, true]) {
    const c = aliOss(v4);
    await c.put(`ali ${v4} a b+c.txt`, Buffer.from('ali'));
    assert.equal((await c.get(`ali ${v4} a b+c.txt`)).content.toString(), 'ali');
  }
  const ours = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
  try {
    await ours.putObject(B, 'ours a b+c.txt', 'ours');
    assert.equal((await ours.headObject(B, 'ours a b+c.txt')).size, 4);
  } finally {
    await ours.close();
  }
});

test('?objectMeta signed without the sub-resource (Go SDK 1.5.0) is accepted, as is the signed form', async () => {
  await put(srv, B, 'meta-key', 'twelve bytes');
  // Signed for /bugs/meta-key, sent as /bugs/meta-key?objectMeta.
  const headers = signHeaders({ method: 'HEAD', bucket: B, key: 'meta-key' }, srv.credentials, 0);
  const r = await send(srv.endpoint, 'HEAD', `${pathOf(B, 'meta-key')}?objectMeta`, headers);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-oss-object-content-length'], '12');
  const signed = await call(srv, { method: 'HEAD', bucket: B, key: 'meta-key', query: [['objectMeta', '']] });
  assert.equal(signed.headers['x-oss-object-content-length'], '12');
  const meta = await aliOss(false).getObjectMeta('meta-key');
  assert.equal(meta.status, 200);
});

test('ListBuckets pages with prefix, marker, max-keys, IsTruncated and NextMarker', async () => {
  for (const n of ['page-a', 'page-b', 'page-c', 'other-z']) await mkBucket(srv, n);
  const first = await call(srv, {
    query: [
      ['prefix', 'page-'],
      ['max-keys', '2'],
    ],
  });
  assert.deepEqual(xmlFields(first.text, 'Name'), ['page-a', 'page-b']);
  assert.equal(xmlField(first.text, 'IsTruncated'), 'true');
  assert.equal(xmlField(first.text, 'NextMarker'), 'page-b');
  assert.equal(xmlField(first.text, 'MaxKeys'), '2');
  assert.equal(xmlField(first.text, 'Prefix'), 'page-');
  const second = await call(srv, {
    query: [
      ['prefix', 'page-'],
      ['max-keys', '2'],
      ['marker', 'page-b'],
    ],
  });
  assert.deepEqual(xmlFields(second.text, 'Name'), ['page-c']);
  assert.equal(xmlField(second.text, 'IsTruncated'), 'false');
  assert.equal(xmlField(second.text, 'NextMarker'), undefined);
  // Existence check as clients do it: prefix=name, max-keys=1.
  const exists = await call(srv, {
    query: [
      ['prefix', 'page-c'],
      ['max-keys', '1'],
    ],
  });
  assert.deepEqual(xmlFields(exists.text, 'Name'), ['page-c']);
  assert.equal(errorCode(await call(srv, { query: [['max-keys', '0']] })), 'InvalidArgument');
  const ali = await aliOss(true, undefined).listBuckets({ prefix: 'page-', 'max-keys': 2 });
  assert.deepEqual(
    ali.buckets.map((b: { name: string }) => b.name),
    ['page-a', 'page-b'],
  );
  assert.equal(ali.isTruncated, true);
  assert.equal(ali.nextMarker, 'page-b');
  const ours = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
  try {
    const page = await ours.listBuckets({ prefix: 'page-', maxKeys: 2 });
    assert.deepEqual([page.isTruncated, page.nextMarker], [true, 'page-b']);
    const all = await ours.listBuckets({ prefix: 'page-' });
    assert.deepEqual(
      all.buckets.map((b) => b.name),
      ['page-a', 'page-b', 'page-c'],
    );
  } finally {
    await ours.close();
  }
});

test('a security token sent with a long-term key is refused', async () => {
  await put(srv, B, 'tok', 'x');
  const bogus = { ...TEST_CREDENTIALS, securityToken: 'bogus-token' };
  for (const sign of ['v1', 'v4'] as const) {
    const r = await call(srv, { bucket: B, key: 'tok', creds: bogus, sign });
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'InvalidSecurityToken');
  }
  assert.equal((await call(srv, { bucket: B, key: 'tok' })).status, 200);
});

test('server-side encryption: validated, stored, echoed; not inherited by a copy', async () => {
  const bad = await put(srv, B, 'sse-bad', 'x', { 'x-oss-server-side-encryption': 'invalid' });
  assert.equal(bad.status, 400);
  assert.equal(errorCode(bad), 'InvalidEncryptionAlgorithmError');
  assert.equal((await call(srv, { bucket: B, key: 'sse-bad' })).status, 404);
  const badData = await put(srv, B, 'sse-bad', 'x', {
    'x-oss-server-side-encryption': 'AES256',
    'x-oss-server-side-data-encryption': 'SM4',
  });
  assert.equal(errorCode(badData), 'InvalidDataEncryptionAlgorithmError');
  const ok = await put(srv, B, 'sse-ok', 'secret', { 'x-oss-server-side-encryption': 'AES256' });
  assert.equal(ok.headers['x-oss-server-side-encryption'], 'AES256');
  for (const method of ['GET', 'HEAD']) {
    const r = await call(srv, { method, bucket: B, key: 'sse-ok' });
    assert.equal(r.headers['x-oss-server-side-encryption'], 'AES256');
  }
  const kms = await put(srv, B, 'sse-kms', 'k', {
    'x-oss-server-side-encryption': 'KMS',
    'x-oss-server-side-encryption-key-id': 'key-1',
  });
  assert.equal(kms.headers['x-oss-server-side-encryption-key-id'], 'key-1');
  const copy = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'sse-copy',
    headers: { 'x-oss-copy-source': `/${B}/sse-ok` },
  });
  assert.equal(copy.status, 200);
  assert.equal(
    (await call(srv, { method: 'HEAD', bucket: B, key: 'sse-copy' })).headers['x-oss-server-side-encryption'],
    undefined,
  );
  // Multipart: set at Initiate, echoed by UploadPart and on the object; the header on a part is refused.
  const init = await call(srv, {
    method: 'POST',
    bucket: B,
    key: 'sse-mp',
    query: [['uploads', '']],
    headers: { 'x-oss-server-side-encryption': 'SM4' },
  });
  assert.equal(init.headers['x-oss-server-side-encryption'], 'SM4');
  const uploadId = xmlField(init.text, 'UploadId')!;
  const part = (h: Record<string, string> = {}) =>
    call(srv, {
      method: 'PUT',
      bucket: B,
      key: 'sse-mp',
      query: [
        ['partNumber', '1'],
        ['uploadId', uploadId],
      ],
      body: 'p',
      headers: h,
    });
  assert.equal(errorCode(await part({ 'x-oss-server-side-encryption': 'SM4' })), 'InvalidArgument');
  assert.equal((await part()).headers['x-oss-server-side-encryption'], 'SM4');
  const ali = aliOss(false);
  const r = await ali.put('sse-ali', Buffer.from('a'), { headers: { 'x-oss-server-side-encryption': 'AES256' } });
  assert.equal(r.res.headers['x-oss-server-side-encryption'], 'AES256');
  assert.equal((await ali.head('sse-ali')).res.headers['x-oss-server-side-encryption'], 'AES256');
});

test('PutObject with If-Modified-Since: 400 NotImplemented naming the header; Initiate ignores it', async () => {
  const since = new Date(Date.UTC(2009, 0, 1)).toUTCString();
  const r = await put(srv, B, 'cond', 'x', { 'if-modified-since': since });
  assert.equal(r.status, 400);
  assert.equal(errorCode(r), 'NotImplemented');
  assert.equal(xmlField(r.text, 'Header'), 'If-Modified-Since');
  assert.equal((await call(srv, { bucket: B, key: 'cond' })).status, 404);
  assert.equal(xmlField((await put(srv, B, 'cond', 'x', { 'if-none-match': '*' })).text, 'Header'), 'If-None-Match');
  const init = await call(srv, {
    method: 'POST',
    bucket: B,
    key: 'cond',
    query: [['uploads', '']],
    headers: { 'if-modified-since': new Date(Date.now() + 86400e3).toUTCString() },
  });
  assert.equal(init.status, 200);
  // Copy: if-none-match on the source's ETag is a bodiless 304, if-match a 412.
  const src = await put(srv, B, 'cond-src', 'source');
  const copy = (h: Record<string, string>) =>
    call(srv, { method: 'PUT', bucket: B, key: 'cond-dst', headers: { 'x-oss-copy-source': `/${B}/cond-src`, ...h } });
  const notModified = await copy({ 'x-oss-copy-source-if-none-match': String(src.headers.etag) });
  assert.equal(notModified.status, 304);
  assert.equal((await copy({ 'x-oss-copy-source-if-match': '"0000"' })).status, 412);
  assert.equal((await copy({ 'x-oss-copy-source-if-match': String(src.headers.etag) })).status, 200);
  // GET keeps OSS's reading: If-Modified-Since in the future is still a 304.
  assert.equal(
    (
      await call(srv, {
        bucket: B,
        key: 'cond-src',
        headers: { 'if-modified-since': new Date(Date.UTC(2049, 0, 1)).toUTCString() },
      })
    ).status,
    304,
  );
});
