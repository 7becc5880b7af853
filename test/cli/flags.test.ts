// cp's flags reach the object (metadata, type, tags, overwrite rules, callback), and configuration is read from
// ~/.ossutilconfig when nothing else is set. Against a test server, as a user with an OSS account would run them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { lastJson, runCli, sandbox, STACK, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
let env: NodeJS.ProcessEnv;

before(async () => {
  server = await startTestServer();
  box = await sandbox();
  env = {
    ...box.env,
    OSS_ENDPOINT: server.endpoint,
    OSS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    OSS_ACCESS_KEY_SECRET: server.credentials.accessKeySecret,
  };
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket('flags-test');
});
after(async () => {
  await client.close();
  await server.close();
  await box.cleanup();
});

test('object flags: metadata, content type, storage class, V1 signing, explicit checkpoint file', async () => {
  const file = join(box.dir, 'report.data');
  await writeFile(file, randomBytes(300 * 1024));
  const checkpoint = join(box.dir, 'my.ucp');
  const r = await runCli(
    [
      'cp',
      file,
      'oss://flags-test/report',
      '--meta',
      'team=storage',
      '--meta',
      'run=7',
      '--content-type',
      'application/x-report',
      '--storage-class',
      'IA',
      '--tagging',
      'a=1&b=2',
      '--signature',
      'v1',
      '--checkpoint',
      checkpoint,
      '--part-size',
      '100KiB',
      '--json',
    ],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastJson(r.stdout).parts, 3);
  const head = await client.headObject('flags-test', 'report');
  // The file's mtime rides along (x-oss-meta-mtime, as trees record it) with the given metadata.
  assert.deepEqual(head.meta, { team: 'storage', run: '7', mtime: head.meta.mtime });
  assert.match(String(head.meta.mtime), /^\d+\.\d{3}$/);
  assert.equal(head.contentType, 'application/x-report');
  assert.equal(head.storageClass, 'IA');
  assert.equal(head.headers['x-oss-tagging-count'], '2');
});

test('--checkpoint-dir holds the checkpoint while it is needed', async () => {
  const dir = join(box.dir, 'cps');
  await mkdir(dir);
  const file = join(box.dir, 'cpdir.bin');
  await writeFile(file, randomBytes(250 * 1024));
  const r = await runCli(['cp', file, 'oss://flags-test/cpdir.bin', '--checkpoint-dir', dir], env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    (await readdir(dir)).filter((n) => !n.endsWith('.lock')),
    [],
    'removed after success',
  );
  const both = await runCli(
    ['cp', file, 'oss://flags-test/x', '--checkpoint-dir', dir, '--checkpoint', join(dir, 'a.ucp')],
    env,
  );
  assert.equal(both.code, 2);
});

test('--forbid-overwrite: exit 1 with FileAlreadyExists and a hint', async () => {
  const file = join(box.dir, 'once.txt');
  await writeFile(file, 'first');
  assert.equal((await runCli(['cp', file, 'oss://flags-test/once.txt'], env)).code, 0);
  const r = await runCli(['cp', file, 'oss://flags-test/once.txt', '--forbid-overwrite'], env);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /FileAlreadyExists, HTTP 409, request id [0-9A-F]+\)\nhint: the object exists and --forbid-overwrite was given/,
  );
  assert.doesNotMatch(r.stderr, STACK);
});

test('upload callback: the callback server gets the rendered body and its answer is shown', async () => {
  const bodies: string[] = [];
  const cb = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      bodies.push(body);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => cb.listen(0, '127.0.0.1', resolve));
  try {
    const file = join(box.dir, 'cb.txt');
    await writeFile(file, 'callback me');
    const url = `http://127.0.0.1:${(cb.address() as AddressInfo).port}/cb`;
    const r = await runCli(
      [
        'cp',
        file,
        'oss://flags-test/cb.txt',
        '--callback-url',
        url,
        '--callback-body',
        'bucket=${bucket}&object=${object}&who=${x:who}',
        '--callback-var',
        'x:who=cli',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(bodies, ['bucket=flags-test&object=cb.txt&who=cli']);
    assert.match(r.stdout, /callback answered: \{"ok":true\}/);
  } finally {
    cb.close();
  }
});

test('~/.ossutilconfig [Credentials] is used when no flag or OSS_* variable is set', async () => {
  await mkdir(box.home, { recursive: true });
  await writeFile(
    join(box.home, '.ossutilconfig'),
    `[Credentials]\nlanguage=EN\nendpoint=${server.endpoint}\naccessKeyID=${server.credentials.accessKeyId}\naccessKeySecret=${server.credentials.accessKeySecret}\n`,
  );
  try {
    const r = await runCli(['ls'], box.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /oss:\/\/flags-test\n/);
    assert.equal(r.stderr, '', 'not the embedded default');
    // An endpoint with no credentials anywhere is bad input, found before any request.
    const noKeys = await runCli(['ls', '--endpoint', server.endpoint], {
      ...box.env,
      HOME: join(box.dir, 'empty-home'),
    });
    assert.equal(noKeys.code, 2);
    assert.match(noKeys.stderr, /no credentials for .* \(endpoint from --endpoint\)\nhint: set OSS_ACCESS_KEY_ID/);
  } finally {
    await writeFile(join(box.home, '.ossutilconfig'), '');
  }
});

test('OSS_PROFILE picks an ossutil 2.x [profile NAME] section; a profile that is not there is a usage error', async () => {
  await mkdir(box.home, { recursive: true });
  await writeFile(
    join(box.home, '.ossutilconfig'),
    [
      '[default]',
      'endpoint=http://127.0.0.1:9',
      'accessKeyId=wrong',
      'accessKeySecret=wrong',
      '[profile local]',
      `endpoint = ${server.endpoint}`,
      `accessKeyId = "${server.credentials.accessKeyId}"`,
      `accessKeySecret = "${server.credentials.accessKeySecret}"`,
      '',
    ].join('\n'),
  );
  try {
    const r = await runCli(['ls'], { ...box.env, OSS_PROFILE: 'local' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /oss:\/\/flags-test\n/);
    const missing = await runCli(['ls'], { ...box.env, OSS_PROFILE: 'nope' });
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /OSS_PROFILE=nope: .*\.ossutilconfig has no \[profile nope\] section\nhint: unset OSS_PROFILE/,
    );
  } finally {
    await writeFile(join(box.home, '.ossutilconfig'), '');
  }
});
