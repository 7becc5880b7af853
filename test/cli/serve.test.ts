// `ossup serve` as people run it: prints its endpoint when ready, serves requests, stops cleanly on SIGINT.
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { finished, runCli, sandbox, spawnCli } from '../../harness/cli.js';

/** The endpoint of `ossup serve`'s ready line (the output contract in src/server/serve.ts). */
function readyEndpoint(child: ReturnType<typeof spawnCli>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (s: string) => {
      out += s;
      const m = /^ossup serve: listening on (\S+) /m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('close', () => reject(new Error(`serve exited before it was ready: ${out}`)));
  });
}

const SERVE_KEYS = { OSS_ACCESS_KEY_ID: 'serve-test-id', OSS_ACCESS_KEY_SECRET: 'serve-test-secret' };

/** Starts `ossup serve` with `flags`, makes `bucket`, and presigns a PUT of `bucket/k` (`ossup sign`). */
async function servedPutUrl(box: { dir: string; env: NodeJS.ProcessEnv }, flags: string[], bucket: string) {
  const child = spawnCli(['serve', '--root', join(box.dir, 'root'), '--port', '0', ...flags], {
    ...box.env,
    ...SERVE_KEYS,
  });
  const done = finished(child);
  const endpoint = await readyEndpoint(child);
  const env = { ...box.env, ...SERVE_KEYS, OSS_ENDPOINT: endpoint };
  assert.equal((await runCli(['mb', `oss://${bucket}`], env)).code, 0);
  const signed = await runCli(['sign', `oss://${bucket}/k`, '--method', 'PUT'], env);
  assert.equal(signed.code, 0, signed.stderr);
  return { child, done, url: new URL(signed.stdout.trim()) };
}

/**
 * A PUT to `url` on a raw socket announcing `length` body bytes, then `feed` (which returns its own stop); resolves
 * with everything the server sent, once it closes (or after 15 s).
 */
function rawPut(url: URL, length: number, feed: (socket: net.Socket) => () => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let stop = () => {};
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.write(
        `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${length}\r\n\r\n`,
      );
      stop = feed(socket);
    });
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () => {
      stop();
      resolve(got);
    });
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 15_000);
  });
}

test('ossup serve: ready line, usable by ossup itself, clean stop on SIGINT', async () => {
  const box = await sandbox();
  try {
    const keys = { OSS_ACCESS_KEY_ID: 'serve-test-id', OSS_ACCESS_KEY_SECRET: 'serve-test-secret' };
    const child = spawnCli(['serve', '--root', join(box.dir, 'root'), '--port', '0'], { ...box.env, ...keys });
    const done = finished(child);
    const endpoint = await readyEndpoint(child);
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

test('ossup serve --body-timeout: a stalled body gets 400 RequestTimeout after the given time; bad values exit 2', async () => {
  const box = await sandbox();
  let child: ReturnType<typeof spawnCli> | undefined;
  try {
    for (const [flag, value] of [
      ['--body-timeout', '5'],
      ['--idle-timeout', '500ms'],
      ['--max-connections', '0'],
      ['--min-body-rate', 'fast'],
    ] as const) {
      const bad = await runCli(['serve', '--root', join(box.dir, 'root'), '--port', '0', flag, value], box.env);
      assert.equal(bad.code, 2, `${flag} ${value}: ${bad.stderr}`);
      assert.match(bad.stderr, new RegExp(`${flag}`));
    }
    const served = await servedPutUrl(box, ['--body-timeout', '1s', '--max-connections', '8'], 'stall-bucket');
    child = served.child;
    const started = Date.now();
    // 100 bytes announced, 10 sent, then nothing: the server must not wait its default 30 s.
    const answer = await rawPut(served.url, 100, (socket) => {
      socket.write('0123456789');
      return () => {};
    });
    const waited = Date.now() - started;
    assert.match(answer, /^HTTP\/1\.1 400 /, answer.slice(0, 200));
    assert.match(answer, /<Code>RequestTimeout<\/Code>/);
    assert.ok(waited < 10_000, `answered after ${waited} ms`);
    child.kill('SIGINT');
    assert.equal((await served.done).code, 0);
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL'); // a failed assertion must not leave it running
    await box.cleanup();
  }
});

test('ossup serve --min-body-rate: a body dripped at 5 bytes/s gets 400 RequestTimeout within two windows', async () => {
  const box = await sandbox();
  let child: ReturnType<typeof spawnCli> | undefined;
  try {
    const served = await servedPutUrl(box, ['--body-timeout', '1s', '--min-body-rate', '100/s'], 'drip-bucket');
    child = served.child;
    const started = Date.now();
    // One byte every 200 ms: never silent for the 1 s body timeout, but 5 bytes/s against a minimum of 100.
    const answer = await rawPut(served.url, 1000, (socket) => {
      const drip = setInterval(() => socket.write('x'), 200);
      return () => clearInterval(drip);
    });
    const waited = Date.now() - started;
    assert.match(answer, /^HTTP\/1\.1 400 /, answer.slice(0, 200));
    assert.match(answer, /<Code>RequestTimeout<\/Code>/);
    assert.ok(waited < 8_000, `answered after ${waited} ms`);
    child.kill('SIGINT');
    assert.equal((await served.done).code, 0);
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await box.cleanup();
  }
});
