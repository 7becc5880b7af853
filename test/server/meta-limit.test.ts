// Issue 21, finding 5: user metadata is held to OSS's 8 KiB (x-oss-meta-* names and values together, EC
// 0011-00000002) on every path that sets it, so no object answers HEAD with headers a client cannot read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField, type CallResult } from '../../harness/oss-http.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, 'meta');
  await mkBucket(srv, 'open', { 'x-oss-acl': 'public-read-write' });
  await put(srv, 'meta', 'src', 'source bytes');
});
after(() => srv.close());

/** 9 KiB of metadata in two headers (each under Node's 16 KiB header limit). */
const TOO_MUCH = { 'x-oss-meta-a': 'a'.repeat(4600), 'x-oss-meta-b': 'b'.repeat(4600) };
/** Exactly 8 KiB: "x-oss-meta-a" (12 bytes) plus 8180 bytes of value. */
const AT_LIMIT = { 'x-oss-meta-a': 'a'.repeat(8192 - 12) };

function refused(r: CallResult, what: string): void {
  assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
  assert.equal(errorCode(r), 'InvalidArgument', what);
  assert.equal(xmlField(r.text, 'EC'), '0011-00000002', what);
  assert.match(r.text, /metadata/, what);
}

test('PutObject: over 8 KiB of user metadata is refused; 8 KiB is stored and read back', async () => {
  refused(await put(srv, 'meta', 'big', 'x', TOO_MUCH), 'PutObject');
  assert.equal(errorCode(await call(srv, { method: 'HEAD', bucket: 'meta', key: 'big' })), 'NoSuchKey');
  assert.equal((await put(srv, 'meta', 'edge', 'x', AT_LIMIT)).status, 200);
  const head = await call(srv, { method: 'HEAD', bucket: 'meta', key: 'edge' });
  assert.equal(head.headers['x-oss-meta-a'], AT_LIMIT['x-oss-meta-a']);
});

test('InitiateMultipartUpload, CopyObject with REPLACE, AppendObject and PutSymlink refuse it too', async () => {
  refused(
    await call(srv, { method: 'POST', bucket: 'meta', key: 'mpu', query: [['uploads', '']], headers: TOO_MUCH }),
    'InitiateMultipartUpload',
  );
  const copy = (directive: string) =>
    call(srv, {
      method: 'PUT',
      bucket: 'meta',
      key: 'copy',
      headers: { 'x-oss-copy-source': '/meta/src', 'x-oss-metadata-directive': directive, ...TOO_MUCH },
    });
  refused(await copy('REPLACE'), 'CopyObject REPLACE');
  // With COPY the request's metadata headers are not used: the source's (small) metadata is copied.
  assert.equal((await copy('COPY')).status, 200);
  refused(
    await call(srv, {
      method: 'POST',
      bucket: 'meta',
      key: 'app',
      query: [
        ['append', ''],
        ['position', '0'],
      ],
      headers: TOO_MUCH,
      body: 'x',
    }),
    'AppendObject',
  );
  refused(
    await call(srv, {
      method: 'PUT',
      bucket: 'meta',
      key: 'ln',
      query: [['symlink', '']],
      headers: { 'x-oss-symlink-target': 'src', ...TOO_MUCH },
    }),
    'PutSymlink',
  );
  for (const key of ['app', 'ln']) {
    assert.equal(errorCode(await call(srv, { method: 'HEAD', bucket: 'meta', key })), 'NoSuchKey', key);
  }
});

test('PostObject: 3 MiB of metadata in form fields is refused before the file is stored', async () => {
  const form = new FormData();
  form.append('key', 'posted');
  for (let i = 0; i < 3; i++) form.append(`x-oss-meta-f${i}`, 'm'.repeat(1024 * 1024));
  form.append('file', new Blob([Buffer.from('file bytes')]), 'f.txt');
  const r = await fetch(`${srv.endpoint}/open`, { method: 'POST', body: form });
  const text = await r.text();
  assert.equal(r.status, 400, text);
  assert.match(text, /<EC>0011-00000002<\/EC>/);
  assert.equal(errorCode(await call(srv, { method: 'HEAD', bucket: 'open', key: 'posted' })), 'NoSuchKey');
  // Small metadata still goes through the same form.
  const ok = new FormData();
  ok.append('key', 'posted');
  ok.append('x-oss-meta-kind', 'small');
  ok.append('file', new Blob([Buffer.from('file bytes')]), 'f.txt');
  assert.equal((await fetch(`${srv.endpoint}/open`, { method: 'POST', body: ok })).status, 204);
  const head = await call(srv, { method: 'HEAD', bucket: 'open', key: 'posted' });
  assert.equal(head.headers['x-oss-meta-kind'], 'small');
});
