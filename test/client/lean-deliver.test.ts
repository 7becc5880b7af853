// A lean client's response body handed to a ChunkReceiver (`deliver`) instead of read as a stream, against raw
// servers: the socket paused while the receiver's promise is pending, chunks that came before the receiver,
// chunked bodies, a lost connection, and a receiver that refuses a chunk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChunkReceiver, GetObjectResult } from '../../src/client/index.js';
import { rawServerClient } from '../helpers/raw-client.js';
import { rawServer, writeBlocks, writeChunked } from '../helpers/raw-server.js';

/** Collects what a body delivers; `push` answers with whatever `gate` returns. */
function collector(gate: () => Promise<void> | undefined = () => undefined) {
  const chunks: Buffer[] = [];
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const receiver: ChunkReceiver = {
    push: (chunk) => {
      chunks.push(Buffer.from(chunk));
      return gate();
    },
    end: () => settle.resolve(),
    fail: (err) => settle.reject(err),
  };
  return { receiver, done, bytes: () => chunks.reduce((n, c) => n + c.length, 0), all: () => Buffer.concat(chunks) };
}

function deliver(res: GetObjectResult, to: ChunkReceiver): void {
  assert.ok(res.body.deliver, 'a lean body can deliver');
  res.body.deliver(to);
}

test('a pending promise from the receiver pauses the socket; every byte arrives once it settles', async (t) => {
  const size = 64 * 1024 * 1024;
  let serverSocket: net.Socket | undefined;
  const srv = await rawServer(t, (socket) => {
    serverSocket = socket;
    writeBlocks(socket, size);
  });
  let open: (() => void) | undefined;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  let first = true;
  const c = collector(() => {
    if (!first) return undefined;
    first = false;
    return gate; // the first chunk's store takes a while
  });
  deliver(await rawServerClient(t, srv.endpoint).getObject('bkt', 'k'), c.receiver);
  await sleep(300);
  const whilePaused = c.bytes();
  assert.ok(whilePaused < size / 4, `the socket stopped reading (${whilePaused} bytes pushed)`);
  assert.ok(serverSocket!.writableLength > 0, 'the server is held back');
  open!();
  await c.done;
  assert.equal(c.bytes(), size);
});

test('chunks that came before the receiver go to it first; a body already over ends it at once', async (t) => {
  const data = randomBytes(200_000);
  const srv = await rawServer(t, (socket, _head, n) => {
    if (n === 1) {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\n\r\n`);
      socket.write(data);
      return;
    }
    writeChunked(socket, data);
  });
  const client = rawServerClient(t, srv.endpoint);
  const late = await client.getObject('bkt', 'k');
  await sleep(100); // the whole body is in before anyone asks for it
  const a = collector();
  deliver(late, a.receiver);
  await a.done;
  assert.ok(a.all().equals(data));
  const b = collector();
  deliver(await client.getObject('bkt', 'k'), b.receiver);
  await b.done;
  assert.ok(b.all().equals(data), 'chunked');
  assert.equal(srv.connections, 1, 'the socket was reused after a delivered body');
});

test('a connection lost mid-body fails the receiver with a retryable code', async (t) => {
  const srv = await rawServer(t, (socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
    setTimeout(() => socket.destroy(), 20);
  });
  const c = collector();
  deliver(await rawServerClient(t, srv.endpoint).getObject('bkt', 'k'), c.receiver);
  await assert.rejects(c.done, { code: 'ECONNRESET' });
  assert.equal(c.all().toString(), 'abc');
});

test("a receiver's rejected promise ends the body with its error; that socket is not reused", async (t) => {
  const data = randomBytes(3 * 1024 * 1024);
  const srv = await rawServer(t, (socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\n\r\n`);
    socket.write(data);
  });
  const client = rawServerClient(t, srv.endpoint);
  const refused = new Error('disk full');
  const c = collector(() => Promise.reject(refused));
  deliver(await client.getObject('bkt', 'k'), c.receiver);
  await assert.rejects(c.done, (err: unknown) => err === refused);
  assert.ok(c.bytes() < data.length, 'no more chunks after the refusal');
  const again = collector();
  deliver(await client.getObject('bkt', 'k'), again.receiver);
  await again.done;
  assert.ok(again.all().equals(data));
  assert.equal(srv.connections, 2);
});
