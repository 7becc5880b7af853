// Writing one range's chunks into the temporary file at their offsets (the file sink, file-sink.ts), in batches of
// socket chunks, so memory stays bounded whatever the range size. The range's CRC-64 is taken from each chunk as it
// arrives (range-get.ts), on the event loop, while the chunk is still in the cache the socket read left it in.
// Measured on 2 cores (1 GiB, 8 MiB x4, A/B pairs): against reading each finished range back from the file on a
// hashing thread, 18% less CPU and a third less peak memory; against handing the chunks to that thread in shared
// memory, less again (copying them into the CRC kernel's memory on another core was as slow as the read-back). With
// the lean HTTP client (client/lean/) the event loop has the room: the CRC used to take a third of it behind
// node:http. What is checked is what arrived; the bytes written are those same buffers, and a resumed download
// re-checks its done ranges from the file (session.ts).
import type { promises as fsp } from 'node:fs';
import { writevAll, writevAllSync } from '../../io/writev.js';
import { releaseBodyChunks } from '../io/client-bodies.js';
import { mapWriteError } from './target.js';

/**
 * Socket chunks (~64 KiB) are gathered into one positional writev of up to WRITE_BATCH bytes: one awaited write per
 * chunk cost a promise, a thread-pool round trip and a progress report each, and measured ~20% more client CPU per
 * byte (1 GiB at 8 MiB x4). Larger batches measured no better. A range holds at most two batches (one being
 * written, one gathering), and all ranges in flight together at most ~WRITE_BUDGET, so high concurrency gets
 * smaller batches rather than more memory.
 */
const WRITE_BATCH = 1024 * 1024;
const MIN_WRITE_BATCH = 64 * 1024;
const WRITE_BUDGET = 128 * 1024 * 1024;

/**
 * One file's writes on the thread pool: at most one at a time. A batch that is ready while the pool has one is
 * written synchronously on the event loop instead (a page-cache write of ~1 MiB). When bytes arrive faster than the
 * loop comes back to see the pool's write done, that is most batches (85-95% at 8-64 MiB ranges on loopback); when
 * the loop waits for the network, the writes go to the pool and the loop stays free. Measured on 2 cores (512 MiB,
 * paired runs; BENCHMARKS.md, "download: one write on the pool"): 9-15% less whole-process CPU than every write
 * on the pool (no pool round trip, promise and wake-up per batch, no four threads on the file's inode lock); wall
 * time up to ~20% longer on the loaded machine (one thread fewer competing for its CPUs), to be measured quiet.
 * Half the batches on the pool saved almost nothing.
 */
export class WriteLane {
  /** A write of this file is on the thread pool. */
  pooled = false;
}

export function batchBytes(concurrency: number): number {
  return Math.max(MIN_WRITE_BATCH, Math.min(WRITE_BATCH, Math.floor(WRITE_BUDGET / 2 / Math.max(1, concurrency))));
}

/** Positional writes of one range's consecutive chunks, batched and overlapped with receiving the next batch. */
export class BatchWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight: Promise<void> | undefined;
  /** A full batch waiting for the write in flight: what push() returns until that write is done. */
  private waiting: Promise<void> | undefined;

  constructor(
    private readonly handle: fsp.FileHandle,
    /** Shared by the file's writers: whether the pool already has one of its writes. */
    private readonly lane: WriteLane,
    private readonly temp: string,
    /** Bytes gathered before a write starts. */
    private readonly batch: number,
    /** File offset of the first pending byte. */
    private position: number,
    /** Called with the file offset up to which the range is written, after each write. */
    private readonly onWritten: (end: number) => void,
  ) {}

  /**
   * Queue a chunk. Returns a promise to await only when a full batch has to wait for the write before it
   * (backpressure); most chunks return nothing, which saves a promise per chunk. Chunks pushed while one is
   * pending (a socket read already parsed) join the waiting batch and get the same promise. Throws the error of a
   * batch written synchronously.
   */
  push(chunk: Buffer): Promise<void> | undefined {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.waiting) return this.waiting;
    if (this.pendingBytes < this.batch) return undefined;
    if (!this.inFlight) {
      this.start();
      return undefined;
    }
    const waiting = this.inFlight.then(() => {
      this.waiting = undefined;
      this.start();
    });
    this.waiting = waiting;
    return waiting;
  }

  /** Write everything queued; rejects with the first write error. */
  async flush(): Promise<void> {
    await this.waiting;
    await this.inFlight;
    if (this.pendingBytes > 0) {
      this.start();
      await this.inFlight;
    }
  }

  /** Wait for the write in flight, if any, ignoring its outcome; queued bytes are dropped. */
  async settle(): Promise<void> {
    await this.waiting?.catch(() => undefined);
    await this.inFlight?.catch(() => undefined);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Write the pending batch: on the pool when the file has no write there, else here and now. */
  private start(): void {
    const buffers = this.pending;
    const bytes = this.pendingBytes;
    const at = this.position;
    this.pending = [];
    this.pendingBytes = 0;
    this.position += bytes;
    if (this.lane.pooled) {
      try {
        writevAllSync(this.handle.fd, buffers, bytes, at);
      } catch (err) {
        throw mapWriteError(err, this.temp);
      }
      this.written(buffers, at + bytes);
      return;
    }
    this.lane.pooled = true;
    const write = writeFully(this.handle, buffers, bytes, at, this.temp)
      .finally(() => {
        this.lane.pooled = false;
      })
      .then(() => {
        this.written(buffers, at + bytes);
        if (this.inFlight === write) this.inFlight = undefined; // kept when failed, for the next push() or flush()
      });
    write.catch(() => undefined); // not an unhandled rejection while no one awaits it
    this.inFlight = write;
  }

  private written(buffers: Buffer[], end: number): void {
    releaseBodyChunks(buffers); // written (and hashed when queued): the reader may reuse their memory
    this.onWritten(end);
  }
}

async function writeFully(
  handle: fsp.FileHandle,
  buffers: Buffer[],
  bytes: number,
  position: number,
  temp: string,
): Promise<void> {
  try {
    await writevAll(handle, buffers, bytes, position);
  } catch (err) {
    throw mapWriteError(err, temp);
  }
}
