// Issue 21, finding 5 (client side): a response whose headers are too large (3 MiB of metadata) is named as such,
// with the object, by both HTTP clients (node:http and the lean client) and by `ossup stat`: not "a bug in ossup".
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { OssClient, OssupError } from '../../src/index.js';
import { runCli, sandbox, STACK, type Sandbox } from '../../harness/cli.js';

let server: Server;
let endpoint: string;
let box: Sandbox;
let requests = 0;
const sockets = new Set<Socket>();

before(async () => {
  // A raw HTTP server: every request gets 200 with a 3 MiB x-oss-meta header (what a server without a metadata
  // limit answers for such an object).
  const big = 'x'.repeat(3 * 1024 * 1024);
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => {
      requests++;
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-oss-request-id: r1\r\nx-oss-meta-big: ${big}\r\nConnection: close\r\n\r\n`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  endpoint = `http://127.0.0.1:${addr.port}`;
  box = await sandbox({ OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'secret' });
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await box.cleanup();
});

for (const leanHttp of [true, false]) {
  test(`headObject (${leanHttp ? 'lean client' : 'node:http'}): ResponseHeadersTooLarge naming the object, not retried`, async () => {
    const client = new OssClient({ endpoint, credentials: { accessKeyId: 'id', accessKeySecret: 'secret' }, leanHttp });
    try {
      const before = requests;
      const err = await client.headObject('b', 'big-meta').then(
        () => assert.fail('the HEAD succeeded'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof OssupError, String(err));
      assert.equal(err.code, 'ResponseHeadersTooLarge');
      assert.match(err.message, /response headers for oss:\/\/b\/big-meta exceed the client's limit of 65536 bytes/);
      assert.equal(requests - before, 1, 'a response too large is not asked for again');
    } finally {
      await client.close();
    }
  });
}

test('ossup stat: one clear line naming the object and the cause, exit 1, no stack, not "a bug"', async () => {
  const r = await runCli(['stat', 'oss://bkt/big-meta', '--endpoint', endpoint], box.env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /response headers for oss:\/\/bkt\/big-meta exceed the client's limit of 65536 bytes \(the object's metadata is too large/,
  );
  assert.match(r.stderr, /ResponseHeadersTooLarge/);
  assert.doesNotMatch(r.stderr, /bug/);
  assert.doesNotMatch(r.stderr, STACK);
});
