// What a failed, aborted or restarted transfer leaves behind: nothing in the checkpoint directory, nothing beside the
// destination, and no upload on the server that nothing can resume.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import { AbortedError } from '../../src/core/errors.js';
import { uploadFile, type TransferEvent } from '../../src/transfer/index.js';
import type { TestServer } from '../../harness/server.js';
import { startFaultProxy } from '../../harness/fault-proxy.js';
import { finished, runCli, startCliServer, stopCliServer, spawnCli, STACK, type Sandbox } from '../../harness/cli.js';

const PART = 100 * 1024;
let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

before(async () => {
  ({ server, box, client } = await startCliServer('debris'));
});
after(() => stopCliServer({ server, box, client }));

function pauseAfter(parts: number) {
  const ac = new AbortController();
  return {
    signal: ac.signal,
    onProgress: (e: TransferEvent) => {
      if (e.type === 'part' && e.partsDone >= parts) ac.abort();
    },
  };
}

/** An upload paused after two parts, its checkpoint in `checkpoint` (a file, or a directory to name one in). */
async function pausedUpload(key: string, checkpoint: string): Promise<{ file: string; uploadId: string }> {
  const file = join(box.dir, `${basename(key)}.src`);
  await writeFile(file, randomBytes(6 * PART));
  await assert.rejects(
    uploadFile(client, { bucket: 'debris', key, file, partSize: PART, checkpoint, ...pauseAfter(2) }),
    AbortedError,
  );
  const open = (await client.listMultipartUploads('debris', { prefix: key })).uploads.filter((u) => u.key === key);
  assert.equal(open.length, 1);
  return { file, uploadId: open[0]!.uploadId };
}

test('abort --upload-id and --all-older-than remove the checkpoints of the uploads they abort', async () => {
  const dir = join(box.ossupHome, 'checkpoints');
  await mkdir(dir, { recursive: true });
  const one = await pausedUpload('abort/one.bin', dir);
  await pausedUpload('abort/two.bin', dir);
  await pausedUpload('abort/three.bin', dir);
  assert.equal((await readdir(dir)).filter((n) => n.endsWith('.ucp')).length, 3);

  let r = await ossup('abort', 'oss://debris/abort/one.bin', '--upload-id', one.uploadId);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    (await readdir(dir)).filter((n) => n.endsWith('.ucp')).length,
    2,
    "the aborted upload's checkpoint is gone",
  );

  r = await ossup('abort', 'oss://debris/abort/', '--all-older-than', '0s');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 uploads aborted/);
  assert.deepEqual(await readdir(dir), [], 'nothing left in the checkpoint directory');
});

test('a checkpoint with a damaged header: a warning, and its upload (same target) is aborted on the server', async () => {
  const cp = join(box.dir, 'damaged.ucp');
  const { file, uploadId } = await pausedUpload('damaged.bin', cp);
  const bytes = await readFile(cp);
  bytes.writeUInt8(bytes.readUInt8(14) ^ 0x55, 14); // inside the header record's JSON, before the upload ID // inside the header record's JSON, before the upload ID
  await writeFile(cp, bytes);

  const r = await ossup('cp', file, 'oss://debris/damaged.bin', '--checkpoint', cp, '--part-size', '100KiB', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    `ossup: warning: starting over: the checkpoint ${cp} is damaged (its header cannot be read); its upload ${uploadId} was aborted\n`,
  );
  assert.deepEqual(
    (await client.listMultipartUploads('debris', { prefix: 'damaged.bin' })).uploads,
    [],
    'no upload left on the server',
  );
  assert.ok(!(await stat(cp).catch(() => undefined)), 'the checkpoint is gone after the upload');
  const stored = await client.getObject('debris', 'damaged.bin');
  const hash = createHash('sha256');
  for await (const c of stored.body) hash.update(c as Buffer);
  assert.equal(
    hash.digest('hex'),
    createHash('sha256')
      .update(await readFile(file))
      .digest('hex'),
  );
});

test('a damaged checkpoint naming another key: warned, and that upload is left alone', async () => {
  const cp = join(box.dir, 'other.ucp');
  const { file, uploadId } = await pausedUpload('other-a.bin', cp);
  const bytes = await readFile(cp);
  bytes.writeUInt8(bytes.readUInt8(14) ^ 0x55, 14);
  await writeFile(cp, bytes);
  const r = await ossup('cp', file, 'oss://debris/other-b.bin', '--checkpoint', cp, '--part-size', '100KiB');
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^ossup: warning: starting over: the checkpoint .* is damaged \(its header cannot be read\); if it held an upload, ossup uploads oss:\/\/debris\/other-b\.bin lists it\n$/,
  );
  const left = (await client.listMultipartUploads('debris', { prefix: 'other-a.bin' })).uploads;
  assert.deepEqual(
    left.map((u) => u.uploadId),
    [uploadId],
  );
  await client.abortMultipartUpload('debris', 'other-a.bin', uploadId);
});

