// sync both ways, --delete, --dry-run, --checksum, include/exclude and rm -r, through the built CLI.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { runCli, sandbox, STACK, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
const BUCKET = 'sync-test';

before(async () => {
  server = await startTestServer();
  box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket(BUCKET);
});
after(async () => {
  await client.close();
  await server.close();
  await box.cleanup();
});

const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

interface Line {
  op: string;
  action: string;
  key: string;
  file: string;
  size: number;
  transferredBytes: number;
  dryRun?: boolean;
}
const lines = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
/** "action key" for every line, sorted: what a run did, in a form that compares in one assert. */
const actions = (stdout: string) =>
  lines(stdout)
    .map((l) => `${l.action} ${l.key}`)
    .sort();

async function makeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, ...rel.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(dir, ...rel.split('/')), text);
  }
}

/** key -> ETag under a prefix: the server's state, to show a run changed nothing. */
async function remoteState(prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const o of client.listObjectsAll(BUCKET, { prefix, v2: true })) out[o.key] = o.etag;
  return out;
}

async function text(key: string): Promise<string> {
  const res = await client.getObject(BUCKET, key);
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test('sync up: one edit, one add, one delete move exactly those; --dry-run changes nothing; --delete removes only the deleted one', async () => {
  const src = join(box.dir, 'up');
  await makeTree(src, {
    'a.txt': 'alpha',
    'b.txt': 'bravo',
    'c.txt': 'charlie',
    'sub/d.txt': 'delta',
    'sub/e.txt': 'echo',
  });
  const first = await ossup('sync', src, `oss://${BUCKET}/up/`, '--json');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(actions(first.stdout), [
    'upload up/a.txt',
    'upload up/b.txt',
    'upload up/c.txt',
    'upload up/sub/d.txt',
    'upload up/sub/e.txt',
  ]);
  const meta = await client.headObject(BUCKET, 'up/a.txt');
  const mtimeMs = (await stat(join(src, 'a.txt'))).mtimeMs;
  assert.ok(
    Math.abs(Number(meta.meta.mtime) * 1000 - mtimeMs) <= 1,
    `x-oss-meta-mtime ${meta.meta.mtime} holds the file mtime ${mtimeMs}`,
  );

  await writeFile(join(src, 'a.txt'), 'ALPHA'); // same size: found by mtime
  const later = new Date(Date.now() + 10_000);
  await utimes(join(src, 'a.txt'), later, later);
  await writeFile(join(src, 'sub', 'new.txt'), 'new');
  await rm(join(src, 'c.txt'));

  const before = await remoteState('up/');
  const dry = await ossup('sync', src, `oss://${BUCKET}/up`, '--delete', '--dry-run', '--json');
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(actions(dry.stdout), [
    'delete up/c.txt',
    'skip up/b.txt',
    'skip up/sub/d.txt',
    'skip up/sub/e.txt',
    'upload up/a.txt',
    'upload up/sub/new.txt',
  ]);
  assert.ok(
    lines(dry.stdout)
      .filter((l) => l.action !== 'skip')
      .every((l) => l.dryRun === true && l.transferredBytes === 0),
  );
  assert.deepEqual(await remoteState('up/'), before, '--dry-run changed nothing');
  const dryText = await ossup('sync', src, `oss://${BUCKET}/up`, '--delete', '--dry-run');
  assert.match(dryText.stdout, /^would upload \/.*a\.txt to oss:\/\/sync-test\/up\/a\.txt \(mtime differs\)$/m);
  assert.match(dryText.stdout, /^would delete oss:\/\/sync-test\/up\/c\.txt \(only at the destination\)$/m);
  assert.match(dryText.stdout, /^would upload 2 files \(8 B\), 3 up to date, would delete 1$/m);
  assert.equal(dryText.stdout.split('\n').length, 5, `only the changes and the count: ${dryText.stdout}`);
  // The plan is the result: -q keeps it and drops only the summary.
  const dryQuiet = await ossup('sync', src, `oss://${BUCKET}/up`, '--delete', '--dry-run', '-q');
  const sorted = (text: string) => text.split('\n').sort();
  assert.deepEqual(sorted(dryQuiet.stdout), sorted(dryText.stdout.replace(/^would upload 2 files.*\n/m, '')));
  const dryDown = await ossup('sync', `oss://${BUCKET}/up`, join(box.dir, 'dry-down'), '--dry-run');
  assert.match(dryDown.stdout, /^would download oss:\/\/sync-test\/up\/a\.txt to \/.*dry-down\/a\.txt \(new\)$/m);

  const sync = await ossup('sync', src, `oss://${BUCKET}/up`, '--json');
  assert.equal(sync.code, 0, sync.stderr);
  assert.deepEqual(actions(sync.stdout), [
    'skip up/b.txt',
    'skip up/sub/d.txt',
    'skip up/sub/e.txt',
    'upload up/a.txt',
    'upload up/sub/new.txt',
  ]);
  assert.equal(await text('up/a.txt'), 'ALPHA');
  assert.ok('up/c.txt' in (await remoteState('up/')), 'without --delete nothing is deleted');

  const del = await ossup('sync', src, `oss://${BUCKET}/up`, '--delete', '--json');
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(
    actions(del.stdout).filter((a) => !a.startsWith('skip')),
    ['delete up/c.txt'],
  );
  assert.deepEqual(Object.keys(await remoteState('up/')).sort(), [
    'up/a.txt',
    'up/b.txt',
    'up/sub/d.txt',
    'up/sub/e.txt',
    'up/sub/new.txt',
  ]);
});

test('sync down: a changed, an added and a deleted object move exactly those; --delete removes the local one', async () => {
  for (const [k, v] of Object.entries({
    'f.txt': 'foxtrot',
    'g.txt': 'golf',
    'h/i.txt': 'india',
    'h/j.txt': 'juliet',
  })) {
    await client.putObject(BUCKET, `down/${k}`, v);
  }
  const out = join(box.dir, 'down');
  const first = await ossup('sync', `oss://${BUCKET}/down/`, out, '--json');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(actions(first.stdout), [
    'download down/f.txt',
    'download down/g.txt',
    'download down/h/i.txt',
    'download down/h/j.txt',
  ]);

  await client.putObject(BUCKET, 'down/g.txt', 'GOLF!');
  await client.putObject(BUCKET, 'down/h/k.txt', 'kilo');
  await client.deleteObject(BUCKET, 'down/h/i.txt');
  const again = await ossup('sync', `oss://${BUCKET}/down/`, out, '--delete', '--json');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(actions(again.stdout), [
    'delete down/h/i.txt',
    'download down/g.txt',
    'download down/h/k.txt',
    'skip down/f.txt',
    'skip down/h/j.txt',
  ]);
  assert.equal(await readFile(join(out, 'g.txt'), 'utf8'), 'GOLF!');
  assert.deepEqual((await readdir(join(out, 'h'))).sort(), ['j.txt', 'k.txt']);

  const still = await ossup('sync', `oss://${BUCKET}/down/`, out, '--json');
  assert.deepEqual(
    lines(still.stdout).map((l) => l.action),
    ['skip', 'skip', 'skip', 'skip'],
    'restored mtimes make the next sync a no-op',
  );
});

test('sync --checksum finds a change that keeps size and mtime', async () => {
  const src = join(box.dir, 'sum');
  await makeTree(src, { 'x.bin': 'aaaa' });
  assert.equal((await ossup('sync', src, `oss://${BUCKET}/sum`)).code, 0);
  const st = await stat(join(src, 'x.bin'));
  await writeFile(join(src, 'x.bin'), 'bbbb');
  await utimes(join(src, 'x.bin'), st.atime, st.mtime);
  assert.deepEqual(actions((await ossup('sync', src, `oss://${BUCKET}/sum`, '--json')).stdout), ['skip sum/x.bin']);
  assert.deepEqual(actions((await ossup('sync', src, `oss://${BUCKET}/sum`, '--checksum', '--json')).stdout), [
    'upload sum/x.bin',
  ]);
  assert.equal(await text('sum/x.bin'), 'bbbb');
});

test('--include / --exclude: the first matching rule decides; with an include, unmatched paths are left out', async () => {
  const src = join(box.dir, 'filters');
  await makeTree(src, {
    'a.txt': '1',
    'b.log': '2',
    'logs/x.txt': '3',
    'logs/y.log': '4',
    'keep/z.log': '5',
    '.hidden.txt': '6',
  });
  const picked = async (...flags: string[]) => {
    const r = await ossup('cp', '-r', src, `oss://${BUCKET}/f`, '--dry-run', '--json', ...flags);
    assert.equal(r.code, 0, r.stderr);
    return lines(r.stdout)
      .map((l) => l.key.slice(2))
      .sort();
  };
  assert.deepEqual(await picked('--include', '*.txt'), ['.hidden.txt', 'a.txt', 'logs/x.txt']);
  assert.deepEqual(await picked('--exclude', 'logs/**', '--include', '*.log'), ['b.log', 'keep/z.log']);
  assert.deepEqual(await picked('--include', '*.log', '--exclude', 'logs/**'), ['b.log', 'keep/z.log', 'logs/y.log']);
  assert.deepEqual(await picked('--exclude', '*.log'), ['.hidden.txt', 'a.txt', 'logs/x.txt']);
  assert.deepEqual(await remoteState('f/'), {}, 'dry runs sent nothing');

  const real = await ossup('cp', '-r', src, `oss://${BUCKET}/f`, '--exclude', '*.log', '--json');
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(Object.keys(await remoteState('f/')).sort(), ['f/.hidden.txt', 'f/a.txt', 'f/logs/x.txt']);
  // rm -r takes the same rules: excluded objects stay.
  const rmr = await ossup('rm', '-r', `oss://${BUCKET}/f/`, '--exclude', 'logs/**', '--json');
  assert.equal(rmr.code, 0, rmr.stderr);
  assert.deepEqual(actions(rmr.stdout), ['delete f/.hidden.txt', 'delete f/a.txt']);
  assert.deepEqual(Object.keys(await remoteState('f/')), ['f/logs/x.txt']);
});

test('rm -r empties a prefix of 2,500 keys (and nothing beside it); --dry-run deletes nothing', async () => {
  const keys = Array.from({ length: 2500 }, (_, i) => `many/${String(i % 7)}/${String(i).padStart(5, '0')}`);
  for (let i = 0; i < keys.length; i += 50)
    await Promise.all(keys.slice(i, i + 50).map((k) => client.putObject(BUCKET, k, 'x')));
  await client.putObject(BUCKET, 'many2/neighbour', 'kept: "many" is a folder, not a string prefix');
  await client.putObject(BUCKET, 'other/kept', 'kept');

  const dry = await ossup('rm', '-r', `oss://${BUCKET}/many`, '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^would delete 2500 objects under oss:\/\/sync-test\/many\/$/m);
  assert.equal(Object.keys(await remoteState('many/')).length, 2500);

  const r = await ossup('rm', '-r', `oss://${BUCKET}/many`);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal(r.stdout, 'deleted 2500 objects under oss://sync-test/many/\n');
  assert.deepEqual(await remoteState('many/'), {});
  assert.deepEqual(Object.keys(await remoteState('many2/')), ['many2/neighbour']);
  assert.deepEqual(Object.keys(await remoteState('other/')), ['other/kept']);
});
