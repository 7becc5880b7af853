// Issue 24, items 6, 7 and 11: single-file cp records the file's mtime as trees do (a later sync sends nothing) and
// a download restores it; hints name the real command and point a prefix to -r; stat shows the mtime as a date; a
// server-side copy claims no rate; sync's help has no stream flag and says what -r does.
import assert from 'node:assert/strict';
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { runCli, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);
const B = 'meta-test';

before(async () => {
  ({ server, box, client } = await startCliServer(B));
});
after(() => stopCliServer({ server, box, client }));

test('cp of one file stores x-oss-meta-mtime, sync then sends nothing, and a download gets the mtime back', async () => {
  const dir = join(box.dir, 'one');
  await mkdir(dir);
  const file = join(dir, 'a.txt');
  await writeFile(file, 'alpha');
  const when = new Date('2021-03-04T05:06:07.250Z');
  await utimes(file, when, when);
  const up = await ossup('cp', file, `oss://${B}/one/a.txt`);
  assert.equal(up.code, 0, up.stderr);
  const head = await client.headObject(B, 'one/a.txt');
  assert.equal(head.meta.mtime, '1614834367.250');

  const sync = await ossup('sync', dir, `oss://${B}/one/`);
  assert.equal(sync.code, 0, sync.stderr);
  assert.match(sync.stdout, /^uploaded 0 files .*1 up to date/m);

  const down = join(box.dir, 'a-down.txt');
  const r = await ossup('cp', `oss://${B}/one/a.txt`, down);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await stat(down)).mtime.toISOString(), when.toISOString());

  const st = await ossup('stat', `oss://${B}/one/a.txt`);
  assert.match(st.stdout, /^x-oss-meta-mtime:\s*1614834367\.250 \(2021-03-04T05:06:07\.250Z\)$/m);
});

test('hints: the real command name, -r for a prefix download, rm -r for a prefix', async () => {
  const bogus = await ossup('sync', '--bogus', 'a', 'b');
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /^hint: ossup help sync shows its arguments and flags$/m);

  await client.putObject(B, 'tree/added.txt/x', Buffer.from('x'));
  const cp = await ossup('cp', `oss://${B}/tree/`, join(box.dir, 'down2'));
  assert.equal(cp.code, 2);
  assert.match(
    cp.stderr,
    new RegExp(`^hint: use -r to download every object under it: ossup cp -r oss://${B}/tree/ `, 'm'),
  );

  const rm = await ossup('rm', `oss://${B}/tree/added.txt/`);
  assert.equal(rm.code, 2, rm.stderr);
  assert.match(
    rm.stderr,
    /is no object but a prefix with objects under it; nothing removed\nhint: to delete every object under it: ossup rm -r oss:\/\/meta-test\/tree\/added\.txt\/\n/,
  );
  assert.equal((await client.headObject(B, 'tree/added.txt/x')).size, 1, 'nothing was removed');
  const gone = await ossup('rm', `oss://${B}/tree/nothing-here`);
  assert.equal(gone.code, 0);
  assert.match(gone.stdout, /did not exist; nothing removed/);
});

test('a server-side copy sums up without a rate; sync --help hides --expected-size and says -r is ignored', async () => {
  await client.putObject(B, 'src.bin', Buffer.alloc(4096, 1));
  const r = await ossup('cp', `oss://${B}/src.bin`, `oss://${B}/dst.bin`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /on the server: 4\.0 KiB in \S+ s, 1 part; ETag/);
  assert.doesNotMatch(r.stdout, /\/s\)/);

  const help = await runCli(['sync', '--help'], box.env);
  assert.doesNotMatch(help.stdout, /--expected-size/);
  assert.match(help.stdout, /-r, --recursive\s+accepted and ignored: sync is always recursive/);
  const tree = await ossup('cp', '-r', join(box.dir, 'one'), `oss://${B}/x/`, '--expected-size', '1MiB');
  assert.equal(tree.code, 2);
  assert.match(tree.stderr, /--expected-size does not apply to a whole tree/);
});
