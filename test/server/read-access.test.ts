// Issue 21, finding 2: read permission is checked on the object whose bytes are served. A symlink (GET, HEAD, a
// website document) serves its target only to a caller who may read the target directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../harness/server.js';
import type { TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, put, type CallResult } from '../../harness/oss-http.js';

const SECRET = 'private bytes, never for strangers';

/** PutSymlink `bucket/key` -> `target`, with extra headers, signed or anonymous. */
function link(
  srv: TestServer,
  bucket: string,
  key: string,
  target: string,
  o: { headers?: Record<string, string>; anonymous?: boolean } = {},
): Promise<CallResult> {
  return call(srv, {
    method: 'PUT',
    bucket,
    key,
    query: [['symlink', '']],
    headers: { 'x-oss-symlink-target': target, ...o.headers },
    ...(o.anonymous ? { sign: 'none' as const } : {}),
  });
}

test('an anonymous symlink in a public-read-write bucket does not read a private object', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await mkBucket(srv, 'open', { 'x-oss-acl': 'public-read-write' });
  await put(srv, 'open', 'secret', SECRET, { 'x-oss-object-acl': 'private' });
  assert.equal(errorCode(await call(srv, { bucket: 'open', key: 'secret', sign: 'none' })), 'AccessDenied');
  // Creating the link anonymously is a write, which this bucket allows (as OSS does).
  const made = await link(srv, 'open', 'ln', 'secret', { anonymous: true });
  assert.equal(made.status, 200, made.text);
  const get = await call(srv, { bucket: 'open', key: 'ln', sign: 'none' });
  assert.equal(get.status, 403, get.text);
  assert.equal(errorCode(get), 'AccessDenied');
  assert.ok(!get.text.includes(SECRET));
  const head = await call(srv, { method: 'HEAD', bucket: 'open', key: 'ln', sign: 'none' });
  assert.equal(head.status, 403);
  assert.equal(head.headers['content-length'] === String(SECRET.length), false, 'HEAD must not give the size');
  // The owner still reads through the link.
  assert.equal((await call(srv, { bucket: 'open', key: 'ln' })).text, SECRET);
  // A public target is served through the same kind of link.
  await put(srv, 'open', 'public', 'public bytes', { 'x-oss-object-acl': 'public-read' });
  await link(srv, 'open', 'ln2', 'public', { anonymous: true });
  assert.equal((await call(srv, { bucket: 'open', key: 'ln2', sign: 'none' })).text, 'public bytes');
});

test('a public-read symlink to a private target in a private bucket is 403 to strangers', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await mkBucket(srv, 'closed');
  await put(srv, 'closed', 'secret', SECRET);
  const made = await link(srv, 'closed', 'pub', 'secret', { headers: { 'x-oss-object-acl': 'public-read' } });
  assert.equal(made.status, 200, made.text);
  for (const method of ['GET', 'HEAD']) {
    const r = await call(srv, { method, bucket: 'closed', key: 'pub', sign: 'none' });
    assert.equal(r.status, 403, `${method}: ${r.text}`);
    assert.equal(errorCode(r), 'AccessDenied');
  }
  assert.equal((await call(srv, { bucket: 'closed', key: 'pub' })).text, SECRET);
  // GetSymlink in a private bucket: a stranger cannot tell a missing link from an unreadable one.
  const missing = await call(srv, { bucket: 'closed', key: 'nope', query: [['symlink', '']], sign: 'none' });
  assert.equal(errorCode(missing), 'AccessDenied');
});

test('a website index document that is a public link to a private object is not served', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await mkBucket(srv, 'site', { 'x-oss-acl': 'public-read' });
  const xml = '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>';
  assert.equal((await call(srv, { method: 'PUT', bucket: 'site', query: [['website', '']], body: xml })).status, 200);
  await put(srv, 'site', 'secret.html', SECRET, { 'x-oss-object-acl': 'private' });
  await link(srv, 'site', 'index.html', 'secret.html');
  const home = await call(srv, { bucket: 'site', sign: 'none' });
  assert.ok(!home.text.includes(SECRET), `served: ${home.status} ${home.text}`);
  assert.equal(home.status, 404);
  // A readable target behind the index link is served, with the target's bytes.
  await put(srv, 'site', 'secret.html', '<h1>home</h1>', { 'x-oss-object-acl': 'public-read' });
  const open = await call(srv, { bucket: 'site', sign: 'none' });
  assert.equal(open.status, 200);
  assert.equal(open.text, '<h1>home</h1>');
});
