// A `cp -r` rerun over a tree already up to date, through the built CLI with every request counted by a proxy: it is
// decided from the listing (a Normal object's ETag is the MD5 of its bytes), with no HEAD per file, both ways; a
// file changed in size or in content (same size) is still sent; a multipart object (its ETag no MD5) costs a HEAD.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { crc64 } from '../../src/core/crc64.js';
import { countedCli, type CountedCli } from '../../harness/counted-cli.js';

let cli: CountedCli;
const BUCKET = 'tree-rerun';
const FILES = 300;

before(async () => {
  cli = await countedCli(BUCKET);
});
after(() => cli.close());

const cpr = (...args: string[]) => cli.run(['cp', '-r', ...args]);
const heads = (requests: string[]) => requests.filter((r) => r.startsWith('HEAD '));
const listings = (requests: string[]) => requests.filter((r) => /^GET \/tree-rerun\/?\?/.test(r));
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex').toUpperCase();

/** 300 small files in 3 directories, each with its own bytes. */
async function makeTree(dir: string): Promise<void> {
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `d${i % 3}`);
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `f${String(i).padStart(3, '0')}.txt`), `file ${i} `.repeat(1 + (i % 7)));
  }
}

test('cp -r up, rerun: every file skipped from one listing page, no HEAD; a changed file is still sent', async () => {
  const src = join(cli.box.dir, 'up');
  await makeTree(src);
  const first = await cpr(src, 'oss://tree-rerun/up/');
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.lines.filter((l) => l.action === 'upload').length, FILES);

  const again = await cpr(src, 'oss://tree-rerun/up/');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(heads(again.requests), [], 'no HEAD per file');
  assert.equal(listings(again.requests).length, 1, 'one ListObjectsV2 page for 300 keys');
  assert.ok(again.requests.length <= 2, `a listing and little else: ${again.requests.length} requests`);
  assert.equal(again.lines.length, FILES);
  const body = await readFile(join(src, 'd1', 'f004.txt'));
  const line = again.byKey['up/d1/f004.txt']!;
  assert.equal(line.action, 'skip');
  assert.equal(line.reason, 'same size and CRC-64', 'the reason reads as before');
  assert.equal(line.etag, md5(body), 'the skip still names the object it matched');
  assert.equal(line.crc64, crc64(body).toString(), 'and its CRC-64');
  assert.ok(again.lines.every((l) => l.action === 'skip' && l.reason === 'same size and CRC-64'));

  // Same size, other bytes, mtime put back: the MD5 differs, the HEAD's CRC-64 decides: sent.
  const a = join(src, 'd0', 'f000.txt');
  const before = await stat(a);
  await writeFile(a, (await readFile(a, 'utf8')).toUpperCase());
  await utimes(a, before.atime, before.mtime);
  // Another size.
  const b = join(src, 'd2', 'f002.txt');
  await writeFile(b, 'longer than it was before, by a good deal');
  // Same bytes, another mtime: cp -r compares bytes, not mtimes, so it stays skipped (as before).
  const c = join(src, 'd1', 'f001.txt');
  await utimes(c, new Date(Date.UTC(2020, 0, 1)), new Date(Date.UTC(2020, 0, 1)));
  const changed = await cpr(src, 'oss://tree-rerun/up/');
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(changed.byKey['up/d0/f000.txt']?.action, 'upload');
  assert.equal(changed.byKey['up/d0/f000.txt']?.reason, 'CRC-64 differs');
  assert.equal(await cli.text('up/d0/f000.txt'), 'FILE 0 ');
  assert.equal(changed.byKey['up/d2/f002.txt']?.action, 'upload');
  assert.equal(changed.byKey['up/d2/f002.txt']?.reason, 'size differs');
  assert.equal(await cli.text('up/d2/f002.txt'), 'longer than it was before, by a good deal');
  assert.equal(changed.byKey['up/d1/f001.txt']?.action, 'skip');
  assert.deepEqual(heads(changed.requests), ['HEAD /tree-rerun/up/d0/f000.txt'], 'a HEAD only where the MD5 differs');
  assert.equal(changed.lines.filter((l) => l.action === 'skip').length, FILES - 2);
});

test('cp -r down, rerun: skipped from the listing with no HEAD; a local file changed at the same size is fetched again', async () => {
  const src = join(cli.box.dir, 'down-src');
  await makeTree(src);
  assert.equal((await cpr(src, 'oss://tree-rerun/down/')).code, 0);
  const dst = join(cli.box.dir, 'down');
  const first = await cpr('oss://tree-rerun/down/', dst);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.lines.filter((l) => l.action === 'download').length, FILES);

  const again = await cpr('oss://tree-rerun/down/', dst);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(heads(again.requests), [], 'no HEAD per file');
  assert.equal(listings(again.requests).length, 1);
  assert.ok(again.lines.every((l) => l.action === 'skip' && l.reason === 'same size and CRC-64'));

  const a = join(dst, 'd0', 'f003.txt');
  const original = await readFile(a, 'utf8');
  await writeFile(a, original.replace('file', 'FILE'));
  const changed = await cpr('oss://tree-rerun/down/', dst);
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(changed.byKey['down/d0/f003.txt']?.action, 'download');
  assert.equal(changed.byKey['down/d0/f003.txt']?.reason, 'CRC-64 differs');
  assert.equal(await readFile(a, 'utf8'), original, 'the object is back');
});

test('a multipart object (its ETag is no MD5) is compared with a HEAD, as before', async () => {
  const src = join(cli.box.dir, 'big');
  await mkdir(src, { recursive: true });
  const big = Buffer.alloc(300 * 1024, 7);
  big.write('a multipart object');
  await writeFile(join(src, 'big.bin'), big);
  await writeFile(join(src, 'small.txt'), 'small');
  const first = await cpr(src, 'oss://tree-rerun/big/', '--part-size', '100KiB');
  assert.equal(first.code, 0, first.stderr);
  assert.match((await cli.client.headObject(BUCKET, 'big/big.bin')).etag, /-3$/, 'stored in 3 parts');

  const again = await cpr(src, 'oss://tree-rerun/big/', '--part-size', '100KiB');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(heads(again.requests), ['HEAD /tree-rerun/big/big.bin']);
  assert.equal(again.byKey['big/big.bin']?.action, 'skip');
  assert.equal(again.byKey['big/big.bin']?.crc64, crc64(big).toString());
  assert.equal(again.byKey['big/small.txt']?.action, 'skip');
});