test('a download that fails before its temporary file exists leaves no checkpoint, lock or temp file', async () => {
  await client.putObject('debris', 'down.bin', randomBytes(3 * PART));
  const cpDir = join(box.dir, 'down-cp');
  await mkdir(cpDir);
  const cp = join(cpDir, 'down.dcp');
  const outDir = join(box.dir, 'down-out');
  await mkdir(outDir);
  const dest = join(outDir, 'down.bin');
  // The place of the temporary file is taken by a directory: the temporary file cannot be made.
  const temp = `${dest}.ossup-${createHash('sha256').update(resolve(cp)).digest('hex').slice(0, 12)}.tmp`;
  await mkdir(join(temp, 'in-the-way'), { recursive: true });
  const r = await ossup('cp', 'oss://debris/down.bin', dest, '--checkpoint', cp);
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  assert.deepEqual(await readdir(cpDir), [], 'no checkpoint, lock or temp file');
  assert.deepEqual(await readdir(outDir), [basename(temp)], 'only the directory that was in the way');
});

test('a finished download removes the stale temporary files other checkpoint locations left beside it', async () => {
  const data = randomBytes(2 * PART);
  await client.putObject('debris', 'swept.bin', data);
  const outDir = join(box.dir, 'swept-out');
  await mkdir(outDir);
  const dest = join(outDir, 'swept.bin');
  const stale = `${dest}.ossup-0123456789ab.tmp`;
  const young = `${dest}.ossup-ba9876543210.tmp`;
  const unrelated = join(outDir, 'other.bin.ossup-0123456789ab.tmp');
  for (const f of [stale, young, unrelated]) await writeFile(f, 'x');
  const old = new Date(Date.now() - 3600_000);
  await utimes(stale, old, old);
  await utimes(unrelated, old, old);
  const r = await ossup('cp', 'oss://debris/swept.bin', dest);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readFile(dest), data);
  assert.deepEqual((await readdir(outDir)).sort(), [basename(unrelated), 'swept.bin', basename(young)].sort());
});

/** A full file system to keep checkpoints on: a tiny tmpfs, filled. Needs root and mount(2); undefined when denied. */
function fullFileSystem(dir: string): { filler: string; unmount: () => void } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' }).status !== 0)
    return undefined;
  const filler = join(dir, 'filler');
  spawnSync('sh', ['-c', `cat /dev/zero > '${filler}'`], { stdio: 'ignore' });
  return { filler, unmount: () => void spawnSync('umount', [dir], { stdio: 'ignore' }) };
}

test('a checkpoint directory on a full disk: CheckpointUnusable, and no lock or journal temp file left in it', async (t) => {
  const dir = join(box.dir, 'full');
  await mkdir(dir);
  const full = fullFileSystem(dir);
  if (!full) {
    t.skip('needs root and mount(2) for a full tmpfs');
    return;
  }
  try {
    const file = join(box.dir, 'full.src');
    await writeFile(file, randomBytes(3 * PART));
    const r = await ossup('cp', file, 'oss://debris/full.bin', '--checkpoint-dir', dir, '--part-size', '100KiB');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ENOSPC/);
    assert.match(r.stderr, /\nhint: check that the checkpoint directory is writable/);
    assert.deepEqual(await readdir(dir), ['filler']);
  } finally {
    full.unmount();
  }
});

