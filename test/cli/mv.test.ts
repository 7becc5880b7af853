// `ossup mv` through the built CLI, every direction: the source is gone only after its copy is verified, and a copy
// that fails leaves its source where it was.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  lastJson,
  objectBytes,
  runCli,
  startCliServer,
  stopCliServer,
  STACK,
  type CliServer,
} from '../../harness/cli.js';

let env: CliServer;
const ossup = (...a: string[]) => runCli([...a, '--endpoint', env.server.endpoint], env.box.env);
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

before(async () => {
  env = await startCliServer('mv-a');
  await env.client.putBucket('mv-b');
});
after(() => stopCliServer(env));

const bytesOf = (bucket: string, key: string) => objectBytes(env.client, bucket, key);
const keys = async (bucket: string, prefix: string) =>
  (await env.client.listObjects(bucket, { prefix })).objects.map((o) => o.key).sort();

test('mv one file up, down and across buckets: each hop lands byte for byte and its source is gone', async () => {
  const data = randomBytes(5000);
  const file = join(env.box.dir, 'report.bin');
  await writeFile(file, data);
  let r = await ossup('mv', file, 'oss://mv-a/in/');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^moved .*report\.bin to oss:\/\/mv-a\/in\/report\.bin \(4\.9 KiB, CRC-64 verified/);
  assert.equal(await exists(file), false);
  assert.ok((await bytesOf('mv-a', 'in/report.bin')).equals(data));

  r = await ossup('mv', 'oss://mv-a/in/report.bin', 'oss://mv-b/kept.bin', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = lastJson(r.stdout);
  assert.equal(j.op, 'copy');
  assert.equal(j.key, 'kept.bin');
  assert.deepEqual(await keys('mv-a', 'in/'), []);
  assert.ok((await bytesOf('mv-b', 'kept.bin')).equals(data));

  const outDir = join(env.box.dir, 'out');
  await mkdir(outDir);
  r = await ossup('mv', 'oss://mv-b/kept.bin', `${outDir}/`);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((await readFile(join(outDir, 'kept.bin'))).equals(data));
  assert.deepEqual(await keys('mv-b', 'kept.bin'), []);
});

test('a failed copy leaves the source: a missing bucket, a blocked download path, a missing object', async () => {
  const file = join(env.box.dir, 'stays.txt');
  await writeFile(file, 'stays');
  let r = await ossup('mv', file, 'oss://mv-nosuch/stays.txt');
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal(await readFile(file, 'utf8'), 'stays');

  await env.client.putObject('mv-a', 'tree/one.txt', Buffer.from('one'));
  await env.client.putObject('mv-a', 'tree/sub/two.txt', Buffer.from('two'));
  await env.client.putObject('mv-a', 'tree/blocked', Buffer.from('cannot land'));
  const dir = join(env.box.dir, 'down');
  await mkdir(join(dir, 'blocked', 'in-the-way'), { recursive: true });
  r = await ossup('mv', '-r', 'oss://mv-a/tree/', dir);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /oss:\/\/mv-a\/tree\/blocked/);
  assert.deepEqual(await keys('mv-a', 'tree/'), ['tree/blocked'], 'only the failed one is left');
  assert.equal(await readFile(join(dir, 'sub', 'two.txt'), 'utf8'), 'two');

  r = await ossup('mv', 'oss://mv-a/nothing-here', join(env.box.dir, 'nothing'));
  assert.equal(r.code, 1);
  assert.equal(await exists(join(env.box.dir, 'nothing')), false);
});

test('mv -r a directory up (emptied folders go, the top stays), then a prefix across buckets; --dry-run moves nothing', async () => {
  const dir = join(env.box.dir, 'up');
  await mkdir(join(dir, 'a', 'b'), { recursive: true });
  await writeFile(join(dir, 'top.txt'), 'top');
  await writeFile(join(dir, 'a', 'b', 'deep.txt'), 'deep');
  let r = await ossup('mv', '-r', dir, 'oss://mv-a/up/', '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await keys('mv-a', 'up/'), []);
  assert.equal(await readFile(join(dir, 'top.txt'), 'utf8'), 'top');

  r = await ossup('mv', '-r', dir, 'oss://mv-a/up/');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^moved 2 files/m);
  assert.deepEqual(await readdir(dir), []);
  assert.deepEqual(await keys('mv-a', 'up/'), ['up/a/b/deep.txt', 'up/top.txt']);

  // One object is already at the destination with the same bytes: not sent again, but its source still goes.
  await env.client.putObject('mv-b', 'moved/top.txt', Buffer.from('top'));
  r = await ossup('mv', '-r', 'oss://mv-a/up/', 'oss://mv-b/moved/', '--json');
  assert.equal(r.code, 0, r.stderr);
  const actions = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { action: string }).action)
    .sort();
  assert.deepEqual(actions, ['copy', 'skip']);
  assert.deepEqual(await keys('mv-a', 'up/'), []);
  assert.equal(String(await bytesOf('mv-b', 'moved/a/b/deep.txt')), 'deep');
});

test('mv refuses what cannot be moved safely: a stream, --range, an object onto itself', async () => {
  for (const [a, message] of [
    [['mv', '-', 'oss://mv-a/x'], /a stream \(-\) has no source to remove/],
    [['mv', 'oss://mv-a/x', join(env.box.dir, 'x'), '--range', '0-9'], /--range does not apply to mv/],
    [['mv', 'oss://mv-a/d/x', 'oss://mv-a/d/', '--meta', 'a=b'], /oss:\/\/mv-a\/d\/x is both source and destination/],
  ] as Array<[string[], RegExp]>) {
    const r = await ossup(...a);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.split('\n')[0]!, message);
  }
});
