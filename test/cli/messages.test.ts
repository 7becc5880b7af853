// What a newcomer reads when something is off: each message names the real problem and what to do, with the right
// exit code. The built CLI against a test server, as a user runs it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { lastJson, REPO, runCli, startCliServer, stopCliServer, STACK, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

before(async () => {
  ({ server, box, client } = await startCliServer('msg-test'));
});
after(() => stopCliServer({ server, box, client }));

/** Every error message: one line saying what failed, one `hint:` line, no stack. */
function twoLines(stderr: string): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, stderr);
  assert.match(lines[0]!, /^ossup: /);
  assert.match(lines[1]!, /^hint: /);
  assert.doesNotMatch(stderr, STACK);
}

test('an endpoint without a scheme against an HTTP server: TLS failed, try http://', async () => {
  const hostPort = server.endpoint.replace(/^http:\/\//, '');
  const r = await runCli(['ls'], { ...box.env, OSS_ENDPOINT: hostPort });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /^ossup: listing buckets failed: the TLS connection to the endpoint failed \(wrong version number, EPROTO\)\n/,
  );
  assert.match(r.stderr, /\nhint: the endpoint may speak plain HTTP .*; write it as http:\/\/host:port\n$/);
  assert.doesNotMatch(r.stderr, /local file/);
  twoLines(r.stderr);
});

test('serve on a port in use: the port is named and --port 0 suggested (exit 1)', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    const port = (busy.address() as AddressInfo).port;
    const r = await runCli(['serve', '--port', String(port), '--root', join(box.dir, 'serve-root')], box.env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^ossup: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(r.stderr, /\nhint: .*choose another --port, or --port 0 for a free one\n$/);
    assert.doesNotMatch(r.stderr, /local file/);
    twoLines(r.stderr);
  } finally {
    busy.close();
  }
});

test('a malformed oss:/ argument is the one blamed, whichever side it is on (exit 2)', async () => {
  let r = await ossup('cp', 'oss:/b/x.txt', 'dl/q.txt');
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /^ossup: "oss:\/b\/x\.txt" is not a valid OSS URL\nhint: write it with two slashes: oss:\/\/bucket\/key\n$/,
  );
  r = await ossup('cp', join(box.dir, 'whatever'), 'oss:msg-test/k');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^ossup: "oss:msg-test\/k" is not a valid OSS URL/);
});

test('rb of a missing bucket does not suggest creating it; abort spells --all-older-than', async () => {
  let r = await ossup('rb', 'oss://no-such-bucket-here');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /NoSuchBucket, HTTP 404/);
  assert.match(r.stderr, /\nhint: check the bucket name \(ossup ls lists them\)\n$/);
  assert.doesNotMatch(r.stderr, /ossup mb/);

  r = await ossup('abort', 'oss://msg-test');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^ossup: give either --upload-id ID \(with oss:\/\/bucket\/key\) or --all-older-than AGE /);
  twoLines(r.stderr);
});

test('mb of an existing bucket says "already exists"; rm of a missing key says "did not exist" (text and JSON)', async () => {
  let r = await ossup('mb', 'oss://msg-made');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'made bucket oss://msg-made\n');
  r = await ossup('mb', 'oss://msg-made');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'bucket oss://msg-made already exists\n');
  r = await ossup('mb', 'oss://msg-made', '--json');
  assert.deepEqual(lastJson(r.stdout), { bucket: 'msg-made', created: false, existed: true });
  r = await ossup('mb', 'oss://msg-made-2', '--json');
  assert.deepEqual(lastJson(r.stdout), { bucket: 'msg-made-2', created: true, existed: false });

  r = await ossup('rm', 'oss://msg-test/never-there');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'oss://msg-test/never-there did not exist; nothing removed\n');
  r = await ossup('rm', 'oss://msg-test/never-there', '--json');
  assert.deepEqual(lastJson(r.stdout), { removed: 'oss://msg-test/never-there', existed: false });
  await client.putObject('msg-test', 'here', 'x');
  r = await ossup('rm', 'oss://msg-test/here', '--json');
  assert.deepEqual(lastJson(r.stdout), { removed: 'oss://msg-test/here', existed: true });
  await assert.rejects(client.headObject('msg-test', 'here'), (err: { status?: number }) => err.status === 404);
});

