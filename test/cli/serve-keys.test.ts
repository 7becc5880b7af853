// `ossup serve` keeps its key pair across starts, and every command finds it for the served endpoint: the path
// `sign`'s hint sends a user down (issue 24, item 1) must end in a working URL.
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { finished, runCli, sandbox, spawnCli } from '../../harness/cli.js';

/** Starts `ossup serve --port 0 ...` and waits for its ready line; resolves with the endpoint and what it printed. */
async function startServe(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawnCli(['serve', '--port', '0', ...args], env);
  const done = finished(child);
  let out = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (s: Buffer | string) => {
      out += String(s);
      const m = /^ossup serve: listening on (\S+) /m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('close', () => reject(new Error(`serve exited before it was ready: ${out}`)));
  });
  const keyId = /OSS_ACCESS_KEY_ID=(\S+)/.exec(out)?.[1];
  const stop = async () => {
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
  };
  return { endpoint, out, keyId, stop };
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (s: string) => (body += s));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

test("sign's hint leads to a working URL: serve keeps the embedded keys, and --endpoint finds them", async () => {
  const box = await sandbox();
  try {
    const file = join(box.dir, 'a.txt');
    await writeFile(file, 'hello from the embedded store');
    assert.equal((await runCli(['cp', file, 'oss://demo/a.txt'], box.env)).code, 0);

    const refused = await runCli(['sign', 'oss://demo/a.txt'], box.env);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /hint: start `ossup serve` .*ossup sign --endpoint http:\/\/127\.0\.0\.1:9000 oss:\/\/demo\/a\.txt/,
    );

    const first = await startServe([], box.env);
    const kept = join(box.ossupHome, 'embedded-credentials.json');
    assert.match(
      first.out,
      new RegExp(
        `^ossup serve: credentials OSS_ACCESS_KEY_ID=\\S+ OSS_ACCESS_KEY_SECRET=\\S+ \\(kept in ${kept.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`,
        'm',
      ),
    );
    const signed = await runCli(['sign', '--endpoint', first.endpoint, 'oss://demo/a.txt'], box.env);
    assert.equal(signed.code, 0, signed.stderr);
    assert.deepEqual(await get(signed.stdout.trim()), { status: 200, body: 'hello from the embedded store' });
    const ls = await runCli(
      ['ls', '--endpoint', first.endpoint.replace('127.0.0.1', 'localhost'), 'oss://demo'],
      box.env,
    );
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /oss:\/\/demo\/a\.txt/);
    await first.stop();

    // Stopped: nothing serves that endpoint any more, so its keys are no longer offered.
    const gone = await runCli(['ls', '--endpoint', first.endpoint], box.env);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /no credentials for/);

    const second = await startServe([], box.env);
    assert.equal(second.keyId, first.keyId, 'the same keys after a restart');
    await second.stop();
    const renewed = await startServe(['--new-keys'], box.env);
    assert.notEqual(renewed.keyId, first.keyId);
    const after = await runCli(['ls', '--endpoint', renewed.endpoint, 'oss://demo'], box.env);
    assert.equal(after.code, 0, after.stderr);
    await renewed.stop();
    // The embedded default serves the same data with the renewed pair.
    assert.equal((await runCli(['ls', 'oss://demo'], box.env)).code, 0);
  } finally {
    await box.cleanup();
  }
});

test('serve --root DIR keeps its keys in DIR/server/credentials.json; keys given are never written', async () => {
  const box = await sandbox();
  try {
    const root = join(box.dir, 'root');
    const a = await startServe(['--root', root], box.env);
    assert.match(a.out, /\(kept in .*root\/server\/credentials\.json\)/);
    await a.stop();
    const b = await startServe(['--root', root], box.env);
    assert.equal(b.keyId, a.keyId);
    await b.stop();
    const given = await startServe(['--root', root], {
      ...box.env,
      OSS_ACCESS_KEY_ID: 'id',
      OSS_ACCESS_KEY_SECRET: 's',
    });
    assert.doesNotMatch(given.out, /OSS_ACCESS_KEY_ID=/);
    const r = await runCli(['ls', '--endpoint', given.endpoint], box.env);
    assert.equal(r.code, 2, 'keys given to serve are not recorded for others');
    await given.stop();
    const both = await runCli(['serve', '--new-keys', '--access-key-id', 'x', '--access-key-secret', 'y'], box.env);
    assert.equal(both.code, 2);
  } finally {
    await box.cleanup();
  }
});
