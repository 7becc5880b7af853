// `ossup cp oss://a/k oss://b/k2`: a server-side copy, as a user runs it. One CopyObject or parts, --json, metadata
// kept or replaced, SIGKILL then rerun resumes, a source replaced between runs refused with exit 1.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { lastJson, runCli, sandbox, spawnCli, finished, STACK, type Sandbox } from '../../harness/cli.js';

const PART = 100 * 1024;
let server: TestServer;
let box: Sandbox;
let client: OssClient;
const args = (...a: string[]) => [...a, '--endpoint', server.endpoint];
const ossup = (...a: string[]) => runCli(args(...a), box.env);

before(async () => {
  server = await startTestServer();
  box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket('copy-a');
  await client.putBucket('copy-b');
});
after(async () => {
  await client.close();
  await server.close();
  await box.cleanup();
});

async function bytesOf(bucket: string, key: string): Promise<Buffer> {
  const res = await client.getObject(bucket, key);
  const parts: Buffer[] = [];
  for await (const c of res.body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function partsOnServer(bucket: string): Promise<number> {
  const up = (await client.listMultipartUploads(bucket)).uploads[0];
  return up ? (await client.listParts(bucket, up.key, up.uploadId)).parts.length : 0;
}

test('a copy between buckets: one CopyObject, --json, metadata kept, "/" keeps the name', async () => {
  const data = randomBytes(2 * PART);
  await client.putObject('copy-a', 'dir/report.csv', data, { contentType: 'text/csv', meta: { owner: 'alice' } });
  const r = await ossup('cp', 'oss://copy-a/dir/report.csv', 'oss://copy-b/archive/', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = lastJson(r.stdout);
  assert.equal(j.op, 'copy');
  assert.equal(j.bucket, 'copy-b');
  assert.equal(j.key, 'archive/report.csv');
  assert.equal(j.file, 'oss://copy-a/dir/report.csv');
  assert.equal(j.parts, 1);
  assert.ok((await bytesOf('copy-b', 'archive/report.csv')).equals(data));
  const head = await client.headObject('copy-b', 'archive/report.csv');
  assert.equal(head.contentType, 'text/csv');
  assert.deepEqual(head.meta, { owner: 'alice' });
});

test('--part-size makes a larger object go in parts; --meta replaces the metadata, even in place', async () => {
  const data = randomBytes(5 * PART + 3);
  await client.putObject('copy-a', 'parts.bin', data, { meta: { owner: 'alice' } });
  let r = await ossup(
    'cp',
    'oss://copy-a/parts.bin',
    'oss://copy-b/parts.bin',
    '--part-size',
    '100KiB',
    '--meta',
    'team=b',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastJson(r.stdout).parts, 6);
  assert.ok((await bytesOf('copy-b', 'parts.bin')).equals(data));
  assert.deepEqual((await client.headObject('copy-b', 'parts.bin')).meta, { team: 'b' });
  r = await ossup('cp', 'oss://copy-b/parts.bin', 'oss://copy-b/parts.bin', '--content-type', 'application/x-demo');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /copied oss:\/\/copy-b\/parts\.bin to oss:\/\/copy-b\/parts\.bin on the server/);
  assert.equal((await client.headObject('copy-b', 'parts.bin')).contentType, 'application/x-demo');
  assert.ok((await bytesOf('copy-b', 'parts.bin')).equals(data));
});

test('SIGKILL during a multipart copy, then the same command: it resumes and the object is byte-identical', async () => {
  const data = randomBytes(40 * PART);
  await client.putObject('copy-a', 'resume.bin', data);
  const cmd = args(
    'cp',
    'oss://copy-a/resume.bin',
    'oss://copy-b/resume.bin',
    '--part-size',
    '100KiB',
    '--parallel',
    '1',
    '--json',
  );
  const child = spawnCli(cmd, box.env);
  const done = finished(child);
  for (let i = 0; i < 400 && (await partsOnServer('copy-b')) < 4; i++) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGKILL');
  await done;
  const onServer = await partsOnServer('copy-b');
  assert.ok(onServer >= 4, 'parts were copied before the kill');
  const r = await runCli(cmd, box.env);
  assert.equal(r.code, 0, r.stderr);
  const j = lastJson(r.stdout);
  // One at a time, each part is journaled before the next starts: at most the last one on the server lacks its record
  // (the kill can land between the server's answer and the append), and that one is copied again.
  assert.ok(
    (j.resumedBytes as number) >= (onServer - 1) * PART,
    `resumed ${j.resumedBytes} with ${onServer} parts on the server`,
  );
  assert.ok((await bytesOf('copy-b', 'resume.bin')).equals(data));
  assert.equal((await client.listMultipartUploads('copy-b')).uploads.length, 0);
});

test('a source replaced between an interrupted copy and its rerun: exit 1, a clear line, nothing mixed', async () => {
  await client.putObject('copy-a', 'moving.bin', randomBytes(40 * PART));
  const cmd = args(
    'cp',
    'oss://copy-a/moving.bin',
    'oss://copy-b/moving.bin',
    '--part-size',
    '100KiB',
    '--parallel',
    '1',
  );
  const child = spawnCli(cmd, box.env);
  const done = finished(child);
  for (let i = 0; i < 400 && (await partsOnServer('copy-b')) < 2; i++) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGINT');
  const first = await done;
  assert.equal(first.code, 130, first.stderr);
  assert.match(first.stderr, /copied .*rerun the same command to resume/);
  await client.putObject('copy-a', 'moving.bin', randomBytes(40 * PART));
  const r = await runCli(cmd, box.env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /changed since this copy began/);
  assert.match(r.stderr, /ObjectChanged/);
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal((await client.listMultipartUploads('copy-b')).uploads.length, 0, 'the stale parts were aborted');
  await assert.rejects(client.headObject('copy-b', 'moving.bin'));
});
