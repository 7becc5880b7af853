// Interrupt a real upload (SIGKILL, then SIGINT) and rerun the same command: it resumes, and the object is
// byte-identical. A slow link (the fault proxy) keeps the upload running long enough to interrupt it mid-way.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { decodeJournal } from '../../src/transfer/checkpoint/journal.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { controlChars, finished, lastJson, runCli, sandbox, spawnCli, STACK, type Sandbox } from '../../harness/cli.js';

const SIZE = 24 * 1024 * 1024;
const SLOW = { rate: 1, kinds: ['slow' as const], bytesPerSecond: 2 * 1024 * 1024 };

let server: TestServer;
let proxy: FaultProxy;
let box: Sandbox;
let client: OssClient;
let file: string;
let data: Buffer;

before(async () => {
  server = await startTestServer();
  proxy = await startFaultProxy({ host: server.server.host, port: server.server.port }, SLOW);
  box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket('resume-test');
  data = randomBytes(SIZE);
  file = join(box.dir, 'big.bin');
  await writeFile(file, data);
});
after(async () => {
  await client.close();
  await proxy.close();
  await server.close();
  await box.cleanup();
});

const args = (key: string) => [
  'cp',
  file,
  `oss://resume-test/${key}`,
  '--endpoint',
  proxy.endpoint,
  '--part-size',
  '256KiB',
  '--parallel',
  '2',
  '--json',
];

/** Waits until the checkpoint journal has grown several times: parts are confirmed and recorded. */
async function waitForRecordedParts(dir: string, parts: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const cp = names.find((n) => !n.endsWith('.lock'));
    if (cp) {
      const data = await readFile(join(dir, cp)).catch(() => undefined);
      // Parts and ranges only: a download's journal also holds lease and closing records (download/lease.ts).
      const records = (data && decodeJournal<{ kind?: string }>(data)?.records.slice(1)) ?? [];
      if (records.filter((r) => r.kind !== 'lease' && r.kind !== 'closed' && r.kind !== 'drop').length >= parts)
        return join(dir, cp);
    }
    await sleep(20);
  }
  throw new Error('the checkpoint never recorded parts');
}

async function storedSha(key: string): Promise<string> {
  const res = await client.getObject('resume-test', key);
  const hash = createHash('sha256');
  for await (const c of res.body) hash.update(c as Buffer);
  return hash.digest('hex');
}

test('SIGKILL mid-upload, then the same command resumes (resumedBytes > 0) and the object is byte-identical', async () => {
  proxy.setPlan(SLOW);
  const child = spawnCli(args('killed.bin'), box.env);
  const done = finished(child);
  await waitForRecordedParts(join(box.ossupHome, 'checkpoints'), 4);
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL');

  proxy.setPlan({ rate: 0, kinds: [] });
  const r = await runCli(args('killed.bin'), box.env);
  assert.equal(r.code, 0, r.stderr);
  const json = lastJson(r.stdout);
  assert.ok(Number(json.resumedBytes) > 0, `resumedBytes ${json.resumedBytes}`);
  assert.equal(Number(json.resumedBytes) + Number(json.transferredBytes), SIZE);
  assert.equal(json.size, SIZE);
  assert.equal(await storedSha('killed.bin'), createHash('sha256').update(data).digest('hex'));
});

