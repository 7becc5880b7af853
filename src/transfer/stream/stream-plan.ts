// Part sizes for a stream whose length is unknown. Parts need not be equal (only every part but the last must be at
// least 100 KiB), so the size grows with the part number: small streams use small buffers, and 10,000 parts still
// hold ~8 TiB. One fixed size large enough for 5 TB (512 MiB) would hold 2 GiB in memory at 4 parts in flight even
// for a 10 MB pipe.
import { ArgumentError } from '../../core/errors.js';
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from '../../core/limits.js';

/** First part size of a stream of unknown length. */
export const STREAM_BASE_PART_SIZE = 8 * 1024 * 1024;
/** Parts per step: the size doubles after every this many parts. */
export const STREAM_PARTS_PER_STEP = 1000;

export interface StreamPlan {
  /** Size of the first part (the largest input that goes up as one PutObject). */
  base: number;
  /** True when every part has the same size (--part-size given): 10,000 of them is the most the stream may hold. */
  fixed: boolean;
}

/**
 * `partSize` given: that size for every part. Otherwise the first parts are `max(8 MiB, expectedSize / 1000)` (so an
 * expected size fits in about 1,000 parts), doubling every 1,000 parts up to 5 GiB.
 */
export function planStream(opts: { partSize?: number; expectedSize?: number }): StreamPlan {
  if (opts.partSize !== undefined) {
    if (!Number.isSafeInteger(opts.partSize) || opts.partSize < MIN_PART_SIZE || opts.partSize > MAX_PART_SIZE) {
      throw new ArgumentError(
        'partSize',
        `partSize must be an integer between ${MIN_PART_SIZE} (100 KiB) and ${MAX_PART_SIZE} (5 GiB), got ${opts.partSize}`,
      );
    }
    return { base: opts.partSize, fixed: true };
  }
  if (opts.expectedSize !== undefined && (!Number.isSafeInteger(opts.expectedSize) || opts.expectedSize < 0)) {
    throw new ArgumentError('expectedSize', `expectedSize must be a non-negative integer, got ${opts.expectedSize}`);
  }
  const wanted = Math.ceil((opts.expectedSize ?? 0) / STREAM_PARTS_PER_STEP / (1024 * 1024)) * 1024 * 1024;
  return { base: Math.min(MAX_PART_SIZE, Math.max(STREAM_BASE_PART_SIZE, wanted)), fixed: false };
}

/** Size of part `partNumber` (1-based); undefined past OSS's 10,000 parts. */
export function streamPartSize(plan: StreamPlan, partNumber: number): number | undefined {
  if (partNumber > MAX_PARTS) return undefined;
  if (plan.fixed) return plan.base;
  return Math.min(MAX_PART_SIZE, plan.base * 2 ** Math.floor((partNumber - 1) / STREAM_PARTS_PER_STEP));
}
