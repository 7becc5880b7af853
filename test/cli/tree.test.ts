// Whole trees through the built CLI against a real server: cp -r both ways, tree-level resume after SIGKILL and
// SIGINT, one failing file among good ones, and the bad input refused before any transfer.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { controlChars, finished, runCli, sandbox, spawnCli, STACK, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let proxy: FaultProxy;
let box: Sandbox;
let client: OssClient;
const BUCKET = 'tree-test';
const PASS = { rate: 0, kinds: [] };

before(async () => {
  server = await startTestServer();
  proxy = await startFaultProxy({ host: server.server.host, port: server.server.port }, PASS);
  box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket(BUCKET);
});
after(async () => {
  await client.close();
  await proxy.close();
  await server.close();
  await box.cleanup();
});

const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Line {
  op: string;
  action: string;
  key: string;
  file: string;
  size: number;
  transferredBytes: number;
  resumedBytes: number;
  crc64: string;
  dryRun?: boolean;
}
const lines = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

async function stored(key: string): Promise<Buffer> {
  const res = await client.getObject(BUCKET, key);
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Writes `files` (relative path -> bytes) under `dir`. */
async function makeTree(dir: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [rel, bytes] of Object.entries(files)) {
    await mkdir(join(dir, ...rel.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(dir, ...rel.split('/')), bytes);
  }
}

test('cp -r round-trips a tree byte for byte (nested, spaces, non-ASCII, empty, multipart), mtimes restored; reruns skip all', async () => {
  const files: Record<string, Buffer | string> = {
    'top.txt': 'top',
    'with space/inner file.txt': 'spaced',
    'ünï/数据/naïve café.bin': randomBytes(3000),
    'deep/a/b/c/d/leaf': randomBytes(10),
    empty: '',
    'big/multi.bin': randomBytes(3 * 1024 * 1024 + 17),
    'a-b': 'sorts before a/ in UTF-8',
    'a/x': 'inside a/',
  };
  const src = join(box.dir, 'rt-src');
  await makeTree(src, files);

  const up = await ossup('cp', '-r', src, `oss://${BUCKET}/rt`, '--json');
  assert.equal(up.code, 0, up.stderr);
  assert.deepEqual(controlChars(up.stdout + up.stderr), []);
  const sent = lines(up.stdout);
  assert.deepEqual(
    sent.map((l) => l.key).sort(),
    Object.keys(files)
      .map((r) => `rt/${r}`)
      .sort(),
  );
  for (const l of sent) {
    assert.equal(l.action, 'upload');
    assert.equal(l.op, 'upload');
    assert.equal(l.transferredBytes, l.size);
  }
  for (const [rel, bytes] of Object.entries(files))
    assert.equal(sha(await stored(`rt/${rel}`)), sha(Buffer.from(bytes)), rel);

  const out = join(box.dir, 'rt-out');
  const down = await ossup('cp', '-r', `oss://${BUCKET}/rt/`, out, '--json');
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(
    lines(down.stdout).map((l) => l.action),
    Object.keys(files).map(() => 'download'),
  );
  for (const [rel, bytes] of Object.entries(files)) {
    const local = join(out, ...rel.split('/'));
    assert.equal(sha(await readFile(local)), sha(Buffer.from(bytes)), rel);
    const [a, b] = await Promise.all([stat(local), stat(join(src, ...rel.split('/')))]);
    assert.ok(Math.abs(a.mtimeMs - b.mtimeMs) <= 1, `${rel}: mtime ${a.mtimeMs} restored from ${b.mtimeMs}`);
  }

  // Both reruns find everything complete on the other side: nothing is sent again.
  for (const args of [
    ['cp', '-r', src, `oss://${BUCKET}/rt`],
    ['cp', '-r', `oss://${BUCKET}/rt/`, out],
  ]) {
    const again = await ossup(...args, '--json');
    assert.equal(again.code, 0, again.stderr);
    const ls = lines(again.stdout);
    assert.equal(ls.length, Object.keys(files).length);
    for (const l of ls) {
      assert.equal(l.action, 'skip', `${l.key} skipped`);
      assert.equal(l.transferredBytes, 0);
      assert.match(l.crc64, /^\d+$/);
    }
  }
  const text = await ossup('cp', '-r', src, `oss://${BUCKET}/rt`);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^uploaded 0 files \(0 B in [\d.]+ s\), 8 up to date\n$/);
});

