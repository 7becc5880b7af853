// A lock file beside a checkpoint so two processes never drive one checkpoint. Staleness is decided by asking
// whether the recorded pid is alive on this host, not by mtime age, so a rerun right after SIGKILL proceeds at once.
import { randomBytes } from 'node:crypto';
import { promises as fsp, constants as fsc } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CheckpointError, CheckpointLockedError } from '../../core/errors.js';
import { isProcessAlive } from '../../io/fs.js';
import type { HeldLock } from '../engine/ports.js';

export interface LockInfo {
  pid: number;
  hostname: string;
  /** When the holder took the lock (ms since epoch). */
  startedAt: number;
  /** Random token so a holder only ever removes its own lock. */
  token: string;
}

export type { HeldLock } from '../engine/ports.js';

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (
      typeof v.pid === 'number' &&
      typeof v.hostname === 'string' &&
      typeof v.startedAt === 'number' &&
      typeof v.token === 'string'
    ) {
      return v as LockInfo;
    }
  } catch {
    /* garbage */
  }
  return undefined;
}

/**
 * Take `file` as a lock or throw CheckpointLockedError at once. The content is written to a temp file and then
 * hard-linked into place, so the lock file is never seen half-written: an unparsable lock is debris, not a holder.
 */
export async function acquireLock(file: string): Promise<HeldLock> {
  const info: LockInfo = {
    pid: process.pid,
    hostname: osHostname(),
    startedAt: Date.now(),
    token: randomBytes(8).toString('hex'),
  };
  const tmp = `${file}.${process.pid}.${info.token}.tmp`;
  try {
    await fsp.writeFile(tmp, JSON.stringify(info), { mode: 0o600, flag: fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY });
  } catch (err) {
    // O_EXCL made the file, or failed without touching one (EEXIST): a full disk leaves an empty file behind.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw new CheckpointError(
      file,
      `cannot create the checkpoint lock ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      { cause: err },
    );
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await fsp.link(tmp, file);
        await sweepDebris([file, file.replace(/\.lock$/, '')]).catch(() => undefined);
        return { file, release: () => releaseLock(file, info.token) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = await fsp.readFile(file, 'utf8').catch(() => '');
      const holder = parseLock(seen);
      if (holder && (holder.hostname !== info.hostname || isProcessAlive(holder.pid))) {
        const where = holder.hostname === info.hostname ? '' : ` on host ${holder.hostname}`;
        throw new CheckpointLockedError(
          file,
          `checkpoint is in use by process ${holder.pid}${where} since ${new Date(holder.startedAt).toISOString()} ` +
            `(lock file ${file}); wait for it to finish, or delete the lock file if that process is gone`,
        );
      }
      // Stale (dead pid on this host) or debris. Move it aside rather than delete it, then check that what moved is
      // what we judged stale: if another process took the lock meanwhile, we moved a live lock and put it back.
      const aside = `${file}.${info.token}.stale`;
      try {
        await fsp.rename(file, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const moved = await fsp.readFile(aside, 'utf8').catch(() => '');
      if (moved !== seen) await fsp.link(aside, file).catch(() => undefined);
      await fsp.rm(aside, { force: true });
    }
    throw new CheckpointLockedError(file, `could not take the checkpoint lock ${file}: it keeps being re-created`);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

async function releaseLock(file: string, token: string): Promise<void> {
  const holder = parseLock(await fsp.readFile(file, 'utf8').catch(() => ''));
  if (holder?.token === token) await fsp.rm(file, { force: true });
}

// Litter from killed processes: the lock and the journal each write a `<target>.<pid>.<hex>.tmp` file and then link
// or rename it into place, and a lock take-over moves a stale lock aside as `<lock>.<hex>.stale`. A SIGKILL between
// those steps leaves the temporary file behind, and no later run would ever look at another pid's names. Whoever
// holds the lock sweeps them: a temp file only when its pid is dead, a stale file only once it is old enough that no
// take-over can still be using it.

/** A take-over moves a lock aside and removes it within milliseconds; a minute-old one is debris. */
const STALE_AGE_MS = 60_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Remove debris of dead processes next to `targets` (paths of a checkpoint and its lock). Best effort. */
export async function sweepDebris(targets: readonly string[], now = Date.now()): Promise<void> {
  const dir = dirname(targets[0]!);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const temp = targets.map((t) => new RegExp(`^${escapeRegExp(basename(t))}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`));
  const stale = targets.map((t) => new RegExp(`^${escapeRegExp(basename(t))}\\.[0-9a-f]+\\.stale$`));
  for (const name of names) {
    const full = join(dir, name);
    const pid = temp.map((re) => re.exec(name)?.[1]).find((p) => p !== undefined);
    if (pid !== undefined) {
      if (Number(pid) !== process.pid && !isProcessAlive(Number(pid))) await fsp.rm(full, { force: true });
    } else if (stale.some((re) => re.test(name))) {
      const info = await fsp.stat(full).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_AGE_MS) await fsp.rm(full, { force: true });
    }
  }
}
