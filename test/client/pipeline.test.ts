// The retry -> sign -> send -> check pipeline against a scripted HTTP server: what gets retried, how long the
// (fake) clock waits, that each attempt is re-signed and re-sends the whole body, and that aborts are immediate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OssClient, fileRange } from '../../src/client/index.js';
import { AbortedError, NetworkError, ServiceError } from '../../src/core/errors.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}
type Script = (req: Seen, res: http.ServerResponse) => void;

function errorXml(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>m</Message><RequestId>AAAAAAAAAAAAAAAAAAAAAAAA</RequestId><HostId>h</HostId><EC>0000-00000000</EC></Error>`;
}
const fail =
  (status: number, code: string, headers: Record<string, string> = {}): Script =>
  (_req, res) => {
    res.writeHead(status, {
      'content-type': 'application/xml',
      'x-oss-request-id': 'BBBBBBBBBBBBBBBBBBBBBBBB',
      ...headers,
    });
    res.end(errorXml(code));
  };
const ok: Script = (_req, res) => {
  res.writeHead(200, { etag: '"ABC"', 'x-oss-request-id': 'CCCCCCCCCCCCCCCCCCCCCCCC' });
  res.end();
};
const reset: Script = (req) => {
  (req as unknown as { socket: import('node:net').Socket }).socket?.destroy();
};

async function scripted(t: { after: (fn: () => Promise<void> | void) => void }, scripts: Script[]) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(s);
      const script = scripts[Math.min(seen.length - 1, scripts.length - 1)]!;
      if (script === reset) {
        req.socket.destroy();
        return;
      }
      script(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function client(endpoint: string, sleeps: number[], extra: Partial<ConstructorParameters<typeof OssClient>[0]> = {}) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  return new OssClient({
    endpoint,
    credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
    now: () => (clock += 1000),
    retry: {
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
    ...extra,
  });
}

test('5xx are retried with full-jitter backoff, each attempt freshly signed', async (t) => {
  const { endpoint, seen } = await scripted(t, [fail(503, 'ServiceUnavailable'), fail(500, 'InternalError'), ok]);
  const sleeps: number[] = [];
  const c = client(endpoint, sleeps);
  t.after(() => c.close());
  const res = await c.putObject('b', 'k', 'data');
  assert.equal(res.etag, 'ABC');
  assert.equal(seen.length, 3);
  assert.deepEqual(sleeps, [50, 100]);
  const dates = new Set(seen.map((s) => s.headers['x-oss-date']));
  const auths = new Set(seen.map((s) => s.headers.authorization));
  assert.equal(dates.size, 3);
  assert.equal(auths.size, 3);
  assert.ok(seen.every((s) => s.body.toString() === 'data'));
});

test('429 and 408 are retried and Retry-After is honoured', async (t) => {
  const { endpoint, seen } = await scripted(t, [
    fail(429, 'TooManyRequests', { 'retry-after': '7' }),
    fail(408, 'RequestTimeout'),
    ok,
  ]);
  const sleeps: number[] = [];
  const c = client(endpoint, sleeps);
  t.after(() => c.close());
  await c.putObject('b', 'k', 'x');
  assert.equal(seen.length, 3);
  assert.deepEqual(sleeps, [7000, 100]);
});

test('4xx are not retried', async (t) => {
  for (const [status, code] of [
    [404, 'NoSuchKey'],
    [403, 'AccessDenied'],
    [400, 'InvalidArgument'],
    [409, 'FileAlreadyExists'],
  ] as const) {
    const { endpoint, seen } = await scripted(t, [fail(status, code), ok]);
    const sleeps: number[] = [];
    const c = client(endpoint, sleeps);
    await assert.rejects(
      c.putObject('b', 'k', 'x'),
      (e: unknown) => e instanceof ServiceError && e.code === code && e.status === status,
    );
    assert.equal(seen.length, 1, code);
    assert.deepEqual(sleeps, []);
    await c.close();
  }
});

test('attempts are bounded: the last error surfaces with its request id', async (t) => {
  const { endpoint, seen } = await scripted(t, [fail(500, 'InternalError')]);
  const sleeps: number[] = [];
  const c = client(endpoint, sleeps, {
    retry: {
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 250,
      random: () => 0.999,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
  });
  t.after(() => c.close());
  const err = await c.putObject('b', 'k', 'x').catch((e: unknown) => e);
  assert.ok(err instanceof ServiceError);
  assert.equal(err.requestId, 'AAAAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(seen.length, 4);
  assert.deepEqual(sleeps, [99, 199, 249]);
});

test('a reset connection is a retryable NetworkError and the file body is re-read for the retry', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-pipe-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'f');
  await writeFile(file, Buffer.alloc(300_000, 7));
  const { endpoint, seen } = await scripted(t, [reset, fail(503, 'ServiceUnavailable'), ok]);
  const sleeps: number[] = [];
  const c = client(endpoint, sleeps);
  t.after(() => c.close());
  await c.uploadPart('b', 'k', 'U', 1, fileRange(file, 1000, 200_000));
  assert.equal(seen.length, 3);
  assert.deepEqual(
    seen.slice(1).map((s) => s.body.length),
    [200_000, 200_000],
  );
  assert.equal(sleeps.length, 2);

  const { endpoint: e2 } = await scripted(t, [reset]);
  const c2 = client(e2, [], { retry: { maxAttempts: 2, sleep: async () => undefined } });
  t.after(() => c2.close());
  await assert.rejects(c2.putObject('b', 'k', 'x'), NetworkError);
});

test('aborting during a backoff wait ends the call at once with AbortedError', async (t) => {
  const { endpoint, seen } = await scripted(t, [fail(503, 'ServiceUnavailable', { 'retry-after': '60' })]);
  const c = new OssClient({ endpoint, credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' } });
  t.after(() => c.close());
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(c.putObject('b', 'k', 'x', { signal: ac.signal }), AbortedError);
  assert.ok(Date.now() - started < 5000);
  assert.equal(seen.length, 1);
  await assert.rejects(c.putObject('b', 'k', 'x', { signal: ac.signal }), AbortedError);
});

test('RequestTimeTooSkewed: the offset is taken from the server Date and the request retried at once', async (t) => {
  const serverDate = new Date(Date.parse('2026-01-01T05:00:00Z'));
  const { endpoint, seen } = await scripted(t, [
    fail(403, 'RequestTimeTooSkewed', { date: serverDate.toUTCString() }),
    ok,
  ]);
  const sleeps: number[] = [];
  const c = client(endpoint, sleeps);
  t.after(() => c.close());
  await c.putObject('b', 'k', 'x');
  assert.equal(seen.length, 2);
  assert.deepEqual(sleeps, []);
  const second = String(seen[1]!.headers['x-oss-date']); // YYYYMMDDTHHMMSSZ
  assert.match(second, /^20260101T0500/);
});

test('a response body cut off mid-way is a retryable NetworkError', async (t) => {
  const initiated =
    '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>';
  const truncated: Script = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(initiated.length) });
    res.write(initiated.slice(0, 40), () => res.socket?.destroy());
  };
  const full: Script = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(initiated);
  };
  const { endpoint, seen } = await scripted(t, [truncated, full]);
  const sleeps: number[] = [];
  const c = client(endpoint, sleeps);
  t.after(() => c.close());
  assert.equal((await c.initiateMultipartUpload('b', 'k')).uploadId, 'U1');
  assert.equal(seen.length, 2);

  const { endpoint: e2 } = await scripted(t, [truncated]);
  const c2 = client(e2, [], { retry: { maxAttempts: 2, sleep: async () => undefined } });
  t.after(() => c2.close());
  await assert.rejects(c2.initiateMultipartUpload('b', 'k'), NetworkError);
});

test('a server that never answers trips requestTimeoutMs and is retried as a NetworkError', async (t) => {
  const silent: Script = () => {
    /* never answer */
  };
  const { endpoint, seen } = await scripted(t, [silent]);
  const c = new OssClient({
    endpoint,
    credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
    requestTimeoutMs: 200,
    retry: { maxAttempts: 2, sleep: async () => undefined },
  });
  t.after(() => c.close());
  const started = Date.now();
  await assert.rejects(c.putObject('b', 'k', 'x'), NetworkError);
  assert.equal(seen.length, 2);
  assert.ok(Date.now() - started < 10_000);
});