test('SIGKILL part way through cp -r: the rerun sends less than a third of the bytes again, and the tree is complete', async () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 10; i++) files[`f${i}.bin`] = randomBytes(2 * 1024 * 1024 + i);
  const src = join(box.dir, 'kill-src');
  await makeTree(src, files);
  const total = Object.values(files).reduce((n, b) => n + b.length, 0);
  const args = [
    'cp',
    '-r',
    src,
    `oss://${BUCKET}/kill`,
    '--endpoint',
    proxy.endpoint,
    '--jobs',
    '2',
    '--parallel',
    '2',
    '--json',
  ];

  // Request bytes slowed to 2 MiB/s a connection: about 0.5 s a file, so the kill lands with files in flight.
  proxy.setPlan({ rate: 1, kinds: ['slow-request'], bytesPerSecond: 2 * 1024 * 1024 });
  const child = spawnCli(args, box.env);
  const run = finished(child);
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 8 files done in time: ${seen}`)), 60_000);
    child.stdout!.on('data', (s: Buffer | string) => {
      seen += String(s);
      if (seen.split('\n').filter(Boolean).length >= 8) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  const killed = await run;
  assert.equal(killed.signal, 'SIGKILL');

  proxy.setPlan(PASS);
  const again = await runCli(args, box.env);
  assert.equal(again.code, 0, again.stderr);
  const ls = lines(again.stdout);
  assert.equal(ls.length, 10);
  const resent = ls.reduce((n, l) => n + l.transferredBytes, 0);
  assert.ok(resent < total / 3, `sent ${resent} of ${total} bytes again`);
  assert.ok(ls.filter((l) => l.action === 'skip').length >= 8, 'the files done before the kill are skipped');
  assert.ok(
    ls.some((l) => l.action === 'upload'),
    'the kill landed with files still to send',
  );
  for (const [rel, bytes] of Object.entries(files)) assert.equal(sha(await stored(`kill/${rel}`)), sha(bytes), rel);
});

/** Waits until a checkpoint journal in `dir` has grown `growths` times: parts are confirmed and recorded. */
async function waitForRecordedParts(dir: string, growths: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  const seen = new Set<number>();
  while (Date.now() < deadline) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith('.ucp')) continue;
      const size = (await stat(join(dir, name)).catch(() => undefined))?.size;
      if (size !== undefined) seen.add(size);
    }
    if (seen.size > growths) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no checkpoint recorded parts in time');
}

test('SIGINT stops a tree: exit 130 with one line, checkpoints kept; the rerun resumes a large file', async () => {
  const src = join(box.dir, 'int-src');
  const big = randomBytes(8 * 1024 * 1024);
  await makeTree(src, { 'big.bin': big, 'small.txt': 'small' });
  const args = [
    'cp',
    '-r',
    src,
    `oss://${BUCKET}/int`,
    '--endpoint',
    proxy.endpoint,
    '--part-size',
    '256KiB',
    '--parallel',
    '2',
    '--json',
  ];
  proxy.setPlan({ rate: 1, kinds: ['slow-request'], bytesPerSecond: 1024 * 1024 });
  const child = spawnCli(args, box.env);
  const run = finished(child);
  await waitForRecordedParts(join(box.ossupHome, 'checkpoints'), 3);
  child.kill('SIGINT');
  const r1 = await run;
  assert.equal(r1.code, 130, r1.stderr);
  assert.match(r1.stderr, /ossup: interrupted: .*rerun the same command to resume/);
  assert.doesNotMatch(r1.stderr, STACK);

  proxy.setPlan(PASS);
  const r2 = await runCli(args, box.env);
  assert.equal(r2.code, 0, r2.stderr);
  const bigLine = lines(r2.stdout).find((l) => l.key === 'int/big.bin')!;
  assert.equal(bigLine.action, 'upload');
  assert.ok(bigLine.resumedBytes > 0, `resumed ${bigLine.resumedBytes}`);
  assert.equal(sha(await stored('int/big.bin')), sha(big));
});

