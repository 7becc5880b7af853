// Symlinks (PutSymlink, GetSymlink, GET/HEAD through a link) and RestoreObject of archive-class objects with
// the x-oss-restore states, on the server's injected clock.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { OssClient } from '../../../src/client/index.js';
import { crc64, crc64ToDecimal } from '../../../src/core/crc64.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField, type CallOptions } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

let offset = 0;
const now = () => Date.now() + offset;
let srv: TestServer;
const B = 'links';
before(async () => {
  srv = await startTestServer({ now });
  await mkBucket(srv, B);
});
after(() => srv.close());
const at = (o: CallOptions) => call(srv, { ...o, date: new Date(now()) });

test('a symlink serves its target on GET and HEAD; GetSymlink names the target', async () => {
  await put(srv, B, 'dir/target file.txt', 'target bytes', { 'content-type': 'text/plain' });
  const p = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'link',
    query: [['symlink', '']],
    headers: { 'x-oss-symlink-target': encodeURIComponent('dir/target file.txt'), 'x-oss-meta-role': 'link' },
  });
  assert.equal(p.status, 200, p.text);
  const g = await call(srv, { bucket: B, key: 'link' });
  assert.equal(g.text, 'target bytes');
  assert.equal(g.headers['x-oss-object-type'], 'Symlink');
  assert.equal(g.headers['content-type'], 'text/plain');
  assert.equal(g.headers['x-oss-meta-role'], 'link');
  assert.equal(g.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(Buffer.from('target bytes'))));
  const h = await call(srv, { method: 'HEAD', bucket: B, key: 'link' });
  assert.equal(h.headers['content-length'], '12');
  const r = await call(srv, { bucket: B, key: 'link', headers: { range: 'bytes=0-5' } });
  assert.equal(r.text, 'target');
  const s = await call(srv, { bucket: B, key: 'link', query: [['symlink', '']] });
  assert.equal(s.status, 200);
  assert.equal(decodeURIComponent(String(s.headers['x-oss-symlink-target'])), 'dir/target file.txt');
  const list = await call(srv, { bucket: B, query: [['prefix', 'link']] });
  assert.equal(xmlField(list.text, 'Type'), 'Symlink');
  // Errors: not a link, missing target, missing header, missing link.
  assert.equal(
    errorCode(await call(srv, { bucket: B, key: 'dir/target file.txt', query: [['symlink', '']] })),
    'NotSymlink',
  );
  await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'dangling',
    query: [['symlink', '']],
    headers: { 'x-oss-symlink-target': 'nowhere' },
  });
  const dangling = await call(srv, { bucket: B, key: 'dangling' });
  assert.equal(dangling.status, 404);
  assert.equal(errorCode(dangling), 'SymlinkTargetNotExist');
  assert.equal(
    errorCode(await call(srv, { method: 'PUT', bucket: B, key: 'x', query: [['symlink', '']] })),
    'InvalidArgument',
  );
  assert.equal(errorCode(await call(srv, { bucket: B, key: 'nolink', query: [['symlink', '']] })), 'NoSuchKey');
  // Overwriting the target changes what the link serves; deleting the link leaves the target.
  await put(srv, B, 'dir/target file.txt', 'v2');
  assert.equal((await call(srv, { bucket: B, key: 'link' })).text, 'v2');
  await call(srv, { method: 'DELETE', bucket: B, key: 'link' });
  assert.equal((await call(srv, { bucket: B, key: 'dir/target file.txt' })).text, 'v2');
});

