// Issue 21, finding 1: what a filter excludes is never sent, fetched or deleted, whatever bytes a name holds. The walk
// skips `keep/` for `--exclude 'keep/**'`; the listing must then exclude `keep/x<LF>y` too, or sync --delete and
// rm -r delete it.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { runCli, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';

const BUCKET = 'filters';
let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

before(async () => {
  ({ server, box, client } = await startCliServer(BUCKET));
});
after(() => stopCliServer({ server, box, client }));

/** Names a glob's `*` or `**` must cross: line terminators, a leading dot, glob characters. */
const HOSTILE = ['x\ny', 'cr\rname', 'ls\u2028sep', 'ps\u2029sep', '.hidden', 'g[1]*?{a,b}', '\n', 'deep/.dot/a\nb'];

async function keys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of client.listObjectsAll(BUCKET, { prefix, v2: true })) out.push(o.key.slice(prefix.length));
  return out.sort();
}

async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'keep', 'deep', '.dot'), { recursive: true });
  await writeFile(join(root, 'top'), 'a');
  for (const n of HOSTILE) await writeFile(join(root, 'keep', ...n.split('/')), `p:${n}`);
}

test('sync --delete and rm -r keep what --exclude excludes, names with LF, CR, U+2028, dots and globs', async () => {
  const src = join(box.dir, 'src');
  await makeTree(src);
  let r = await ossup('cp', '-r', src, `oss://${BUCKET}/p/`);
  assert.equal(r.code, 0, r.stderr);
  const all = ['top', ...HOSTILE.map((n) => `keep/${n}`)].sort();
  assert.deepEqual(await keys('p/'), all);

  r = await ossup('sync', src, `oss://${BUCKET}/p/`, '--delete', '--exclude', 'keep/**');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await keys('p/'), all, 'sync --delete deleted an excluded object');

  // A name glob (no '/') at any depth: '*' crosses the same characters.
  r = await ossup('sync', src, `oss://${BUCKET}/p/`, '--delete', '--exclude', 'keep/**', '--exclude', '*');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await keys('p/'), all);

  r = await ossup('rm', '-r', `oss://${BUCKET}/p/`, '--exclude', 'keep/**');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await keys('p/'), HOSTILE.map((n) => `keep/${n}`).sort(), 'rm -r deleted an excluded object');

  r = await ossup('rm', '-r', `oss://${BUCKET}/p/`, '--exclude', '*\n*');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    await keys('p/'),
    ['keep/x\ny', 'keep/\n', 'keep/deep/.dot/a\nb'].sort(),
    "a name glob '*<LF>*' matches exactly the names holding a newline",
  );
});

test('downloads: excluded objects are not fetched, and sync --delete keeps excluded local files', async () => {
  const src = join(box.dir, 'src2');
  await makeTree(src);
  let r = await ossup('cp', '-r', src, `oss://${BUCKET}/d/`);
  assert.equal(r.code, 0, r.stderr);

  const dest = join(box.dir, 'dest');
  r = await ossup('cp', '-r', `oss://${BUCKET}/d/`, dest, '--exclude', 'keep/**');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readdir(dest), ['top'], 'an excluded object was downloaded');

  // Local files under keep/ that exist only at the destination: excluded, so sync --delete leaves them.
  await makeTree(join(box.dir, 'dest'));
  await client.deleteObjects(
    BUCKET,
    HOSTILE.map((n) => `d/keep/${n}`),
  );
  r = await ossup('sync', `oss://${BUCKET}/d/`, dest, '--delete', '--exclude', 'keep/**');
  assert.equal(r.code, 0, r.stderr);
  for (const n of HOSTILE) assert.equal(await readFile(join(dest, 'keep', ...n.split('/')), 'utf8'), `p:${n}`);

  // With a name glob the walk cannot prune: the same answer name by name.
  r = await ossup('sync', `oss://${BUCKET}/d/`, dest, '--delete', '--exclude', '*');
  assert.equal(r.code, 0, r.stderr);
  for (const n of HOSTILE) assert.equal(await readFile(join(dest, 'keep', ...n.split('/')), 'utf8'), `p:${n}`);
});
