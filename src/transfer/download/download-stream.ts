// downloadStream: an object as a Readable, in order, through the same download strategy as a file (download.ts):
// the Readable is a StreamSink (io/stream-sink.ts), the checkpoint a memory store. Ranges are fetched in parallel by
// the engine's scheduler with the one ranged GET (range-get.ts: If-Match, so a replaced object fails instead of
// mixing two versions); their CRC-64s are combined and compared with the object's at the end, after the bytes are out.
import type { Readable } from 'node:stream';
import { AbortedError, ArgumentError, abortError } from '../../core/errors.js';
import { runTransfer } from '../engine/engine.js';
import { validateTransferOptions } from '../engine/options.js';
import { memoryCheckpoints } from '../checkpoint/memory.js';
import type { PartPlanner, TransferClient } from '../engine/ports.js';
import { StreamSink } from '../io/stream-sink.js';
import type { TransferEvent } from '../types.js';
import { DownloadStrategy } from './download.js';

export interface DownloadStreamOptions {
  bucket: string;
  key: string;
  /** Bytes per ranged GET (default 8 MiB); `concurrency` of them are held in memory at most. */
  partSize?: number;
  /** Ranged GETs in flight (default 4). */
  concurrency?: number;
  /** Bandwidth cap in bits per second (x-oss-traffic-limit). */
  trafficLimit?: number;
  /** Progress listener; `complete` carries the result (`file` is '-') once the CRC-64 has matched. */
  onProgress?: (event: TransferEvent) => void;
  /** Who sizes the ranges the caller left out (default 8 MiB, 4 in flight). */
  planner?: PartPlanner;
  /** Aborting destroys the stream with AbortedError. */
  signal?: AbortSignal;
}

/**
 * The object's bytes, in order. The stream ends only after the whole object's CRC-64 matched the server's; a
 * mismatch destroys it with IntegrityError after the last byte (a reader that acts on bytes as they come has
 * already seen them: only the end of the stream says they were right). A replaced object: ObjectChangedError.
 * The chunks are the client's socket buffers, as they arrived: a reader entirely done with some (written, not kept)
 * may give them back with `releaseBodyChunks`, so their memory takes later reads instead of waiting for the GC.
 */
export function downloadStream(client: TransferClient, opts: DownloadStreamOptions): Readable {
  const partSize = opts.partSize;
  // Ranges are only GETs held in memory: any positive size, not OSS's part bounds.
  if (partSize !== undefined && (!Number.isSafeInteger(partSize) || partSize < 1))
    throw new ArgumentError('partSize', `partSize must be a positive integer, got ${partSize}`);
  validateTransferOptions(opts, { api: 'downloadStream', writesKey: false, needsFile: false, anyPartSize: true });
  // Ends the ranges in flight: a failure, an outer abort or a reader that stops early.
  const inner = new AbortController();
  const onAbort = () => {
    const err = abortError(opts.signal!);
    inner.abort(err); // at once: the HEAD may be under way
    sink.readable.destroy(err);
  };
  const begin = () => {
    if (opts.signal?.aborted) return sink.readable.destroy(abortError(opts.signal));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    runTransfer(
      client,
      { ...opts, checkpoint: false, signal: inner.signal },
      new DownloadStrategy({ ...opts, signal: inner.signal }, sink),
      memoryCheckpoints,
    ).then(
      () => opts.signal?.removeEventListener('abort', onAbort),
      (err: unknown) => {
        opts.signal?.removeEventListener('abort', onAbort);
        const signal = opts.signal;
        if (signal?.aborted) sink.readable.destroy(err instanceof AbortedError ? err : abortError(signal));
        else sink.readable.destroy(err as Error);
      },
    );
  };
  const sink: StreamSink = new StreamSink(begin, (err) => {
    inner.abort(err ?? undefined);
    opts.signal?.removeEventListener('abort', onAbort);
  });
  return sink.readable;
}
