// What the CLI says it chose (issue 23): the plain summary's `tuned:` line, and `tuning` on every file a tree moved
// (as `cp --json` has it), with flags named as the source of what they fixed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { runCli, sandbox, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
const BUCKET = 'tuned';

before(async () => {
  server = await startTestServer();
  box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket(BUCKET);
});
after(async () => {
  await client.close();
  await server.close();
  await box.cleanup();
});

const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

interface TuningLine {
  action: string;
  tuning?: {
    connections: { value: number; source: string };
    partSize: { value: number; source: string };
    jobs?: { value: number; source: string };
    reason: string;
  };
}

test('cp says what it chose and why on the line after its summary, both ways', async () => {
  const file = join(box.dir, 'one.bin');
  await writeFile(file, randomBytes(3 * 1024 * 1024));
  const up = await ossup('cp', file, `oss://${BUCKET}/one.bin`, '--no-checkpoint');
  assert.equal(up.code, 0, up.stderr);
  const lines = up.stdout.trim().split('\n');
  assert.match(lines[0]!, /^uploaded /);
  assert.match(lines[1]!, /^tuned: \d+ connections? \(auto\), 1\.0 MiB parts \(auto\): \S/);
  const down = await ossup('cp', `oss://${BUCKET}/one.bin`, join(box.dir, 'back.bin'), '--parallel', '2');
  assert.equal(down.code, 0, down.stderr);
  assert.match(
    down.stdout,
    /\ntuned: 2 connections \(flag\), [\d.]+ MiB parts \(auto\): connections fixed by a flag\n$/,
  );
});

test('cp -r --json: every file moved carries `tuning`, files skipped do not; the plain summary says it too', async () => {
  const dir = join(box.dir, 'tree');
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < 5; i++) await writeFile(join(dir, `f${i}.bin`), randomBytes(1000 + i));
  const r = await ossup('cp', '-r', dir, `oss://${BUCKET}/tree/`, '--json');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TuningLine);
  assert.equal(lines.length, 5);
  for (const l of lines) {
    assert.equal(l.action, 'upload');
    assert.equal(l.tuning?.connections.source, 'auto');
    assert.equal(l.tuning?.partSize.source, 'auto');
    assert.match(l.tuning?.reason ?? '', /\S/);
  }
  // A rerun skips every file: nothing was moved, so nothing was tuned.
  const again = await ossup('sync', dir, `oss://${BUCKET}/tree/`, '--json');
  assert.equal(again.code, 0, again.stderr);
  for (const l of again.stdout
    .trim()
    .split('\n')
    .map((x) => JSON.parse(x) as TuningLine)) {
    assert.equal(l.action, 'skip');
    assert.equal(l.tuning, undefined);
  }
  const down = await ossup('cp', '-r', `oss://${BUCKET}/tree/`, join(box.dir, 'tree-back'), '--jobs', '3');
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /\ntuned: \d+ connections \(auto\), [\d.]+ MiB parts \(auto\): \S.*\n$/);
  const json = await ossup('cp', '-r', `oss://${BUCKET}/tree/`, join(box.dir, 'tree-json'), '--jobs', '3', '--json');
  assert.deepEqual((JSON.parse(json.stdout.trim().split('\n')[0]!) as TuningLine).tuning?.jobs, {
    value: 3,
    source: 'flag',
  });
});
