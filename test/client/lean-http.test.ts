// The lean HTTP/1.1 client (src/client/lean/) that serves every request to plain-http endpoints, against raw
// servers that answer exactly what each test needs: keep-alive reuse, HEAD without a body, chunked and
// close-delimited bodies, a socket paused while its reader waits, stray bytes, stale sockets, the connection cap,
// refused header values, request bodies (exact size, an early answer), and slab reuse that never hands out memory
// a reader still holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { OssClient, bufferBody, releaseBodyChunks, type BodySource } from '../../src/client/index.js';
import { SLAB, SMALL_SLAB } from '../../src/client/lean/slabs.js';
import { FileChangedError, NetworkError, ServiceError } from '../../src/core/errors.js';
import { startTestServer } from '../../harness/server.js';
import { rawServerClient } from '../helpers/raw-client.js';
import { rawServer, writeBlocks, writeChunked } from '../helpers/raw-server.js';

const client = rawServerClient;

async function readBody(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

function ok(socket: net.Socket, body: Buffer | string, extra = ''): void {
  const b = Buffer.from(body);
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${b.length}\r\n${extra}\r\n`);
  socket.write(b);
}

test('sequential GETs and HEADs share one kept-alive socket; HEAD has no body', async (t) => {
  const srv = await rawServer(t, (socket, head) => {
    if (head.startsWith('HEAD ')) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: "e"\r\n\r\n'); // no body follows a HEAD
    } else {
      ok(socket, 'hello');
    }
  });
  const c = client(t, srv.endpoint);
  assert.equal((await c.headObject('bkt', 'k')).size, 5);
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'hello');
  assert.equal((await c.headObject('bkt', 'k')).size, 5);
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'hello');
  assert.equal(srv.heads.length, 4);
  assert.equal(srv.connections, 1, 'one socket served all four');
  assert.match(srv.heads[1]!, /^GET \/bkt\/k HTTP\/1\.1\r\n/);
  assert.match(srv.heads[1]!, /\r\nHost: 127\.0\.0\.1:\d+/);
  assert.match(srv.heads[1]!, /\r\nauthorization: OSS4-HMAC-SHA256 /);
});

test('a chunked body and a close-delimited body arrive whole', async (t) => {
  const data = randomBytes(300_000);
  const srv = await rawServer(t, (socket, _head, n) => {
    if (n === 1) {
      writeChunked(socket, data);
    } else {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      socket.end(data);
    }
  });
  const c = client(t, srv.endpoint);
  assert.ok((await readBody((await c.getObject('bkt', 'k')).body)).equals(data), 'chunked');
  assert.ok((await readBody((await c.getObject('bkt', 'k')).body)).equals(data), 'close-delimited');
});

test('a reader that stops reading pauses the socket; the rest arrives when it reads again', async (t) => {
  const size = 64 * 1024 * 1024;
  let serverSocket: net.Socket | undefined;
  const srv = await rawServer(t, (socket) => {
    serverSocket = socket;
    writeBlocks(socket, size);
  });
  const res = await client(t, srv.endpoint).getObject('bkt', 'k');
  const it = res.body[Symbol.asyncIterator]();
  let got = ((await it.next()).value as Buffer).length;
  await sleep(300); // the reader waits; the socket must stop reading
  const backlog = serverSocket!.writableLength;
  assert.ok(backlog > 0, 'the server is held back: the client stopped reading');
  for (let r = await it.next(); !r.done; r = await it.next()) got += (r.value as Buffer).length;
  assert.equal(got, size);
});

test('bytes after a complete response are not taken as the next one: the socket is dropped', async (t) => {
  const srv = await rawServer(t, (socket, _head, n) => {
    ok(socket, `body${n}`);
    if (n === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray');
  });
  const c = client(t, srv.endpoint);
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'body1');
  await sleep(50);
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'body2');
  assert.equal(srv.connections, 2, 'the second request went on a new socket');
});

test('bytes after a response in the same read that are not a whole head drop the socket too (sized or chunked)', async (t) => {
  const srv = await rawServer(t, (socket, _head, n) => {
    const stray = n % 2 === 1 ? 'HTTP/1.1 2' : '';
    if (n <= 2) socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nbody${n}${stray}`);
    else socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nbody${n}\r\n0\r\n\r\n${stray}`);
  });
  const c = client(t, srv.endpoint);
  for (let n = 1; n <= 4; n++)
    assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), `body${n}`);
  assert.equal(srv.connections, 3, 'the requests after each stray went on a new socket');
});

test('a response whose last read is larger than the header limit keeps its socket (sized or chunked)', async (t) => {
  // http-parser-js counts a read that ends a response towards the next response's head; a last read over 64 KiB
  // must not look like an oversized head and cost the socket (a download's ranges reconnected).
  const body = randomBytes(200 * 1024);
  const srv = await rawServer(t, (socket, _head, n) => {
    // Head first, the whole body a moment later: it is all in the socket when the client reads it.
    if (n % 2 === 1) {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      setTimeout(() => socket.write(body), 30);
    } else {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const framed = Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from('\r\n0\r\n\r\n'),
      ]);
      setTimeout(() => socket.write(framed), 30);
    }
  });
  const c = client(t, srv.endpoint);
  for (let i = 0; i < 4; i++) {
    const chunks: Buffer[] = [];
    for await (const chunk of (await c.getObject('bkt', 'k')).body) chunks.push(Buffer.from(chunk as Uint8Array));
    assert.ok(Buffer.concat(chunks).equals(body));
    assert.ok(
      chunks.some((ch) => ch.length > 65_536),
      'a read over 64 KiB ended the body',
    );
  }
  assert.equal(srv.connections, 1, 'one socket served all four');
});

test('a kept-alive socket the server closed is not a failed request', async (t) => {
  const srv = await rawServer(t, (socket) => {
    ok(socket, 'x');
    setTimeout(() => socket.destroy(), 20); // the server drops idle connections quickly
  });
  const c = client(t, srv.endpoint, { retry: { maxAttempts: 3, sleep: async () => undefined } });
  for (let i = 0; i < 3; i++) {
    assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'x');
    await sleep(60);
  }
  assert.equal(srv.connections, 3);
});

test('the idle timeout, left armed between exchanges, spares an idle socket and still times out the next exchange', async (t) => {
  // The socket's timer stays set from one exchange to the next (connection.ts): when it fires on an idle socket
  // nothing fails, and the next exchange's first write re-arms it.
  const srv = await rawServer(t, (socket, _head, n) => {
    if (n <= 2) ok(socket, `r${n}`); // the third request gets no answer at all
  });
  const c = client(t, srv.endpoint, { requestTimeoutMs: 100 });
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'r1');
  await sleep(250); // past the timeout, idle
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'r2');
  await sleep(250);
  const started = Date.now();
  const err = await c.getObject('bkt', 'k').catch((e: unknown) => e);
  assert.ok(err instanceof NetworkError, String(err));
  assert.match((err as Error).message, /no data sent or received for 100 ms/);
  assert.ok(Date.now() - started < 2_000, 'the unanswered request timed out');
  assert.equal(srv.connections, 1, 'one socket served all three');
});

test('a connection lost mid-body fails the body with a retryable code; a lost head is a NetworkError', async (t) => {
  const srv = await rawServer(t, (socket, _head, n) => {
    if (n === 1) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
      setTimeout(() => socket.destroy(), 20);
    } else {
      socket.write('HTTP/1.1 200 O');
      setTimeout(() => socket.destroy(), 20);
    }
  });
  const c = client(t, srv.endpoint);
  const res = await c.getObject('bkt', 'k');
  await assert.rejects(readBody(res.body), { code: 'ECONNRESET' });
  const err = await c.getObject('bkt', 'k').catch((e: unknown) => e);
  assert.ok(err instanceof NetworkError, String(err));
});

test('no more sockets than `connections`; waiting requests get freed ones', async (t) => {
  let open = 0;
  let most = 0;
  const srv = await rawServer(t, (socket) => {
    open++;
    most = Math.max(most, open);
    setTimeout(() => {
      open--;
      ok(socket, 'y');
    }, 30);
  });
  const c = client(t, srv.endpoint, { connections: 2 });
  const bodies = await Promise.all(
    Array.from({ length: 6 }, async () => (await readBody((await c.getObject('bkt', 'k')).body)).toString()),
  );
  assert.deepEqual(bodies, ['y', 'y', 'y', 'y', 'y', 'y']);
  assert.equal(srv.connections, 2);
  assert.equal(most, 2);
});

test('a header value with CR or LF is refused before anything is sent', async (t) => {
  const srv = await rawServer(t, (socket) => ok(socket, 'z'));
  const c = client(t, srv.endpoint);
  await assert.rejects(
    c.getObject('bkt', 'k', { headers: { 'x-oss-meta-a': 'v\r\nx-injected: 1' } }),
    /invalid character in header/,
  );
  assert.equal(srv.heads.length, 0);
});

test('leanHttp: false keeps node:http, with the same results', async (t) => {
  const srv = await rawServer(t, (socket) => ok(socket, 'same', 'Connection: keep-alive\r\n'));
  const c = client(t, srv.endpoint, { leanHttp: false });
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'same');
  assert.match(srv.heads[0]!, /\r\nConnection: keep-alive/i, 'node:http sends its own Connection header');
});

test('released chunks are reused for later reads; chunks still held never are', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  t.after(() => c.close());
  await c.putBucket('slabs');
  const data = randomBytes(6 * 1024 * 1024);
  await c.putObject('slabs', 'obj', data);

  // Held: read a body and keep its chunks without releasing them.
  const held: Buffer[] = [];
  for await (const chunk of (await c.getObject('slabs', 'obj')).body) held.push(chunk as Buffer);
  const snapshot = Buffer.concat(held);
  assert.ok(snapshot.equals(data));

  // Released: read more bodies, releasing each chunk once it is looked at.
  const overlapsHeld = (b: Buffer) =>
    held.some(
      (h) => h.buffer === b.buffer && b.byteOffset < h.byteOffset + h.length && h.byteOffset < b.byteOffset + b.length,
    );
  const releasedMemory = new Set<ArrayBufferLike>();
  let reused = false;
  let heldReused = false;
  for (let round = 0; round < 4; round++) {
    const got: Buffer[] = [];
    for await (const chunk of (await c.getObject('slabs', 'obj')).body) {
      const b = chunk as Buffer;
      if (releasedMemory.has(b.buffer)) reused = true;
      if (overlapsHeld(b)) heldReused = true;
      got.push(Buffer.from(b));
      releaseBodyChunks([b]);
      releaseBodyChunks([b]); // a second release is ignored
      releasedMemory.add(b.buffer);
    }
    assert.ok(Buffer.concat(got).equals(data), `round ${round}`);
  }
  assert.ok(Buffer.concat(held).equals(snapshot), 'chunks never released were not overwritten');
  assert.equal(heldReused, false, 'no byte still held was handed out again');
  assert.equal(reused, true, 'released memory was handed out again');
});

test('small bodies are read into small slabs, large ones into large slabs from their second read on', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  t.after(() => c.close());
  await c.putBucket('sizes');
  const small = randomBytes(64 * 1024);
  const large = randomBytes(3 * 1024 * 1024);
  await c.putObject('sizes', 'small', small);
  await c.putObject('sizes', 'large', large);
  const slabSizes = async (key: string, want: Buffer) => {
    const sizes: number[] = [];
    const got: Buffer[] = [];
    for await (const chunk of (await c.getObject('sizes', key)).body) {
      const b = chunk as Buffer;
      sizes.push(b.buffer.byteLength);
      got.push(Buffer.from(b));
      releaseBodyChunks([b]);
    }
    assert.ok(Buffer.concat(got).equals(want), key);
    return sizes;
  };
  // One connection throughout (the requests go one after another), so each read's slab follows the one before.
  for (const size of await slabSizes('small', small)) assert.equal(size, SMALL_SLAB);
  const first = await slabSizes('large', large);
  assert.ok(
    first.slice(1).every((size) => size === SLAB),
    `large body's slabs: ${first.join(', ')}`,
  );
  // The connection's next large body starts in a large slab; a small body after it is read into a small one from
  // its second read on (its first was placed before its head said how large it is).
  assert.ok((await slabSizes('large', large)).every((size) => size === SLAB));
  assert.ok(
    (await slabSizes('small', small)).slice(1).every((size) => size === SMALL_SLAB),
    'back to small slabs',
  );
  assert.ok((await slabSizes('small', small)).every((size) => size === SMALL_SLAB));
});

