// Sending parts over the shared worker pool (engine/part-pool.ts). Each part is hashed first, on a hashing thread and one part
// ahead (MD5 for Content-MD5, CRC-64 to check the server's), then sent from memory (parts up to BUFFER_LIMIT, in
// reused buffers) or re-streamed from the file (larger ones).
// The first failure stops scheduling and ends in-flight requests; per-upload state only, so nothing here can
// touch another upload on the same client.
import type { TransferClient } from '../engine/ports.js';
import { AbortedError, FileChangedError } from '../../core/errors.js';
import { bufferBody, fileRange } from '../../client/index.js';
import { BUFFER_LIMIT } from '../hash/hash.js';
import { BufferPool, hashPool } from '../hash/pool.js';
import type { PlannedPart } from '../engine/plan.js';
import { runPool } from '../engine/part-pool.js';
import type { ProgressTracker } from '../engine/progress.js';
import { sendVerified } from './resend.js';
import type { DonePart } from './session.js';

export interface PartsInput {
  client: TransferClient;
  bucket: string;
  key: string;
  uploadId: string;
  file: string;
  parts: PlannedPart[];
  concurrency: number;
  trafficLimit?: number;
  progress: ProgressTracker;
  /** Called once per finished part, in completion order; awaited before the part counts as done. */
  onPartDone: (part: DonePart) => Promise<void>;
  signal?: AbortSignal;
}

export async function uploadParts(input: PartsInput): Promise<void> {
  const pipeline = new PartPipeline(input);
  const items = input.parts.map((part, index) => ({ part, index }));
  await runPool(
    items,
    input.concurrency,
    input.signal,
    ({ part, index }, signal) => {
      // This part (hashed already, or queued now), then the next one, so hashing overlaps with sending even at
      // concurrency 1, in part order.
      const prepared = pipeline.take(index);
      pipeline.prepare(index + 1);
      return uploadOnePart(input, part, signal, prepared, pipeline.buffers);
    },
    input.onPartDone,
  );
}

interface Prepared {
  md5: Buffer;
  crc64: bigint;
  /** The part's bytes (parts up to BUFFER_LIMIT); otherwise they are streamed from the file when sent. */
  buffer?: SharedArrayBuffer;
}

/**
 * Parts read and hashed ahead of their turn, on the hashing threads. At most one part beyond those being sent is
 * held, so memory stays at (concurrency + 1) part buffers, reused from part to part.
 */
class PartPipeline {
  readonly buffers: BufferPool | undefined;
  private readonly ahead = new Map<number, Promise<Prepared>>();

  constructor(private readonly input: PartsInput) {
    const largest = Math.max(0, ...input.parts.map((p) => p.size));
    this.buffers = largest <= BUFFER_LIMIT ? new BufferPool(largest, input.concurrency + 1) : undefined;
  }

  prepare(index: number): void {
    const part = this.input.parts[index];
    if (!part || this.ahead.has(index)) return;
    const prepared = readPart(this.input, part, this.buffers, this.input.signal);
    prepared.catch(() => undefined); // a part prepared but never taken (the upload stopped) must not be an unhandled rejection
    this.ahead.set(index, prepared);
  }

  take(index: number): Promise<Prepared> {
    this.prepare(index);
    const prepared = this.ahead.get(index)!;
    this.ahead.delete(index);
    return prepared;
  }
}

async function readPart(
  input: PartsInput,
  part: PlannedPart,
  buffers: BufferPool | undefined,
  signal: AbortSignal | undefined,
): Promise<Prepared> {
  const buffer = buffers?.take();
  try {
    return { ...(await hashPool().hash(input.file, part.start, part.size, { buffer, signal })), buffer };
  } catch (err) {
    if ((err as { code?: string }).code === 'ESHORTFILE')
      throw new FileChangedError(input.file, `${input.file} shrank during the upload`, { cause: err });
    throw err;
  }
}

async function uploadOnePart(
  input: PartsInput,
  part: PlannedPart,
  signal: AbortSignal,
  first: Promise<Prepared>,
  buffers: BufferPool | undefined,
): Promise<DonePart> {
  const { digest, res } = await sendVerified({
    file: input.file,
    what: `part ${part.number}: `,
    // Every attempt after the first re-reads the file: the bytes sent must be the file's bytes now.
    prepare: (attempt) => (attempt === 1 ? first : readPart(input, part, buffers, signal)),
    inMemory: (d) => d.buffer !== undefined,
    send: async (d) => {
      const body = d.buffer
        ? bufferBody(new Uint8Array(d.buffer, 0, part.size))
        : fileRange(input.file, part.start, part.size);
      try {
        return await input.client.uploadPart(input.bucket, input.key, input.uploadId, part.number, body, {
          contentMd5: d.md5.toString('base64'),
          trafficLimit: input.trafficLimit,
          signal,
          onProgress: (sent) => input.progress.partBytes(part.number, sent),
        });
      } catch (err) {
        if (signal.aborted && !(err instanceof AbortedError))
          throw new AbortedError('the upload was aborted', { cause: err });
        throw err;
      }
    },
    rehash: async () => (await readPart(input, part, undefined, signal)).md5,
    // The response means every byte was taken off the buffer: it can carry the next part.
    received: (d) => buffers?.give(d.buffer),
  });
  input.progress.partDone(part.number, part.size);
  return { partNumber: part.number, etag: res.etag, crc64: digest.crc64, size: part.size };
}
