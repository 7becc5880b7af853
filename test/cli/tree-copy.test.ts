// `cp -r` and `sync` between two oss:// prefixes, through the built CLI: server-side copies byte for byte with their
// metadata, reruns that skip, filters, --dry-run, --checksum, --delete, a multipart copy resumed after SIGKILL, and
// overlapping prefixes refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  finished,
  objectBytes,
  runCli,
  spawnCli,
  startCliServer,
  stopCliServer,
  STACK,
  type CliServer,
} from '../../harness/cli.js';

let env: CliServer;
const args = (...a: string[]) => [...a, '--endpoint', env.server.endpoint];
const ossup = (...a: string[]) => runCli(args(...a), env.box.env);
const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

before(async () => {
  env = await startCliServer('tc-src');
  await env.client.putBucket('tc-dst');
});
after(() => stopCliServer(env));

const bytesOf = (bucket: string, key: string) => objectBytes(env.client, bucket, key);

async function keys(bucket: string, prefix: string): Promise<string[]> {
  return (await env.client.listObjects(bucket, { prefix })).objects.map((o) => o.key);
}

test('cp -r between buckets copies every object with its metadata; a rerun skips all; --json says copy', async () => {
  const files: Record<string, Buffer> = {
    'top.txt': Buffer.from('top'),
    'ünï/数据/naïve café.bin': randomBytes(3000),
    'deep/a/b/leaf': randomBytes(10),
    empty: Buffer.alloc(0),
  };
  for (const [rel, data] of Object.entries(files))
    await env.client.putObject('tc-src', `photos/${rel}`, data, { contentType: 'image/x-demo', meta: { owner: 'al' } });
  await env.client.putObject('tc-src', 'photos2/not-me', Buffer.from('outside the folder'));
  const r = await ossup('cp', '-r', 'oss://tc-src/photos', 'oss://tc-dst/backup/', '--json');
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 4);
  for (const l of lines) {
    assert.equal(l.op, 'copy');
    assert.equal(l.action, 'copy');
    assert.equal(l.bucket, 'tc-dst');
    assert.equal(l.file, `oss://tc-src/photos/${String(l.key).slice('backup/'.length)}`);
  }
  assert.deepEqual(
    (await keys('tc-dst', 'backup/')).sort(),
    Object.keys(files)
      .map((k) => `backup/${k}`)
      .sort(),
  );
  for (const [rel, data] of Object.entries(files)) {
    assert.ok((await bytesOf('tc-dst', `backup/${rel}`)).equals(data), rel);
    const head = await env.client.headObject('tc-dst', `backup/${rel}`);
    assert.equal(head.contentType, 'image/x-demo');
    assert.equal(head.meta.owner, 'al');
    assert.match(head.meta.mtime ?? '', /^\d+\.\d{3}$/, 'the source Last-Modified is kept as mtime');
  }
  const again = await ossup('cp', '-r', 'oss://tc-src/photos/', 'oss://tc-dst/backup');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^copied 0 files \(0 B in .*\), 4 up to date$/m);
  // A sync right after the copy finds the same size and mtime everywhere: nothing is copied again.
  const sync = await ossup('sync', 'oss://tc-src/photos/', 'oss://tc-dst/backup/', '--json');
  assert.equal(sync.code, 0, sync.stderr);
  assert.deepEqual(
    jsonLines(sync.stdout).map((l) => l.action),
    ['skip', 'skip', 'skip', 'skip'],
  );
});

