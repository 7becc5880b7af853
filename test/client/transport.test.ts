// The send stage over node:http against raw servers: bodies are framed by Content-Length and must match it, the
// connection is kept alive, a server closing after a body we hold paused is harmless, and timeouts and aborts
// during a body surface as NetworkError and AbortedError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BodySource } from '../../src/client/index.js';
import { AbortedError, FileChangedError, NetworkError } from '../../src/core/errors.js';
import { rawServerClient } from '../helpers/raw-client.js';

type T = { after: (fn: () => Promise<void> | void) => void };

async function listen(t: T, server: net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        (server as http.Server).closeAllConnections?.();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const client = rawServerClient;

/** A raw server: every request gets `answer(socket)` once its head has arrived; the body is not read. */
async function raw(t: T, answer: (socket: net.Socket) => void): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let head = '';
    const onData = (c: Buffer) => {
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      answer(socket);
    };
    socket.on('data', onData);
  });
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  return listen(t, server);
}

test('a server that says "Connection: close" and sends FIN after a body held paused: the body arrives whole', async (t) => {
  const data = randomBytes(4 * 1024 * 1024);
  const endpoint = await raw(t, (socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\nConnection: close\r\n\r\n`);
    socket.end(data);
  });
  const c = client(t, endpoint);
  // The FIN has to land while the reader is behind; a few rounds make that all but certain.
  for (let round = 0; round < 3; round++) {
    const res = await c.getObject('bkt', 'k');
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) {
      await sleep(1); // slower than the network, as the download engine is while it writes to disk
      chunks.push(chunk as Buffer);
    }
    assert.ok(Buffer.concat(chunks).equals(data));
  }
});

test('the body goes with Content-Length from its size, never chunked, and progress reaches the size', async (t) => {
  const seen: http.IncomingHttpHeaders[] = [];
  const connections = new Set<unknown>();
  const server = http.createServer((req, res) => {
    connections.add(req.socket);
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { etag: '"A"' });
      res.end();
    });
  });
  const c = client(t, await listen(t, server));
  const size = 3 * 256 * 1024 + 5;
  const body: BodySource = { size, open: () => Readable.from([randomBytes(100_000), randomBytes(size - 100_000)]) };
  const progress: number[] = [];
  await c.putObject('bkt', 'k', body, { onProgress: (n) => progress.push(n) });
  await c.putObject('bkt', 'k2', 'small');
  assert.equal(seen[0]!['content-length'], String(size));
  assert.equal(seen[0]!['transfer-encoding'], undefined);
  assert.equal(progress.at(-1), size);
  assert.equal(connections.size, 1, 'the second request reused the kept-alive connection');
});

for (const [what, delta] of [
  ['shorter', -500],
  ['longer', 500],
] as const) {
  test(`a body stream ${what} than its declared size is FileChangedError, never retried`, async (t) => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => res.end());
    });
    const c = client(t, await listen(t, server), { retry: { maxAttempts: 3, sleep: async () => undefined } });
    const body: BodySource = {
      size: 1000,
      path: '/data/f.bin',
      open: () => Readable.from([Buffer.alloc(1000 + delta)]),
    };
    const err = await c.putObject('bkt', 'k', body).catch((e: unknown) => e);
    assert.ok(err instanceof FileChangedError, String(err));
    assert.equal(err.path, '/data/f.bin');
    assert.ok(requests <= 1);
  });
}

test('repeated response headers are joined with ", "', async (t) => {
  const server = http.createServer((_req, res) => {
    res.setHeader('x-oss-meta-tag', ['a', 'b']);
    res.end();
  });
  const res = await client(t, await listen(t, server)).headObject('bkt', 'k');
  assert.equal(res.headers['x-oss-meta-tag'], 'a, b');
});

test('a body that stalls trips requestTimeoutMs: NetworkError for a read body, a timeout error for a streamed one', async (t) => {
  const endpoint = await raw(t, (socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 1000\r\n\r\n<?xml');
  });
  const c = client(t, endpoint, { requestTimeoutMs: 200 });
  const err = await c.initiateMultipartUpload('bkt', 'k').catch((e: unknown) => e);
  assert.ok(err instanceof NetworkError, String(err));
  const res = await c.getObject('bkt', 'k');
  await assert.rejects(
    async () => {
      for await (const _ of res.body) {
        /* drain */
      }
    },
    { code: 'ETIMEDOUT' },
  );
});

test('aborting while a streamed body arrives ends the read with AbortedError', async (t) => {
  const endpoint = await raw(t, (socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
    socket.write(Buffer.alloc(1000));
  });
  const ac = new AbortController();
  const res = await client(t, endpoint).getObject('bkt', 'k', { signal: ac.signal });
  const read = (async () => {
    for await (const _ of res.body) ac.abort();
  })();
  await assert.rejects(read, AbortedError);
});

test('a connection refused is a retryable NetworkError', async (t) => {
  const server = net.createServer();
  const endpoint = await listen(t, server);
  await new Promise<void>((r) => server.close(() => r()));
  let attempts = 0;
  const c = client(t, endpoint, {
    retry: {
      maxAttempts: 2,
      sleep: async () => {
        attempts++;
      },
    },
  });
  await assert.rejects(
    c.headObject('bkt', 'k'),
    (e: unknown) => e instanceof NetworkError && /ECONNREFUSED/.test(e.message),
  );
  assert.equal(attempts, 1);
});
