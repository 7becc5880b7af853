// sync's snapshot through the built CLI, with every request counted by a proxy: nothing changed means a listing
// and no HEAD, both ways; a file rewritten with its mtime put back, an object overwritten by someone else, a
// damaged snapshot and --delete each still end right.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import { countedCli, type CountedCli } from '../../harness/counted-cli.js';
import { runCli, STACK, type Sandbox } from '../../harness/cli.js';

let cli: CountedCli;
let box: Sandbox;
let client: OssClient;
const BUCKET = 'sync-snap';

before(async () => {
  cli = await countedCli(BUCKET);
  ({ box, client } = cli);
});
after(() => cli.close());

/** One sync with --json: its exit code, stderr, lines by key, and the requests it made. */
const sync = (...args: string[]) => cli.run(['sync', ...args]);

const heads = (requests: string[]) => requests.filter((r) => r.startsWith('HEAD '));
const onlyListing = (requests: string[]) => requests.every((r) => /^GET \/sync-snap\/?\?/.test(r));

/** Files dated in 2021, so an object written now by someone else never has the same mtime by chance. */
async function makeTree(dir: string, files: Record<string, string>): Promise<void> {
  let when = Date.UTC(2021, 0, 1) / 1000;
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, ...rel.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(dir, ...rel.split('/')), text);
    await utimes(join(dir, ...rel.split('/')), when, when);
    when += 61.25;
  }
}

const text = (key: string) => cli.text(key);

const snapshots = async (dir = join(box.ossupHome, 'snapshots')) =>
  (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.snap')).map((f) => join(dir, f));

/** Each snapshot file with its inode: a rewrite renames a new file into place, so its inode changes. */
const inodes = async () =>
  Object.fromEntries(await Promise.all((await snapshots()).map(async (f) => [f, (await stat(f)).ino])));

test('sync up: unchanged files are skipped with no HEAD; a rewrite with its mtime put back and an object overwritten by someone else are sent again', async () => {
  const src = join(box.dir, 'up');
  await makeTree(src, { 'a.txt': 'alpha', 'b.txt': 'bravo', 'sub/c.txt': 'charlie', 'sub/d.txt': 'delta' });
  const first = await sync(src, 'oss://sync-snap/up/');
  assert.equal(first.code, 0, first.stderr);
  assert.equal(Object.values(first.byKey).filter((l) => l.action === 'upload').length, 4);

  const written = await inodes();
  assert.equal(Object.keys(written).length, 1, 'the first sync wrote its snapshot');
  const again = await sync(src, 'oss://sync-snap/up/');
  assert.equal(again.code, 0, again.stderr);
  assert.ok(onlyListing(again.requests), `only the listing: ${again.requests.join(', ')}`);
  assert.deepEqual(await inodes(), written, 'a sync that found everything as recorded leaves its snapshot as it was');
  for (const l of Object.values(again.byKey)) {
    assert.equal(l.action, 'skip');
    assert.equal(l.reason, 'same size and mtime', 'the reason reads as it did before snapshots');
    assert.match(l.etag, /^[0-9A-F]{32}$/, 'a skipped line still says which object it matched');
  }

  // rclone's blind spot: same size, mtime put back. The inode's ctime moved, so the bytes are read and compared.
  const a = join(src, 'a.txt');
  const before = await stat(a);
  await writeFile(a, 'ALPHA');
  await utimes(a, before.atime, before.mtime);
  // Someone else overwrote sub/c.txt with bytes of the same size: its ETag is no longer the recorded one.
  await client.putObject(BUCKET, 'up/sub/c.txt', Buffer.from('CHARLIE'));
  const changed = await sync(src, 'oss://sync-snap/up/');
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(changed.byKey['up/a.txt']?.action, 'upload');
  assert.equal(changed.byKey['up/a.txt']?.reason, 'CRC-64 differs', 'read and compared with the recorded CRC-64');
  assert.equal(await text('up/a.txt'), 'ALPHA');
  assert.equal(changed.byKey['up/sub/c.txt']?.action, 'upload', 'the usual comparison found the mtime differs');
  assert.equal(await text('up/sub/c.txt'), 'charlie');
  assert.deepEqual(heads(changed.requests), ['HEAD /sync-snap/up/sub/c.txt'], 'a HEAD only for the overwritten one');
  assert.equal(changed.byKey['up/b.txt']?.action, 'skip');
  assert.notDeepEqual(await inodes(), written, 'a sync that sent files rewrites its snapshot');

  const settled = await sync(src, 'oss://sync-snap/up/');
  assert.ok(onlyListing(settled.requests), settled.requests.join(', '));
  assert.ok(Object.values(settled.byKey).every((l) => l.action === 'skip'));

  // A file touched (ctime moved) but not changed: read, found the same, not sent, and recorded again.
  const b = join(src, 'b.txt');
  const bst = await stat(b);
  await utimes(b, bst.atime, bst.mtime);
  const touched = await sync(src, 'oss://sync-snap/up/');
  assert.equal(touched.byKey['up/b.txt']?.action, 'skip');
  assert.equal(touched.byKey['up/b.txt']?.reason, 'same size and CRC-64');
  assert.ok(onlyListing(touched.requests), touched.requests.join(', '));
});

test('--no-snapshot compares with a HEAD per file and writes nothing; --snapshot-path puts the snapshot there', async () => {
  const src = join(box.dir, 'flags');
  await makeTree(src, { 'x.txt': 'x-ray', 'y.txt': 'yankee' });
  const first = await sync(src, 'oss://sync-snap/flags/', '--no-snapshot');
  assert.equal(first.code, 0, first.stderr);
  const before = await snapshots();
  const second = await sync(src, 'oss://sync-snap/flags/', '--no-snapshot');
  assert.equal(heads(second.requests).length, 2, 'a HEAD per file of equal size');
  assert.deepEqual(await snapshots(), before, 'no snapshot written');

  const dir = join(box.dir, 'my-snapshots');
  const third = await sync(src, 'oss://sync-snap/flags/', '--snapshot-path', dir);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(heads(third.requests).length, 2, 'no snapshot there yet: the usual comparison, recorded');
  assert.equal((await snapshots(dir)).length, 1);
  const fourth = await sync(src, 'oss://sync-snap/flags/', '--snapshot-path', dir);
  assert.ok(onlyListing(fourth.requests), fourth.requests.join(', '));

  const both = await runCli(['sync', src, 'oss://sync-snap/flags/', '--snapshot-path', dir, '--no-snapshot'], box.env);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--snapshot-path and --no-snapshot/);
});