test('a download into a missing directory: "dir/" creates it, "dir/f" names the missing directory (exit 2)', async () => {
  const data = randomBytes(1000);
  await client.putObject('msg-test', 'd.bin', data);
  let r = await runCli(['cp', 'oss://msg-test/d.bin', 'nodir/f', '--endpoint', server.endpoint], box.env, box.dir);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stderr,
    `ossup: the directory ${join(box.dir, 'nodir')} does not exist (destination nodir/f)\n` +
      `hint: create it first (mkdir -p ${join(box.dir, 'nodir')}), or end the destination with / to have ossup create it\n`,
  );
  assert.ok(!(await stat(join(box.dir, 'nodir')).catch(() => undefined)), 'nothing made');

  r = await runCli(['cp', 'oss://msg-test/d.bin', 'made/deeper/', '--endpoint', server.endpoint], box.env, box.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readFile(join(box.dir, 'made', 'deeper', 'd.bin')), data);

  // A download that fails after the directory was made takes the (empty) directories it made with it.
  r = await runCli(
    ['cp', 'oss://msg-test/missing.bin', 'gone/too/', '--part-size', '1MiB', '--endpoint', server.endpoint],
    box.env,
    box.dir,
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /NoSuchKey/);
  assert.ok(!(await stat(join(box.dir, 'gone')).catch(() => undefined)), 'the directories made for it are gone');
});

test('ls with no buckets says so, except with --json (no lines)', async () => {
  const empty = await startTestServer();
  try {
    const env = {
      ...box.env,
      OSS_ACCESS_KEY_ID: empty.credentials.accessKeyId,
      OSS_ACCESS_KEY_SECRET: empty.credentials.accessKeySecret,
    };
    let r = await runCli(['ls', '--endpoint', empty.endpoint], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'no buckets (make one with: ossup mb oss://NAME)\n');
    r = await runCli(['ls', '--endpoint', empty.endpoint, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
  } finally {
    await empty.close();
  }
});

test("--json carries the callback server's answer", async () => {
  const cb: Server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"stored":"yes"}');
    });
  });
  await new Promise<void>((resolve) => cb.listen(0, '127.0.0.1', resolve));
  try {
    const file = join(box.dir, 'cb.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'callback'));
    const url = `http://127.0.0.1:${(cb.address() as AddressInfo).port}/cb`;
    const r = await ossup(
      'cp',
      file,
      'oss://msg-test/cb.txt',
      '--callback-url',
      url,
      '--callback-body',
      'object=${object}',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastJson(r.stdout).callbackBody, '{"stored":"yes"}');
  } finally {
    cb.close();
  }
});

test('--range over the whole object is CRC-64 verified; a part of it is checked by length; JSON says which', async () => {
  const data = randomBytes(300 * 1024);
  await client.putObject('msg-test', 'range.bin', data);
  const dest = join(box.dir, 'range.out');
  let r = await ossup('cp', 'oss://msg-test/range.bin', dest, '--range', '0-');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(bytes 0-307199: the whole object, CRC-64 verified\)/);
  r = await ossup('cp', 'oss://msg-test/range.bin', dest, '--range', '0-999999999', '--json');
  assert.equal(r.code, 0, r.stderr);
  let json = lastJson(r.stdout);
  assert.equal(json.verified, 'crc64');
  assert.equal(json.rangeStart, 0);
  assert.equal(json.rangeEnd, data.length - 1);
  assert.deepEqual(await readFile(dest), data);

  r = await ossup('cp', 'oss://msg-test/range.bin', dest, '--range', '10-19', '--json');
  assert.equal(r.code, 0, r.stderr);
  json = lastJson(r.stdout);
  assert.deepEqual([json.rangeStart, json.rangeEnd, json.verified, json.size], [10, 19, 'length-only', 10]);
  assert.deepEqual(await readFile(dest), data.subarray(10, 20));
  assert.deepEqual(
    (await readdir(box.dir)).filter((n) => n.includes('.ossup-')),
    [],
    'no temporary files left',
  );
});

test('README says the Node version package.json requires', async () => {
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const required = /^>=\s*(\S+)$/.exec(pkg.engines.node)?.[1];
  assert.ok(required, pkg.engines.node);
  assert.match(readme, new RegExp(`Needs Node\\.js ${required.replace(/\./g, '\\.')} or later`));
});

test('a command line commander refuses gets a hint: line too (exit 2)', async () => {
  const r = await ossup('cp', '--bogus', 'a', 'b');
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, "ossup: unknown option '--bogus'\nhint: ossup help cp shows its arguments and flags\n");
  const top = await ossup('frobnicate');
  assert.equal(top.code, 2, top.stderr);
  assert.match(top.stderr, /\nhint: ossup --help lists the commands\n$/);
});
