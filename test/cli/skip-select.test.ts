// rclone's skip rules (--size-only, --update, --ignore-existing / --no-clobber) and selection flags (--max-age,
// --min-age, --max-size, --min-size, --exclude-from, --include-from, --files-from, --max-depth), through the built
// CLI against a real server: what moved, what stayed, and why each skip says it was skipped.
import assert from 'node:assert/strict';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jsonLines, runCli, STACK, startCliServer, stopCliServer, type CliServer } from '../../harness/cli.js';

const BUCKET = 'skip-select';
let cli: CliServer;
before(async () => {
  cli = await startCliServer(BUCKET);
});
after(() => stopCliServer(cli));

const ossup = (...args: string[]) => runCli([...args, '--endpoint', cli.server.endpoint], cli.box.env);

interface Line {
  action: string;
  key: string;
  reason: string;
  file: string;
}
const lines = (stdout: string) => jsonLines<Line>(stdout);
/** "action rel (reason)" per file, sorted, the prefix cut off. */
const what = (stdout: string, prefix: string) =>
  lines(stdout)
    .map((l) => `${l.action} ${l.key.slice(prefix.length)} (${l.reason})`)
    .sort();

async function makeTree(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, body] of Object.entries(files)) {
    await mkdir(join(dir, ...rel.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(dir, ...rel.split('/')), body);
  }
}

