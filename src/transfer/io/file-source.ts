// A local file as a PartSource (engine/ports.ts): replayable, resumable (its identity is path, size, mtime, inode,
// device), each part read and hashed on the hashing threads (MD5 for Content-MD5, CRC-64 to check the server's).
// Parts up to BUFFER_LIMIT are read into reused shared buffers and sent from memory; larger ones are hashed, then
// re-streamed from the file when sent. Within one run the ctime is compared too (assertUnchanged): a rewrite during
// the upload is caught even when size and mtime are put back.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Crc64 } from '../../core/crc64.js';
import { FileChangedError } from '../../core/errors.js';
import { assertUnchanged, identityOf, snapshotFile, type FileSnapshot } from '../checkpoint/file-identity.js';
import type { PartBody, PartBytes, PartSource, PlannedPart, ReadOptions } from '../engine/ports.js';
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

  /** Snapshot `absPath` (its identity, to be compared before Complete) and start a hashing thread. */
  static async open(absPath: string): Promise<FileSource> {
    hashPool().warm(); // the hashing thread starts while the checkpoint is locked and the session opened
    return new FileSource(await snapshotFile(absPath));
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
    return assertUnchanged(this.snapshot);
  }

  /**
   * The whole file as a request body whose every attempt takes MD5 and CRC-64 of exactly the bytes it hands to the
   * socket, on this thread as they go out (still in cache from the read). `digest()` is that of the last attempt
   * opened, once it was read to its end (see upload/single.ts for why).
   */
  hashedAsSent(): { body: PartBody; digest(): { md5: Uint8Array; crc64: bigint } | undefined } {
    const { path, size } = this;
    let last: { md5: Hash; crc: Crc64; done: boolean } | undefined;
    const body = {
      size,
      path,
      open: () => {
        const attempt = { md5: createHash('md5'), crc: new Crc64(), done: false };
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
            attempt.md5.update(chunk);
            attempt.crc.update(chunk);
          }
          attempt.done = read === size;
        }
      },
    };
    return {
      body,
      digest: () => (last?.done ? { md5: last.md5.digest(), crc64: last.crc.digest() } : undefined),
    };
  }
}
