// One bench run at a time, and no debris from runs that died. Two runs side by side would each measure the other's
// load, so a second run refuses to start while the first one's pid is alive. Every work directory the bench makes
// carries the pid of the run that made it (OWNER); once that pid is gone the directory is debris (a killed run never
// reached its cleanup) and the next run deletes it. Directories kept with --keep lose the marker, so they stay.
import { existsSync, linkSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The marker file in each work directory: the pid of the run that owns it. */
export const OWNER = '.bench-owner-pid';
/** Prefixes of the directories the bench creates, under /dev/shm or the OS temp dir. */
export const DIR_PREFIXES = ['ossup-bench-', 'ossup-bench-cp-'];

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pidIn(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return NaN;
  }
}

export interface BenchLock {
  path: string;
  release(): void;
}

/**
 * Take the machine-wide bench lock, or throw naming the run that holds it. A lock whose pid is dead is taken over.
 * The lock file is linked into place, so two runs starting together cannot both win.
 */
export function acquireBenchLock(dir = tmpdir()): BenchLock {
  const path = join(dir, 'ossup-bench.lock');
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
        const holder = pidIn(path);
        if (alive(holder)) {
          throw new Error(
            `another bench run is active (pid ${holder}, lock ${path}); wait for it to finish: two runs would measure each other`,
          );
        }
        rmSync(path, { force: true }); // a dead run's lock
      }
    }
  } finally {
    unlinkSync(mine);
  }
  return {
    path,
    release() {
      if (pidIn(path) === process.pid) rmSync(path, { force: true });
    },
  };
}

/** Mark `dir` as this run's, so a later run can tell debris from a live or kept directory. */
export function markOwned(dir: string): void {
  writeFileSync(join(dir, OWNER), `${process.pid}\n`);
}

/** `dir` is kept on purpose (--keep): never sweep it. */
export function unmarkOwned(dir: string): void {
  rmSync(join(dir, OWNER), { force: true });
}

/** Delete bench work directories whose owning run is dead. Returns the paths removed. */
export function sweepStaleDirs(parents: string[] = ['/dev/shm', tmpdir()]): string[] {
  const removed: string[] = [];
  for (const parent of new Set(parents)) {
    if (!existsSync(parent)) continue;
    for (const name of readdirSync(parent)) {
      if (!DIR_PREFIXES.some((p) => name.startsWith(p))) continue;
      const dir = join(parent, name);
      const owner = pidIn(join(dir, OWNER));
      if (Number.isNaN(owner) || owner === process.pid || alive(owner)) continue; // unmarked (kept, or not ours) or live
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}
