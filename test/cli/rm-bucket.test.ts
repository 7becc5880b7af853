// `rm -r` of a whole bucket: asked first (y/N) on a terminal, refused off one without --force (-f), as ossutil does.
// A prefix, a filtered or a dry run is not asked about. The terminal cases run under script(1) for a pseudo-terminal.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { finished, OSSUP, runCli, STACK, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';

const BUCKET = 'rm-bucket';
let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

before(async () => {
  ({ server, box, client } = await startCliServer(BUCKET));
});
after(() => stopCliServer({ server, box, client }));

async function fill(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await client.putObject(BUCKET, `k${i}`, Buffer.from(String(i)));
}
async function count(): Promise<number> {
  return (await client.listObjects(BUCKET, { maxKeys: 1000 })).objects.length;
}

test('off a terminal: rm -r oss://bucket refuses without --force and deletes nothing; -f / --force deletes all', async () => {
  await fill(5);
  for (const url of [`oss://${BUCKET}`, `oss://${BUCKET}/`]) {
    const r = await ossup('rm', '-r', url);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /deletes every object in the bucket; off a terminal nothing can ask first, so it needs --force \(-f\)/,
    );
    assert.doesNotMatch(r.stderr, STACK);
    assert.equal(await count(), 5, 'nothing deleted');
  }
  // A dry run and a prefix are not asked about.
  const dry = await ossup('rm', '-r', `oss://${BUCKET}`, '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would delete 5 objects/);
  const r = await ossup('rm', '-r', `oss://${BUCKET}/`, '-f');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await count(), 0);
  await fill(2);
  const long = await ossup('rm', '-r', `oss://${BUCKET}`, '--force', '--json');
  assert.equal(long.code, 0, long.stderr);
  assert.equal(await count(), 0);
});

for (const [answer, deleted] of [
  ['y', true],
  ['n', false],
  ['', false],
] as const) {
  test(`on a terminal: rm -r oss://bucket asks y/N; "${answer}" ${deleted ? 'deletes' : 'deletes nothing'}`, {
    skip: !hasScript && 'script(1) not installed',
  }, async () => {
    await fill(3);
    const cmd = [process.execPath, OSSUP, 'rm', '-r', `oss://${BUCKET}`, '--endpoint', server.endpoint];
    // Not spawnSync: the server runs in this process and must go on answering.
    const child = spawn('script', ['-q', '-e', '-c', cmd.map((a) => JSON.stringify(a)).join(' '), '/dev/null'], {
      env: { ...box.env, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(`${answer}\n`);
    const tty = await finished(child);
    assert.match(tty.stdout, /rm -r oss:\/\/rm-bucket\/ deletes every object in the bucket\. Continue\? \[y\/N\]/);
    if (deleted) {
      assert.equal(tty.code, 0, tty.stdout);
      assert.match(tty.stdout, /deleted 3 objects under oss:\/\/rm-bucket\//);
      assert.equal(await count(), 0);
    } else {
      assert.equal(tty.code, 1, tty.stdout);
      assert.match(tty.stdout, /not confirmed; nothing was deleted/);
      assert.equal(await count(), 3);
      await client.deleteObjects(BUCKET, ['k0', 'k1', 'k2']);
    }
  });
}
