// The file calls of the per-part path, on plain descriptors. Every `fs/promises` call is a trip through libuv's
// thread pool (a queue, a thread wake-up, a completion back on the event loop: ~35-40 us of CPU, measured) and a
// FileHandle besides. Calls that only touch the page cache and return in microseconds (opening a new file in our
// own temp dir, opening a directory, closing) are made synchronously; writes of body bytes and every fsync still
// go through the pool, since those can take milliseconds on a real disk.
import fs from 'node:fs';
import { promisify } from 'node:util';

const writevP = promisify(fs.writev);
const fsyncP = promisify(fs.fsync);

/** fsync a descriptor, off the event loop. */
export const fsyncFd: (fd: number) => Promise<void> = fsyncP;

/** Write `buffers` (`total` bytes together) at `position`, continuing after any short writev. */
export async function writevFd(fd: number, buffers: Uint8Array[], total: number, position: number): Promise<void> {
  let done = 0;
  while (done < total) {
    const { bytesWritten: n } = await writevP(fd, done === 0 ? buffers : after(buffers, done), position + done);
    if (n <= 0) throw new Error(`no byte written at offset ${position + done}`);
    done += n;
  }
}

/** The buffers less their first `skip` bytes. */
function after(buffers: Uint8Array[], skip: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}

/**
 * One flush of a directory, for io/fs.ts `fsyncDir` (which group-commits the callers): the open and close are
 * synchronous, the fsync is not. Best effort, as there: some file systems refuse fsync on a directory.
 */
export async function syncDirQuick(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    await fsyncP(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
