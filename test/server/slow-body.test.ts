// Issue 21, finding 3: a body must move. A drip-fed body (a byte every 200 ms) counted as progress and held its
// connection for good; with the minimum rate it is answered 400 RequestTimeout within two windows, its slot frees,
// and a normal client gets through while drip-feeders occupy every connection the server allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, pathOf, put, signHeaders } from '../../harness/oss-http.js';
import { openRawRequest, tmpFiles, type RawRequest } from '../../harness/raw-request.js';

const WINDOW_MS = 1000;

/** A signed PUT announcing 1000 bytes and sending one every 200 ms (5 bytes/s) until answered or stopped. */
async function dripper(srv: TestServer, key: string): Promise<{ raw: RawRequest; stop: () => void }> {
  const headers = signHeaders({ method: 'PUT', bucket: 'drip', key }, srv.credentials, 1000);
  const raw = await openRawRequest(srv.endpoint, 'PUT', pathOf('drip', key), headers);
  const timer = setInterval(() => raw.write(Buffer.from('x')), 200);
  raw.response.then(
    () => clearInterval(timer),
    () => clearInterval(timer),
  );
  return { raw, stop: () => clearInterval(timer) };
}

test('a drip-fed body is cut off with 400 RequestTimeout within two windows', async (t) => {
  const srv = await startTestServer({ bodyTimeoutMs: WINDOW_MS, minBodyRate: 100, idleTimeoutMs: 30_000 });
  t.after(() => srv.close());
  await mkBucket(srv, 'drip');
  const started = Date.now();
  const d = await dripper(srv, 'k');
  t.after(() => d.stop());
  const r = await d.raw.within(6000);
  const took = Date.now() - started;
  assert.equal(r.status, 400, r.text);
  assert.match(r.text, /<Code>RequestTimeout<\/Code>/);
  assert.match(r.text, /too slowly/);
  assert.equal(r.headers.connection, 'close', 'the connection is not kept for more of the body');
  assert.ok(took >= WINDOW_MS * 0.9 && took < WINDOW_MS * 2 + 1500, `cut off after ${took} ms`);
  assert.equal(errorCode(await call(srv, { bucket: 'drip', key: 'k' })), 'NoSuchKey');
  assert.deepEqual(await tmpFiles(srv.root), [], 'no temp file left');
});

test('drip-feeders holding every connection slot are cut off; a normal client then gets through', async (t) => {
  const cap = 4;
  const srv = await startTestServer({
    bodyTimeoutMs: WINDOW_MS,
    minBodyRate: 100,
    idleTimeoutMs: 30_000,
    maxConnections: cap,
  });
  t.after(() => srv.close());
  await mkBucket(srv, 'drip');
  const drips = await Promise.all(Array.from({ length: cap }, (_, i) => dripper(srv, `d${i}`)));
  t.after(() => {
    for (const d of drips) d.stop();
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Every slot is taken: a normal PUT is refused at accept (or waits) until the drip-feeders are cut off.
  const started = Date.now();
  let stored: number | undefined;
  let refusals = 0;
  while (Date.now() - started < 8000) {
    const r = await put(srv, 'drip', 'normal', 'normal bytes').catch(() => undefined);
    if (r?.status === 200) {
      stored = Date.now() - started;
      break;
    }
    refusals++;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(stored !== undefined, `the normal client never got through in 8 s (${refusals} refusals)`);
  const answers = await Promise.all(drips.map((d) => d.raw.within(5000)));
  for (const a of answers) assert.match(a.text, /<Code>RequestTimeout<\/Code>/);
  assert.equal((await call(srv, { bucket: 'drip', key: 'normal' })).text, 'normal bytes');
});

test('a slow but steady body above the minimum rate is stored', async (t) => {
  const srv = await startTestServer({ bodyTimeoutMs: 500, minBodyRate: 100, idleTimeoutMs: 30_000 });
  t.after(() => srv.close());
  await mkBucket(srv, 'drip');
  const body = Buffer.alloc(600, 'y');
  const headers = signHeaders({ method: 'PUT', bucket: 'drip', key: 'steady' }, srv.credentials, body.length);
  const raw = await openRawRequest(srv.endpoint, 'PUT', pathOf('drip', 'steady'), headers);
  // 60 bytes every 100 ms is 600 bytes/s, six times the minimum, for a second and a half.
  for (let i = 0; i < 10; i++) {
    raw.write(body.subarray(i * 60, (i + 1) * 60));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const r = await raw.within(5000);
  assert.equal(r.status, 200, r.text);
  assert.equal((await call(srv, { bucket: 'drip', key: 'steady' })).text, body.toString());
});
