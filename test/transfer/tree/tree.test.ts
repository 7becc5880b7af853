// The tree library on its own: filter rules, the walk's order and symlink handling, the merge, the job runner, and
// the public functions against a real server (events, AbortSignal, a file vanishing mid-run).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AbortedError, OssClient } from '../../../src/index.js';
import { compareUtf8 } from '../../../src/core/key-order.js';
import {
  compileDirPruner,
  compileFilter,
  deletePrefix,
  downloadPrefix,
  uploadDirectory,
  type TreeEvent,
} from '../../../src/transfer/tree/index.js';
import { runJobs } from '../../../src/transfer/tree/jobs.js';
import { mergeSorted } from '../../../src/transfer/tree/order.js';
import { walkLocal } from '../../../src/transfer/tree/walk.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';

let dir: string;
let server: TestServer;
let client: OssClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ossup-tree-'));
  server = await startTestServer();
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket('tree-lib');
});
after(async () => {
  await client.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

test('filters: name globs match at any depth, path globs from the root, first match wins, includes exclude the rest', () => {
  const f = compileFilter([
    { kind: 'exclude', glob: '*.tmp' },
    { kind: 'include', glob: '/docs/**' },
    { kind: 'include', glob: '*.md' },
  ]);
  assert.deepEqual(
    ['a.tmp', 'docs/x/a.tmp', 'docs/a.txt', 'x/y.md', 'x/y.txt', '.hidden.md', 'sub/docs/a.txt'].map(f),
    [false, false, true, true, false, true, false],
  );
  const excludeOnly = compileFilter([{ kind: 'exclude', glob: 'build/**' }]);
  assert.deepEqual(['build/a', 'src/build/a', 'a'].map(excludeOnly), [false, true, true]);
  assert.throws(() => compileFilter([{ kind: 'include', glob: '{a,b' }]), /--include "\{a,b" is not a valid glob/);
  assert.throws(() => compileFilter([{ kind: 'exclude', glob: ' ' }]), /empty pattern/);
});

test('excluded directories are not entered: only trees an exclude covers whole, with no include before it', async () => {
  const prune = compileDirPruner([
    { kind: 'exclude', glob: 'node_modules/**' },
    { kind: 'exclude', glob: '**/.git/**' },
    { kind: 'exclude', glob: '*.tmp' },
  ]);
  assert.deepEqual(['node_modules', 'src/node_modules', '.git', 'a/b/.git', 'src', 'x.tmp'].map(prune), [
    true,
    false,
    true,
    true,
    false,
    false,
  ]);
  // An include first could select a file inside: nothing is pruned.
  const guarded = compileDirPruner([
    { kind: 'include', glob: '*.md' },
    { kind: 'exclude', glob: 'node_modules/**' },
  ]);
  assert.equal(guarded('node_modules'), false);
  assert.equal(compileDirPruner([])('anything'), false);

  // The walk skips them: it is asked about node_modules and never enters it (node_modules/deep is not even asked
  // about), and every file the filter keeps is still found.
  const root = join(dir, 'prune');
  await mkdir(join(root, 'node_modules', 'deep', 'locked'), { recursive: true });
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(join(root, 'node_modules', 'deep', 'x.js'), 'x');
  await writeFile(join(root, 'src', 'a.js'), 'a');
  await writeFile(join(root, 'top.txt'), 't');
  const rules = [{ kind: 'exclude' as const, glob: 'node_modules/**' }];
  const entered: string[] = [];
  const walked = await collect(
    walkLocal(root, {
      prune: (rel) => {
        entered.push(rel);
        return compileDirPruner(rules)(rel);
      },
    }),
  );
  assert.deepEqual(
    walked.map((e) => e.rel),
    ['src/a.js', 'top.txt'],
  );
  assert.deepEqual(entered.sort(), ['node_modules', 'src']);
  const keep = compileFilter(rules);
  const unpruned = (await collect(walkLocal(root))).filter((e) => keep(e.rel)).map((e) => e.rel);
  assert.deepEqual(unpruned, ['src/a.js', 'top.txt'], 'pruning drops nothing the filter keeps');
});

test('the walk yields files in OSS key order (UTF-8 bytes, a directory as "name/"), skipping or following symlinks', async () => {
  const root = join(dir, 'walk');
  // 'a-b' < 'a/x' in key order ('-' is 0x2d, '/' 0x2f), though a name-by-name walk would visit a/ first.
  const names = ['a-b', 'a/x', 'a/y/z', 'b c', 'ä', '😀', '\uE000', 'Z', 'empty'];
  for (const n of names) {
    await mkdir(join(root, ...n.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(root, ...n.split('/')), n);
  }
  await writeFile(join(root, 'a.ossup-0123456789ab.tmp'), 'a download in progress: never part of a tree');
  await symlink(join(root, 'a'), join(root, 'link-to-a'));
  await symlink(root, join(root, 'a', 'loop'));
  await symlink(join(root, 'nowhere'), join(root, 'dangling'));

  const notes: string[] = [];
  const plain = await collect(
    walkLocal(root, { onSymlink: (p, why) => notes.push(`${p.slice(root.length + 1)}: ${why}`) }),
  );
  const expected = ['a-b', 'a/x', 'a/y/z', 'b c', 'ä', '😀', '\uE000', 'Z', 'empty'].sort(compareUtf8);
  assert.deepEqual(
    plain.map((e) => e.rel),
    expected,
  );
  assert.deepEqual(
    plain.map((e) => e.rel),
    [...plain.map((e) => e.rel)].sort(compareUtf8),
  );
  assert.equal(notes.length, 3, notes.join('\n'));
  assert.ok(notes.every((n) => /symbolic link not followed/.test(n)));

  notes.length = 0;
  const followed = await collect(
    walkLocal(root, { followSymlinks: true, onSymlink: (p, why) => notes.push(`${p.slice(root.length + 1)}: ${why}`) }),
  );
  assert.deepEqual(
    followed.map((e) => e.rel),
    [...expected, 'link-to-a/x', 'link-to-a/y/z'].sort(compareUtf8),
  );
  assert.ok(
    notes.some((n) => /^a\/loop: symbolic link loop/.test(n)),
    notes.join('\n'),
  );
  assert.ok(
    notes.some((n) => /^link-to-a\/loop: symbolic link loop/.test(n)),
    notes.join('\n'),
  );
  assert.ok(
    notes.some((n) => /^dangling: .*dangling/.test(n)),
    notes.join('\n'),
  );
});

test('merge pairs two sorted streams and refuses one out of order', async () => {
  async function* of(...rels: string[]) {
    for (const rel of rels) yield { rel };
  }
  const pairs = await collect(mergeSorted(of('a', 'b', 'd'), of('b', 'c', 'd', 'e')));
  assert.deepEqual(
    pairs.map((p) => `${p.rel}:${p.src ? 's' : ''}${p.dst ? 'd' : ''}`),
    ['a:s', 'b:sd', 'c:d', 'd:sd', 'e:d'],
  );
  await assert.rejects(collect(mergeSorted(of('b', 'a'), of())), /not in UTF-8 key order/);
});

test('jobs: at most N in flight, the stream read ahead within its bound, a stream error thrown, abort stops scheduling', async () => {
  let read = 0;
  let running = 0;
  let peak = 0;
  let maxAhead = 0;
  let started = 0;
  async function* numbers(n: number) {
    for (let i = 0; i < n; i++) {
      read++;
      yield i;
    }
  }
  await runJobs(
    numbers(100),
    3,
    new AbortController().signal,
    async () => {
      started++;
      running++;
      peak = Math.max(peak, running);
      maxAhead = Math.max(maxAhead, read - started);
      await new Promise((r) => setTimeout(r, 1));
      running--;
    },
    { readAhead: 10 },
  );
  assert.equal(started, 100);
  assert.equal(peak, 3);
  assert.ok(maxAhead <= 11, `read ${maxAhead} ahead`);

  async function* failing() {
    yield 1;
    throw new Error('listing broke');
  }
  await assert.rejects(
    runJobs(failing(), 2, new AbortController().signal, async () => {}),
    /listing broke/,
  );

  const ac = new AbortController();
  let done = 0;
  await assert.rejects(
    runJobs(numbers(1000), 2, ac.signal, async () => {
      if (++done === 5) ac.abort();
      await new Promise((r) => setTimeout(r, 1));
    }),
    AbortedError,
  );
  assert.ok(done < 10, `${done} started after the abort`);
});

test('jobs: an item settled as it is read never reaches a worker, and is still read in order', async () => {
  async function* numbers(n: number) {
    for (let i = 0; i < n; i++) yield i;
  }
  const read: number[] = [];
  const worked: number[] = [];
  await runJobs(
    numbers(50),
    16,
    new AbortController().signal,
    async (i) => {
      worked.push(i);
      await new Promise((r) => setTimeout(r, 1));
    },
    { onRead: (i) => read.push(i), settle: (i) => i % 5 !== 0 },
  );
  assert.deepEqual(read, [...Array(50).keys()]);
  assert.deepEqual(
    worked.sort((a, b) => a - b),
    [0, 5, 10, 15, 20, 25, 30, 35, 40, 45],
  );
});

test('walk: a missing root is an error, or no files with missingIsEmpty', async () => {
  const missing = join(dir, 'no-such-dir');
  await assert.rejects(collect(walkLocal(missing)), /ENOENT/);
  assert.deepEqual(await collect(walkLocal(missing, { missingIsEmpty: true })), []);
});

test('uploadDirectory / downloadPrefix: events, a file vanishing mid-run fails alone, AbortSignal rejects with AbortedError', async () => {
  const src = join(dir, 'lib-src');
  await mkdir(join(src, 'sub'), { recursive: true });
  await writeFile(join(src, 'first.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
  // Two parts, so no job starts it ahead of its turn (jobs.ts `ahead`: one-request files only).
  await writeFile(join(src, 'sub', 'gone.txt'), Buffer.alloc(2 * 1024 * 1024, 2));
  await writeFile(join(src, 'sub', 'kept.txt'), 'kept');
  const events: TreeEvent[] = [];
  // gone.txt disappears after the walk has counted it (the 'scanned' event: the walk reads ahead of the uploads)
  // and before its own upload starts (first.bin, 2 MiB with one job, is still going). Removing it on first.bin's
  // start alone raced the walk: now and then the walk had not yet stat'ed it.
  let firstStarted = false;
  let scanned = false;
  let removed: Promise<void> | undefined;
  const result = await uploadDirectory(client, {
    dir: src,
    bucket: 'tree-lib',
    prefix: 'lib',
    jobs: 1,
    partSize: () => 1024 * 1024,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'file-start' && e.rel === 'first.bin') firstStarted = true;
      if (e.type === 'scanned') scanned = true;
      if (e.type === 'file-start' && e.rel === 'sub/gone.txt') assert.ok(removed, 'removed before its turn');
      if (firstStarted && scanned && !removed) removed = rm(join(src, 'sub', 'gone.txt'));
    },
  });
  await removed;
  assert.equal(result.transferred, 2);
  assert.deepEqual(
    result.failed.map((f) => f.rel),
    ['sub/gone.txt'],
  );
  assert.equal((result.failed[0]!.error as NodeJS.ErrnoException).code, 'ENOENT');
  assert.ok(events.some((e) => e.type === 'scanned' && e.files === 3));
  assert.ok(events.some((e) => e.type === 'file-progress' && e.event.type === 'part'));
  assert.deepEqual(
    (await client.listObjects('tree-lib', { prefix: 'lib/' })).objects.map((o) => o.key),
    ['lib/first.bin', 'lib/sub/kept.txt'],
  );

  const out = join(dir, 'lib-out');
  const down = await downloadPrefix(client, { dir: out, bucket: 'tree-lib', prefix: 'lib/' });
  assert.equal(down.transferred, 2);
  assert.equal(down.transferredBytes, 2 * 1024 * 1024 + 4);

  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    uploadDirectory(client, { dir: src, bucket: 'tree-lib', prefix: 'lib', signal: ac.signal }),
    AbortedError,
  );
  assert.deepEqual(await deletePrefix(client, 'tree-lib', 'lib'), { deleted: 2, failed: 0 });
});
