// uploadStream: a Readable of unknown length into one object, through the same upload strategy as a file
// (upload.ts): the stream as a StreamSource, a memory checkpoint store. The first part is read whole: if the stream
// ends within it, one PutObject; otherwise a multipart upload whose parts are sent while the next ones are read. At
// most `concurrency` part buffers exist (the one being filled included), so memory is concurrency x part size
// whatever the stream's length. A stream cannot be replayed, so it cannot be resumed: on any failure or
// cancellation the multipart upload is aborted on the server (the engine's rule for a transfer with no checkpoint).
import type { Readable } from 'node:stream';
import { AbortedError, abortError } from '../../core/errors.js';
import type { ObjectWriteOptions } from '../../client/index.js';
import { runTransfer } from '../engine/engine.js';
import { validateTransferOptions } from '../engine/options.js';
import { STREAM_CONCURRENCY } from '../engine/planner.js';
import { memoryCheckpoints } from '../checkpoint/memory.js';
import type { PartPlanner, TransferClient } from '../engine/ports.js';
import { StreamSource } from '../io/stream-source.js';
import type { TransferEvent, UploadResult } from '../types.js';
import { objectWrite } from './settings.js';
import { UploadStrategy } from './upload.js';

export interface UploadStreamOptions extends ObjectWriteOptions {
  bucket: string;
  key: string;
  /** Every part this size (100 KiB..5 GiB); the stream may then hold at most 10,000 of them. Default: growing sizes. */
  partSize?: number;
  /** The stream's length if known roughly: the first parts are sized so it fits in about 1,000 of them. */
  expectedSize?: number;
  /** Parts in flight, and part buffers in memory (default 4). */
  concurrency?: number;
  /** Bandwidth cap in bits per second (x-oss-traffic-limit). */
  trafficLimit?: number;
  /**
   * `start` (totalBytes and totalParts 0: unknown while the stream runs), `part`, `completing` and `complete`.
   * Content-Type: guessed from the key.
   */
  onProgress?: (event: TransferEvent) => void;
  /** Who sizes the parts the caller left out (default: growing sizes, 4 in flight). */
  planner?: PartPlanner;
  /** Aborting cancels: the multipart upload is aborted on the server and AbortedError is thrown. */
  signal?: AbortSignal;
}

/** The stream's bytes as `bucket/key`. The result's `file` is '-'. The stream is consumed (destroyed on failure). */
export async function uploadStream(
  client: TransferClient,
  readable: Readable | AsyncIterable<unknown>,
  opts: UploadStreamOptions,
): Promise<UploadResult> {
  validateTransferOptions(opts, { api: 'uploadStream', writesKey: true, needsFile: false });
  const source = new StreamSource(readable);
  const settings = {
    ...opts,
    concurrency: opts.concurrency ?? STREAM_CONCURRENCY,
    write: objectWrite(opts, opts.key),
  };
  try {
    return await runTransfer(
      client,
      { ...opts, checkpoint: false },
      new UploadStrategy(settings, source, '-'),
      memoryCheckpoints,
    );
  } catch (err) {
    source.close();
    if (opts.signal?.aborted && !(err instanceof AbortedError)) throw abortError(opts.signal);
    throw err;
  }
}
