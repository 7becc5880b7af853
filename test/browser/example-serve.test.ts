// examples/browser/serve.js, the README's one-line command for the example page: it prints where the page is,
// serves the page and the browser module on one origin, hands out credentials the OSS server on another origin
// accepts, allows the page's origin by CORS, serves nothing else of the repository, and stops on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { REPO } from '../../harness/cli.js';
import { send } from '../../harness/oss-http.js';
import { OssClient } from '../../src/client/index.js';

test('serve.js: page, credentials, CORS for the page origin, nothing else served, clean stop', {
  timeout: 60_000,
}, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-example-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const child = spawn(process.execPath, [join(REPO, 'examples/browser/serve.js'), '--port', '0', '--root', root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  const m =
    /^ossup browser example: open (http:\/\/127\.0\.0\.1:\d+)\/ \(OSS (http:\/\/127\.0\.0\.1:\d+), bucket uploads, /.exec(
      String(first.value),
    );
  assert.ok(m, `first line: ${String(first.value)} / stderr: ${stderr}`);
  assert.match(String(first.value), new RegExp(`data in ${root}\\)`));
  const [, page, endpoint] = m as unknown as [string, string, string];

  const home = await fetch(`${page}/`, { redirect: 'manual' });
  assert.equal(home.status, 302);
  assert.equal(home.headers.get('location'), '/examples/browser/');
  const html = await fetch(`${page}/examples/browser/`);
  assert.equal(html.status, 200);
  assert.match(await html.text(), /<script type="module" src="\.\/app\.js"><\/script>/);
  const app = await (await fetch(`${page}/examples/browser/app.js`)).text();
  assert.match(app, /from '\/dist\/browser\/ossup\.js'/);
  for (const path of ['/package.json', '/dist/src/index.js', '/examples/browser/%2e%2e/%2e%2e/package.json'])
    assert.equal((await fetch(`${page}${path}`)).status, 404, path);

  const config = (await (await fetch(`${page}/config.json`)).json()) as { endpoint: string; bucket: string };
  assert.deepEqual(config, { endpoint, bucket: 'uploads' });
  const sts = (await (await fetch(`${page}/sts`)).json()) as Record<string, string>;
  assert.ok(sts.securityToken, 'temporary credentials carry a token');
  const client = new OssClient({ endpoint, credentials: sts as never });
  t.after(() => client.close());
  await client.putObject('uploads', 'from-test.txt', 'hello');
  assert.equal((await client.headObject('uploads', 'from-test.txt')).size, 5);

  for (const origin of [page, page.replace('127.0.0.1', 'localhost')]) {
    const pre = await send(endpoint, 'OPTIONS', '/uploads/big.bin?uploads', {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, x-oss-date, x-oss-security-token',
    });
    assert.equal(pre.status, 200, `${origin}: ${pre.text}`);
    assert.match(String(pre.headers['access-control-expose-headers']), /x-oss-hash-crc64ecma/);
  }
  const other = await send(endpoint, 'OPTIONS', '/uploads/big.bin?uploads', {
    origin: 'http://127.0.0.1:1',
    'access-control-request-method': 'POST',
  });
  assert.equal(other.status, 403);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.equal((await lines.next()).value, 'ossup browser example: stopped');
});

test('serve.js: a bad --port is one usage line and exit 2', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, [join(REPO, 'examples/browser/serve.js'), '--port', 'x'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
  assert.equal(code, 2);
  assert.equal(
    stderr,
    'examples/browser/serve.js: usage: node examples/browser/serve.js [--port N] [--root DIR] (N from 0 to 65535, 0 = any free port)\n',
  );
});
