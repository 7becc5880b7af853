import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SignableRequest } from '../../src/core/canonical.js';
import { buildQueryString } from '../../src/core/encode.js';
import { presignV1, stringToSignV1 } from '../../src/core/sign-v1.js';
import { presignV4 } from '../../src/core/sign-v4.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, pathOf, put, send, xmlField } from '../../harness/oss-http.js';

const STS = { accessKeyId: 'STS.test-key', accessKeySecret: 'sts-secret', securityToken: 'sts-token-123' };
let srv: TestServer;
let clock = 0; // offset added to the server's clock, for skew and expiry
const B = 'auth';

before(async () => {
  srv = await startTestServer({ credentials: [STS], now: () => Date.now() + clock });
  await mkBucket(srv, B);
  await put(srv, B, 'k', 'secret bytes');
});
after(() => srv.close());

test('V1 and V4 header signatures are accepted', async () => {
  assert.equal((await call(srv, { bucket: B, key: 'k', sign: 'v1' })).text, 'secret bytes');
  assert.equal((await call(srv, { bucket: B, key: 'k', sign: 'v4' })).text, 'secret bytes');
  assert.equal((await call(srv, { bucket: B, key: 'k', sign: 'v4', region: 'us-west-1' })).status, 200);
  const withQuery = await call(srv, {
    bucket: B,
    key: 'k',
    sign: 'v4',
    query: [['response-content-type', 'text/x a+b']],
  });
  assert.equal(withQuery.headers['content-type'], 'text/x a+b');
});

test('a wrong secret gets SignatureDoesNotMatch with the server StringToSign', async () => {
  const creds = { ...srv.credentials, accessKeySecret: 'nope' };
  const date = new Date();
  const r = await call(srv, { bucket: B, key: 'k', creds, date });
  assert.equal(r.status, 403);
  assert.equal(errorCode(r), 'SignatureDoesNotMatch');
  const expected = stringToSignV1({
    method: 'GET',
    bucket: B,
    key: 'k',
    query: [],
    headers: { date: date.toUTCString() },
  });
  assert.equal(xmlField(r.text, 'StringToSign'), expected);
  assert.equal(
    xmlField(r.text, 'StringToSignBytes'),
    [...Buffer.from(expected)].map((b) => b.toString(16).padStart(2, '0')).join(' '),
  );
  const v4 = await call(srv, { bucket: B, key: 'k', creds, sign: 'v4' });
  assert.equal(errorCode(v4), 'SignatureDoesNotMatch');
  assert.match(xmlField(v4.text, 'CanonicalRequest')!, /^GET\n\/auth\/k\n/);
  assert.equal(
    errorCode(await call(srv, { bucket: B, key: 'k', creds: { accessKeyId: 'unknown', accessKeySecret: 'x' } })),
    'InvalidAccessKeyId',
  );
  const malformed = await send(srv.endpoint, 'GET', pathOf(B, 'k'), {
    authorization: 'OSS nocolon',
    date: new Date().toUTCString(),
  });
  assert.equal(malformed.status, 400);
  assert.equal(errorCode(malformed), 'InvalidArgument');
});

test('clock skew over 15 minutes is RequestTimeTooSkewed, in V1 and V4', async () => {
  const old = new Date(Date.now() - 16 * 60_000);
  for (const sign of ['v1', 'v4'] as const) {
    const r = await call(srv, { bucket: B, key: 'k', sign, date: old });
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'RequestTimeTooSkewed');
  }
  assert.equal((await call(srv, { bucket: B, key: 'k', date: new Date(Date.now() - 14 * 60_000) })).status, 200);
});

test('presigned V1 and V4 URLs work until they expire', async () => {
  const req: SignableRequest = { method: 'GET', bucket: B, key: 'k', query: [], headers: {} };
  const expires = Math.floor(Date.now() / 1000) + 60;
  const v1 = buildQueryString(presignV1(req, srv.credentials, expires));
  assert.equal((await send(srv.endpoint, 'GET', `${pathOf(B, 'k')}?${v1}`, {})).text, 'secret bytes');
  const v4 = buildQueryString(presignV4(req, srv.credentials, { date: new Date(), region: 'cn-hangzhou' }, 60));
  assert.equal((await send(srv.endpoint, 'GET', `${pathOf(B, 'k')}?${v4}`, {})).text, 'secret bytes');
  clock = 120_000;
  try {
    for (const qs of [v1, v4]) {
      const r = await send(srv.endpoint, 'GET', `${pathOf(B, 'k')}?${qs}`, {});
      assert.equal(r.status, 403);
      assert.equal(errorCode(r), 'AccessDenied');
    }
  } finally {
    clock = 0;
  }
  const tampered = v1.replace(/Expires=\d+/, `Expires=${expires + 1000}`);
  assert.equal(
    errorCode(await send(srv.endpoint, 'GET', `${pathOf(B, 'k')}?${tampered}`, {})),
    'SignatureDoesNotMatch',
  );
  // A presigned PUT signs its content-type.
  const putReq: SignableRequest = {
    method: 'PUT',
    bucket: B,
    key: 'presigned-put',
    query: [],
    headers: { 'content-type': 'text/plain' },
  };
  const pq = buildQueryString(presignV1(putReq, srv.credentials, expires));
  const p = await send(
    srv.endpoint,
    'PUT',
    `${pathOf(B, 'presigned-put')}?${pq}`,
    { 'content-type': 'text/plain', 'content-length': '2' },
    Buffer.from('hi'),
  );
  assert.equal(p.status, 200, p.text);
});