async function text(key: string): Promise<string> {
  const res = await cli.client.getObject(BUCKET, key);
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const DAY = 86_400;
const daysAgo = (d: number) => Date.now() / 1000 - d * DAY;

test('--size-only skips a same-size edit and sends a resized file; the JSON line says why', async () => {
  const src = join(cli.box.dir, 'size-only');
  await makeTree(src, { 'a.txt': 'alpha', 'b.txt': 'bravo' });
  assert.equal((await ossup('sync', src, `oss://${BUCKET}/so/`, '-q')).code, 0);
  await writeFile(join(src, 'a.txt'), 'ALPHA'); // same size, new content and mtime
  await writeFile(join(src, 'b.txt'), 'bravo!');
  const r = await ossup('sync', src, `oss://${BUCKET}/so/`, '--size-only', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(what(r.stdout, 'so/'), ['skip a.txt (same size (size-only))', 'upload b.txt (size differs)']);
  assert.equal(await text('so/a.txt'), 'alpha');
  assert.equal(await text('so/b.txt'), 'bravo!');
});

test('--update skips what is newer on the destination and sends what is older there', async () => {
  const src = join(cli.box.dir, 'update');
  await makeTree(src, { 'old.txt': 'one', 'new.txt': 'two' });
  await utimes(join(src, 'old.txt'), daysAgo(3), daysAgo(3));
  await utimes(join(src, 'new.txt'), daysAgo(3), daysAgo(3));
  assert.equal((await ossup('cp', '-r', src, `oss://${BUCKET}/up/`, '-q')).code, 0);
  // The source of old.txt is now older than the object (edited, but its mtime set back); new.txt is newer.
  await writeFile(join(src, 'old.txt'), 'ONE');
  await utimes(join(src, 'old.txt'), daysAgo(5), daysAgo(5));
  await writeFile(join(src, 'new.txt'), 'TWO');
  const r = await ossup('sync', src, `oss://${BUCKET}/up/`, '--update', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(what(r.stdout, 'up/'), [
    'skip old.txt (newer on the destination (update))',
    'upload new.txt (CRC-64 differs)',
  ]);
  assert.equal(await text('up/old.txt'), 'one');
  assert.equal(await text('up/new.txt'), 'TWO');

  // Downloads: the local copy is the destination.
  const down = join(cli.box.dir, 'update-down');
  assert.equal((await ossup('cp', '-r', `oss://${BUCKET}/up/`, down, '-q')).code, 0);
  await writeFile(join(down, 'new.txt'), 'mine');
  const d = await ossup('sync', `oss://${BUCKET}/up/`, down, '--update', '--json');
  assert.equal(d.code, 0, d.stderr);
  assert.ok(what(d.stdout, 'up/').includes('skip new.txt (newer on the destination (update))'), d.stdout);
  assert.equal(await readFile(join(down, 'new.txt'), 'utf8'), 'mine');
});

test('--ignore-existing and --no-clobber leave every existing file alone, in trees and for one object', async () => {
  const src = join(cli.box.dir, 'noclobber');
  await makeTree(src, { 'keep.txt': 'first' });
  assert.equal((await ossup('cp', '-r', src, `oss://${BUCKET}/nc/`, '-q')).code, 0);
  await writeFile(join(src, 'keep.txt'), 'second, longer');
  await writeFile(join(src, 'added.txt'), 'added');
  for (const flag of ['--ignore-existing', '--no-clobber']) {
    const r = await ossup('sync', src, `oss://${BUCKET}/nc/`, flag, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(what(r.stdout, 'nc/').includes('skip keep.txt (exists at the destination (ignore-existing))'), r.stdout);
    assert.equal(await text('nc/keep.txt'), 'first');
  }
  assert.equal(await text('nc/added.txt'), 'added');
  const verbose = await ossup('sync', src, `oss://${BUCKET}/nc/`, '--ignore-existing', '-v');
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.match(verbose.stderr, /^ossup: skipped keep\.txt \(exists at the destination \(ignore-existing\)\)$/m);

  // One object up: skipped with a line, exit 0; a new key is written.
  const one = await ossup('cp', join(src, 'keep.txt'), `oss://${BUCKET}/nc/keep.txt`, '--no-clobber');
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^skipped .*keep\.txt: oss:\/\/skip-select\/nc\/keep\.txt exists at the destination/);
  assert.equal(await text('nc/keep.txt'), 'first');
  const fresh = await ossup('cp', join(src, 'keep.txt'), `oss://${BUCKET}/nc/fresh.txt`, '--no-clobber', '--json');
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal(await text('nc/fresh.txt'), 'second, longer');

  // One object down: an existing local file stays as it is.
  const local = join(cli.box.dir, 'nc-local.txt');
  await writeFile(local, 'local');
  const down = await ossup('cp', `oss://${BUCKET}/nc/keep.txt`, local, '--ignore-existing', '--json');
  assert.equal(down.code, 0, down.stderr);
  assert.equal(lines(down.stdout)[0]!.action, 'skip');
  assert.equal(await readFile(local, 'utf8'), 'local');

  const both = await ossup('sync', src, `oss://${BUCKET}/nc/`, '--size-only', '--update');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--size-only and --update are different skip rules/);
});

test('--max-size, --min-size, --max-age and --min-age choose files by size and mtime; a bare size is refused', async () => {
  const src = join(cli.box.dir, 'sel');
  await makeTree(src, { 'small.txt': 'x', 'big.bin': Buffer.alloc(3000), 'old.txt': 'old', 'mid.txt': 'mid' });
  await utimes(join(src, 'old.txt'), daysAgo(30), daysAgo(30));
  await utimes(join(src, 'mid.txt'), daysAgo(3), daysAgo(3));
  const run = async (...flags: string[]) => {
    const r = await ossup('cp', '-r', src, `oss://${BUCKET}/sel/`, '--dry-run', '--json', ...flags);
    assert.equal(r.code, 0, r.stderr);
    return lines(r.stdout)
      .map((l) => l.key.slice('sel/'.length))
      .sort();
  };
  assert.deepEqual(await run('--max-size', '1KiB'), ['mid.txt', 'old.txt', 'small.txt']);
  assert.deepEqual(await run('--min-size', '2K'), ['big.bin']);
  assert.deepEqual(await run('--max-age', '7d'), ['big.bin', 'mid.txt', 'small.txt']);
  assert.deepEqual(await run('--min-age', '1d'), ['mid.txt', 'old.txt']);
  assert.deepEqual(await run('--min-age', '1d', '--max-age', '1w'), ['mid.txt']);
  const since = new Date(Date.now() - 10 * DAY * 1000).toISOString().slice(0, 10);
  assert.deepEqual(await run('--max-age', since), ['big.bin', 'mid.txt', 'small.txt']);

  for (const [flag, value, message] of [
    ['--max-size', '100', /--max-size 100 has no unit/],
    ['--max-age', 'yesterday', /--max-age "yesterday" is neither an age nor a date/],
    ['--max-depth', '0', /--max-depth "0" must be a whole number/],
  ] as const) {
    const r = await ossup('cp', '-r', src, `oss://${BUCKET}/sel/`, flag, value);
    assert.equal(r.code, 2, `${flag} ${value}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, STACK);
  }
});

test('sync --delete with --max-age deletes nothing the age rule left out at the source', async () => {
  const src = join(cli.box.dir, 'age-delete');
  await makeTree(src, { 'old.txt': 'old', 'new.txt': 'new' });
  await utimes(join(src, 'old.txt'), daysAgo(30), daysAgo(30));
  assert.equal((await ossup('sync', src, `oss://${BUCKET}/ad/`, '-q')).code, 0);
  // Stored seconds ago, but its file is 30 days old: --max-age 7d leaves it out on both sides.
  const r = await ossup('sync', src, `oss://${BUCKET}/ad/`, '--max-age', '7d', '--delete', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(what(r.stdout, 'ad/'), ['skip new.txt (same size and mtime)']);
  assert.equal(await text('ad/old.txt'), 'old');
});

test('--exclude-from and --include-from feed the pattern rules in command-line order; --files-from and --max-depth', async () => {
  const src = join(cli.box.dir, 'lists');
  await makeTree(src, {
    'a.txt': 'a',
    'b.log': 'b',
    'keep.log': 'k',
    'sub/c.txt': 'c',
    'sub/deep/d.txt': 'd',
    'sub/deep/e.log': 'e',
  });
  const ex = join(cli.box.dir, 'exclude.txt');
  await writeFile(ex, '# logs are noise\n*.log\n\n; and so is this\nsub/deep/**\n');
  const inc = join(cli.box.dir, 'include.txt');
  await writeFile(inc, 'keep.log\n');
  const list = join(cli.box.dir, 'files.txt');
  await writeFile(list, '# two of them\n/a.txt\nsub/deep/d.txt\nmissing.txt\n');
  const run = async (...flags: string[]) => {
    const r = await ossup('cp', '-r', src, `oss://${BUCKET}/ls/`, '--dry-run', '--json', ...flags);
    assert.equal(r.code, 0, r.stderr);
    return lines(r.stdout)
      .map((l) => l.key.slice('ls/'.length))
      .sort();
  };
  assert.deepEqual(await run('--exclude-from', ex), ['a.txt', 'sub/c.txt']);
  // First match wins: keep.log is included before the file's *.log excludes it.
  assert.deepEqual(await run('--include', 'keep.log', '--exclude-from', ex), ['keep.log']);
  assert.deepEqual(await run('--include-from', inc, '--exclude', '*.log'), ['keep.log']);
  assert.deepEqual(await run('--include-from', inc), ['keep.log']);
  assert.deepEqual(await run('--files-from', list), ['a.txt', 'sub/deep/d.txt']);
  assert.deepEqual(await run('--max-depth', '1'), ['a.txt', 'b.log', 'keep.log']);
  assert.deepEqual(await run('--max-depth', '2', '--exclude', '*.log'), ['a.txt', 'sub/c.txt']);

  const missing = await ossup('cp', '-r', src, `oss://${BUCKET}/ls/`, '--exclude-from', join(src, 'nope.txt'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--exclude-from .*nope\.txt: no such file/);

  // rm -r takes the same lists and selection.
  assert.equal((await ossup('cp', '-r', src, `oss://${BUCKET}/rm/`, '-q')).code, 0);
  const rm = await ossup('rm', '-r', `oss://${BUCKET}/rm/`, '--exclude-from', ex, '--max-depth', '1', '--json');
  assert.equal(rm.code, 0, rm.stderr);
  assert.deepEqual(what(rm.stdout, 'rm/'), ['delete a.txt (only at the destination)']);
  const single = await ossup('rm', `oss://${BUCKET}/rm/b.log`, '--max-age', '1d');
  assert.equal(single.code, 2);
  assert.match(single.stderr, /--max-age applies to whole trees/);
});