test('Ctrl-C on a download with --no-checkpoint leaves nothing beside the destination or in the checkpoint directory', async () => {
  await client.putObject('debris', 'slow.bin', randomBytes(2 * 1024 * 1024));
  const proxy = await startFaultProxy(
    { host: server.server.host, port: server.server.port },
    { rate: 1, kinds: ['slow'], bytesPerSecond: 256 * 1024 },
  );
  try {
    const outDir = join(box.dir, 'nocp-out');
    await mkdir(outDir);
    const cpDir = join(box.dir, 'nocp-cp');
    await mkdir(cpDir);
    const child = spawnCli(
      [
        'cp',
        'oss://debris/slow.bin',
        join(outDir, 'slow.bin'),
        '--no-checkpoint',
        '--checkpoint-dir',
        cpDir,
        '--part-size',
        '256KiB',
        '--endpoint',
        proxy.endpoint,
      ],
      box.env,
    );
    const done = finished(child);
    const deadline = Date.now() + 20_000;
    while ((await readdir(outDir)).length === 0 && Date.now() < deadline) await sleep(20);
    assert.equal((await readdir(outDir)).length, 1, 'the temporary file appeared');
    await sleep(300);
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(
      r.stderr,
      /^ossup: interrupted: .*there is no checkpoint \(--no-checkpoint\): rerunning starts over\n$/,
    );
    assert.deepEqual(await readdir(outDir), []);
    assert.deepEqual(await readdir(cpDir), []);
  } finally {
    await proxy.close();
  }
});

/** Every file below `dir`, relative, '/'-separated. */
async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}
const TEMP = /\.ossup-[0-9a-f-]+\.tmp$/;

test('SIGKILL of tree downloads (cp -r, sync): the rerun leaves no temporary file and every file is right', async () => {
  const objects = new Map<string, Buffer>();
  for (let i = 0; i < 30; i++) objects.set(`kill/d${i % 3}/f${String(i).padStart(2, '0')}`, randomBytes(96 * 1024 + i));
  objects.set('kill/big.bin', randomBytes(12 * PART));
  for (const [key, body] of objects) await client.putObject('debris', key, body);
  const proxy = await startFaultProxy(
    { host: server.server.host, port: server.server.port },
    { rate: 1, kinds: ['slow'], bytesPerSecond: 192 * 1024 },
  );
  try {
    for (const verb of [['cp', '-r'], ['sync']]) {
      const dest = join(box.dir, `kill-${verb[0]}`);
      const args = [...verb, 'oss://debris/kill/', dest, '--jobs', '4', '--part-size', '100KiB', '--json'];
      const child = spawnCli([...args, '--endpoint', proxy.endpoint], box.env);
      const run = finished(child);
      let seen = '';
      await new Promise<void>((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 6 files done in time: ${seen}`)), 60_000);
        child.stdout!.on('data', (s: Buffer | string) => {
          seen += String(s);
          if (seen.split('\n').filter(Boolean).length >= 6) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            resolvePromise();
          }
        });
      });
      assert.equal((await run).signal, 'SIGKILL');
      const debris = (await filesBelow(dest)).filter((f) => TEMP.test(f));
      assert.ok(debris.length > 0, 'the kill left temporary files (files were in flight)');

      // The same command again (the same endpoint, so the same checkpoints: the large file resumes into its
      // temporary file); the small files' temporary files name a process that is gone.
      proxy.setPlan({ rate: 0, kinds: [] });
      const again = await runCli([...args, '--endpoint', proxy.endpoint], box.env);
      proxy.setPlan({ rate: 1, kinds: ['slow'], bytesPerSecond: 192 * 1024 });
      assert.equal(again.code, 0, again.stderr);
      const files = await filesBelow(dest);
      assert.deepEqual(
        files.filter((f) => TEMP.test(f)),
        [],
        `${verb.join(' ')}: temporary files left: ${files}`,
      );
      assert.deepEqual(files, [...objects.keys()].map((k) => k.slice('kill/'.length)).sort());
      for (const [key, body] of objects) assert.deepEqual(await readFile(join(dest, key.slice('kill/'.length))), body);
    }
  } finally {
    await proxy.close();
  }
});

test('a file name of 255 bytes downloads through cp -r and sync (the temporary name is shortened)', async () => {
  const names = [`${'n'.repeat(251)}.bin`, `${'\u00e9'.repeat(127)}x`, `${'b'.repeat(255)}`];
  const bodies = new Map<string, Buffer>();
  for (const [i, n] of names.entries()) {
    assert.equal(Buffer.byteLength(n), 255);
    // The last is large enough for the multipart download engine.
    const body = randomBytes(i === 2 ? 3 * PART : 1000 + i);
    bodies.set(n, body);
    await client.putObject('debris', `long/${n}`, body);
  }
  for (const verb of [['cp', '-r'], ['sync']]) {
    const dest = join(box.dir, `long-${verb[0]}`);
    const r = await ossup(...verb, 'oss://debris/long/', dest, '--part-size', '100KiB');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await readdir(dest)).sort(), [...names].sort());
    for (const [n, body] of bodies) assert.deepEqual(await readFile(join(dest, n)), body);
  }
});
