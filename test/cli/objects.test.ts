// The everyday object commands against a test server (the embedded server on port 0), endpoint by flag and keys
// by environment, as a user with a real OSS account would run them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { controlChars, lastJson, runCli, sandbox, STACK, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

before(async () => {
  server = await startTestServer();
  box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
});
after(async () => {
  await client.close();
  await server.close();
  await box.cleanup();
});

test('mb, cp, ls, stat, rm, rb', async () => {
  let r = await ossup('mb', 'oss://objects-test');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /made bucket oss:\/\/objects-test/);

  r = await ossup('ls');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /oss:\/\/objects-test\n/);

  const file = join(box.dir, 'hello.txt');
  await writeFile(file, 'hello world');
  r = await ossup('cp', file, 'oss://objects-test/dir/', '--meta', 'owner=alice');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /uploaded .*hello\.txt to oss:\/\/objects-test\/dir\/hello\.txt/);
  assert.equal(r.stderr, '', 'no embedded-server note with an endpoint configured');
  await writeFile(join(box.dir, 'top.txt'), 'top');
  assert.equal((await ossup('cp', join(box.dir, 'top.txt'), 'oss://objects-test/top.txt', '-q')).code, 0);

  r = await ossup('ls', 'oss://objects-test');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /DIR {2}oss:\/\/objects-test\/dir\/\n/);
  assert.match(r.stdout, /3 B {2}oss:\/\/objects-test\/top\.txt\n/);
  assert.doesNotMatch(r.stdout, /hello\.txt/, 'one level without -r');

  r = await ossup('ls', '-r', 'oss://objects-test', '--json');
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { key: string; size: number });
  assert.deepEqual(
    rows.map((o) => [o.key, o.size]),
    [
      ['dir/hello.txt', 11],
      ['top.txt', 3],
    ],
  );

  r = await ossup('stat', 'oss://objects-test/dir/hello.txt', '--json');
  assert.equal(r.code, 0, r.stderr);
  const st = lastJson(r.stdout);
  assert.equal(st.size, 11);
  assert.equal(st.etag, '5EB63BBBE01EEED093CB22BB8F5ACDC3');
  assert.equal(st.crc64, '5981764153023615706');
  const meta = st.meta as Record<string, string>;
  assert.deepEqual(meta, { owner: 'alice', mtime: meta.mtime });
  assert.match(String(meta.mtime), /^\d+\.\d{3}$/);

  r = await ossup('stat', 'oss://objects-test/dir/hello.txt');
  assert.match(r.stdout, /ETag:\s+5EB63BBBE01EEED093CB22BB8F5ACDC3/);
  assert.match(r.stdout, /x-oss-meta-owner:\s*alice/);
  assert.deepEqual(controlChars(r.stdout + r.stderr), []);

  r = await ossup('rb', 'oss://objects-test');
  assert.equal(r.code, 1, 'a bucket with objects cannot be removed');
  assert.match(r.stderr, /BucketNotEmpty, HTTP 409, request id [0-9A-F]{24}/);
  assert.match(r.stderr, /^hint: /m);
  assert.doesNotMatch(r.stderr, STACK);

  assert.equal((await ossup('rm', 'oss://objects-test/dir/hello.txt')).code, 0);
  assert.equal((await ossup('rm', 'oss://objects-test/top.txt')).code, 0);
  r = await ossup('stat', 'oss://objects-test/top.txt');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /NoSuchKey|HTTP 404/);
  assert.equal((await ossup('rb', 'oss://objects-test')).code, 0);
  r = await ossup('ls', 'oss://objects-test');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /NoSuchBucket[\s\S]*hint: create it with: ossup mb oss:\/\/objects-test/);
});

test('uploads lists incomplete multipart uploads; abort removes them by id or by age', async () => {
  await client.putBucket('uploads-test');
  const first = await client.initiateMultipartUpload('uploads-test', 'a/one.bin');
  await client.uploadPart('uploads-test', 'a/one.bin', first.uploadId, 1, randomBytes(200 * 1024));
  await client.uploadPart('uploads-test', 'a/one.bin', first.uploadId, 2, randomBytes(1000));
  const second = await client.initiateMultipartUpload('uploads-test', 'b/two.bin');

  let r = await ossup('uploads', 'oss://uploads-test');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`2 parts\\s+201\\.0 KiB\\s+${first.uploadId}\\s+oss://uploads-test/a/one\\.bin`));
  assert.match(r.stdout, new RegExp(`${second.uploadId}\\s+oss://uploads-test/b/two\\.bin`));
  assert.match(r.stdout, /2 incomplete uploads/);

  r = await ossup('uploads', 'oss://uploads-test/a/', '--json');
  assert.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .map((u) => [u.key, u.parts, u.bytes]),
    [['a/one.bin', 2, 200 * 1024 + 1000]],
  );

  r = await ossup('abort', 'oss://uploads-test/a/one.bin', '--upload-id', first.uploadId);
  assert.equal(r.code, 0, r.stderr);
  r = await ossup('abort', 'oss://uploads-test/a/one.bin', '--upload-id', first.uploadId);
  assert.equal(r.code, 1, 'gone already');
  assert.match(r.stderr, /NoSuchUpload/);

  r = await ossup('abort', 'oss://uploads-test', '--all-older-than', '1d');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /0 uploads aborted/);
  r = await ossup('abort', 'oss://uploads-test', '--all-older-than', '0s');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`aborted upload ${second.uploadId}`));

  r = await ossup('uploads', 'oss://uploads-test');
  assert.match(r.stdout, /0 incomplete uploads/);
});

test('wrong credentials: exit 1 with the service code and what to do', async () => {
  const r = await runCli(['ls', '--endpoint', server.endpoint], { ...box.env, OSS_ACCESS_KEY_SECRET: 'wrong' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /SignatureDoesNotMatch/);
  assert.match(r.stderr, /hint: check OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET/);
  assert.doesNotMatch(r.stderr, STACK);
});

test('cp --range downloads exactly the bytes asked for; bad ranges and --range on an upload exit 2', async () => {
  await client.putBucket('range-test');
  const data = randomBytes(3 * 1024 * 1024 + 99);
  await client.putObject('range-test', 'r.bin', data);
  const dest = join(box.dir, 'part.bin');

  let r = await ossup(
    'cp',
    'oss://range-test/r.bin',
    dest,
    '--range',
    '1000-1500999',
    '--part-size',
    '100KiB',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readFile(dest), data.subarray(1000, 1501000));
  const json = lastJson(r.stdout);
  assert.equal(json.size, 1500000);

  r = await ossup('cp', 'oss://range-test/r.bin', dest, '--range', '3145000-');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readFile(dest), data.subarray(3145000));
  assert.match(r.stdout, /bytes 3145000-3145826; checked by length/);

  for (const bad of ['5-2', 'x', '-100', '1-2-3']) {
    r = await ossup('cp', 'oss://range-test/r.bin', dest, '--range', bad);
    assert.equal(r.code, 2, `--range ${bad}: ${r.stderr}`);
    assert.match(r.stderr, /^ossup: --range /);
    assert.doesNotMatch(r.stderr, STACK);
  }
  const src = join(box.dir, 'up.bin');
  await writeFile(src, 'x');
  r = await ossup('cp', src, 'oss://range-test/up.bin', '--range', '0-0');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--range applies to downloads/);
});
