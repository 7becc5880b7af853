// Issue 21, finding 8: a key holding ESC/BEL sequences, C1 controls or a right-to-left override is printed escaped
// in every human-readable line (ls, stat, rm -r --dry-run, sync --dry-run, cp -r's failure list, error messages),
// and exactly in --json.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { runCli, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';

const BUCKET = 'names-shown';
let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

const TITLE = 'e/\x1b]0;pwned\x07title';
const CLEAR = 'e/\x1b[2J\x1b[Hclear';
const RTL = 'e/rtl\u202Etxt.exe';
const C1 = 'e/c1\x9b31m';
const BLOCKED = 'e/\x1b[31mdir/x';
const KEYS = [TITLE, CLEAR, RTL, C1];

/** Characters that act on a terminal: C0 but newline, DEL, C1, bidi overrides and isolates. */
const ACTIVE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

before(async () => {
  ({ server, box, client } = await startCliServer(BUCKET));
  for (const k of [...KEYS, BLOCKED]) await client.putObject(BUCKET, k, Buffer.from('x'));
});
after(() => stopCliServer({ server, box, client }));

function inert(r: { stdout: string; stderr: string }): void {
  assert.doesNotMatch(r.stdout, ACTIVE, `stdout: ${JSON.stringify(r.stdout)}`);
  assert.doesNotMatch(r.stderr, ACTIVE, `stderr: ${JSON.stringify(r.stderr)}`);
}

test('ls and stat print keys escaped; ls --json keeps them exact', async () => {
  const ls = await ossup('ls', `oss://${BUCKET}/e/`);
  assert.equal(ls.code, 0, ls.stderr);
  inert(ls);
  assert.ok(ls.stdout.includes('e/\\x1b]0;pwned\\x07title'), ls.stdout);
  assert.ok(ls.stdout.includes('e/rtl\\u202etxt.exe'), ls.stdout);
  assert.ok(ls.stdout.includes('e/c1\\x9b31m'), ls.stdout);

  const json = await ossup('ls', `oss://${BUCKET}/e/`, '-r', '--json');
  assert.equal(json.code, 0, json.stderr);
  const keys = json.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { key: string }).key);
  assert.deepEqual(keys.sort(), [...KEYS, BLOCKED].sort());

  const stat = await ossup('stat', `oss://${BUCKET}/${TITLE}`);
  assert.equal(stat.code, 0, stat.stderr);
  inert(stat);
  assert.ok(stat.stdout.includes('\\x1b]0;pwned\\x07title'), stat.stdout);

  const missing = await ossup('stat', `oss://${BUCKET}/e/\x1b]0;gone\x07`);
  assert.equal(missing.code, 1, missing.stderr);
  inert(missing);
});

test('rm -r --dry-run, sync --dry-run and the failure list of cp -r print keys escaped', async () => {
  const rm = await ossup('rm', '-r', `oss://${BUCKET}/e/`, '--dry-run');
  assert.equal(rm.code, 0, rm.stderr);
  inert(rm);
  assert.ok(rm.stdout.includes('would delete oss://names-shown/e/\\x1b[2J\\x1b[Hclear'), rm.stdout);

  const dest = join(box.dir, 'dest');
  await mkdir(dest);
  const dry = await ossup('sync', `oss://${BUCKET}/e/`, dest, '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  inert(dry);
  assert.match(dry.stdout, /would download .*rtl\\u202etxt\.exe/);

  // A file where the key needs a directory: that key is in the failure list, escaped.
  await writeFile(join(dest, '\x1b[31mdir'), 'in the way');
  const cp = await ossup('cp', '-r', `oss://${BUCKET}/e/`, dest);
  assert.equal(cp.code, 1, cp.stderr);
  inert(cp);
  assert.ok(cp.stderr.includes('oss://names-shown/e/\\x1b[31mdir/x'), cp.stderr);
});
