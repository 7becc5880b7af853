// A local file as a PartSource (engine/ports.ts): replayable, resumable (its identity is path, size, mtime, inode,
// device), each part read and hashed on the hashing threads (MD5 for Content-MD5, CRC-64 to check the server's).
// Parts up to BUFFER_LIMIT are read into reused shared buffers and sent from memory; larger ones are hashed, then
// re-streamed from the file when sent. Within one run the ctime is compared too (assertUnchanged): a rewrite during
// the upload is caught even when size and mtime are put back.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Crc64, crc64 } from '../../core/crc64.js';
import { FileChangedError } from '../../core/errors.js';
import { MIN_PART_SIZE } from '../../core/limits.js';
import { assertUnchanged, identityOf, snapshotFile, type FileSnapshot } from '../checkpoint/file-identity.js';
import type { HashedBody, PartBytes, PartSource, PlannedPart, ReadOptions } from '../engine/ports.js';
import { BUFFER_LIMIT } from '../hash/hash.js';
import { BufferPool, hashPool } from '../hash/pool.js';
import { fileRange } from './client-bodies.js';

/** Bytes per read of a file sent whole (and hashed as it goes). */
const SEND_CHUNK = 1024 * 1024;

export class FileSource implements PartSource {
  readonly replayable = true;
  readonly name: string;
  readonly size: number;
  readonly identity;
  /** Buffers of the current part size; a part size that changes (an adaptive planner) starts a new pool. */
  private buffers: BufferPool | undefined;

  private constructor(readonly snapshot: FileSnapshot) {
    this.name = snapshot.path;
    this.size = snapshot.size;
    this.identity = identityOf(snapshot);
  }

  /**
   * Snapshot `absPath` (its identity, to be compared before Complete) and start a hashing thread, which then starts
   * while the checkpoint is locked and the session opened. Not for a file within the smallest part: it is one
   * PutObject hashed as it is sent, and a thread's start-up costs more CPU than its whole upload (issue 27).
   */
  static async open(absPath: string): Promise<FileSource> {
    const snapshot = await snapshotFile(absPath);
    if (snapshot.size > MIN_PART_SIZE) hashPool().warm();
    return new FileSource(snapshot);
  }

  /** A file already stat'ed (a tree's walk): no stat of its own; within the smallest part, so no hashing thread. */
  static fromSnapshot(snapshot: FileSnapshot): FileSource {
    if (snapshot.size > MIN_PART_SIZE) hashPool().warm();
    return new FileSource(snapshot);
  }

  get path(): string {
    return this.snapshot.path;
  }

  async read(part: PlannedPart, opts: ReadOptions = {}): Promise<PartBytes> {
    const keep = !opts.discard && !opts.crcOnly && part.size <= BUFFER_LIMIT;
    let pool: BufferPool | undefined;
    if (keep) {
      if (this.buffers?.bufferSize !== part.size) this.buffers = new BufferPool(part.size, Number.POSITIVE_INFINITY);
      pool = this.buffers;
    }
    const buffer = pool?.take();
    let digest;
    try {
      digest = await hashPool().hash(this.path, part.start, part.size, {
        buffer,
        signal: opts.signal,
        crcOnly: opts.crcOnly,
        burst: opts.background,
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'ESHORTFILE')
        throw new FileChangedError(this.path, `${this.path} shrank during the upload`, { cause: err });
      throw err;
    }
    const data = buffer && new Uint8Array(buffer, 0, part.size);
    return {
      size: part.size,
      data,
      body: data ?? fileRange(this.path, part.start, part.size),
      md5: digest.md5,
      crc64: digest.crc64,
      // The response means every byte was taken off the buffer: it can carry the next part.
      release: () => pool?.give(buffer),
    };
  }

  assertUnchanged(): Promise<void> {
    return assertUnchanged(this.snapshot, this.size <= WHOLE_READ_LIMIT);
  }

  /**
   * The whole file as a request body whose every attempt takes MD5 and CRC-64 of exactly the bytes it hands to the
   * socket, on this thread as they go out (still in cache from the read). `digest()` is that of the last attempt
   * opened, once it was read to its end (see upload/single.ts for why).
   */
  hashedAsSent(): HashedBody | Promise<HashedBody> {
    const { path, size } = this;
    if (size <= WHOLE_READ_LIMIT) return readWhole(path, size);
    let last: { crc: Crc64; done: boolean } | undefined;
    const body = {
      size,
      path,
      open: () => {
        const attempt = { crc: new Crc64(), done: false };
        last = attempt;
        return Readable.from(
          hashing(createReadStream(path, { start: 0, end: Math.max(0, size - 1), highWaterMark: SEND_CHUNK })),
        );
        async function* hashing(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
          if (size === 0) {
            attempt.done = true;
            return;
          }
          let read = 0;
          for await (const chunk of stream) {
            read += chunk.length;
            yield chunk;
            // Hashed once the socket has it: the kernel and the server work on this chunk meanwhile.
            attempt.crc.update(chunk);
          }
          attempt.done = read === size;
        }
      },
    };
    return {
      body,
      // The CRC-64 only: the stored object's is what it is checked against (upload/single.ts).
      digest: () => (last?.done ? { md5: new Uint8Array(0), crc64: last.crc.digest() } : undefined),
    };
  }
}

/**
 * Files up to this size are read whole, in one read, and hashed before they are sent: the request is one write of
 * bytes already hashed. For a small file the stream, its chunks and its hashing-as-sent cost more CPU than the
 * bytes (issue 27: a 4 KiB file's upload was ~2 ms of client CPU). Their file calls (open, read, close, and the
 * stat after the response) run on the event loop: page-cache work that cost ~10x the CPU through the thread pool.
 */
const WHOLE_READ_LIMIT = 256 * 1024;

/**
 * The whole file as the body, with its CRC-64: what is sent is exactly the buffer that was hashed. No MD5: a
 * response with only an MD5 ETag is checked against the file read again (upload/single.ts).
 */
function readWhole(path: string, size: number): HashedBody {
  // One byte more than expected: a file that grew is caught here, one that shrank by the count.
  const bytes = Buffer.allocUnsafe(size + 1);
  const fd = openSync(path, 'r');
  let got = 0;
  try {
    for (let n = 1; n > 0 && got < bytes.length; got += n) n = readSync(fd, bytes, got, bytes.length - got, got);
  } finally {
    closeSync(fd);
  }
  if (got !== size)
    throw new FileChangedError(path, `${path} changed while it was being read (${got} bytes, not ${size})`);
  const body = bytes.subarray(0, size);
  const digest = { md5: new Uint8Array(0), crc64: crc64(body) };
  return { body, digest: () => digest };
}
