// `ossup serve` as people run it: prints its endpoint when ready, serves requests, stops cleanly on SIGINT.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { finished, runCli, sandbox, spawnCli } from '../../harness/cli.js';

test('ossup serve: ready line, usable by ossup itself, clean stop on SIGINT', async () => {
  const box = await sandbox();
  try {
    const keys = { OSS_ACCESS_KEY_ID: 'serve-test-id', OSS_ACCESS_KEY_SECRET: 'serve-test-secret' };
    const child = spawnCli(['serve', '--root', join(box.dir, 'root'), '--port', '0'], { ...box.env, ...keys });
    const done = finished(child);
    const endpoint = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (s: string) => {
        out += s;
        const m = /^ossup serve: listening on (\S+) /m.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('close', () => reject(new Error(`serve exited before it was ready: ${out}`)));
    });
    const env = { ...box.env, ...keys, OSS_ENDPOINT: endpoint };
    assert.equal((await runCli(['mb', 'oss://served'], env)).code, 0);
    const ls = await runCli(['ls'], env);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /oss:\/\/served\n/);
    assert.equal(ls.stderr, '', 'an endpoint is configured: no embedded-server note');

    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ossup serve: stopped/);
  } finally {
    await box.cleanup();
  }
});

test('ossup serve refuses a bad port with exit 2', async () => {
  const box = await sandbox();
  try {
    const r = await runCli(['serve', '--port', 'http'], box.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port "http" is not a port number/);
  } finally {
    await box.cleanup();
  }
});
