// Writing a batch of buffers with one writev, as both the server's blob writer and the download's range writer do:
// a writev may write fewer bytes than asked, and the rest must follow from exactly where it stopped.
import { writevSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Write `buffers` (`total` bytes together) at `position`, continuing after any short writev. */
export async function writevAll(
  handle: FileHandle,
  buffers: Uint8Array[],
  total: number,
  position: number,
): Promise<void> {
  await writevLoop(async (b, at) => (await handle.writev(b, at)).bytesWritten, buffers, total, position);
}

/**
 * The loop itself, over any positional writev that reports the bytes it wrote (a FileHandle's above, a plain
 * descriptor's in the server's per-part path).
 */
export async function writevLoop(
  writev: (buffers: Uint8Array[], position: number) => Promise<number>,
  buffers: Uint8Array[],
  total: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < total) {
    const n = await writev(done === 0 ? buffers : after(buffers, done), position + done);
    if (n <= 0) throw new Error(`no byte written at offset ${position + done}`);
    done += n;
  }
}

/** `writevAll` on the calling thread, on a plain descriptor (a download's batches written on the event loop). */
export function writevAllSync(fd: number, buffers: Uint8Array[], total: number, position: number): void {
  writevLoopSync((b, at) => writevSync(fd, b, at), buffers, total, position);
}

/** `writevLoop` for a synchronous writev. */
export function writevLoopSync(
  writev: (buffers: Uint8Array[], position: number) => number,
  buffers: Uint8Array[],
  total: number,
  position: number,
): void {
  let done = 0;
  while (done < total) {
    const n = writev(done === 0 ? buffers : after(buffers, done), position + done);
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
