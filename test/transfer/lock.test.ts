import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { CheckpointLockedError } from '../../src/core/errors.js';
import { acquireLock } from '../../src/transfer/lock.js';

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
  await assert.rejects(acquireLock(file), (e: unknown) =>
    e instanceof CheckpointLockedError && e.code === 'CheckpointLocked' && e.message.includes(file));
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
  await writeFile(file, JSON.stringify({ pid: deadPid(), hostname: 'elsewhere.example', startedAt: Date.now(), token: 'abc' }));
  await assert.rejects(acquireLock(file), (e: unknown) => e instanceof CheckpointLockedError && /elsewhere\.example/.test(e.message));
});

test('release does not remove a lock that is no longer ours', async (t) => {
  const file = path.join(await tempDir(t), 'x.ucp.lock');
  const lock = await acquireLock(file);
  const foreign = JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: 1, token: 'someone-else' });
  await writeFile(file, foreign);
  await lock.release();
  assert.equal(await readFile(file, 'utf8'), foreign);
});
