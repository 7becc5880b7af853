import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireBenchLock, markOwned, OWNER, sweepStaleDirs, unmarkOwned } from '../../bench/guard.js';

/** A pid that was alive a moment ago and is not any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test("a second bench run is refused while the first one holds the lock; a dead run's lock is taken over", () => {
  const dir = mkdtempSync(join(tmpdir(), 'guard-lock-'));
  try {
    const lock = acquireBenchLock(dir);
    assert.throws(() => acquireBenchLock(dir), /another bench run is active \(pid \d+/);
    lock.release();
    assert.equal(existsSync(lock.path), false);
    writeFileSync(join(dir, 'ossup-bench.lock'), `${deadPid()}\n`);
    const again = acquireBenchLock(dir);
    assert.equal(readFileSync(again.path, 'utf8').trim(), String(process.pid));
    again.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sweeping removes only work directories whose owning run is dead', () => {
  const parent = mkdtempSync(join(tmpdir(), 'guard-sweep-'));
  try {
    const stale = join(parent, 'ossup-bench-stale');
    const live = join(parent, 'ossup-bench-live');
    const kept = join(parent, 'ossup-bench-cp-kept');
    const other = join(parent, 'not-the-bench');
    for (const d of [stale, live, kept, other]) mkdirSync(d);
    writeFileSync(join(stale, OWNER), `${deadPid()}\n`);
    writeFileSync(join(other, OWNER), `${deadPid()}\n`);
    markOwned(live);
    markOwned(kept);
    unmarkOwned(kept); // --keep
    assert.deepEqual(sweepStaleDirs([parent]), [stale]);
    assert.equal(existsSync(stale), false);
    for (const d of [live, kept, other]) assert.equal(existsSync(d), true, d);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
