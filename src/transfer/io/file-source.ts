// A local file as a PartSource (engine/ports.ts): replayable, resumable (its identity is path, size, mtime, inode,
// device). Without Content-MD5, a part of 1 MiB or more is read as it is sent and its CRC-64 taken on this thread
// from the very chunks that go out, so each byte is read once (hashedPart). Otherwise (Content-MD5, which must be
// known before the request; parts under 1 MiB) a part is read and hashed on the hashing threads first: up to
// BUFFER_LIMIT into reused shared buffers and sent from memory, larger ones re-streamed from the file. Within one run
// the ctime is compared too (assertUnchanged): a rewrite during the upload is caught even when size and mtime are
// put back.
import { closeSync, openSync, readSync } from 'node:fs';
import { AlignedArena, type Region } from '../../core/aligned-memory.js';
import { Crc64, crc64 } from '../../core/crc64.js';
import { FileChangedError, IntegrityError } from '../../core/errors.js';
import { MIN_PART_SIZE } from '../../core/limits.js';
import {
  assertUnchanged,
  identityOf,
  settledCtime,
  snapshotFile,
  type FileSnapshot,
} from '../checkpoint/file-identity.js';
import type { HashedBody, PartBody, PartBytes, PartSource, PlannedPart, ReadOptions } from '../engine/ports.js';
import { BUFFER_LIMIT, hashFileRange } from '../hash/hash.js';
import { hashPool } from '../hash/pool.js';
import { fileRange, readRange } from './client-bodies.js';

/** A read that found the file shorter than planned (ESHORTFILE) as the FileChangedError it means; others as they are. */
function shortened(path: string, err: unknown): unknown {
  if ((err as { code?: string }).code !== 'ESHORTFILE') return err;
  return new FileChangedError(path, `${path} shrank during the upload`, { cause: err });
}

/** Part buffers one arena holds (parts in flight and read ahead); past it, plain buffers. */
const MAX_KEPT_PARTS = 128;
/** Arenas of part buffers by part size, for every file of the process: a tree's files reuse each other's buffers. */
const arenas = new Map<number, AlignedArena>();
/** Part sizes whose arenas are kept (an adaptive planner's few sizes); the oldest is dropped past it. */
const KEPT_SIZES = 4;

/** Page-aligned buffers of `size` bytes (core/aligned-memory.ts), reused from part to part. */
function partBuffers(size: number): AlignedArena {
  let arena = arenas.get(size);
  if (!arena) {
    if (arenas.size >= KEPT_SIZES) arenas.delete(arenas.keys().next().value!);
    arena = new AlignedArena(size, MAX_KEPT_PARTS);
    arenas.set(size, arena);
  }
  return arena;
}

export class FileSource implements PartSource {
  readonly replayable = true;
  readonly name: string;
  readonly size: number;
  readonly identity;
  readonly changeMark;
  private constructor(readonly snapshot: FileSnapshot) {
    this.name = snapshot.path;
    this.size = snapshot.size;
    this.identity = identityOf(snapshot);
    this.changeMark = settledCtime(snapshot);
  }

  /**
   * Snapshot `absPath` (its identity, to be compared before Complete) and start a hashing thread, which then starts
   * while the checkpoint is locked and the session opened. Not for a file within the smallest part: it is one
   * PutObject hashed as it is sent, and a thread's start-up costs more CPU than its whole upload (issue 27). Nor
   * when `hashThreads` is false: the caller knows every part is hashed as it is sent (partsHashedAsSent); a thread
   * still starts if one is needed after all (a resumed part to check).
   */
  static async open(absPath: string, hashThreads = true): Promise<FileSource> {
    const snapshot = await snapshotFile(absPath);
    if (hashThreads && snapshot.size > MIN_PART_SIZE) hashPool().warm();
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
    if (!opts.discard && opts.crcOnly && partsHashedAsSent(part.size)) return this.hashedPart(part);
    if (opts.discard && opts.crcOnly && !opts.background) return this.checkedHere(part, opts.signal);
    // Kept whatever is hashed (CRC-64 alone by default): sent from memory, each byte is read once (issue 27).
    const keep = !opts.discard && part.size <= BUFFER_LIMIT;
    const pool = keep ? partBuffers(part.size) : undefined;
    const region: Region | undefined = pool?.take();
    let digest;
    try {
      digest = await hashPool().hash(this.path, part.start, part.size, {
        buffer: region?.buffer,
        offset: region?.offset,
        signal: opts.signal,
        crcOnly: opts.crcOnly,
        burst: opts.background,
      });
    } catch (err) {
      throw shortened(this.path, err);
    }
    const data = region && new Uint8Array(region.buffer, region.offset, part.size);
    return {
      size: part.size,
      data,
      body: data ?? fileRange(this.path, part.start, part.size),
      md5: digest.md5,
      crc64: digest.crc64,
      // The response means every byte was taken off the buffer: it can carry the next part.
      release: () => region && pool?.give(region),
    };
  }

  /** A few resumed parts' CRC-64, read on this thread (ReadOptions.background): about 1 ms of CPU per 8 MiB. */
  private async checkedHere(part: PlannedPart, signal: AbortSignal | undefined): Promise<PartBytes> {
    let digest;
    try {
      digest = await hashFileRange(this.path, part.start, part.size, { keep: false, signal, crcOnly: true });
    } catch (err) {
      throw shortened(this.path, err);
    }
    const body = fileRange(this.path, part.start, part.size);
    return { size: part.size, body, md5: digest.md5, crc64: digest.crc64 };
  }

