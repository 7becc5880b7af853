// The file calls of the per-part path, on plain descriptors. Every `fs/promises` call is a trip through libuv's
// thread pool (a queue, a thread wake-up, a completion back on the event loop: ~35-40 us of CPU, measured) and a
// FileHandle besides. Calls that only touch the page cache and return in microseconds (opening a new file in our
// own temp dir, opening a directory, closing) are made synchronously; writes of body bytes still go through the
// pool, since those can take milliseconds on a real disk, and so does every fsync except on a memory filesystem
// (io/fs.ts, fsyncIn).
import { writev } from 'node:fs';
import { promisify } from 'node:util';
import { writevLoop } from '../../io/writev.js';

const writevP = promisify(writev);

/** Write `buffers` (`total` bytes together) at `position`, continuing after any short writev. */
export function writevFd(fd: number, buffers: Uint8Array[], total: number, position: number): Promise<void> {
  return writevLoop(async (b, at) => (await writevP(fd, b, at)).bytesWritten, buffers, total, position);
}