test('a request body goes out whole with its Content-Length; progress counts it; the socket is reused', async (t) => {
  const bodies: Buffer[] = [];
  const data = randomBytes(3 * 1024 * 1024 + 7);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buf = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        bodies.push(Buffer.from(buf.subarray(end + 4, end + 4 + length)));
        buf = buf.subarray(end + 4 + length);
        socket.write('HTTP/1.1 200 OK\r\nETag: "E"\r\nContent-Length: 0\r\n\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const c = client(t, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  let progress = 0;
  await c.putObject('bkt', 'k', bufferBody(data), { onProgress: (n) => (progress = n) });
  await c.putObject('bkt', 'k2', 'small');
  await c.initiateMultipartUpload('bkt', 'k3').catch(() => undefined); // bodiless POST: an empty body announced
  assert.ok(bodies[0]!.equals(data));
  assert.equal(bodies[1]!.toString(), 'small');
  assert.equal(bodies[2]!.length, 0);
  assert.equal(progress, data.length);
  assert.equal(sockets.size, 1);
});

test('an answer with Content-Length: 0 has an empty body, read as a stream or delivered; the socket is reused', async (t) => {
  // Such a body's stream is made only if asked for (exchange.ts): a PutObject's answer is never read at all.
  const srv = await rawServer(t, (socket, _head, n) => {
    socket.write(`HTTP/1.1 200 OK\r\nETag: "E${n}"\r\nContent-Length: 0\r\n\r\n`);
  });
  const c = client(t, srv.endpoint);
  assert.equal((await c.putObject('bkt', 'k', 'x')).etag, 'E1');
  assert.equal((await readBody((await c.getObject('bkt', 'empty')).body)).length, 0);
  const res = await c.getObject('bkt', 'empty');
  const delivered = await new Promise<number>((resolve, reject) => {
    let n = 0;
    (res.body as unknown as { deliver: (to: object) => void }).deliver({
      push: (chunk: Uint8Array) => void (n += chunk.length),
      end: () => resolve(n),
      fail: reject,
    });
  });
  assert.equal(delivered, 0);
  assert.equal((await c.putObject('bkt', 'k', 'y')).etag, 'E4');
  assert.equal(srv.connections, 1);
});

test('a body longer or shorter than announced fails as FileChangedError, not a request', async (t) => {
  const srv = await rawServer(t, () => {});
  const c = client(t, srv.endpoint);
  const lying = (size: number, actual: number): BodySource => ({ size, open: () => Buffer.alloc(actual, 1) });
  await assert.rejects(c.putObject('bkt', 'k', lying(10, 20)), FileChangedError);
  await assert.rejects(c.putObject('bkt', 'k', lying(20, 10)), FileChangedError);
});

test('an answer before the body is all sent is the answer (no EPIPE); that socket is not reused', async (t) => {
  const srv = await rawServer(t, (socket, head) => {
    if (head.startsWith('PUT ')) {
      const xml = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>';
      socket.write(`HTTP/1.1 403 Forbidden\r\nContent-Length: ${xml.length}\r\n\r\n${xml}`);
      socket.pause(); // reads nothing more: the client's body backs up
    } else {
      ok(socket, 'after');
    }
  });
  const c = client(t, srv.endpoint);
  const err = await c.putObject('bkt', 'k', bufferBody(Buffer.alloc(32 * 1024 * 1024))).catch((e: unknown) => e);
  assert.ok(err instanceof ServiceError, String(err));
  assert.equal(err.code, 'AccessDenied');
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'after');
  assert.equal(srv.connections, 2);
});

