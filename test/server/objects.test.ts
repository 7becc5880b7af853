import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc64, crc64ToDecimal } from '../../src/core/crc64.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField, xmlFields } from '../../harness/oss-http.js';

let srv: TestServer;
const B = 'objects';

before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
});
after(() => srv.close());

const md5hex = (b: Buffer | string) => createHash('md5').update(b).digest('hex').toUpperCase();

test('every response carries request id, Date and Server', async () => {
  const r = await call(srv, { bucket: B, key: 'missing' });
  assert.match(String(r.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
  assert.ok(r.headers.date);
  assert.equal(r.headers.server, 'AliyunOSS');
  assert.equal(r.status, 404);
  assert.equal(errorCode(r), 'NoSuchKey');
  assert.equal(r.headers['x-oss-ec'], '0026-00000001');
  assert.equal(xmlField(r.text, 'RequestId'), r.headers['x-oss-request-id']);
});

test('PutObject returns ETag, Content-MD5 and CRC-64; GetObject returns the bytes', async () => {
  const r = await put(srv, B, 'hello.txt', 'hello world', {
    'content-type': 'text/plain',
    'x-oss-meta-author': 'alice',
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.etag, '"5EB63BBBE01EEED093CB22BB8F5ACDC3"');
  assert.equal(r.headers['content-md5'], createHash('md5').update('hello world').digest('base64'));
  assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(Buffer.from('hello world'))));
  const g = await call(srv, { bucket: B, key: 'hello.txt' });
  assert.equal(g.status, 200);
  assert.equal(g.text, 'hello world');
  assert.equal(g.headers['content-type'], 'text/plain');
  assert.equal(g.headers['x-oss-meta-author'], 'alice');
  assert.equal(g.headers['x-oss-object-type'], 'Normal');
  assert.equal(g.headers['x-oss-hash-crc64ecma'], r.headers['x-oss-hash-crc64ecma']);
});

test('CRC-64 of the protocol check value', async () => {
  const r = await put(srv, B, 'check', '123456789');
  assert.equal(r.headers['x-oss-hash-crc64ecma'], '11051210869376104954');
  const h = await call(srv, { method: 'HEAD', bucket: B, key: 'check' });
  assert.equal(h.headers['x-oss-hash-crc64ecma'], '11051210869376104954');
  assert.equal(h.headers['content-length'], '9');
  assert.equal(h.headers['accept-ranges'], 'bytes');
});

test('Content-MD5 mismatch and malformed Content-MD5 are InvalidDigest and store nothing', async () => {
  const wrong = createHash('md5').update('other').digest('base64');
  const r = await put(srv, B, 'digest', 'payload', { 'content-md5': wrong });
  assert.equal(r.status, 400);
  assert.equal(errorCode(r), 'InvalidDigest');
  const r2 = await put(srv, B, 'digest', 'payload', { 'content-md5': 'not-base64!' });
  assert.equal(errorCode(r2), 'InvalidDigest');
  assert.equal((await call(srv, { bucket: B, key: 'digest' })).status, 404);
  const ok = await put(srv, B, 'digest', 'payload', {
    'content-md5': createHash('md5').update('payload').digest('base64'),
  });
  assert.equal(ok.status, 200);
});

test('ranges: a-b, a-, -n, and invalid ranges with and without x-oss-range-behavior', async () => {
  const data = Buffer.from('0123456789abcdefghij');
  await put(srv, B, 'range', data);
  const get = (range: string, headers: Record<string, string> = {}) =>
    call(srv, { bucket: B, key: 'range', headers: { range, ...headers } });
  let r = await get('bytes=2-5');
  assert.equal(r.status, 206);
  assert.equal(r.text, '2345');
  assert.equal(r.headers['content-range'], 'bytes 2-5/20');
  assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(data)));
  r = await get('bytes=15-');
  assert.equal(r.status, 206);
  assert.equal(r.text, 'fghij');
  r = await get('bytes=-3');
  assert.equal(r.status, 206);
  assert.equal(r.text, 'hij');
  assert.equal(r.headers['content-range'], 'bytes 17-19/20');
  // Legacy OSS behaviour: an unsatisfiable range gets the whole object.
  for (const bad of ['bytes=30-40', 'bytes=5-2', 'bytes=10-25']) {
    r = await get(bad);
    assert.equal(r.status, 200, bad);
    assert.equal(r.text, data.toString());
  }
  r = await get('bytes=30-40', { 'x-oss-range-behavior': 'standard' });
  assert.equal(r.status, 416);
  assert.equal(errorCode(r), 'InvalidRange');
  r = await get('bytes=10-25', { 'x-oss-range-behavior': 'standard' });
  assert.equal(r.status, 206);
  assert.equal(r.text, 'abcdefghij');
});

