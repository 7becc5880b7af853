// Recovering data in a versioned bucket from the command line: versioning on, an object overwritten and deleted,
// then found with `ls --versions` and brought back with `cp --version-id` (download, and restore by server copy).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { lastJson, runCli, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';

const B = 'cli-versions';
let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

before(async () => {
  ({ server, box, client } = await startCliServer(B));
});
after(() => stopCliServer({ server, box, client }));

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('versioning: off, enable, status; a bad action is exit 2', async () => {
  let r = await ossup('versioning', `oss://${B}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /versioning off/);
  r = await ossup('versioning', `oss://${B}`, 'enable');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /versioning Enabled/);
  r = await ossup('versioning', `oss://${B}`, '--json');
  assert.equal(lastJson(r.stdout).versioning, 'Enabled');
  r = await ossup('versioning', `oss://${B}`, 'on');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown versioning action "on"/);
});

test('an overwritten and deleted object is recovered through ls --versions and cp --version-id', async () => {
  await client.putBucketVersioning(B, 'Enabled');
  await client.putObject(B, 'report.txt', 'the good version');
  await client.putObject(B, 'report.txt', 'overwritten by mistake');
  let r = await ossup('rm', `oss://${B}/report.txt`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /delete marker .*older versions remain/);
  assert.equal((await ossup('stat', `oss://${B}/report.txt`)).code, 1);

  r = await ossup('ls', '--versions', `oss://${B}/report`, '--json');
  assert.equal(r.code, 0, r.stderr);
  const versions = jsonLines(r.stdout);
  assert.deepEqual(
    versions.map((v) => [v.key, v.deleteMarker, v.isLatest, v.size]),
    [
      ['report.txt', true, true, null],
      ['report.txt', false, false, 22],
      ['report.txt', false, false, 16],
    ],
  );
  const good = versions[2]!.versionId as string;
  r = await ossup('ls', '--versions', `oss://${B}/`);
  assert.match(r.stdout, new RegExp(`old\\s+oss://${B}/report.txt  ${good}`));

  // Download the old version, and stat it.
  const file = join(box.dir, 'good.txt');
  r = await ossup('cp', `oss://${B}/report.txt`, file, '--version-id', good);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(file, 'utf8'), 'the good version');
  r = await ossup('stat', `oss://${B}/report.txt`, '--version-id', good, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastJson(r.stdout).size, 16);
  assert.equal(lastJson(r.stdout).versionId, good);

  // Restore it as the latest by a server-side copy onto its own key.
  r = await ossup('cp', `oss://${B}/report.txt`, `oss://${B}/report.txt`, '--version-id', good);
  assert.equal(r.code, 0, r.stderr);
  const body = await client.getObject(B, 'report.txt');
  assert.equal((await readStream(body.body)).toString(), 'the good version');

  // rm --version-id deletes that one version for good; the restored copy stays.
  r = await ossup('rm', `oss://${B}/report.txt`, '--version-id', good);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /for good/);
  r = await ossup('stat', `oss://${B}/report.txt`, '--version-id', good);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /NoSuchVersion/);
  assert.equal((await ossup('stat', `oss://${B}/report.txt`)).code, 0);
});

test('--version-id where it cannot apply is a usage error', async () => {
  const r = await ossup('rm', '-r', `oss://${B}/x/`, '--version-id', 'v');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--version-id .* does not go with -r/);
  const up = await ossup('cp', join(box.dir, 'nothing'), `oss://${B}/k`, '--version-id', 'v');
  assert.equal(up.code, 2);
});

async function readStream(s: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c);
  return Buffer.concat(chunks);
}