test('--connections caps the sockets of all files together: --jobs 16 --parallel 8 opens no more than asked', async () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 12; i++) files[`c${i}.bin`] = randomBytes(2 * 1024 * 1024 + i);
  const src = join(box.dir, 'conn-src');
  await makeTree(src, files);
  proxy.setPlan(PASS);
  const before = proxy.stats().connections;
  const r = await runCli(
    [
      'cp',
      '-r',
      src,
      `oss://${BUCKET}/conn`,
      '--endpoint',
      proxy.endpoint,
      '--jobs',
      '16',
      '--parallel',
      '8',
      '--part-size',
      '256KiB',
      '--connections',
      '6',
      '--json',
    ],
    box.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout).length, 12);
  const opened = proxy.stats().connections - before;
  assert.ok(opened >= 1 && opened <= 6, `${opened} connections opened`);
  for (const [rel, bytes] of Object.entries(files)) assert.equal(sha(await stored(`conn/${rel}`)), sha(bytes), rel);
});

test('cp -r down through a flaky link: broken and cut-short bodies are fetched again, every file byte-identical', async () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 20; i++) files[`s${i}.bin`] = randomBytes(5000 + i);
  for (const [rel, bytes] of Object.entries(files)) await client.putObject(BUCKET, `flaky/${rel}`, bytes);
  // At most two faults (the proxy counts them over its life): no file can meet three, the most a small file is tried.
  const before = proxy.stats().faults;
  proxy.setPlan({
    rate: 0.5,
    kinds: ['reset-response', 'truncate-response'],
    maxFaults: before + 2,
    maxOffset: 4096,
    seed: 7,
  });
  const out = join(box.dir, 'flaky-out');
  const r = await runCli(
    ['cp', '-r', `oss://${BUCKET}/flaky`, out, '--endpoint', proxy.endpoint, '--jobs', '4', '--json'],
    box.env,
  );
  const faults = proxy.stats().faults - before;
  proxy.setPlan(PASS);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(faults > 0, 'the proxy injected faults');
  for (const [rel, bytes] of Object.entries(files)) assert.equal(sha(await readFile(join(out, rel))), sha(bytes), rel);
});

test('one failing file leaves the others done: exit 1, the failure listed; the rerun retries only it', async () => {
  const src = join(box.dir, 'fail-src');
  // A key over OSS's 1,023 bytes: that file alone is refused.
  const longRel = `${['d', 'e', 'f', 'g', 'h', 'i'].map((c) => c.repeat(200)).join('/')}/x.txt`;
  await makeTree(src, { 'ok1.txt': 'one', 'ok2.txt': 'two', [longRel]: 'too long a key' });
  const r = await ossup('cp', '-r', src, `oss://${BUCKET}/fail`, '--json');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    lines(r.stdout)
      .map((l) => l.key)
      .sort(),
    ['fail/ok1.txt', 'fail/ok2.txt'],
  );
  assert.match(r.stderr, /ossup: 1 file failed:\n {2}.*x\.txt: .*\(InvalidArgument\)\nhint: rerun the same command/);
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal(String(await stored('fail/ok2.txt')), 'two');

  const again = await ossup('cp', '-r', src, `oss://${BUCKET}/fail`, '--json');
  assert.equal(again.code, 1);
  assert.deepEqual(
    lines(again.stdout).map((l) => l.action),
    ['skip', 'skip'],
  );

  // Downloads: a local file where a directory must go fails that object only.
  await client.putObject(BUCKET, 'dfail/blocked/in.txt', 'blocked');
  await client.putObject(BUCKET, 'dfail/fine.txt', 'fine');
  const out = join(box.dir, 'dfail-out');
  await makeTree(out, { blocked: 'a file, not a directory' });
  const d = await ossup('cp', '-r', `oss://${BUCKET}/dfail`, out, '--json');
  assert.equal(d.code, 1, d.stderr);
  assert.deepEqual(
    lines(d.stdout).map((l) => l.key),
    ['dfail/fine.txt'],
  );
  assert.match(d.stderr, /oss:\/\/tree-test\/dfail\/blocked\/in\.txt: /);
  assert.match(d.stderr, /\nhint: move or remove the blocking file/, 'a rerun alone would fail the same way');
  assert.equal(await readFile(join(out, 'fine.txt'), 'utf8'), 'fine');
});

