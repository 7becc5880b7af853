// The preflights a browser uploader sends: to the URL of the request to come, query and all (?uploads, an upload ID
// and part number, a presigned URL's signature). OSS answers them from the bucket's CORS rules, never by signature.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, errorCode, mkBucket, send, xmlField } from '../../../harness/oss-http.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { OssClient } from '../../../src/client/index.js';

let srv: TestServer;
let client: OssClient;
const B = 'preflight';
const ORIGIN = 'http://localhost:5173';
let uploadId: string;

before(async () => {
  srv = await startTestServer();
  client = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
  await mkBucket(srv, B);
  const rule = `<CORSRule><AllowedOrigin>${ORIGIN}</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>`;
  const r = await call(srv, {
    method: 'PUT',
    bucket: B,
    query: [['cors', '']],
    body: `<CORSConfiguration>${rule}</CORSConfiguration>`,
  });
  assert.equal(r.status, 200, r.text);
  const init = await call(srv, { method: 'POST', bucket: B, key: 'big.bin', query: [['uploads', '']] });
  uploadId = xmlField(init.text, 'UploadId')!;
});
after(async () => {
  await client.close();
  await srv.close();
});

const preflight = (pathAndQuery: string, origin: string, method: string, headers = 'content-type, x-oss-date') =>
  send(srv.endpoint, 'OPTIONS', pathAndQuery, {
    origin,
    'access-control-request-method': method,
    'access-control-request-headers': headers,
  });

/** The path and query of a URL. */
const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

test('preflights of InitiateMultipartUpload, UploadPart, Complete and Abort are answered by the CORS rule', async () => {
  const urls: Array<[string, string]> = [
    [`/${B}/big.bin?uploads`, 'POST'],
    [`/${B}/big.bin?partNumber=1&uploadId=${uploadId}`, 'PUT'],
    [`/${B}/big.bin?uploadId=${uploadId}`, 'POST'],
    [`/${B}/big.bin?uploadId=${uploadId}`, 'DELETE'],
    [`/${B}/big.bin?uploadId=${uploadId}`, 'GET'],
  ];
  for (const [url, method] of urls) {
    const ok = await preflight(url, ORIGIN, method);
    assert.equal(ok.status, 200, `${method} ${url}: ${ok.text}`);
    assert.equal(ok.headers['access-control-allow-origin'], ORIGIN, url);
    assert.match(String(ok.headers['access-control-allow-methods']), new RegExp(method), url);
    assert.equal(ok.headers['access-control-allow-headers'], 'content-type, x-oss-date', url);
    assert.equal(ok.headers['access-control-expose-headers'], 'ETag', url);
    assert.equal(ok.headers['access-control-max-age'], '600', url);
    const no = await preflight(url, 'http://evil.test', method);
    assert.equal(no.status, 403, url);
    assert.equal(errorCode(no), 'AccessForbidden', url);
    assert.equal(no.headers['access-control-allow-origin'], undefined, url);
  }
  // HEAD is not in the rule: refused whatever the query.
  assert.equal(errorCode(await preflight(`/${B}/big.bin?uploads`, ORIGIN, 'HEAD')), 'AccessForbidden');
});

test('a preflight carrying a presigned URL (V1 or V4) is matched, not authenticated', async () => {
  for (const signatureVersion of ['v1', 'v4'] as const) {
    const put = await client.presignUrl('PUT', B, 'big.bin', {
      signatureVersion,
      query: [
        ['partNumber', '2'],
        ['uploadId', uploadId],
      ],
    });
    const ok = await preflight(pathOf(put), ORIGIN, 'PUT', 'content-type');
    assert.equal(ok.status, 200, `${signatureVersion}: ${ok.text}`);
    assert.equal(ok.headers['access-control-allow-origin'], ORIGIN);
    // A signature that could never verify changes nothing: the preflight is not where authentication happens.
    const forged = pathOf(put).replace(/(Signature|x-oss-signature)=[^&]+/, '$1=AAAA');
    assert.notEqual(forged, pathOf(put));
    assert.equal((await preflight(forged, ORIGIN, 'PUT', 'content-type')).status, 200, signatureVersion);
    assert.equal(errorCode(await preflight(pathOf(put), 'http://evil.test', 'PUT')), 'AccessForbidden');
  }
});

test('the request after the preflight is still authenticated, and its error carries the CORS headers', async () => {
  const put = await client.presignUrl('PUT', B, 'big.bin', {
    query: [
      ['partNumber', '1'],
      ['uploadId', uploadId],
    ],
  });
  const forged = pathOf(put).replace(/(x-oss-signature)=[^&]+/, '$1=0000');
  const bad = await send(srv.endpoint, 'PUT', forged, { origin: ORIGIN, 'content-length': '4' }, Buffer.from('abcd'));
  assert.equal(bad.status, 403);
  assert.equal(errorCode(bad), 'SignatureDoesNotMatch');
  assert.equal(bad.headers['access-control-allow-origin'], ORIGIN, 'a page can read why it failed');
  assert.equal(bad.headers['access-control-expose-headers'], 'ETag');
  const good = await send(
    srv.endpoint,
    'PUT',
    pathOf(put),
    { origin: ORIGIN, 'content-length': '4' },
    Buffer.from('abcd'),
  );
  assert.equal(good.status, 200, good.text);
  assert.equal(good.headers['access-control-allow-origin'], ORIGIN);
  assert.match(String(good.headers.etag), /^"[0-9A-F]{32}"$/);
  // An unsigned request from an allowed origin: refused, and readable.
  const anon = await send(srv.endpoint, 'GET', `/${B}/big.bin?uploadId=${uploadId}`, { origin: ORIGIN });
  assert.equal(errorCode(anon), 'AccessDenied');
  assert.equal(anon.headers['access-control-allow-origin'], ORIGIN);
});

test('a preflight on a bucket that does not exist is 404 NoSuchBucket', async () => {
  const r = await preflight('/no-such-bucket-here/k?uploads', ORIGIN, 'POST');
  assert.equal(r.status, 404);
  assert.equal(errorCode(r), 'NoSuchBucket');
});