test('a damaged or foreign snapshot is ignored with one warning, never trusted, and rewritten', async () => {
  const src = join(box.dir, 'damaged');
  await makeTree(src, { 'p.txt': 'papa', 'q.txt': 'quebec' });
  const dir = join(box.dir, 'damaged-snapshots');
  assert.equal((await sync(src, 'oss://sync-snap/damaged/', '--snapshot-path', dir)).code, 0);
  const [file] = await snapshots(dir);
  const good = await readFile(file!, 'utf8');

  // Another object under p.txt, and a snapshot edited to claim p.txt's new state matches: the checksum line no
  // longer matches, so nothing in it is believed.
  await client.putObject(BUCKET, 'damaged/p.txt', Buffer.from('PAPA'));
  const newEtag = (await client.headObject(BUCKET, 'damaged/p.txt')).etag;
  const oldEtag = JSON.parse(good.slice(good.indexOf('\n') + 1)).rows.find((r: string[]) => r[0] === 'p.txt')[5];
  await writeFile(file!, good.replace(oldEtag, newEtag));
  const forged = await sync(src, 'oss://sync-snap/damaged/', '--snapshot-path', dir);
  assert.equal(forged.code, 0, forged.stderr);
  assert.equal(forged.stderr.match(/warning/g)?.length, 1, forged.stderr);
  assert.match(forged.stderr, /ossup: warning: ignored the sync snapshot .*: damaged \(checksum\)/);
  assert.equal(forged.byKey['damaged/p.txt']?.action, 'upload');
  assert.equal(await text('damaged/p.txt'), 'papa');

  // Well formed, checksum and all, but for another bucket: as untrusted as a damaged one.
  const body = good.slice(good.indexOf('\n') + 1).replace('"bucket":"sync-snap"', '"bucket":"other"');
  const foreign = `ossup-sync-snapshot 1 ${createHash('sha256').update(body).digest('hex')}\n${body}`;
  for (const junk of ['', 'garbage\n{', good.slice(0, good.length / 2), foreign]) {
    await writeFile(file!, junk);
    const r = await sync(src, 'oss://sync-snap/damaged/', '--snapshot-path', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, STACK);
    assert.equal(r.stderr.match(/warning/g)?.length, 1, r.stderr);
    assert.equal(heads(r.requests).length, 2, 'the usual comparison for both files');
    const next = await sync(src, 'oss://sync-snap/damaged/', '--snapshot-path', dir);
    assert.equal(next.stderr, '', 'rewritten whole by the run that ignored it');
    assert.ok(onlyListing(next.requests), next.requests.join(', '));
  }
});

