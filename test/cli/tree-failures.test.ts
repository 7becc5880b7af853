// Issue 24, item 8: one file in the way of 30 downloads is one line naming it, not 30 near-identical ENOTDIR lines,
// and the hint says to move it rather than that a plain rerun would help.
import assert from 'node:assert/strict';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { runCli, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
const B = 'fail-test';

before(async () => {
  ({ server, box, client } = await startCliServer(B));
});
after(() => stopCliServer({ server, box, client }));

test('failures one blocking file causes are one line naming it; the hint says to move it', async () => {
  for (let i = 0; i < 30; i++) await client.putObject(B, `t/logs/f${i}.txt`, Buffer.from(`f${i}`));
  await client.putObject(B, 't/ok.txt', Buffer.from('ok'));
  const out = join(box.dir, 'out');
  await mkdir(out);
  await writeFile(join(out, 'logs'), 'I am a file, not a directory');
  const r = await runCli(['cp', '-r', `oss://${B}/t/`, out, '--endpoint', server.endpoint], box.env);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    `ossup: 30 files failed:\n  ${join(out, 'logs')}: a file where a directory is needed; it blocked 30 files (UnsafeDestination)\n` +
      'hint: move or remove the blocking file (or download elsewhere), then rerun the same command\n',
  );
  assert.match(r.stdout, /^downloaded 1 file .*30 failed$/m);
});

test('a symbolic link in the way of many downloads is one line naming it, and nothing is written through it', async () => {
  for (let i = 0; i < 5; i++) await client.putObject(B, `l/lnk/f${i}.txt`, Buffer.from(`f${i}`));
  const out = join(box.dir, 'out-link');
  const elsewhere = join(box.dir, 'elsewhere');
  await mkdir(out);
  await mkdir(elsewhere);
  await symlink(elsewhere, join(out, 'lnk'));
  const r = await runCli(['cp', '-r', `oss://${B}/l/`, out, '--endpoint', server.endpoint], box.env);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    `ossup: 5 files failed:\n  ${join(out, 'lnk')}: a symbolic link inside the destination; it blocked 5 files (UnsafeDestination)\n` +
      'hint: move or remove the blocking file (or download elsewhere), then rerun the same command\n',
  );
  assert.deepEqual(await readdir(elsewhere), []);
});