test('symbolic links: skipped with one note each on stderr; --follow-symlinks sends what they point to, loops cut', async () => {
  const src = join(box.dir, 'links');
  await makeTree(src, { 'real/file.txt': 'real' });
  await symlink(join(src, 'real', 'file.txt'), join(src, 'file-link'));
  await symlink(join(src, 'real'), join(src, 'dir-link'));
  await symlink(src, join(src, 'real', 'loop'));
  const plain = await ossup('cp', '-r', src, `oss://${BUCKET}/links`, '--json');
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(
    lines(plain.stdout).map((l) => l.key),
    ['links/real/file.txt'],
  );
  const notes = plain.stderr.split('\n').filter((l) => l.startsWith('ossup: skipped '));
  assert.equal(notes.length, 3, plain.stderr);
  assert.ok(notes.every((n) => /: symbolic link not followed \(--follow-symlinks follows them\)$/.test(n)));

  const followed = await ossup('cp', '-r', src, `oss://${BUCKET}/links`, '--follow-symlinks', '--json');
  assert.equal(followed.code, 0, followed.stderr);
  assert.deepEqual(
    lines(followed.stdout)
      .map((l) => `${l.action} ${l.key}`)
      .sort(),
    ['skip links/real/file.txt', 'upload links/dir-link/file.txt', 'upload links/file-link'],
  );
  assert.match(followed.stderr, /skipped .*real\/loop: symbolic link loop/);
  assert.equal(String(await stored('links/dir-link/file.txt')), 'real');
});

test('bad input is exit 2 with one clear line, before any transfer', async () => {
  const dir = join(box.dir, 'bad');
  await makeTree(dir, { 'f.txt': 'x' });
  const file = join(dir, 'f.txt');
  const cases: Array<[string[], RegExp]> = [
    [['cp', '-r', file, `oss://${BUCKET}/bad`], /f\.txt is a file; cp -r uploads a directory/],
    [['cp', '-r', `oss://${BUCKET}/rt`, file], /f\.txt is an existing file; cp -r downloads a prefix into a directory/],
    [['sync', dir, join(box.dir, 'elsewhere')], /sync between two local paths is not supported yet/],
    [['sync', `oss://${BUCKET}/a`, `oss://${BUCKET}/a/b`], /sync: oss:\/\/tree-test\/a\/ and .* overlap/],
    [['cp', '-r', dir, `oss://${BUCKET}/bad`, '--include', '[abc'], /--include "\[abc" is not a valid glob/],
    [['cp', '-r', dir, `oss://${BUCKET}/bad`, '--jobs', '0'], /--jobs "0" must be a whole number from 1 to 1000/],
    [['cp', file, `oss://${BUCKET}/bad/f.txt`, '--exclude', '*.txt'], /--exclude applies to whole trees/],
    [
      ['cp', '-r', dir, `oss://${BUCKET}/bad`, '--checkpoint', join(box.dir, 'x.ucp')],
      /--checkpoint names one file's checkpoint/,
    ],
    [['rm', `oss://${BUCKET}/bad/f.txt`, '--dry-run'], /--dry-run applies to rm -r/],
  ];
  for (const [args, message] of cases) {
    const r = await ossup(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0]!, message);
    assert.doesNotMatch(r.stderr, STACK);
    assert.equal(r.stdout, '');
  }
  assert.deepEqual((await client.listObjects(BUCKET, { prefix: 'bad/' })).objects, [], 'nothing was sent');
});
