// Fetching ranges over the shared worker pool (engine/part-pool.ts). Each range is one GET with `Range` and
// `If-Match`, streamed into the temporary file at its offset in batches of socket chunks, so memory stays bounded
// whatever the range size. A response cut short is continued from the byte it stopped at by the client's
// resumableBody (one retry policy for headers and bodies, reset when a range makes progress).
//
// The range's CRC-64 is taken from each chunk as it arrives, on the event loop, while the chunk is still in the
// cache the socket read left it in. Measured on 2 cores (1 GiB, 8 MiB x4, A/B pairs): against reading each finished
// range back from the file on a hashing thread, 18% less CPU and a third less peak memory; against handing the
// chunks to that thread in shared memory, less again (copying them into the CRC kernel's memory on another core was
// as slow as the read-back). With the lean HTTP client (client/lean/) the event loop has the room: the CRC used
// to take a third of it behind node:http. What is checked is what arrived; the bytes written are those same
// buffers, and a resumed download re-checks its done ranges from the file (session.ts).
import type { RangeResponse, TransferClient } from '../engine/ports.js';
import type { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { IntegrityError, ObjectChangedError, ServiceError, abortError } from '../../core/errors.js';
import { releaseBodyChunks, resumableBody } from '../../client/index.js';
import { writevAll } from '../../io/writev.js';
import { Crc64 } from '../../core/crc64.js';
import { mapWriteError } from './target.js';
import type { DoneRange, ObjectVersion } from './types.js';
import type { PlannedPart } from '../engine/plan.js';
import { runPool } from '../engine/part-pool.js';
import type { ProgressTracker } from '../engine/progress.js';

export interface FetchInput {
  client: TransferClient;
  bucket: string;
  key: string;
  object: ObjectVersion;
  /** Object offset of the temporary file's byte 0 (the range start). */
  base: number;
  /** Open temporary file. */
  handle: fsp.FileHandle;
  temp: string;
  parts: PlannedPart[];
  concurrency: number;
  trafficLimit?: number;
  /** The version fetched (versioned buckets); the latest when absent. */
  versionId?: string;
  progress: ProgressTracker;
  /** Called once per finished range, in completion order; awaited before the range counts as done. */
  onRangeDone: (range: DoneRange) => Promise<void>;
  signal?: AbortSignal;
}

export async function fetchRanges(input: FetchInput): Promise<void> {
  await runPool(
    input.parts,
    input.concurrency,
    input.signal,
    (part, signal) => fetchOneRange(input, part, signal),
    input.onRangeDone,
  );
}

async function fetchOneRange(input: FetchInput, part: PlannedPart, signal: AbortSignal): Promise<DoneRange> {
  const first = input.base + part.start;
  const last = first + part.size - 1;
  const body = resumableBody({
    length: part.size,
    policy: input.client.retryPolicy,
    signal,
    label: `bytes ${first}-${last} of oss://${input.bucket}/${input.key}`,
    // The Node client's bodies are Readables (resumableBody's input); a TransferClient's are any chunk iterable.
    open: async (offset, sig) => (await get(input, first + offset, last, sig)).body as Readable,
  });
  const crc64 = await drain(input, part, body, signal);
  input.progress.partDone(part.number, part.size);
  return { partNumber: part.number, offset: part.start, size: part.size, crc64 };
}

/** One ranged GET, checked to be exactly the bytes asked for, of the object version we started with. */
async function get(input: FetchInput, from: number, to: number, signal: AbortSignal): Promise<RangeResponse> {
  let res: RangeResponse;
  try {
    res = await input.client.getObject(input.bucket, input.key, {
      range: { start: from, end: to },
      ifMatch: input.object.etag,
      versionId: input.versionId,
      signal,
      headers: {
        // Without it OSS answers an unsatisfiable range with the whole object (200); we want the error.
        'x-oss-range-behavior': 'standard',
        ...(input.trafficLimit !== undefined ? { 'x-oss-traffic-limit': String(input.trafficLimit) } : {}),
      },
    });
  } catch (err) {
    if (err instanceof ServiceError && (err.code === 'PreconditionFailed' || err.status === 412)) {
      throw new ObjectChangedError(
        input.bucket,
        input.key,
        `oss://${input.bucket}/${input.key} changed during the download (its ETag is no longer ${input.object.etag})`,
        { cause: err },
      );
    }
    throw err;
  }
  if (res.etag && res.etag !== input.object.etag) {
    res.body.destroy();
    throw new ObjectChangedError(
      input.bucket,
      input.key,
      `oss://${input.bucket}/${input.key} changed during the download (ETag ${input.object.etag} -> ${res.etag})`,
    );
  }
  const expected = `bytes ${from}-${to}/${input.object.size}`;
  const whole = res.status === 200 && from === 0 && to === input.object.size - 1 && res.size === input.object.size;
  if (!whole && (res.status !== 206 || normalizeRange(res.contentRange) !== expected)) {
    res.body.destroy();
    const got = `${res.status} ${res.contentRange ?? '(no Content-Range)'}`;
    throw new IntegrityError(
      'size',
      expected,
      got,
      `asked oss://${input.bucket}/${input.key} for ${expected} but the server answered ${got}`,
    );
  }
  return res;
}

function normalizeRange(v: string | undefined): string | undefined {
  return v?.trim().replace(/\s+/g, ' ').toLowerCase();
}

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

function batchBytes(concurrency: number): number {
  return Math.max(MIN_WRITE_BATCH, Math.min(WRITE_BATCH, Math.floor(WRITE_BUDGET / 2 / Math.max(1, concurrency))));
}

/**
 * Write the body at its offsets. The body resumes itself after transport failures, so an error here ends the range:
 * nothing may write into the file once the caller may close it.
 */
async function drain(
  input: FetchInput,
  part: PlannedPart,
  body: AsyncIterable<Buffer>,
  signal: AbortSignal,
): Promise<bigint> {
  let written = 0;
  const crc = new Crc64();
  const writer = new BatchWriter(input.handle, input.temp, batchBytes(input.concurrency), part.start, crc, (end) =>
    input.progress.partBytes(part.number, end - part.start),
  );
  try {
    for await (const chunk of body) {
      if (signal.aborted) throw abortError(signal);
      if (written + chunk.length > part.size) {
        throw new IntegrityError(
          'size',
          String(part.size),
          String(written + chunk.length),
          `range ${part.number} of oss://${input.bucket}/${input.key}: the server sent more than the ${part.size} bytes asked for`,
        );
      }
      written += chunk.length;
      const full = writer.push(chunk);
      if (full) await full;
    }
  } catch (err) {
    await writer.settle();
    throw err;
  }
  await writer.flush();
  if (written !== part.size) {
    throw new IntegrityError(
      'size',
      String(part.size),
      String(written),
      `range ${part.number} of oss://${input.bucket}/${input.key}: the body ended after ${written} of ${part.size} bytes`,
    );
  }
  return crc.digest();
}

/**
 * Positional writes of one range's consecutive chunks, batched and overlapped with receiving the next batch; each
 * chunk goes through the range's CRC-64 as it is queued.
 */
class BatchWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly handle: fsp.FileHandle,
    private readonly temp: string,
    /** Bytes gathered before a write starts. */
    private readonly batch: number,
    /** File offset of the first pending byte. */
    private position: number,
    private readonly crc: Crc64,
    /** Called with the file offset up to which the range is written, after each write. */
    private readonly onWritten: (end: number) => void,
  ) {}

  /**
   * Queue a chunk. Returns a promise to await only when a full batch has to wait for the write before it
   * (backpressure); most chunks return nothing, which saves a promise per chunk.
   */
  push(chunk: Buffer): Promise<void> | undefined {
    this.crc.update(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.batch) return undefined;
    if (!this.inFlight) {
      this.start();
      return undefined;
    }
    return this.inFlight.then(() => this.start());
  }

  /** Write everything queued; rejects with the first write error. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.pendingBytes > 0) {
      this.start();
      await this.inFlight;
    }
  }

  /** Wait for the write in flight, if any, ignoring its outcome; queued bytes are dropped. */
  async settle(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    this.pending = [];
    this.pendingBytes = 0;
  }

  private start(): void {
    const buffers = this.pending;
    const bytes = this.pendingBytes;
    const at = this.position;
    this.pending = [];
    this.pendingBytes = 0;
    this.position += bytes;
    const write = writeFully(this.handle, buffers, bytes, at, this.temp).then(() => {
      releaseBodyChunks(buffers); // written (and hashed when queued): the reader may reuse their memory
      this.onWritten(at + bytes);
      if (this.inFlight === write) this.inFlight = undefined; // kept when failed, for the next push() or flush()
    });
    write.catch(() => undefined); // not an unhandled rejection while no one awaits it
    this.inFlight = write;
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
