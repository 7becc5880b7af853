// Upload callbacks against a local callback server that verifies the signature exactly as an application
// verifies OSS: fetch the PEM from x-oss-pub-key-url, check RSA-MD5 over path + query + "\n" + body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, xmlField } from '../../harness/oss-http.js';

interface Received {
  path: string;
  body: string;
  contentType: string;
  verified: boolean;
}

let srv: TestServer;
let app: Server;
let appUrl: string;
const received: Received[] = [];
const B = 'callbacks';

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
}

before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', async () => {
      const keyUrl = Buffer.from(String(req.headers['x-oss-pub-key-url']), 'base64').toString();
      const pem = await fetchText(keyUrl);
      const url = new URL(req.url!, 'http://x');
      const signed = `${decodeURIComponent(url.pathname) + url.search}\n${body}`;
      const verified = verify(
        'RSA-MD5',
        Buffer.from(signed),
        createPublicKey(pem),
        Buffer.from(String(req.headers.authorization), 'base64'),
      );
      received.push({ path: req.url!, body, contentType: String(req.headers['content-type']), verified });
      if (url.pathname === '/fail') {
        res.writeHead(500).end('nope');
        return;
      }
      if (url.pathname === '/not-json') {
        res.writeHead(200).end('plain text');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Status: 'OK', verified }));
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
after(async () => {
  await srv.close();
  await new Promise((r) => app.close(r));
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');

test('PutObject callback (JSON body, custom variables): signed, verified, JSON relayed with 200', async () => {
  received.length = 0;
  const callback = b64({
    callbackUrl: `${appUrl}/cb?from=oss`,
    callbackBody:
      '{"bucket":"${bucket}","object":"${object}","size":${size},"etag":"${etag}","crc":"${crc64}","mime":"${mimeType}","who":"${x:user}"}',
    callbackBodyType: 'application/json',
  });
  const r = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'dir/file "quoted".txt',
    body: 'callback payload',
    headers: {
      'content-type': 'text/plain',
      'x-oss-callback': callback,
      'x-oss-callback-var': b64({ 'x:user': 'alice' }),
    },
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { Status: 'OK', verified: true });
  assert.equal(r.headers['content-type'], 'application/json');
  assert.ok(r.headers.etag);
  assert.equal(received.length, 1);
  const got = received[0]!;
  assert.equal(got.verified, true);
  assert.equal(got.path, '/cb?from=oss');
  assert.equal(got.contentType, 'application/json');
  const body = JSON.parse(got.body);
  assert.deepEqual(body, {
    bucket: B,
    object: 'dir/file "quoted".txt',
    size: 16,
    etag: createHash('md5').update('callback payload').digest('hex').toUpperCase(),
    crc: r.headers['x-oss-hash-crc64ecma'],
    mime: 'text/plain',
    who: 'alice',
  });
});

test('CompleteMultipartUpload callback with a form body', async () => {
  received.length = 0;
  const init = await call(srv, { method: 'POST', bucket: B, key: 'mpu cb', query: [['uploads', '']] });
  const id = xmlField(init.text, 'UploadId')!;
  await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'mpu cb',
    query: [
      ['partNumber', '1'],
      ['uploadId', id],
    ],
    body: 'part one',
  });
  const callback = b64({ callbackUrl: `${appUrl}/form`, callbackBody: 'object=${object}&size=${size}&etag=${etag}' });
  const r = await call(srv, {
    method: 'POST',
    bucket: B,
    key: 'mpu cb',
    query: [['uploadId', id]],
    headers: { 'x-oss-complete-all': 'yes', 'x-oss-callback': callback },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(JSON.parse(r.text).verified, true);
  const form = new URLSearchParams(received[0]!.body);
  assert.equal(form.get('object'), 'mpu cb');
  assert.equal(form.get('size'), '8');
  assert.match(form.get('etag')!, /^[0-9A-F]{32}-1$/);
  assert.equal(received[0]!.contentType, 'application/x-www-form-urlencoded');
});

test('a failing callback answers 203 CallbackFailed and the object is stored anyway', async () => {
  for (const path of ['/fail', '/not-json']) {
    const callback = b64({ callbackUrl: `${appUrl}${path}`, callbackBody: 'x=${object}' });
    const r = await call(srv, {
      method: 'PUT',
      bucket: B,
      key: `stored${path}`,
      body: 'kept',
      headers: { 'x-oss-callback': callback },
    });
    assert.equal(r.status, 203, path);
    assert.equal(errorCode(r), 'CallbackFailed');
    assert.equal(r.headers['x-oss-ec'], '0007-00000203');
    assert.equal((await call(srv, { bucket: B, key: `stored${path}` })).text, 'kept');
  }
  const unreachable = b64({ callbackUrl: 'http://127.0.0.1:1/cb', callbackBody: 'x=1' });
  const r = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'stored-unreachable',
    body: 'kept',
    headers: { 'x-oss-callback': unreachable },
  });
  assert.equal(r.status, 203);
});

test('a malformed x-oss-callback is refused before anything is stored', async () => {
  const r = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'bad-callback',
    body: 'x',
    headers: { 'x-oss-callback': 'not json' },
  });
  assert.equal(r.status, 400);
  assert.equal(errorCode(r), 'InvalidArgument');
  assert.equal((await call(srv, { bucket: B, key: 'bad-callback' })).status, 404);
});