test('sync down: unchanged files need no HEAD; an object overwritten is fetched again; --delete still deletes only what is gone', async () => {
  await makeTree(join(box.dir, 'down-src'), { 'm.txt': 'mike', 'n.txt': 'november', 'o/p.txt': 'oscar' });
  assert.equal((await sync(join(box.dir, 'down-src'), 'oss://sync-snap/down/', '--no-snapshot')).code, 0);
  const dst = join(box.dir, 'down');
  const first = await sync('oss://sync-snap/down/', dst);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(Object.values(first.byKey).filter((l) => l.action === 'download').length, 3);

  const again = await sync('oss://sync-snap/down/', dst);
  assert.ok(onlyListing(again.requests), again.requests.join(', '));
  assert.ok(Object.values(again.byKey).every((l) => l.action === 'skip'));

  await client.putObject(BUCKET, 'down/n.txt', Buffer.from('NOVEMBER'));
  await client.deleteObject(BUCKET, 'down/m.txt');
  const changed = await sync('oss://sync-snap/down/', dst, '--delete');
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(changed.byKey['down/n.txt']?.action, 'download');
  assert.equal(await readFile(join(dst, 'n.txt'), 'utf8'), 'NOVEMBER');
  assert.equal(changed.byKey['down/m.txt']?.action, 'delete');
  await assert.rejects(stat(join(dst, 'm.txt')), { code: 'ENOENT' });
  assert.equal(changed.byKey['down/o/p.txt']?.action, 'skip');

  // Up with --delete: a file removed locally goes at the destination; the rest needs no request.
  const src = join(box.dir, 'down-src');
  await rm(join(src, 'o', 'p.txt'));
  await client.putObject(BUCKET, 'down/m.txt', Buffer.from('mike'));
  const up = await sync(src, 'oss://sync-snap/down/', '--delete');
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.byKey['down/o/p.txt']?.action, 'delete');
  await assert.rejects(client.headObject(BUCKET, 'down/o/p.txt'));
  const settled = await sync(src, 'oss://sync-snap/down/', '--delete');
  assert.equal(settled.code, 0, settled.stderr);
  assert.ok(
    Object.values(settled.byKey).every((l) => l.action === 'skip'),
    JSON.stringify(settled.byKey),
  );
  assert.ok(onlyListing(settled.requests), settled.requests.join(', '));
});

test('two syncs of one tree at once: both succeed, one whole snapshot is left, no temporary file', async () => {
  const src = join(box.dir, 'twice');
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[`f${i}.txt`] = `file ${i}`;
  await makeTree(src, files);
  const dir = join(box.dir, 'twice-snapshots');
  const [one, two] = await Promise.all([
    sync(src, 'oss://sync-snap/twice/', '--snapshot-path', dir),
    sync(src, 'oss://sync-snap/twice/', '--snapshot-path', dir),
  ]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  assert.deepEqual(
    await readdir(dir),
    (await snapshots(dir)).map((f) => f.slice(dir.length + 1)),
  );
  assert.equal((await snapshots(dir)).length, 1);
  const next = await sync(src, 'oss://sync-snap/twice/', '--snapshot-path', dir);
  assert.equal(next.stderr, '');
  assert.ok(onlyListing(next.requests), next.requests.join(', '));
});