test('conditional headers give 304 and 412', async () => {
  const p = await put(srv, B, 'cond', 'conditional');
  const etag = String(p.headers.etag);
  const get = (headers: Record<string, string>, method = 'GET') =>
    call(srv, { method, bucket: B, key: 'cond', headers });
  assert.equal((await get({ 'if-match': etag })).status, 200);
  const f = await get({ 'if-match': '"00000000000000000000000000000000"' });
  assert.equal(f.status, 412);
  assert.equal(errorCode(f), 'PreconditionFailed');
  assert.equal((await get({ 'if-none-match': etag })).status, 304);
  assert.equal((await get({ 'if-none-match': '"X"' })).status, 200);
  const future = new Date(Date.now() + 3600_000).toUTCString();
  const past = new Date(Date.now() - 3600_000).toUTCString();
  assert.equal((await get({ 'if-modified-since': future })).status, 304);
  assert.equal((await get({ 'if-modified-since': past })).status, 200);
  assert.equal((await get({ 'if-unmodified-since': past })).status, 412);
  assert.equal((await get({ 'if-unmodified-since': future })).status, 200);
  const h = await get({ 'if-match': '"00"' }, 'HEAD');
  assert.equal(h.status, 412);
  assert.equal(h.body.length, 0);
  assert.equal(errorCode(h), 'PreconditionFailed');
});

test('HEAD of a missing key: no body, x-oss-err carries the error document', async () => {
  const h = await call(srv, { method: 'HEAD', bucket: B, key: 'nope' });
  assert.equal(h.status, 404);
  assert.equal(h.body.length, 0);
  assert.equal(errorCode(h), 'NoSuchKey');
  assert.equal(h.headers['x-oss-ec'], '0026-00000001');
});

test('forbid-overwrite, delete, and delete of a missing key', async () => {
  await put(srv, B, 'once', 'v1');
  const r = await put(srv, B, 'once', 'v2', { 'x-oss-forbid-overwrite': 'true' });
  assert.equal(r.status, 409);
  assert.equal(errorCode(r), 'FileAlreadyExists');
  assert.equal((await call(srv, { bucket: B, key: 'once' })).text, 'v1');
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, key: 'once' })).status, 204);
  assert.equal((await call(srv, { bucket: B, key: 'once' })).status, 404);
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, key: 'once' })).status, 204);
});

test('CopyObject keeps bytes, ETag and CRC; REPLACE takes new metadata', async () => {
  await put(srv, B, 'src', 'copy me', { 'content-type': 'text/x-src', 'x-oss-meta-a': '1' });
  const c = await call(srv, { method: 'PUT', bucket: B, key: 'dst', headers: { 'x-oss-copy-source': `/${B}/src` } });
  assert.equal(c.status, 200);
  assert.equal(xmlField(c.text, 'ETag'), `"${md5hex('copy me')}"`);
  const g = await call(srv, { bucket: B, key: 'dst' });
  assert.equal(g.text, 'copy me');
  assert.equal(g.headers['content-type'], 'text/x-src');
  assert.equal(g.headers['x-oss-meta-a'], '1');
  await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'dst2',
    headers: {
      'x-oss-copy-source': `/${B}/src`,
      'x-oss-metadata-directive': 'REPLACE',
      'content-type': 'text/y',
      'x-oss-meta-b': '2',
    },
  });
  const g2 = await call(srv, { bucket: B, key: 'dst2' });
  assert.equal(g2.text, 'copy me');
  assert.equal(g2.headers['content-type'], 'text/y');
  assert.equal(g2.headers['x-oss-meta-a'], undefined);
  assert.equal(g2.headers['x-oss-meta-b'], '2');
  // Deleting the source leaves the copy intact (its bytes are its own name for the blob).
  await call(srv, { method: 'DELETE', bucket: B, key: 'src' });
  assert.equal((await call(srv, { bucket: B, key: 'dst' })).text, 'copy me');
  const missing = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'dst3',
    headers: { 'x-oss-copy-source': `/${B}/src` },
  });
  assert.equal(errorCode(missing), 'NoSuchKey');
});