test('RestoreObject: archived objects are unreadable until a restore completes; x-oss-restore states', async () => {
  await at({ method: 'PUT', bucket: B, key: 'cold', body: 'frozen', headers: { 'x-oss-storage-class': 'Archive' } });
  const denied = await at({ bucket: B, key: 'cold' });
  assert.equal(denied.status, 403);
  assert.equal(errorCode(denied), 'InvalidObjectState');
  assert.equal((await at({ method: 'HEAD', bucket: B, key: 'cold' })).headers['x-oss-restore'], undefined);
  const first = await at({
    method: 'POST',
    bucket: B,
    key: 'cold',
    query: [['restore', '']],
    body: '<RestoreRequest><Days>2</Days></RestoreRequest>',
  });
  assert.equal(first.status, 202, first.text);
  assert.equal(
    (await at({ method: 'HEAD', bucket: B, key: 'cold' })).headers['x-oss-restore'],
    'ongoing-request="true"',
  );
  assert.equal(
    errorCode(await at({ method: 'POST', bucket: B, key: 'cold', query: [['restore', '']] })),
    'RestoreAlreadyInProgress',
  );
  assert.equal(errorCode(await at({ bucket: B, key: 'cold' })), 'InvalidObjectState');
  offset += 5000;
  const done = await at({ method: 'HEAD', bucket: B, key: 'cold' });
  assert.match(
    String(done.headers['x-oss-restore']),
    /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT"$/,
  );
  assert.equal((await at({ bucket: B, key: 'cold' })).text, 'frozen');
  assert.equal(
    (await at({ method: 'POST', bucket: B, key: 'cold', query: [['restore', '']] })).status,
    200,
    'a completed restore is extended',
  );
  offset += 3 * 86_400_000;
  assert.equal(errorCode(await at({ bucket: B, key: 'cold' })), 'InvalidObjectState', 'the restored copy expired');
  await at({ method: 'PUT', bucket: B, key: 'warm', body: 'x' });
  assert.equal(
    errorCode(await at({ method: 'POST', bucket: B, key: 'warm', query: [['restore', '']] })),
    'OperationNotSupported',
  );
  assert.equal(
    errorCode(
      await at({
        method: 'POST',
        bucket: B,
        key: 'cold',
        query: [['restore', '']],
        body: '<RestoreRequest><Days>9</Days></RestoreRequest>',
      }),
    ),
    'InvalidArgument',
  );
  offset = 0;
});

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    test('putSymlink, getSymlink, get through the link, restore', async () => {
      const c = aliClient(srv, mode, B);
      await c.put(`ali-${i}/t.txt`, Buffer.from('via link'));
      await c.putSymlink(`ali-${i}/l`, `ali-${i}/t.txt`, { meta: { who: 'ali' } });
      assert.equal((await c.getSymlink(`ali-${i}/l`)).targetName, `ali-${i}/t.txt`);
      assert.equal((await c.get(`ali-${i}/l`)).content.toString(), 'via link');
      await c.put(`ali-${i}/archived`, Buffer.from('a'), { headers: { 'x-oss-storage-class': 'Archive' } });
      assert.equal((await failure(c.get(`ali-${i}/archived`))).status, 403);
      assert.equal((await c.restore(`ali-${i}/archived`)).res.status, 202);
    });
  });
});

test('our client: putSymlink, getSymlink, restoreObject', async () => {
  const c = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials, now });
  try {
    await c.putObject(B, 'ours/target', 'ours');
    await c.putSymlink(B, 'ours/link', 'ours/target', { meta: { a: '1' } });
    assert.equal((await c.getSymlink(B, 'ours/link')).target, 'ours/target');
    const h = await c.headObject(B, 'ours/link');
    assert.deepEqual([h.objectType, h.size, h.meta], ['Symlink', 4, { a: '1' }]);
    await c.putObject(B, 'ours/archived', 'cold', { storageClass: 'Archive' });
    assert.equal((await c.restoreObject(B, 'ours/archived', 2)).status, 202);
    offset += 5000;
    assert.equal((await c.restoreObject(B, 'ours/archived', 2)).status, 200);
    const body = await c.getObject(B, 'ours/archived');
    const chunks: Buffer[] = [];
    for await (const chunk of body.body) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'cold');
  } finally {
    offset = 0;
    await c.close();
  }
});
