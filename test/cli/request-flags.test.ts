// --profile and -c/--config (which config file and section), --retries, --timeout and -v, through the built CLI.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { controlChars, runCli, STACK, startCliServer, stopCliServer, type CliServer } from '../../harness/cli.js';
import { startFaultProxy } from '../../harness/fault-proxy.js';

const BUCKET = 'request-flags';
let cli: CliServer;
before(async () => {
  cli = await startCliServer(BUCKET);
});
after(() => stopCliServer(cli));

/** The sandbox without the keys in the environment: only the config file can supply them. */
const bareEnv = () => {
  const env = { ...cli.box.env };
  delete env.OSS_ACCESS_KEY_ID;
  delete env.OSS_ACCESS_KEY_SECRET;
  return env;
};

test('-c FILE and --profile NAME pick the config file and its section', async () => {
  const file = join(cli.box.dir, 'other.ini');
  const { accessKeyId, accessKeySecret } = cli.server.credentials;
  await writeFile(
    file,
    '[Credentials]\nendpoint = http://127.0.0.1:1\naccessKeyID = wrong\naccessKeySecret = wrong\n\n' +
      `[profile local]\nendpoint = ${cli.server.endpoint}\naccessKeyID = ${accessKeyId}\naccessKeySecret = ${accessKeySecret}\n`,
  );
  const r = await runCli(['ls', '-c', file, '--profile', 'local'], bareEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /oss:\/\/request-flags/);
  const long = await runCli(['ls', '--config', file, '--profile', 'local', `oss://${BUCKET}`], bareEnv());
  assert.equal(long.code, 0, long.stderr);

  const missing = await runCli(['ls', '-c', file, '--profile', 'nope'], bareEnv());
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--profile nope: .*other\.ini has no \[profile nope\] section/);
  const noFile = await runCli(['ls', '-c', join(cli.box.dir, 'absent.ini')], bareEnv());
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /--config .*absent\.ini: no such file/);
  assert.doesNotMatch(noFile.stderr, STACK);
});

/** A port with nothing listening: every connection is refused (a retryable failure). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('--retries N retries a failing request N times, -v says so; bad values are usage errors', async () => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const two = await runCli(['ls', '--endpoint', endpoint, '--retries', '2', '-v'], cli.box.env);
  assert.equal(two.code, 1, two.stderr);
  assert.equal(two.stderr.match(/retrying in/g)?.length, 2, two.stderr);
  const none = await runCli(['ls', '--endpoint', endpoint, '--retries', '0', '-v'], cli.box.env);
  assert.equal(none.code, 1);
  assert.doesNotMatch(none.stderr, /retrying in/);
  for (const [flag, value] of [
    ['--retries', '-1'],
    ['--retries', 'many'],
    ['--timeout', '10'],
  ]) {
    const bad = await runCli(['ls', '--endpoint', endpoint, flag!, value!], cli.box.env);
    assert.equal(bad.code, 2, `${flag} ${value}`);
    assert.match(bad.stderr, new RegExp(flag!));
  }
});

test('--timeout fails a request on which nothing moves, instead of the 5 minute default', async () => {
  const held: Socket[] = [];
  const silent: Server = createServer((socket) => held.push(socket)); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const port = (silent.address() as { port: number }).port;
    const r = await runCli(
      ['ls', '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '1s', '--retries', '0'],
      cli.box.env,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ossup: /);
    assert.doesNotMatch(r.stderr, STACK);
  } finally {
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test('--stats prints the totals every interval off a terminal; --log-file keeps stderr, timestamped, without control characters', async () => {
  const proxy = await startFaultProxy(
    { host: cli.server.server.host, port: cli.server.server.port },
    { rate: 1, kinds: ['slow-request'], bytesPerSecond: 100 * 1024 },
  );
  try {
    const dir = join(cli.box.dir, 'stats');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'slow.bin'), randomBytes(400 * 1024)); // about 4 s through the proxy
    const log = join(cli.box.dir, 'run.log');
    const r = await runCli(
      ['cp', '-r', dir, `oss://${BUCKET}/stats/`, '--endpoint', proxy.endpoint, '--stats', '1s', '-v'],
      cli.box.env,
    );
    assert.equal(r.code, 0, r.stderr);
    const stats = r.stderr.match(/^ossup: stats: files \d+\/1, .* failed$/gm) ?? [];
    assert.ok(stats.length >= 2, r.stderr);

    const logged = await runCli(
      ['cp', '-r', dir, `oss://${BUCKET}/stats2/`, '--endpoint', cli.server.endpoint, '-v', '--log-file', log],
      cli.box.env,
    );
    assert.equal(logged.code, 0, logged.stderr);
    const text = await readFile(log, 'utf8');
    assert.match(
      text,
      /^\d{4}-\d\d-\d\dT[\d:.]+Z ossup: uploaded .*slow\.bin to oss:\/\/request-flags\/stats2\/slow\.bin \(new\)$/m,
    );
    assert.deepEqual(controlChars(text), []);
    const bad = await runCli(['ls', '--endpoint', cli.server.endpoint, '--stats', '1s'], cli.box.env);
    assert.equal(bad.code, 2);
  } finally {
    await proxy.close();
  }
});

test('--bwlimit caps the whole run: two files in parallel share the rate, both ways, and arrive whole', async () => {
  const dir = join(cli.box.dir, 'bw');
  await mkdir(dir, { recursive: true });
  const a = randomBytes(200 * 1024);
  await writeFile(join(dir, 'a.bin'), a);
  await writeFile(join(dir, 'b.bin'), randomBytes(200 * 1024));
  const ossup = (...args: string[]) => runCli([...args, '--endpoint', cli.server.endpoint], cli.box.env);
  // 400 KiB at 100 KiB/s: at least ~3.75 s whatever the parallelism (a quarter second may go as a burst).
  let started = Date.now();
  const up = await ossup('cp', '-r', dir, `oss://${BUCKET}/bw/`, '--bwlimit', '100KiB', '-j', '2', '-q');
  assert.equal(up.code, 0, up.stderr);
  assert.ok(Date.now() - started >= 3000, `upload took ${Date.now() - started} ms`);
  started = Date.now();
  const back = join(cli.box.dir, 'bw-a.bin');
  const down = await ossup('cp', `oss://${BUCKET}/bw/a.bin`, back, '--bwlimit', '100K', '-q');
  assert.equal(down.code, 0, down.stderr);
  assert.ok(Date.now() - started >= 1500, `download took ${Date.now() - started} ms`);
  assert.ok((await readFile(back)).equals(a));
  const bad = await ossup('cp', join(dir, 'a.bin'), `oss://${BUCKET}/bw/x`, '--bwlimit', 'fast');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--bwlimit: "fast" is not a size/);
});
