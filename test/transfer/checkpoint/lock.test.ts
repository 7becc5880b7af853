import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { CheckpointLockedError } from '../../../src/core/errors.js';
import { acquireLock } from '../../../src/transfer/checkpoint/lock.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A pid that certainly is dead: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

test('a held lock refuses a second holder at once, naming the lock file; release frees it', async (t) => {
  const file = path.join(await tempDir(t), 'x.ucp.lock');
  const lock = await acquireLock(file);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const info = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(info.pid, process.pid);
  assert.equal(info.hostname, hostname());
  await assert.rejects(
    acquireLock(file),
    (e: unknown) => e instanceof CheckpointLockedError && e.code === 'CheckpointLocked' && e.message.includes(file),
  );
  await lock.release();
  await assert.rejects(stat(file), { code: 'ENOENT' });
  const again = await acquireLock(file);
  await again.release();
});

test('a lock left by a dead process on this host is stale and taken over; debris too', async (t) => {
  const file = path.join(await tempDir(t), 'x.ucp.lock');
  await writeFile(file, JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: Date.now(), token: 'abc' }));
  const lock = await acquireLock(file);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).pid, process.pid);
  await lock.release();
  await writeFile(file, '{"pid": 12');
  const lock2 = await acquireLock(file);
  await lock2.release();
});

test('a lock held on another host is respected (its pid cannot be checked)', async (t) => {
  const file = path.join(await tempDir(t), 'x.ucp.lock');
  await writeFile(
    file,
    JSON.stringify({ pid: deadPid(), hostname: 'elsewhere.example', startedAt: Date.now(), token: 'abc' }),
  );
  await assert.rejects(
    acquireLock(file),
    (e: unknown) => e instanceof CheckpointLockedError && /elsewhere\.example/.test(e.message),
  );
});

test('release does not remove a lock that is no longer ours', async (t) => {
  const file = path.join(await tempDir(t), 'x.ucp.lock');
  const lock = await acquireLock(file);
  const foreign = JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: 1, token: 'someone-else' });
  await writeFile(file, foreign);
  await lock.release();
  assert.equal(await readFile(file, 'utf8'), foreign);
});

test('taking a lock sweeps the temp files of dead processes and old stale files, and nothing live', async (t) => {
  const dir = await tempDir(t);
  const checkpoint = path.join(dir, 'f.ucp');
  const dead = deadPid();
  const debris = [
    `${checkpoint}.lock.${dead}.0123456789abcdef.tmp`, // acquireLock's temp file
    `${checkpoint}.${dead}.deadbeef.tmp`, // JournalWriter.create's temp file
    `${checkpoint}.lock.00aa11bb22cc33dd.stale`, // a take-over's aside file, an hour old
  ];
  const live = [
    `${checkpoint}.lock.${process.pid}.fedcba9876543210.tmp`, // a live process's temp file
    `${checkpoint}.lock.44ee55ff66aa77bb.stale`, // a take-over in progress right now
    path.join(dir, `other.ucp.${dead}.deadbeef.tmp`), // another checkpoint's debris is not ours to judge
  ];
  for (const f of [...debris, ...live]) await writeFile(f, 'x');
  const hourAgo = new Date(Date.now() - 3600_000);
  await utimes(debris[2]!, hourAgo, hourAgo);

  const lock = await acquireLock(`${checkpoint}.lock`);
  await lock.release();
  const left = new Set(await readdir(dir));
  for (const f of debris) assert.ok(!left.has(path.basename(f)), `${path.basename(f)} is swept`);
  for (const f of live) assert.ok(left.has(path.basename(f)), `${path.basename(f)} is kept`);
});