test('STS keys must carry their token', async () => {
  assert.equal((await call(srv, { bucket: B, key: 'k', creds: STS })).text, 'secret bytes');
  assert.equal((await call(srv, { bucket: B, key: 'k', creds: STS, sign: 'v4' })).text, 'secret bytes');
  const noToken = { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret };
  const r = await call(srv, { bucket: B, key: 'k', creds: noToken });
  assert.equal(r.status, 403);
  const wrong = await call(srv, { bucket: B, key: 'k', creds: { ...STS, securityToken: 'other' } });
  assert.equal(wrong.status, 403);
  const req: SignableRequest = { method: 'GET', bucket: B, key: 'k', query: [], headers: {} };
  const qs = buildQueryString(presignV1(req, STS, Math.floor(Date.now() / 1000) + 60));
  assert.match(qs, /security-token=sts-token-123/);
  assert.equal((await send(srv.endpoint, 'GET', `${pathOf(B, 'k')}?${qs}`, {})).text, 'secret bytes');
});

test('anonymous requests: 403 unless the object or bucket ACL allows public read', async () => {
  const anon = (key: string, method = 'GET', body?: string) =>
    call(srv, { method, bucket: B, key, sign: 'none', ...(body ? { body } : {}) });
  assert.equal(errorCode(await anon('k')), 'AccessDenied');
  assert.equal(errorCode(await call(srv, { bucket: B, sign: 'none' })), 'AccessDenied');
  await put(srv, B, 'public', 'hello', { 'x-oss-object-acl': 'public-read' });
  assert.equal((await anon('public')).text, 'hello');
  assert.equal((await anon('public', 'HEAD')).status, 200);
  assert.equal(errorCode(await anon('public', 'PUT', 'overwrite')), 'AccessDenied');
  assert.equal(errorCode(await anon('public', 'DELETE')), 'AccessDenied');
  await mkBucket(srv, 'public-bucket', { 'x-oss-acl': 'public-read' });
  await put(srv, 'public-bucket', 'o', 'open');
  await put(srv, 'public-bucket', 'closed', 'shut', { 'x-oss-object-acl': 'private' });
  assert.equal((await call(srv, { bucket: 'public-bucket', key: 'o', sign: 'none' })).text, 'open');
  assert.equal(errorCode(await call(srv, { bucket: 'public-bucket', key: 'closed', sign: 'none' })), 'AccessDenied');
  assert.equal((await call(srv, { bucket: 'public-bucket', sign: 'none' })).status, 200);
  assert.equal(
    errorCode(await call(srv, { method: 'PUT', bucket: 'public-bucket', key: 'x', sign: 'none', body: 'x' })),
    'AccessDenied',
  );
  await mkBucket(srv, 'rw-bucket', { 'x-oss-acl': 'public-read-write' });
  assert.equal(
    (await call(srv, { method: 'PUT', bucket: 'rw-bucket', key: 'x', sign: 'none', body: 'anon' })).status,
    200,
  );
  assert.equal((await call(srv, { bucket: 'rw-bucket', key: 'x', sign: 'none' })).text, 'anon');
});

test('virtual-hosted addressing: the bucket is the first label of a non-IP Host', async () => {
  const r = await call(srv, { bucket: B, key: 'k', host: `${B}.oss-cn-hangzhou.aliyuncs.com` });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, 'secret bytes');
  const v4 = await call(srv, { bucket: B, key: 'k', sign: 'v4', host: `${B}.oss-cn-hangzhou.aliyuncs.com` });
  assert.equal(v4.text, 'secret bytes');
  const list = await call(srv, { bucket: B, host: `${B}.example.com` });
  assert.match(list.text, /<Key>k<\/Key>/);
});
