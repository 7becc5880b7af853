// CORS: Put/Get/DeleteBucketCors, the OPTIONS preflight as a browser sends it, and CORS headers on actual
// requests (errors included).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, send, xmlFields } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

let srv: TestServer;
const B = 'cors';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
  await put(srv, B, 'k', 'data');
});
after(() => srv.close());

const CONFIG = `<CORSConfiguration>
  <CORSRule><AllowedOrigin>http://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-oss-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-oss-request-id</ExposeHeader>
    <MaxAgeSeconds>300</MaxAgeSeconds></CORSRule>
  <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>
  <ResponseVary>true</ResponseVary>
</CORSConfiguration>`;

const preflight = (key: string | undefined, h: Record<string, string>) =>
  send(srv.endpoint, 'OPTIONS', `/${B}/${key ?? ''}`, h);

test('PutBucketCors stores the rules; GetBucketCors returns them; DeleteBucketCors removes them', async () => {
  assert.equal(errorCode(await call(srv, { bucket: B, query: [['cors', '']] })), 'NoSuchCORSConfiguration');
  assert.equal(
    errorCode(await preflight('k', { origin: 'http://a.example.com', 'access-control-request-method': 'GET' })),
    'AccessForbidden',
  );
  const r = await call(srv, { method: 'PUT', bucket: B, query: [['cors', '']], body: CONFIG });
  assert.equal(r.status, 200, r.text);
  const g = await call(srv, { bucket: B, query: [['cors', '']] });
  assert.deepEqual(xmlFields(g.text, 'AllowedOrigin'), ['http://*.example.com', '*']);
  assert.deepEqual(xmlFields(g.text, 'AllowedMethod'), ['GET', 'PUT', 'GET']);
  assert.deepEqual(xmlFields(g.text, 'MaxAgeSeconds'), ['300']);
  assert.deepEqual(xmlFields(g.text, 'ResponseVary'), ['true']);
});

test('preflight: the first matching rule answers; no match is 403 AccessForbidden; missing headers 400', async () => {
  await call(srv, { method: 'PUT', bucket: B, query: [['cors', '']], body: CONFIG });
  const ok = await preflight('k', {
    origin: 'http://app.example.com',
    'access-control-request-method': 'PUT',
    'access-control-request-headers': 'Content-Type, X-OSS-Meta-A',
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.headers['access-control-allow-origin'], 'http://app.example.com');
  assert.match(String(ok.headers['access-control-allow-methods']), /PUT/);
  assert.equal(ok.headers['access-control-allow-headers'], 'content-type, x-oss-meta-a');
  assert.equal(ok.headers['access-control-expose-headers'], 'ETag, x-oss-request-id');
  assert.equal(ok.headers['access-control-max-age'], '300');
  assert.equal(ok.headers.vary, 'Origin');
  // PUT from another origin matches no rule (the '*' rule only allows GET).
  const no = await preflight('k', { origin: 'http://evil.test', 'access-control-request-method': 'PUT' });
  assert.equal(no.status, 403);
  assert.equal(errorCode(no), 'AccessForbidden');
  const header = await preflight('k', {
    origin: 'http://app.example.com',
    'access-control-request-method': 'PUT',
    'access-control-request-headers': 'authorization',
  });
  assert.equal(errorCode(header), 'AccessForbidden');
  assert.equal(
    (await preflight(undefined, { origin: 'http://evil.test', 'access-control-request-method': 'GET' })).status,
    200,
  );
  assert.equal(errorCode(await preflight('k', { 'access-control-request-method': 'GET' })), 'BadRequest');
  assert.equal(errorCode(await preflight('k', { origin: 'http://a.example.com' })), 'BadRequest');
});

test('actual requests carry the matched rule headers, errors too; no match is still served', async () => {
  await call(srv, { method: 'PUT', bucket: B, query: [['cors', '']], body: CONFIG });
  const g = await call(srv, { bucket: B, key: 'k', headers: { origin: 'http://app.example.com' } });
  assert.equal(g.text, 'data');
  assert.equal(g.headers['access-control-allow-origin'], 'http://app.example.com');
  const missing = await call(srv, { bucket: B, key: 'missing', headers: { origin: 'http://app.example.com' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['access-control-allow-origin'], 'http://app.example.com');
  const del = await call(srv, {
    method: 'DELETE',
    bucket: B,
    key: 'nothing',
    headers: { origin: 'http://app.example.com' },
  });
  assert.equal(del.status, 204);
  assert.equal(del.headers['access-control-allow-origin'], undefined, 'DELETE is not an allowed method');
});

test('validation: rule count, methods, wildcards, malformed XML', async () => {
  const rule = '<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>';
  const putCors = (body: string) => call(srv, { method: 'PUT', bucket: B, query: [['cors', '']], body });
  assert.equal(
    errorCode(await putCors(`<CORSConfiguration>${rule.repeat(11)}</CORSConfiguration>`)),
    'CORSRuleBeyondLimit',
  );
  assert.equal((await putCors(`<CORSConfiguration>${rule.repeat(10)}</CORSConfiguration>`)).status, 200);
  assert.equal(
    errorCode(
      await putCors(
        '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>',
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(
    errorCode(
      await putCors(
        '<CORSConfiguration><CORSRule><AllowedOrigin>*.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>',
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(
    errorCode(
      await putCors('<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>'),
    ),
    'InvalidArgument',
  );
  assert.equal(
    errorCode(
      await putCors(
        '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>1h</MaxAgeSeconds></CORSRule></CORSConfiguration>',
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(errorCode(await putCors('<CORSConfiguration><CORSRule>')), 'MalformedXML');
  assert.equal(errorCode(await call(srv, { bucket: B, query: [['cors', '']], sign: 'none' })), 'AccessDenied');
});

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    test('putBucketCORS, getBucketCORS, deleteBucketCORS', async () => {
      const bucket = `cors-ali-${i}`;
      const c = aliClient(srv, mode, bucket);
      await c.putBucket(bucket);
      await c.putBucketCORS(bucket, [
        {
          allowedOrigin: ['http://a.test', 'http://b.test'],
          allowedMethod: ['GET', 'POST'],
          allowedHeader: '*',
          exposeHeader: 'ETag',
          maxAgeSeconds: '60',
        },
      ]);
      const got = await c.getBucketCORS(bucket);
      assert.equal(got.rules.length, 1);
      assert.deepEqual(got.rules[0].allowedOrigin, ['http://a.test', 'http://b.test']);
      assert.deepEqual(got.rules[0].allowedMethod, ['GET', 'POST']);
      assert.equal(got.rules[0].allowedHeader, '*');
      assert.equal(got.rules[0].maxAgeSeconds, '60');
      await c.deleteBucketCORS(bucket);
      assert.equal((await failure(c.getBucketCORS(bucket))).status, 404);
    });
  });
});
