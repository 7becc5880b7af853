// Writing object and part bytes: streamed to a temp file while MD5 and CRC-64 are computed (inline, or for large
// bodies on a hashing thread, handed each batch once it is written: hasher.ts), fsynced, then renamed to an
// immutable blob name. Nothing here ever holds a whole body in memory.
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, rename, link, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CREATE_NEW, fsyncDir, fsyncIn, isNotFound, randomName, unlinkQuiet } from '../../io/fs.js';
import { writevFd } from './fd-io.js';
import { hasherPool } from './hasher.js';

export interface WrittenBlob {
  tmpPath: string;
  size: number;
  md5: Buffer;
  crc64: bigint;
}

export class BodyTooLargeError extends Error {}
export class BodyIncompleteError extends Error {}

/** Temp names need only be unique within this process's own temp dir (layout.ts): a counter, no random bytes. */
let tmpCount = 0;

/** Bytes gathered before one write: socket chunks are ~64 KiB, and a syscall per chunk was a fifth of the CPU. */
const WRITE_BATCH = 1 << 20;
/** A whole body up to this size is written synchronously (page cache, microseconds) instead of on the pool. */
const SMALL_BODY = 64 * 1024;

export interface WriteTempOptions {
  /** The body's length (Content-Length): a source ending short fails; a long one is hashed on a hashing thread. */
  expectedLength?: number;
  /** More bytes than this fail with BodyTooLargeError. */
  maxLength?: number;
  /**
   * The source's chunks are nobody else's once yielded (node:http's body chunks): a written batch's buffers may
   * then be transferred to the hashing thread (detached) instead of read back from the file.
   */
  giveChunks?: boolean;
}

/**
 * Drains `source` into a new temp file. Throws (and removes the temp file) if the source fails, carries more
 * than `maxLength` bytes, or ends short of `expectedLength` (a client that went away mid-body).
 *
 * Chunks are written in ~1 MiB batches with one writev, one batch in flight while the next one gathers, and the
 * source is not read further while a full batch waits for the previous write (backpressure), so at most ~2 MiB of
 * a body is held in memory. The digests cover exactly the bytes written: small bodies hash each chunk as it
 * arrives; large ones have each written batch handed to a hashing thread (hasher.ts), which then owns its buffers.
 */
export async function writeTempBlob(
  source: AsyncIterable<Uint8Array>,
  tmpDir: string,
  opts: WriteTempOptions = {},
): Promise<WrittenBlob> {
  const tmpPath = join(tmpDir, `${(++tmpCount).toString(36)}.part`);
  // A new name in this process's own temp dir: synchronous, like the close below (fd-io.ts says why).
  const fd = openSync(tmpPath, CREATE_NEW, 0o644);
  const hasher = hasherPool().forBody(tmpPath, opts.expectedLength);
  let size = 0;
  let ok = false;
  let batch: Uint8Array[] = [];
  let batched = 0;
  let written = 0; // file offset of the batch being gathered
  let inFlight: Promise<void> | undefined;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (opts.maxLength !== undefined && size > opts.maxLength) throw new BodyTooLargeError('body too large');
      hasher.chunk(chunk);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) {
        await inFlight;
        inFlight = writeBatch(batch, batched, written);
        written += batched;
        inFlight.catch(() => undefined); // observed by the next await; a source failure first must not leave it unhandled
        batch = [];
        batched = 0;
      }
    }
    await inFlight;
    if (batched > 0 && written === 0 && batched <= SMALL_BODY) writeSmall(Buffer.concat(batch, batched));
    else if (batched > 0) await writeBatch(batch, batched, written);
    if (opts.expectedLength !== undefined && size !== opts.expectedLength) {
      throw new BodyIncompleteError(`body ended after ${size} of ${opts.expectedLength} bytes`);
    }
    const [digest] = await Promise.all([hasher.finish(), fsyncIn(tmpDir, fd)]);
    ok = true;
    return { tmpPath, size, md5: digest.md5, crc64: digest.crc64 };
  } finally {
    await inFlight?.catch(() => undefined);
    if (!ok) hasher.drop();
    closeSync(fd);
    if (!ok) await unlinkQuiet(tmpPath);
  }

  function writeSmall(body: Buffer): void {
    for (let at = 0; at < body.length; ) at += writeSync(fd, body, at, body.length - at, at);
    hasher.written(0, body.length);
  }

  async function writeBatch(buffers: Uint8Array[], bytes: number, at: number): Promise<void> {
    await writevFd(fd, buffers, bytes, at);
    // Awaited: with the hashing thread full, the body waits (the next batch's write awaits this one).
    await hasher.written(at, bytes, opts.giveChunks ? buffers : undefined);
  }
}

/** Moves a finished temp file to its final (never reused) blob name and makes the new name durable. */
export async function commitBlob(tmpPath: string, blobPath: string, blobDir: string): Promise<void> {
  renameSync(tmpPath, blobPath);
  await fsyncDir(blobDir);
}

/**
 * A second name for an immutable file (CopyObject, Complete); falls back to a byte copy where hard links are
 * refused. The caller fsyncs the directory of `dst` (one flush for many names).
 */
export async function linkOrCopy(src: string, dst: string, tmpDir: string): Promise<void> {
  try {
    await link(src, dst);
  } catch (err) {
    if (isNotFound(err)) throw err;
    const tmp = join(tmpDir, `${randomName()}.copy`);
    try {
      await copyFile(src, tmp);
      const fh = await open(tmp, 'r+');
      await fh.sync().finally(() => fh.close());
      await rename(tmp, dst);
    } catch (copyErr) {
      await unlinkQuiet(tmp);
      throw copyErr;
    }
  }
}
