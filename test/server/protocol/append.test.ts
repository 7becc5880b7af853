// AppendObject: positions, PositionNotEqualToLength, x-oss-next-append-position, the running CRC-64 of the whole
// object, the Appendable type; with raw requests, ali-oss in every mode, and our client.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc64, crc64ToDecimal } from '../../../src/core/crc64.js';
import { OssClient } from '../../../src/client/index.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

let srv: TestServer;
const B = 'appends';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
});
after(() => srv.close());

const append = (
  key: string,
  position: number | undefined,
  body: Buffer | string,
  headers: Record<string, string> = {},
) =>
  call(srv, {
    method: 'POST',
    bucket: B,
    key,
    query:
      position === undefined
        ? [['append', '']]
        : [
            ['append', ''],
            ['position', String(position)],
          ],
    body,
    headers,
  });

test('three appends give the right bytes and the whole-object CRC-64 after each', async () => {
  const chunks = [randomBytes(1000), randomBytes(70_000), Buffer.from('tail')];
  let position = 0;
  let whole = Buffer.alloc(0);
  for (const [i, chunk] of chunks.entries()) {
    const r = await append(
      'log',
      position,
      chunk,
      i === 0 ? { 'content-type': 'text/x-log', 'x-oss-meta-first': '1' } : { 'x-oss-meta-later': '2' },
    );
    assert.equal(r.status, 200, r.text);
    whole = Buffer.concat([whole, chunk]);
    position += chunk.length;
    assert.equal(r.headers['x-oss-next-append-position'], String(position));
    assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(whole)));
  }
  const g = await call(srv, { bucket: B, key: 'log' });
  assert.ok(g.body.equals(whole));
  assert.equal(g.headers['x-oss-object-type'], 'Appendable');
  assert.equal(g.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(whole)));
  assert.equal(g.headers['content-type'], 'text/x-log');
  assert.equal(g.headers['x-oss-meta-first'], '1');
  assert.equal(g.headers['x-oss-meta-later'], undefined, 'metadata comes from the creating append only');
  const h = await call(srv, { method: 'HEAD', bucket: B, key: 'log' });
  assert.equal(h.headers['x-oss-next-append-position'], String(whole.length));
  // A range across the first two appends.
  const r = await call(srv, { bucket: B, key: 'log', headers: { range: 'bytes=990-1009' } });
  assert.ok(r.body.equals(whole.subarray(990, 1010)));
  const list = await call(srv, { bucket: B, query: [['prefix', 'log']] });
  assert.equal(xmlField(list.text, 'Type'), 'Appendable');
});

test('position checks, not-appendable objects, missing position, ACL on a later append', async () => {
  assert.equal((await append('p', 0, 'abc')).status, 200);
  const wrong = await append('p', 1, 'x');
  assert.equal(wrong.status, 409);
  assert.equal(errorCode(wrong), 'PositionNotEqualToLength');
  assert.equal(wrong.headers['x-oss-next-append-position'], '3');
  assert.equal(errorCode(await append('fresh', 5, 'x')), 'PositionNotEqualToLength');
  assert.equal((await call(srv, { bucket: B, key: 'fresh' })).status, 404);
  await put(srv, B, 'normal', 'n');
  const na = await append('normal', 1, 'x');
  assert.equal(na.status, 409);
  assert.equal(errorCode(na), 'ObjectNotAppendable');
  assert.equal(errorCode(await append('p', undefined, 'x')), 'InvalidArgument');
  assert.equal(errorCode(await append('p', -1, 'x')), 'InvalidArgument');
  // Zero bytes at the right position: unchanged. ACL on a later append applies.
  const same = await append('p', 3, '');
  assert.equal(same.headers['x-oss-next-append-position'], '3');
  assert.equal((await append('p', 3, 'd', { 'x-oss-object-acl': 'public-read' })).status, 200);
  assert.equal((await call(srv, { bucket: B, key: 'p', sign: 'none' })).text, 'abcd');
  // PutObject replaces an appendable object with a Normal one.
  await put(srv, B, 'p', 'new');
  assert.equal((await call(srv, { method: 'HEAD', bucket: B, key: 'p' })).headers['x-oss-object-type'], 'Normal');
  assert.equal(errorCode(await append('p', 3, 'x')), 'ObjectNotAppendable');
  const anonymous = await call(srv, {
    method: 'POST',
    bucket: B,
    key: 'anon',
    query: [
      ['append', ''],
      ['position', '0'],
    ],
    body: 'x',
    sign: 'none',
  });
  assert.equal(errorCode(anonymous), 'AccessDenied');
});

test('concurrent appends at one position: exactly one wins, the object holds its bytes', async () => {
  await append('race', 0, 'start');
  const results = await Promise.all(['aaaa', 'bbbb', 'cccc'].map((b) => append('race', 5, b)));
  const won = results.filter((r) => r.status === 200);
  assert.equal(won.length, 1);
  for (const r of results.filter((x) => x.status !== 200)) assert.equal(errorCode(r), 'PositionNotEqualToLength');
  const g = await call(srv, { bucket: B, key: 'race' });
  assert.match(g.text, /^start(aaaa|bbbb|cccc)$/);
  assert.equal(g.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(g.body)));
});

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    test('append three times, then read back', async () => {
      const c = aliClient(srv, mode, B);
      const key = `ali-${i}.log`;
      const parts = ['one,', 'two,', 'three'];
      let next = '0';
      for (const p of parts) {
        const r = await c.append(key, Buffer.from(p), { position: next });
        next = r.nextAppendPosition;
      }
      assert.equal(next, '13');
      const g = await c.get(key);
      assert.equal(g.content.toString(), 'one,two,three');
      assert.equal(g.res.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(Buffer.from('one,two,three'))));
      const e = await failure(c.append(key, Buffer.from('x'), { position: '1' }));
      assert.equal(e.code, 'PositionNotEqualToLength');
      assert.equal(e.status, 409);
    });
  });
});

test('our client: appendObject returns the next position and the running CRC-64', async () => {
  const c = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
  try {
    let whole = Buffer.alloc(0);
    let position = 0;
    for (const chunk of [Buffer.from('alpha '), randomBytes(200_000), Buffer.from(' omega')]) {
      const r = await c.appendObject(B, 'ours.log', position, chunk, { contentType: 'text/plain' });
      whole = Buffer.concat([whole, chunk]);
      position = r.nextPosition;
      assert.equal(position, whole.length);
      assert.equal(r.crc64, crc64(whole));
    }
    const h = await c.headObject(B, 'ours.log');
    assert.deepEqual(
      [h.objectType, h.size, h.crc64, h.contentType],
      ['Appendable', whole.length, crc64(whole), 'text/plain'],
    );
    await assert.rejects(
      c.appendObject(B, 'ours.log', 0, 'x'),
      (e: { code?: string }) => e.code === 'PositionNotEqualToLength',
    );
  } finally {
    await c.close();
  }
});