test('unsupported operations answer 501 NotImplemented', async () => {
  for (const [method, key, query, api] of [
    ['GET', undefined, [['replicationProgress', '']], 'GetBucketReplicationProgress'],
    ['GET', undefined, [['objectWorm', '']], 'GetBucketObjectWormConfiguration'],
    ['GET', 'k', [['x-oss-process', 'image/resize,w_10']], 'GetObjectProcess'],
  ] as const) {
    const r = await call(srv, {
      method,
      bucket: B,
      ...(key ? { key } : {}),
      query: query.map(([a, b]) => [a, b] as [string, string]),
    });
    assert.equal(r.status, 501, `${method} ${query[0]![0]}`);
    assert.equal(errorCode(r), 'NotImplemented');
    assert.equal(xmlField(r.text, 'API'), api);
  }
});

test('object ACL round-trips', async () => {
  await put(srv, B, 'acl', 'x');
  assert.equal(xmlField((await call(srv, { bucket: B, key: 'acl', query: [['acl', '']] })).text, 'Grant'), 'default');
  const p = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'acl',
    query: [['acl', '']],
    headers: { 'x-oss-object-acl': 'public-read' },
  });
  assert.equal(p.status, 200);
  assert.equal(
    xmlField((await call(srv, { bucket: B, key: 'acl', query: [['acl', '']] })).text, 'Grant'),
    'public-read',
  );
});

test('buckets: idempotent create, NoSuchBucket, BucketNotEmpty, delete, list', async () => {
  await mkBucket(srv, 'tmp-bucket');
  await mkBucket(srv, 'tmp-bucket');
  const lb = await call(srv, {});
  assert.match(lb.text, /<Name>tmp-bucket<\/Name>/);
  await put(srv, 'tmp-bucket', 'k', 'v');
  const ne = await call(srv, { method: 'DELETE', bucket: 'tmp-bucket' });
  assert.equal(ne.status, 409);
  assert.equal(errorCode(ne), 'BucketNotEmpty');
  await call(srv, { method: 'DELETE', bucket: 'tmp-bucket', key: 'k' });
  assert.equal((await call(srv, { method: 'DELETE', bucket: 'tmp-bucket' })).status, 204);
  const nb = await call(srv, { bucket: 'tmp-bucket', key: 'k' });
  assert.equal(nb.status, 404);
  assert.equal(errorCode(nb), 'NoSuchBucket');
  const bad = await call(srv, { method: 'PUT', bucket: 'Bad_Name' });
  assert.equal(errorCode(bad), 'InvalidBucketName');
});

test('DeleteMultipleObjects deletes the named keys and reports them (quiet reports none)', async () => {
  for (const k of ['m/1', 'm/2', 'm/3 & <4>']) await put(srv, B, k, k);
  const body = `<Delete><Quiet>false</Quiet>${['m/1', 'm/3 &amp; &lt;4&gt;', 'm/missing'].map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;
  const r = await call(srv, {
    method: 'POST',
    bucket: B,
    query: [['delete', '']],
    body,
    headers: { 'content-md5': createHash('md5').update(body).digest('base64') },
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(xmlFields(r.text, 'Key'), ['m/1', 'm/3 & <4>', 'm/missing']);
  assert.equal((await call(srv, { bucket: B, key: 'm/1' })).status, 404);
  assert.equal((await call(srv, { bucket: B, key: 'm/2' })).status, 200);
  const quiet = await call(srv, {
    method: 'POST',
    bucket: B,
    query: [['delete', '']],
    body: '<Delete><Quiet>true</Quiet><Object><Key>m/2</Key></Object></Delete>',
  });
  assert.deepEqual(xmlFields(quiet.text, 'Key'), []);
  assert.equal((await call(srv, { bucket: B, key: 'm/2' })).status, 404);
  const bad = await call(srv, { method: 'POST', bucket: B, query: [['delete', '']], body: '<Delete>' });
  assert.equal(errorCode(bad), 'MalformedXML');
});