  /**
   * A part sent without Content-MD5 (partsHashedAsSent): every attempt reads it from the file as it goes out, and
   * `crc64` is that of exactly the bytes the answered attempt sent. Hashing it on a thread first read a part over
   * BUFFER_LIMIT twice and cost the thread's start-up (issue 27); the native CRC-64 here is ~0.1 CPU-s/GiB. A file
   * changed while it is sent still fails the upload: by its length, or by the ctime check before Complete.
   */
  private hashedPart(part: PlannedPart): PartBytes {
    const sending = hashedRange(this.path, part.start, part.size);
    return {
      size: part.size,
      body: sending.body,
      md5: new Uint8Array(0),
      get crc64(): bigint {
        const crc = sending.crc64();
        // Read only after a response; a server that answered before taking the whole body proved nothing.
        if (crc === undefined)
          throw new IntegrityError('crc64', '', '', `part ${part.number}: answered before its bytes were all sent`);
        return crc;
      },
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
    const sending = hashedRange(path, 0, size);
    return {
      body: sending.body,
      // The CRC-64 only: the stored object's is what it is checked against (upload/single.ts).
      digest: () => {
        const crc64 = sending.crc64();
        return crc64 === undefined ? undefined : { md5: new Uint8Array(0), crc64 };
      },
    };
  }
}

/**
 * Parts from this size up, sent without Content-MD5, are read as they are sent and hashed on the way
 * (FileSource.hashedPart): paired runs put the whole upload's CPU 15-25% below reading them ahead on a hashing
 * thread, at 8 MiB and at 64 MiB parts (BENCHMARKS.md, branch h27upcrc). Smaller parts (OSS allows 100 KiB) are
 * read ahead into memory, where a file open per part would weigh more than its bytes.
 */
const AS_SENT_MIN = 1024 * 1024;

/** Whether a part of `size` bytes, sent without Content-MD5, is hashed as it is sent rather than read ahead. */
export function partsHashedAsSent(size: number): boolean {
  return size >= AS_SENT_MIN;
}

/**
 * `size` bytes of `path` from `start` as a request body whose every attempt takes the CRC-64 of exactly the bytes
 * it hands to the socket, as they go out. `crc64()`: that of the last attempt opened, once it was read to its end.
 */
function hashedRange(path: string, start: number, size: number): { body: PartBody; crc64(): bigint | undefined } {
  let last: { crc: Crc64; done: boolean } | undefined;
  const body = {
    size,
    path,
    open: () => {
      const attempt = { crc: new Crc64(), done: size === 0 };
      last = attempt;
      return hashing(readRange(path, start, size));
      async function* hashing(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        let read = 0;
        for await (const chunk of chunks) {
          read += chunk.length;
          // Hashed before it is handed on: once written, its buffer may carry another read (client/body.ts).
          attempt.crc.update(chunk);
          // Done before the last chunk is handed on: the answer may come while the sender still waits to drain it.
          attempt.done = read === size;
          yield chunk;
        }
      }
    },
  };
  return { body, crc64: () => (last?.done ? last.crc.digest() : undefined) };
}

/**
 * Files up to this size are read whole, in one read, and hashed before they are sent: the request is one write of
 * bytes already hashed. For a small file the stream, its chunks and its hashing-as-sent cost more CPU than the
 * bytes (issue 27: a 4 KiB file's upload was ~2 ms of client CPU). Their file calls (open, read, close, and the
 * stat after the response) run on the event loop: page-cache work that cost ~10x the CPU through the thread pool.
 */
const WHOLE_READ_LIMIT = 256 * 1024;

/** Bump-allocated memory for whole reads (see wholeReadBytes). */
const WHOLE_READ_SLAB = 1024 * 1024;
let slab = { buffer: new ArrayBuffer(0), used: 0 };

/**
 * `n` bytes for a whole read, carved from a shared 1 MiB slab rather than an ArrayBuffer of its own (as
 * Buffer.allocUnsafe does past 4 KiB): a tree of 2,000 small files made 2,000 external buffers, and V8 scavenged
 * for their "external memory pressure" ~130 times. A slab is never reused: it is dropped when full and collected
 * once no body views it, so no buffer is given back while a socket may still hold it.
 */
function wholeReadBytes(n: number): Buffer {
  if (n > WHOLE_READ_SLAB / 4) return Buffer.allocUnsafe(n);
  if (slab.used + n > slab.buffer.byteLength) slab = { buffer: new ArrayBuffer(WHOLE_READ_SLAB), used: 0 };
  const bytes = Buffer.from(slab.buffer, slab.used, n);
  slab.used += (n + 7) & ~7;
  return bytes;
}

/**
 * The whole file as the body, with its CRC-64: what is sent is exactly the buffer that was hashed. No MD5: a
 * response with only an MD5 ETag is checked against the file read again (upload/single.ts).
 */
function readWhole(path: string, size: number): HashedBody {
  // One byte more than expected: a file that grew is caught here, one that shrank by the count.
  const bytes = wholeReadBytes(size + 1);
  const fd = openSync(path, 'r');
  let got = 0;
  try {
    // Asked for one byte more than expected, a regular file gives exactly `size` only when that is all it has: no
    // second read to see the end (a syscall per small file, issue 27). A file that grows after this read is caught
    // by the stat after the response (assertUnchanged).
    for (let n = 1; n > 0 && got < bytes.length && got !== size; got += n)
      n = readSync(fd, bytes, got, bytes.length - got, got);
  } finally {
    closeSync(fd);
  }
  if (got !== size)
    throw new FileChangedError(path, `${path} changed while it was being read (${got} bytes, not ${size})`);
  const body = bytes.subarray(0, size);
  const digest = { md5: new Uint8Array(0), crc64: crc64(body) };
  return { body, digest: () => digest };
}
