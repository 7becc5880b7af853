import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { startFaultProxy, seededRandom, type FaultProxy } from '../../harness/fault-proxy.js';

const PAYLOAD = Buffer.alloc(512 * 1024, 7);
let upstream: http.Server;
let upstreamPort: number;
let received: number[] = [];

before(async () => {
  upstream = http.createServer((req, res) => {
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
    });
    req.on('end', () => {
      received.push(size);
      res.writeHead(200, { 'content-length': PAYLOAD.length });
      res.end(PAYLOAD);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
});
after(() => new Promise<void>((r) => upstream.close(() => r())));

/** One request through the proxy on a fresh connection; resolves with status and body, or the socket error. */
function request(
  proxy: FaultProxy,
  body: Buffer,
): Promise<{ status?: number; body?: Buffer; headers?: http.IncomingHttpHeaders; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = http.request(
      `${proxy.endpoint}/x`,
      { method: 'PUT', agent: false, headers: { 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', (error) => resolve({ status: res.statusCode, body: Buffer.concat(chunks), error }));
        res.on('aborted', () =>
          resolve({ status: res.statusCode, body: Buffer.concat(chunks), error: new Error('aborted') }),
        );
      },
    );
    req.on('error', (error) => resolve({ error }));
    req.end(body);
  });
}

test('passes traffic through untouched when no fault is drawn', async () => {
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: upstreamPort }, { rate: 0, kinds: ['reset-request'] });
  try {
    const res = await request(proxy, Buffer.alloc(200_000, 1));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, PAYLOAD);
    assert.equal(proxy.stats().faults, 0);
  } finally {
    await proxy.close();
  }
});

test('answers an injected 503 with Retry-After after draining the request body', async () => {
  received = [];
  const proxy = await startFaultProxy(
    { host: '127.0.0.1', port: upstreamPort },
    { rate: 1, kinds: ['status-503'], retryAfterSeconds: 2 },
  );
  try {
    const res = await request(proxy, Buffer.alloc(300_000, 1));
    assert.equal(res.status, 503);
    assert.equal(res.headers?.['retry-after'], '2');
    assert.match(res.body!.toString(), /<Code>ServiceUnavailable<\/Code>/);
    assert.deepEqual(received, [], 'the request never reached the server');
  } finally {
    await proxy.close();
  }
});

test('resets the connection mid-response and truncates cleanly when asked', async () => {
  const proxy = await startFaultProxy(
    { host: '127.0.0.1', port: upstreamPort },
    { rate: 1, kinds: ['reset-response'], maxOffset: 100_000, seed: 3 },
  );
  try {
    const reset = await request(proxy, Buffer.alloc(10));
    assert.ok(reset.error, 'the client sees a network error');
    proxy.setPlan({ rate: 1, kinds: ['truncate-response'], maxOffset: 100_000, seed: 3 });
    const truncated = await request(proxy, Buffer.alloc(10));
    assert.ok(truncated.error || (truncated.body?.length ?? 0) < PAYLOAD.length, 'the body is cut short');
  } finally {
    await proxy.close();
  }
});

test('a stall holds the connection for stallMs, then passes the exchange through', async () => {
  const proxy = await startFaultProxy(
    { host: '127.0.0.1', port: upstreamPort },
    { rate: 1, kinds: ['stall'], stallMs: 300 },
  );
  try {
    const started = Date.now();
    const res = await request(proxy, Buffer.alloc(50_000, 1));
    const waited = Date.now() - started;
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, PAYLOAD);
    assert.ok(waited >= 250, `held for ${waited} ms`);
    assert.ok(waited < 10_000, `released after ${waited} ms, not at a server timeout`);
  } finally {
    await proxy.close();
  }
});

test('stops injecting after maxFaults', async () => {
  const proxy = await startFaultProxy(
    { host: '127.0.0.1', port: upstreamPort },
    { rate: 1, kinds: ['status-500'], maxFaults: 2 },
  );
  try {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(proxy, Buffer.alloc(10))).status);
    assert.deepEqual(statuses, [500, 500, 200, 200]);
    assert.deepEqual(proxy.stats().byKind, { 'status-500': 2 });
  } finally {
    await proxy.close();
  }
});

test('the random source is deterministic for a seed', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const seqA = Array.from({ length: 5 }, a);
  assert.deepEqual(seqA, Array.from({ length: 5 }, b));
  assert.ok(seqA.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(seqA, Array.from({ length: 5 }, seededRandom(43)));
});
