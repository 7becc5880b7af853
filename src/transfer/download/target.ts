// The local side of a download: where the bytes go (destination, temporary file beside it), whether they fit, and
// the final atomic rename. The destination name only ever appears holding complete, verified bytes.
import { promises as fsp, constants as fsc } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ArgumentError, InsufficientDiskSpaceError } from '../../core/errors.js';
import { fsyncDir } from '../../io/fs.js';
import { isAbandonedTemp, isTempFor, NAME_MAX } from './temp-name.js';

/**
 * The local path a download of `key` to `file` writes: `file` itself, or `file/<base name of key>` when `file` is an
 * existing directory or ends with a path separator. Throws ArgumentError when no usable file name results.
 */
export async function resolveDownloadTarget(file: string, key: string): Promise<string> {
  if (typeof file !== 'string' || file === '') throw new ArgumentError('file', 'file (the destination) is required');
  const st = await fsp.stat(file).catch(() => undefined);
  const dirLike = /[\\/]$/.test(file) || st?.isDirectory() === true;
  if (!dirLike) return resolve(file);
  const base = keyBaseName(key);
  if (!base) {
    throw new ArgumentError(
      'file',
      `the key ${JSON.stringify(key)} has no base name to use inside the directory ${file}; give a file name`,
    );
  }
  return resolve(file, base);
}

/** The last path segment of a key ('' when the key ends with '/' or the segment is '.' or '..'). */
export function keyBaseName(key: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1);
  return base === '.' || base === '..' ? '' : base;
}

/** The destination's directory must exist and the destination must not be a directory: bad input, found before any request. */
export async function checkDestination(dest: string): Promise<void> {
  const dir = dirname(dest);
  const dst = await fsp.stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      throw new ArgumentError('file', `the destination directory ${dir} does not exist; create it first`, {
        cause: err,
      });
    }
    throw new ArgumentError('file', `cannot use the destination directory ${dir}: ${err.message}`, { cause: err });
  });
  if (!dst.isDirectory()) throw new ArgumentError('file', `${dir} is not a directory`);
  const nameBytes = Buffer.byteLength(basename(dest));
  if (nameBytes > NAME_MAX) {
    throw new ArgumentError(
      'file',
      `the file name ${basename(dest).slice(0, 40)}... is ${nameBytes} bytes; most file systems allow ${NAME_MAX}. Give a shorter name`,
    );
  }
  const existing = await fsp.stat(dest).catch(() => undefined);
  if (existing?.isDirectory()) throw new ArgumentError('file', `${dest} is a directory; give a file name`);
}

/**
 * Once `dest` holds the finished download, the other temporary files beside it for the same name are debris: each
 * checkpoint location (another --checkpoint-dir, --no-checkpoint, a run killed outright) names its own, and none of
 * them can be worth resuming into a file that is now complete. Those no download can still be using are removed
 * (isAbandonedTemp). Best effort.
 */
export async function sweepTemps(dest: string, keep: string, now = Date.now()): Promise<void> {
  const dir = dirname(dest);
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const full = join(dir, name);
    if (full === keep || !isTempFor(dest, full)) continue;
    const st = await fsp.lstat(full).catch(() => undefined);
    if (st?.isFile() && isAbandonedTemp(full, st.mtimeMs, now))
      await fsp.rm(full, { force: true }).catch(() => undefined);
  }
}

/** Create a fresh temporary file of `size` bytes (sparse), mode 0600, replacing any earlier one. */
export async function createTemp(temp: string, size: number): Promise<fsp.FileHandle> {
  await fsp.rm(temp, { force: true });
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(temp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_RDWR, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new ArgumentError('file', `cannot write beside the destination (${temp}): ${(err as Error).message}`, {
        cause: err,
      });
    }
    throw err;
  }
  try {
    await handle.truncate(size);
  } catch (err) {
    await handle.close();
    await fsp.rm(temp, { force: true });
    throw mapWriteError(err, temp);
  }
  return handle;
}

/** ENOSPC / EDQUOT become a clear typed error; anything else is passed on. */
export function mapWriteError(err: unknown, temp: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new InsufficientDiskSpaceError(temp, `no space left for ${temp}; free some space and run again`, {
      cause: err,
    });
  }
  return err;
}

type StatFs = (dir: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

/**
 * Refuse up front when the file system holding `dir` has less free space than `needed` bytes. Platforms or file
 * systems that cannot tell (no statfs, or it fails) are not refused: the writes themselves then report ENOSPC.
 */
export async function checkFreeSpace(
  dir: string,
  needed: number,
  statfs: StatFs | undefined = fsp.statfs as StatFs | undefined,
): Promise<void> {
  if (needed <= 0 || typeof statfs !== 'function') return;
  let free: number;
  try {
    const s = await statfs(dir);
    free = Number(BigInt(s.bavail) * BigInt(s.bsize));
  } catch {
    return;
  }
  if (free < needed) {
    throw new InsufficientDiskSpaceError(
      dir,
      `the download needs ${needed} more bytes but only ${free} are free in ${dir}; free some space or download elsewhere`,
    );
  }
}

/**
 * Move the finished temporary file into place: flush its bytes, give it the permissions the destination would have
 * had (the existing file's, or the umask default), rename over the destination, then flush the directory entry.
 */
export async function commitTemp(handle: fsp.FileHandle, temp: string, dest: string): Promise<void> {
  await handle.sync();
  const existing = await fsp.stat(dest).catch(() => undefined);
  await handle.chmod(existing ? existing.mode & 0o7777 : 0o666 & ~process.umask());
  await handle.close();
  await fsp.rename(temp, dest);
  await fsyncDir(dirname(dest));
}
