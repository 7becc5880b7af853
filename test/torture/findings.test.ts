// Minimal reproductions of what the torture run found in src (RELIABILITY.md, "Findings"). Each asserts the
// behaviour we want, and failed before its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeArgsFor } from '../helpers/child.js';
import { startTestServer } from '../../harness/server.js';
import { OssClient } from '../../src/client/index.js';
import { decodeJournal } from '../../src/transfer/checkpoint/journal.js';
import { downloadFile, uploadFile } from '../../src/transfer/index.js';
import { startCloseProxy } from '../../torture/lib/close-proxy.js';
import { cleanEnv, runCli, STACK } from '../../torture/lib/procs.js';
import { sha256, sha256File } from '../../torture/lib/data.js';

/** A test server with bucket `bkt`, a client and a temp dir, all removed after the test. */
async function world(t: { after: (fn: () => Promise<void>) => void }, name: string) {
  const server = await startTestServer();
  const dir = await mkdtemp(join(tmpdir(), `ossup-torture-${name}-`));
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  t.after(async () => {
    await client.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  await client.putBucket('bkt');
  return { server, dir, client };
}

const KILL_AFTER_INITIATE = nodeArgsFor(import.meta.url, './fixtures/kill-after-initiate');

test('finding 1: a download through a server that answers "Connection: close" and closes after the body completes', async (t) => {
  const { server, dir, client } = await world(t, 'finding1');
  const proxy = await startCloseProxy({ host: '127.0.0.1', port: server.server.port });
  t.after(() => proxy.close());
  const data = randomBytes(8 * 1024 * 1024);
  await client.putObject('bkt', 'k', data);
  await client.close();
  const env = cleanEnv({
    HOME: dir,
    OSSUP_HOME: dir,
    OSS_ENDPOINT: proxy.endpoint,
    OSS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    OSS_ACCESS_KEY_SECRET: server.credentials.accessKeySecret,
  });
  const dest = join(dir, 'copy.bin');
  const run = await runCli(
    ['cp', 'oss://bkt/k', dest, '--no-progress', '--part-size', '1MiB', '--parallel', '4'],
    env,
    60_000,
  );
  assert.doesNotMatch(run.stderr, STACK, 'no stack trace');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(await sha256File(dest), sha256(data));
});

test('finding 2 (fixed in 5b5eadc): a rerun after the server completed the upload (client killed before removing the checkpoint) resends nothing', async (t) => {
  const { dir, client } = await world(t, 'finding2');
  const file = join(dir, 'f.bin');
  await writeFile(file, randomBytes(1024 * 1024));
  const checkpoint = join(dir, 'f.ucp');
  // Every part uploaded and journaled, then the process "dies" just as its Complete reaches the server.
  const ac = new AbortController();
  await uploadFile(client, {
    bucket: 'bkt',
    key: 'k',
    file,
    partSize: 100 * 1024,
    checkpoint,
    signal: ac.signal,
    onProgress: (e) => {
      if (e.type === 'part' && e.partsDone === e.totalParts) ac.abort();
    },
  }).catch((err: { code?: string }) => assert.equal(err.code, 'Aborted'));
  const journal = decodeJournal<{ uploadId?: string; partNumber?: number; etag?: string }>(await readFile(checkpoint))!;
  const parts = journal.records.slice(1).map((r) => ({ partNumber: r.partNumber!, etag: r.etag! }));
  await client.completeMultipartUpload('bkt', 'k', journal.records[0]!.uploadId!, parts);
  const rerun = await uploadFile(client, { bucket: 'bkt', key: 'k', file, partSize: 100 * 1024, checkpoint });
  assert.equal(rerun.transferredBytes, 0, `the rerun sent ${rerun.transferredBytes} bytes again`);
});

test('finding 4 (fixed in 6811baf): debris of a killed process (lock and journal temp files) is cleaned up by the next run', async (t) => {
  const { dir, client } = await world(t, 'finding4');
  const file = join(dir, 'f.bin');
  await writeFile(file, randomBytes(300 * 1024));
  const checkpoint = join(dir, 'f.ucp');
  // What a process with a dead pid leaves when SIGKILLed between writing these temp files and removing/renaming them.
  const deadPid = 2 ** 22 + 1; // above the default pid_max (4194304): never a live process
  await writeFile(`${checkpoint}.lock.${deadPid}.0123456789abcdef.tmp`, JSON.stringify({ pid: deadPid }), {
    mode: 0o600,
  });
  await writeFile(`${checkpoint}.${deadPid}.deadbeef.tmp`, 'OSSUPJ1\n', { mode: 0o600 });
  await uploadFile(client, { bucket: 'bkt', key: 'k', file, partSize: 100 * 1024, checkpoint });
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n !== 'f.bin'),
    [],
    'nothing but the source is left',
  );
});

test('finding 2b (fixed in e9e4927): a download rerun after the file was renamed into place (killed before removing the checkpoint) fetches nothing', async (t) => {
  const { dir, client } = await world(t, 'finding2b');
  await client.putObject('bkt', 'k', randomBytes(1024 * 1024));
  const dest = join(dir, 'copy.bin');
  const checkpoint = join(dir, 'copy.dcp');
  // Every range fetched and journaled; then the process renames the verified temp file into place and is killed.
  const ac = new AbortController();
  await downloadFile(client, {
    bucket: 'bkt',
    key: 'k',
    file: dest,
    partSize: 100 * 1024,
    checkpoint,
    signal: ac.signal,
    onProgress: (e) => {
      if (e.type === 'part' && e.partsDone === e.totalParts) ac.abort();
    },
  }).catch((err: { code?: string }) => assert.equal(err.code, 'Aborted'));
  const header = decodeJournal<{ temp?: string }>(await readFile(checkpoint))!.records[0]!;
  await rename(header.temp!, dest);
  const rerun = await downloadFile(client, { bucket: 'bkt', key: 'k', file: dest, partSize: 100 * 1024, checkpoint });
  assert.equal(rerun.transferredBytes, 0, `the rerun fetched ${rerun.transferredBytes} bytes again`);
});

test('finding 5 (fixed in issue 11): a process killed right after InitiateMultipartUpload leaves no upload open once a rerun completes', async (t) => {
  const { server, dir, client } = await world(t, 'finding5');
  const file = join(dir, 'f.bin');
  await writeFile(file, randomBytes(300 * 1024));
  const checkpoint = join(dir, 'f.ucp');
  const args = {
    endpoint: server.endpoint,
    credentials: server.credentials,
    bucket: 'bkt',
    key: 'k',
    file,
    checkpoint,
  };
  const child = spawn(process.execPath, [...KILL_AFTER_INITIATE, JSON.stringify(args)], { stdio: 'inherit' });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  assert.equal(signal, 'SIGKILL', 'the child killed itself after Initiate');
  await uploadFile(client, { bucket: 'bkt', key: 'k', file, partSize: 100 * 1024, checkpoint });
  const open = (await client.listMultipartUploads('bkt')).uploads;
  assert.deepEqual(
    open.map((u) => u.uploadId),
    [],
    'no multipart upload left open',
  );
});