test('SIGINT: exit 130, one line saying how much is done, checkpoint kept; rerun completes', async () => {
  proxy.setPlan(SLOW);
  const child = spawnCli(args('interrupted.bin'), box.env);
  const done = finished(child);
  const checkpoint = await waitForRecordedParts(join(box.ossupHome, 'checkpoints'), 4);
  child.kill('SIGINT');
  const r1 = await done;
  assert.equal(r1.code, 130, r1.stderr);
  assert.match(
    r1.stderr,
    /ossup: interrupted: [\d.]+ [KM]iB of 24\.0 MiB uploaded \([\d.]+%, \d+\/96 parts\); rerun the same command to resume/,
  );
  assert.doesNotMatch(r1.stderr, STACK);
  assert.deepEqual(controlChars(r1.stderr), []);
  assert.equal(r1.stdout, '');
  assert.ok((await stat(checkpoint)).size > 0, 'checkpoint kept');

  proxy.setPlan({ rate: 0, kinds: [] });
  const r2 = await runCli(args('interrupted.bin'), box.env);
  assert.equal(r2.code, 0, r2.stderr);
  const json = lastJson(r2.stdout);
  assert.ok(Number(json.resumedBytes) > 0, `resumedBytes ${json.resumedBytes}`);
  assert.equal(json.parts, 96);
  assert.equal(await storedSha('interrupted.bin'), createHash('sha256').update(data).digest('hex'));
  assert.deepEqual(
    (await readdir(join(box.ossupHome, 'checkpoints'))).filter((n) => !n.endsWith('.lock')),
    [],
  );
});

test('download: SIGINT exits 130 keeping the checkpoint; the same command resumes and the file is byte-identical', async () => {
  proxy.setPlan({ rate: 0, kinds: [] });
  const up = await runCli(args('to-download.bin'), box.env);
  assert.equal(up.code, 0, up.stderr);

  proxy.setPlan(SLOW);
  const dest = join(box.dir, 'downloaded.bin');
  const down = [
    'cp',
    'oss://resume-test/to-download.bin',
    dest,
    '--endpoint',
    proxy.endpoint,
    '--part-size',
    '256KiB',
    '--parallel',
    '2',
    '--json',
  ];
  const child = spawnCli(down, box.env);
  const done = finished(child);
  await waitForRecordedParts(join(box.ossupHome, 'checkpoints'), 4);
  child.kill('SIGINT');
  const r1 = await done;
  assert.equal(r1.code, 130, r1.stderr);
  assert.match(r1.stderr, /ossup: interrupted: .* of 24\.0 MiB downloaded .*; rerun the same command to resume/);

  proxy.setPlan({ rate: 0, kinds: [] });
  const r2 = await runCli(down, box.env);
  assert.equal(r2.code, 0, r2.stderr);
  const json = lastJson(r2.stdout);
  assert.equal(json.op, 'download');
  assert.ok(Number(json.resumedBytes) > 0, `resumedBytes ${json.resumedBytes}`);
  const got = createHash('sha256')
    .update(await readFile(dest))
    .digest('hex');
  assert.equal(got, createHash('sha256').update(data).digest('hex'));
});

test('a tree resumes too, and says so: the rerun after SIGINT sums up the bytes resumed', async () => {
  const dir = join(box.dir, 'tree-resume');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'big.bin'), data);
  await writeFile(join(dir, 'small.txt'), 'small');
  const treeArgs = ['cp', '-r', dir, 'oss://resume-test/tree/', '--endpoint', proxy.endpoint];
  treeArgs.push('--part-size', '256KiB', '--parallel', '2', '--checkpoint-dir', join(box.dir, 'tree-cps'));
  proxy.setPlan(SLOW);
  const child = spawnCli(treeArgs, box.env);
  const done = finished(child);
  await waitForRecordedParts(join(box.dir, 'tree-cps'), 4);
  child.kill('SIGINT');
  const r1 = await done;
  assert.equal(r1.code, 130, r1.stderr);

  proxy.setPlan({ rate: 0, kinds: [] });
  const r2 = await runCli(treeArgs, box.env);
  assert.equal(r2.code, 0, r2.stderr);
  const m = /^uploaded \d files? \(([\d.]+) MiB in [\d.]+ s, ([\d.]+) MiB resumed\), \d up to date$/m.exec(r2.stdout);
  assert.ok(m, r2.stdout);
  assert.ok(Number(m[2]) > 0 && Number(m[1]) + Number(m[2]) <= 24.1, r2.stdout);
  assert.equal(await storedSha('tree/big.bin'), createHash('sha256').update(data).digest('hex'));
});
