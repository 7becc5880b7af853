// File-system helpers shared by the server's store and the transfer engine (core stays pure: no I/O).
// The durability primitives every store write goes through. Rule: bytes and metadata reach the disk (fsync)
// before the rename that makes them visible, and the directory holding the new name is fsynced after it.
// Calls that only touch the page cache and return in microseconds (open, a small write, close, rename, mkdir, stat
// of a small file) are synchronous: each `fs/promises` call is a trip through libuv's thread pool (~35-40 us of CPU)
// and a FileHandle, and a small PutObject made ~20 of them. Every fsync still goes through the pool, since it can
// take milliseconds on a real disk, and stays in the same place in the order of operations.
import {
  closeSync,
  constants,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { randomFillSync } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';

const fsyncP = promisify(fsync);

/**
 * Flags for opening store files: never through a symbolic link (the store never makes one, so a link is planted;
 * see checkNoLinks). O_NOFOLLOW guards the last component; the directories above it are checked at start.
 */
export const READ_NOFOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;
/** A new file only (O_EXCL also refuses to follow a link at its name). */
export const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Random bytes drawn in blocks: one call per 256 names instead of one each (a small PutObject takes two). */
const NAME_BYTES = 16;
const namePool = Buffer.alloc(NAME_BYTES * 256);
let namePoolAt = namePool.length;

/** 32 hex digits from the CSPRNG: a name no other process or earlier run will pick. */
export function randomName(): string {
  if (namePoolAt === namePool.length) {
    randomFillSync(namePool);
    namePoolAt = 0;
  }
  namePoolAt += NAME_BYTES;
  return namePool.toString('hex', namePoolAt - NAME_BYTES, namePoolAt);
}

/** Filesystems that keep files only in memory (tmpfs, ramfs): their fsync has nothing to flush and returns at once. */
const MEMORY_FS = new Set([0x01021994, 0x858458f6]);
const memoryDirs = new Map<string, boolean>();

/** Whether `dir` is on a memory filesystem (cached per directory; a wrong answer costs speed, never safety). */
function onMemoryFs(dir: string): boolean {
  let yes = memoryDirs.get(dir);
  if (yes === undefined) {
    try {
      yes = MEMORY_FS.has(Number(statfsSync(dir).type));
    } catch {
      yes = false;
    }
    if (memoryDirs.size >= 1024) memoryDirs.clear();
    memoryDirs.set(dir, yes);
  }
  return yes;
}

/**
 * fsync `fd`, a file or directory in `dir`. On the thread pool, since on a disk it can take milliseconds; but
 * where it cannot block (a memory filesystem) it is made synchronously: the same call in the same place in the
 * order, without the pool trip (~40 us of CPU, and a small PutObject makes four).
 */
export function fsyncIn(dir: string, fd: number): Promise<void> {
  if (!onMemoryFs(dir)) return fsyncP(fd);
  try {
    fsyncSync(fd);
    return Promise.resolve();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** One flush of a directory: open and close synchronously, fsync on the pool (fsyncIn). */
export async function syncDirOnce(dir: string): Promise<void> {
  // Some filesystems refuse fsync on a directory handle; durability there is best effort.
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    await fsyncIn(dir, fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface DirSync {
  inFlight?: Promise<void>;
  queued?: Promise<void>;
}
const dirSyncs = new Map<string, DirSync>();

/**
 * fsync a directory after a rename into it, group-committed: concurrent part uploads rename into the same
 * directories, and one flush covers every rename done before it started. A caller never gets a flush that began
 * before its call: while one is in flight, callers share the next one, which starts when it ends. `syncOnce` is the
 * flush itself (injectable for tests).
 */
export function fsyncDir(dir: string, syncOnce: (dir: string) => Promise<void> = syncDirOnce): Promise<void> {
  let state = dirSyncs.get(dir);
  if (!state) dirSyncs.set(dir, (state = {}));
  const s = state;
  const start = (): Promise<void> => {
    const run = syncOnce(dir).finally(() => {
      s.inFlight = undefined;
      if (!s.queued) dirSyncs.delete(dir);
    });
    s.inFlight = run;
    return run;
  };
  if (s.queued) return s.queued;
  if (!s.inFlight) return start();
  s.queued = s.inFlight.then(() => {
    s.queued = undefined;
    return start();
  });
  return s.queued;
}

/**
 * Writes `data` to `file` so that a crash leaves either the old content or the new, never a mix. A failed write
 * (ENOSPC, EIO) removes its temp file: a full disk must not fill up further with debris. `mode`: the new file's
 * permissions (0o644 unless given; 0o600 for what only its owner may read).
 */
export async function writeFileAtomic(
  tmpDir: string,
  file: string,
  data: string | Uint8Array,
  dir: string,
  mode = 0o644,
): Promise<void> {
  const tmp = join(tmpDir, `${randomName()}.tmp`);
  try {
    const fd = openSync(tmp, CREATE_NEW, mode);
    try {
      writeFileSync(fd, data);
      await fsyncIn(tmpDir, fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    const fd = openSync(file, READ_NOFOLLOW);
    try {
      return JSON.parse(readFileSync(fd, 'utf8')) as T;
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * `mkdir -p dir`, but only below `base`, which must exist: a bucket deleted meanwhile is never brought back by a
 * write that was in flight (its ENOENT reaches the caller instead).
 */
export async function ensureDirBelow(base: string, dir: string): Promise<void> {
  const rel = relative(base, dir);
  if (rel.startsWith('..')) throw new Error(`${dir} is not below ${base}`);
  // Usually there already: one stat, instead of a mkdir (and its EEXIST exception) per level.
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return;
  let at = base;
  for (const part of rel.split(sep).filter(Boolean)) {
    at = join(at, part);
    try {
      mkdirSync(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

export async function unlinkQuiet(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Whether `pid` names a live process on this host (EPERM means alive but not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