test('an unasked 100 Continue is skipped; 204 and 304 have no body even without Content-Length', async (t) => {
  const srv = await rawServer(t, (socket, _head, n) => {
    if (n === 1) socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
    else if (n === 2) socket.write('HTTP/1.1 204 No Content\r\nx-oss-request-id: R\r\n\r\n');
    else if (n === 3) socket.write('HTTP/1.1 304 Not Modified\r\nETag: "E"\r\n\r\n');
    else ok(socket, 'last');
  });
  const c = client(t, srv.endpoint);
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'hi');
  await c.deleteObject('bkt', 'k'); // 204 with no Content-Length: must not wait for the connection to close
  const notModified = await c.getObject('bkt', 'k', { headers: { 'if-none-match': '"E"' } }).catch((e: unknown) => e);
  assert.ok(notModified instanceof ServiceError, String(notModified));
  assert.equal(notModified.status, 304);
  assert.equal((await readBody((await c.getObject('bkt', 'k')).body)).toString(), 'last');
});

test('a request aborted while waiting for a socket gives its place to the next one', async (t) => {
  const srv = await rawServer(t, (socket) => setTimeout(() => ok(socket, 'w'), 50));
  const c = client(t, srv.endpoint, { connections: 1 });
  const first = c.getObject('bkt', 'k').then(async (r) => (await readBody(r.body)).toString());
  const ac = new AbortController();
  const aborted = c.getObject('bkt', 'k', { signal: ac.signal }).catch((e: unknown) => e);
  const third = c.getObject('bkt', 'k').then(async (r) => (await readBody(r.body)).toString());
  await sleep(20); // both are queued behind the first by now
  ac.abort();
  assert.equal(((await aborted) as Error).name, 'AbortedError');
  assert.deepEqual(await Promise.all([first, third]), ['w', 'w']);
});
