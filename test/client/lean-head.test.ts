// The lean client's quick reading of a response head (src/client/lean/head.ts): what it takes, what it leaves to
// http-parser-js, and, against raw servers, that both ways give the same answers and reuse sockets only when they
// may (a head split over reads, a body over several reads, Connection: close, an unusual header line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { quickHead } from '../../src/client/lean/head.js';
import { rawServerClient } from '../helpers/raw-client.js';
import { rawServer } from '../helpers/raw-server.js';

function read(text: string, noBody = false, extra = 0) {
  const buf = Buffer.concat([Buffer.from(text, 'latin1'), Buffer.alloc(extra, 1)]);
  return quickHead(buf, buf.length, noBody);
}

test('quickHead reads a common answer: names lower-cased, values trimmed, framed by Content-Length', () => {
  const head = 'HTTP/1.1 200 OK\r\nETag:  "AB"\t\r\nContent-Length: 4096\r\nX-Oss-Hash-Crc64ecma: 123\r\n\r\n';
  assert.deepEqual(read(head, false, 10), {
    statusCode: 200,
    headers: { etag: '"AB"', 'content-length': '4096', 'x-oss-hash-crc64ecma': '123' },
    headLength: head.length,
    bodyLength: 4096,
    keepAlive: true,
  });
  assert.equal(read('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive, Close\r\n\r\n')?.keepAlive, false);
  assert.equal(read('HTTP/1.1 200\r\nContent-Length: 7\r\n\r\n')?.bodyLength, 7, 'no reason phrase');
  assert.deepEqual(read('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-A: 1\r\nx-a:\r\nX-A:  3 \r\n\r\n')?.headers, {
    'content-length': '0',
    'x-a': '1, , 3',
  });
  // No body after a HEAD, a 204 or a 304, whatever Content-Length says (or without one).
  assert.equal(read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', true)?.bodyLength, 0);
  assert.equal(read('HTTP/1.1 204 No Content\r\n\r\n')?.bodyLength, 0);
  assert.equal(read('HTTP/1.1 304 Not Modified\r\nETag: "E"\r\n\r\n')?.bodyLength, 0);
});

test('quickHead leaves every other answer to the full parser', () => {
  const declined = [
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n', // the head goes on in a later read
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
    'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', // delimited by the close
    'HTTP/1.1 100 Continue\r\n\r\n',
    'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-Long: a\r\n b\r\n\r\n', // obs-fold
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nBad Name: a\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-A: a\nb\r\n\r\n', // a bare LF
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nno colon\r\n\r\n',
    'HTTP/1.1 999 What\r\nContent-Length: 1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n: empty name\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-A: a\0b\r\n\r\n',
  ];
  for (const head of declined) assert.equal(read(head), undefined, JSON.stringify(head));
  // Only the first n bytes count: a blank line in stale bytes beyond them is not the head's end.
  const buf = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n', 'latin1');
  assert.equal(quickHead(buf, buf.length - 2, false), undefined);
});

test('a head split over reads and a body over several reads arrive whole; the socket is reused', async (t) => {
  const body = Buffer.alloc(10_000, 'b');
  const srv = await rawServer(t, (socket, _head, n) => {
    void (async () => {
      if (n === 1) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Le');
        await sleep(30);
        socket.write(`ngth: ${body.length}\r\n\r\n`);
        socket.write(body);
      } else {
        socket.write(`HTTP/1.1 200 OK\r\nETag: "E${n}"\r\nContent-Length: ${body.length}\r\n\r\n`);
        for (let at = 0; at < body.length; at += 4000) {
          await sleep(10);
          socket.write(body.subarray(at, at + 4000));
        }
      }
    })();
  });
  const c = rawServerClient(t, srv.endpoint);
  for (let i = 1; i <= 3; i++) {
    const res = await c.getObject('bkt', 'k');
    const parts: Buffer[] = [];
    for await (const chunk of res.body) parts.push(Buffer.from(chunk));
    assert.ok(Buffer.concat(parts).equals(body), `response ${i}`);
    if (i > 1) assert.equal(res.etag, `E${i}`);
  }
  assert.equal(srv.connections, 1, 'one socket served all three');
});

test('Connection: close is honoured on a framed answer; an unusual line is still read', async (t) => {
  const srv = await rawServer(t, (socket, _head, n) => {
    if (n === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-oss-meta-a: 1\r\nX-Odd:\r\n  folded\r\n\r\n');
  });
  const c = rawServerClient(t, srv.endpoint);
  await c.putObject('bkt', 'k', 'x');
  await sleep(20);
  const head = await c.putObject('bkt', 'k', 'y');
  assert.equal(head.status, 200);
  assert.equal(srv.connections, 2, 'the closed socket was not reused');
});

test("an object's Last-Modified and metadata come through whatever the answers share; each Date is its own", async (t) => {
  const dates = ['Mon, 07 Dec 2026 04:00:00 GMT', 'Mon, 07 Dec 2026 04:00:00 GMT', 'Tue, 08 Dec 2026 05:06:07 GMT'];
  const srv = await rawServer(t, (socket, _head, n) => {
    const meta = n === 2 ? 'x-oss-meta-Color: red\r\n' : '';
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\nLast-Modified: ${dates[n - 1]}\r\n${meta}\r\n`);
  });
  const c = rawServerClient(t, srv.endpoint);
  const first = await c.headObject('bkt', 'k');
  assert.equal(first.lastModified?.toISOString(), '2026-12-07T04:00:00.000Z');
  assert.deepEqual(first.meta, {});
  first.lastModified?.setTime(0); // a caller's Date is its own: the next answer's is not changed by this
  const second = await c.headObject('bkt', 'k');
  assert.equal(second.lastModified?.toISOString(), '2026-12-07T04:00:00.000Z');
  assert.deepEqual(second.meta, { color: 'red' });
  assert.equal((await c.headObject('bkt', 'k')).lastModified?.toISOString(), '2026-12-08T05:06:07.000Z');
});

test("a PutObject's headers, built in one object, are those of every option", async (t) => {
  const srv = await rawServer(t, (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  const c = rawServerClient(t, srv.endpoint);
  await c.putObject('bkt', 'k', 'body', {
    contentType: 'text/plain',
    meta: { Owner: 'me' },
    acl: 'private',
    storageClass: 'IA',
    trafficLimit: 819200,
    contentMd5: 'md5==',
    headers: { 'Cache-Control': 'no-cache', 'content-type': 'text/x-raw' },
  });
  const head = srv.heads[0]!.toLowerCase();
  for (const line of [
    'content-type: text/x-raw', // a raw header wins over contentType, as before
    'x-oss-meta-owner: me',
    'x-oss-object-acl: private',
    'x-oss-storage-class: ia',
    'x-oss-traffic-limit: 819200',
    'content-md5: md5==',
    'cache-control: no-cache',
  ])
    assert.ok(head.includes(`\r\n${line}\r\n`), `${line} in ${head}`);
  await assert.rejects(async () => c.putObject('bkt', 'k', 'x', { meta: { 'bad name': 'v' } }), /metadata name/);
  await assert.rejects(async () => c.putObject('bkt', 'k', 'x', { trafficLimit: 1.5 }), /trafficLimit/);
});
