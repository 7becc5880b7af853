// Issue 26 item 6: x-oss-traffic-limit (header or presigned query) is checked as OSS checks it and paces the
// request's body. Time is asserted only as a lower bound: a capped transfer cannot be faster than its cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { OssClient } from '../../../src/client/index.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField } from '../../../harness/oss-http.js';

let srv: TestServer;
const B = 'traffic';
// 180 KiB at the minimum cap, 819200 bit/s = 100 KiB/s: at least 1.75 s (the first 5 KiB slice goes at once).
const SIZE = 180 * 1024;
const CAP = '819200';
const body = randomBytes(SIZE);
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
  await put(srv, B, 'big', body);
});
after(() => srv.close());

test('a traffic limit outside 819200..838860800 bit/s, not a number, or sent twice is 400 InvalidArgument', async () => {
  for (const v of ['245759', '819199', '838860801', 'abc', '']) {
    const r = await call(srv, { bucket: B, key: 'big', headers: { 'x-oss-traffic-limit': v } });
    assert.deepEqual([r.status, errorCode(r)], [400, 'InvalidArgument'], `${v}: ${r.status}`);
    assert.equal(xmlField(r.text, 'ArgumentName'), 'x-oss-traffic-limit');
    assert.equal(r.headers['x-oss-ec'], '0004-00000502');
  }
  const query = await call(srv, { bucket: B, key: 'big', query: [['x-oss-traffic-limit', '100']] });
  assert.deepEqual([query.status, errorCode(query)], [400, 'InvalidArgument']);
  const refused = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'p',
    body: 'x',
    headers: { 'x-oss-traffic-limit': '1' },
  });
  assert.deepEqual([refused.status, errorCode(refused)], [400, 'InvalidArgument']);
  assert.equal((await call(srv, { bucket: B, key: 'p' })).status, 404);
  const both = await call(srv, {
    bucket: B,
    key: 'big',
    query: [['x-oss-traffic-limit', CAP]],
    headers: { 'x-oss-traffic-limit': CAP },
  });
  assert.deepEqual([both.status, both.headers['x-oss-ec']], [400, '0004-00000501']);
  const copy = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'copied',
    headers: { 'x-oss-copy-source': `/${B}/big`, 'x-oss-traffic-limit': '5' },
  });
  assert.deepEqual([copy.status, errorCode(copy)], [400, 'InvalidArgument']);
});

test('GET with a traffic limit header is paced to the cap', async () => {
  const t0 = performance.now();
  const got = await call(srv, { bucket: B, key: 'big', headers: { 'x-oss-traffic-limit': CAP } });
  const ms = performance.now() - t0;
  assert.equal(got.status, 200);
  assert.ok(got.body.equals(body));
  assert.ok(ms >= 1500, `180 KiB at 100 KiB/s took ${ms.toFixed(0)} ms`);
});

test('a presigned GET with x-oss-traffic-limit in its query is paced to the cap', async () => {
  const c = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
  try {
    const url = await c.presignUrl('GET', B, 'big', { query: [['x-oss-traffic-limit', CAP]] });
    assert.match(url, /x-oss-traffic-limit=819200/);
    const t0 = performance.now();
    const res = await fetch(url);
    const got = Buffer.from(await res.arrayBuffer());
    const ms = performance.now() - t0;
    assert.equal(res.status, 200);
    assert.ok(got.equals(body));
    assert.ok(ms >= 1500, `180 KiB at 100 KiB/s took ${ms.toFixed(0)} ms`);
  } finally {
    await c.close();
  }
});

test('PUT with a traffic limit reads the body no faster than the cap', async () => {
  const t0 = performance.now();
  const r = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'slow-put',
    body,
    headers: { 'x-oss-traffic-limit': CAP },
  });
  const ms = performance.now() - t0;
  assert.equal(r.status, 200, r.text);
  assert.ok(ms >= 1500, `180 KiB at 100 KiB/s took ${ms.toFixed(0)} ms`);
  assert.ok((await call(srv, { bucket: B, key: 'slow-put' })).body.equals(body));
});