test('sync between prefixes in one bucket: filters, --dry-run changes nothing, --checksum, --delete', async () => {
  await env.client.putObject('tc-src', 'site/index.html', Buffer.from('<h1>v1</h1>'));
  await env.client.putObject('tc-src', 'site/app.js', Buffer.from('one()'));
  await env.client.putObject('tc-src', 'site/cache/x.tmp', Buffer.from('tmp'));
  let r = await ossup('sync', 'oss://tc-src/site/', 'oss://tc-src/live/', '--exclude', '*.tmp');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^copied 2 files/m);
  assert.deepEqual((await keys('tc-src', 'live/')).sort(), ['live/app.js', 'live/index.html']);

  // Same size, same recorded mtime, other bytes: only --checksum sees it.
  const live = await env.client.headObject('tc-src', 'live/index.html');
  await env.client.putObject('tc-src', 'site/index.html', Buffer.from('<h1>v2</h1>'), { meta: live.meta });
  await env.client.putObject('tc-src', 'live/stale.html', Buffer.from('only at the destination'));
  r = await ossup('sync', 'oss://tc-src/site/', 'oss://tc-src/live/', '--exclude', '*.tmp', '--delete');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /copied 0 files .*2 up to date, deleted 1/);
  assert.equal(String(await bytesOf('tc-src', 'live/index.html')), '<h1>v1</h1>');

  r = await ossup('sync', 'oss://tc-src/site/', 'oss://tc-src/live/', '--exclude', '*.tmp', '--checksum', '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^would copy oss:\/\/tc-src\/site\/index\.html to oss:\/\/tc-src\/live\/index\.html \(CRC-64 differs\)$/m,
  );
  assert.match(r.stdout, /^would copy 1 file \(11 B\), 1 up to date$/m);
  assert.equal(String(await bytesOf('tc-src', 'live/index.html')), '<h1>v1</h1>', '--dry-run changed nothing');

  r = await ossup('sync', 'oss://tc-src/site/', 'oss://tc-src/live/', '--exclude', '*.tmp', '--checksum', '--json');
  assert.equal(r.code, 0, r.stderr);
  const copied = jsonLines(r.stdout).filter((l) => l.action === 'copy');
  assert.deepEqual(
    copied.map((l) => l.key),
    ['live/index.html'],
  );
  assert.equal(String(await bytesOf('tc-src', 'live/index.html')), '<h1>v2</h1>');
  assert.deepEqual((await keys('tc-src', 'live/')).sort(), ['live/app.js', 'live/index.html']);
});

test('SIGKILL during a tree copy of a multipart object, then the same command resumes it', async () => {
  const PART = 100 * 1024;
  const data = randomBytes(40 * PART);
  await env.client.putObject('tc-src', 'big/huge.bin', data);
  await env.client.putObject('tc-src', 'big/small.txt', Buffer.from('small'));
  const cmd = args('cp', '-r', 'oss://tc-src/big/', 'oss://tc-dst/big/', '--part-size', '100KiB', '-j', '1');
  const cmdParallel1 = [...cmd, '--parallel', '1', '--json'];
  const child = spawnCli(cmdParallel1, env.box.env);
  const done = finished(child);
  const partsOnServer = async () => {
    const up = (await env.client.listMultipartUploads('tc-dst')).uploads[0];
    return up ? (await env.client.listParts('tc-dst', up.key, up.uploadId)).parts.length : 0;
  };
  for (let i = 0; i < 500 && (await partsOnServer()) < 4; i++) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGKILL');
  await done;
  assert.ok((await partsOnServer()) >= 4, 'parts were copied before the kill');
  const r = await runCli(cmdParallel1, env.box.env);
  assert.equal(r.code, 0, r.stderr);
  const huge = jsonLines(r.stdout).find((l) => l.key === 'big/huge.bin');
  assert.ok(huge && (huge.resumedBytes as number) > 0, `resumed: ${r.stdout}`);
  assert.equal(huge.parts, 40);
  assert.ok((await bytesOf('tc-dst', 'big/huge.bin')).equals(data));
  assert.equal(String(await bytesOf('tc-dst', 'big/small.txt')), 'small');
  assert.equal((await env.client.listMultipartUploads('tc-dst')).uploads.length, 0);
});

test('prefixes that overlap, and flags a server-side copy cannot honour, are exit 2 before any request', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['cp', '-r', 'oss://tc-src/a/', 'oss://tc-src/a/'], /oss:\/\/tc-src\/a\/ is both source and destination/],
    [['sync', 'oss://tc-src/a', 'oss://tc-src/a/b/'], /overlap \(one is inside the other\)/],
    [['sync', 'oss://tc-src/', 'oss://tc-src/backup/'], /overlap/],
    [['cp', '-r', 'oss://tc-src/a/', 'oss://tc-dst/a/', '--content-type', 'x/y'], /--content-type does not apply/],
  ];
  for (const [a, message] of cases) {
    const r = await ossup(...a);
    assert.equal(r.code, 2, `${a.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0]!, message);
    assert.doesNotMatch(r.stderr, STACK);
  }
});
