// `cp` with several sources, and the HTTP headers uploads store (--cache-control, --content-encoding,
// --content-disposition, --expires) on a single PUT, a multipart upload and a tree, through the built CLI.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, STACK, startCliServer, stopCliServer, type CliServer } from '../../harness/cli.js';

const BUCKET = 'many-headers';
let cli: CliServer;
before(async () => {
  cli = await startCliServer(BUCKET);
});
after(() => stopCliServer(cli));

const ossup = (...args: string[]) => runCli([...args, '--endpoint', cli.server.endpoint], cli.box.env);

async function keys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of cli.client.listObjectsAll(BUCKET, { prefix, v2: true })) out.push(o.key.slice(prefix.length));
  return out.sort();
}

test('cp a b dir/ oss://bucket/dest/: files keep their names, a directory (-r) lands under its own name', async () => {
  const d = join(cli.box.dir, 'many');
  await mkdir(join(d, 'photos', 'y'), { recursive: true });
  await writeFile(join(d, 'a.txt'), 'a');
  await writeFile(join(d, 'b.txt'), 'b');
  await writeFile(join(d, 'photos', 'x.jpg'), 'x');
  await writeFile(join(d, 'photos', 'y', 'z.jpg'), 'z');
  const files = [join(d, 'a.txt'), join(d, 'b.txt')];

  const r = await ossup('cp', '-r', ...files, join(d, 'photos'), `oss://${BUCKET}/dest/`, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await keys('dest/'), ['a.txt', 'b.txt', 'photos/x.jpg', 'photos/y/z.jpg']);

  const down = join(cli.box.dir, 'many-down');
  const g = await ossup('cp', `oss://${BUCKET}/dest/a.txt`, `oss://${BUCKET}/dest/b.txt`, `${down}/`, '-q');
  assert.equal(g.code, 0, g.stderr);
  assert.equal(await readFile(join(down, 'b.txt'), 'utf8'), 'b');

  // Refused before anything moves: a destination that is not a prefix, a directory without -r, a missing source.
  for (const [args, message] of [
    [[...files, `oss://${BUCKET}/single`], /the destination oss:\/\/many-headers\/single must be a prefix/],
    [[...files, join(d, 'photos'), `oss://${BUCKET}/none/`], /photos is a directory/],
    [[files[0]!, join(d, 'nope.txt'), `oss://${BUCKET}/none/`], /nope\.txt: no such file or directory/],
  ] as const) {
    const bad = await ossup('cp', ...args);
    assert.equal(bad.code, 2, args.join(' '));
    assert.match(bad.stderr, message);
    assert.doesNotMatch(bad.stderr, STACK);
  }
  assert.deepEqual(await keys('none/'), []);
});

test('--cache-control, --content-encoding, --content-disposition and --expires are stored by PUT, multipart and trees', async () => {
  const d = join(cli.box.dir, 'headers');
  await mkdir(join(d, 'tree'), { recursive: true });
  await writeFile(join(d, 'small.txt'), 'small');
  await writeFile(join(d, 'large.bin'), randomBytes(300 * 1024));
  await writeFile(join(d, 'tree', 't.txt'), 'tree');
  const flags = [
    '--cache-control',
    'max-age=3600',
    '--content-encoding',
    'identity',
    '--content-disposition',
    'attachment; filename="x.bin"',
    '--expires',
    '2030-01-01T00:00:00Z',
  ];
  const runs = [
    ['cp', join(d, 'small.txt'), `oss://${BUCKET}/h/small.txt`],
    ['cp', join(d, 'large.bin'), `oss://${BUCKET}/h/large.bin`, '--part-size', '100KiB'],
    ['cp', '-r', join(d, 'tree'), `oss://${BUCKET}/h/tree/`],
  ];
  for (const args of runs) {
    const r = await ossup(...args, ...flags, '-q');
    assert.equal(r.code, 0, r.stderr);
  }
  for (const key of ['h/small.txt', 'h/large.bin', 'h/tree/t.txt']) {
    const head = await cli.client.headObject(BUCKET, key);
    assert.equal(head.headers['cache-control'], 'max-age=3600', key);
    assert.equal(head.headers['content-encoding'], 'identity', key);
    assert.equal(head.headers['content-disposition'], 'attachment; filename="x.bin"', key);
    assert.equal(head.headers.expires, 'Tue, 01 Jan 2030 00:00:00 GMT', key);
  }
  const large = await cli.client.headObject(BUCKET, 'h/large.bin');
  assert.match(large.etag, /-3$/, 'the 300 KiB file went up in three parts');

  const bad = await ossup('cp', join(d, 'small.txt'), `oss://${BUCKET}/h/x`, '--expires', 'someday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--expires "someday" is not a date/);
  const down = await ossup('cp', `oss://${BUCKET}/h/small.txt`, join(d, 'back.txt'), '--cache-control', 'no-cache');
  assert.equal(down.code, 2);
  assert.match(down.stderr, /apply to uploads/);
});
