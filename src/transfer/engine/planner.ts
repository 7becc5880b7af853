// Every part-size decision in one place: the library's seed defaults, the CLI's ladder, a stream's growing sizes, a
// multipart copy's and a download's range sizes. A planner turns a PlanRequest into a PartFeed that hands parts out
// on demand (ports.ts): the scheduler asks it for the next part and for the concurrency each time a slot frees, so
// an adaptive planner can size the parts not yet started differently. Browser-safe (no Node import).
import { ArgumentError } from '../../core/errors.js';
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from '../../core/limits.js';
import { planParts, type PartPlan, type PlannedPart } from './plan.js';
import type { PartFeed, PartPlanner, PlanRequest } from './ports.js';
import { rangeFeed } from './ranges.js';

const MiB = 1024 ** 2;

// ---- The CLI's ladder (was cli/defaults.ts) -------------------------------------------------------------------
//
// The part size is the smallest of a ladder of round sizes, from 1 MiB, that keeps the upload at or under 1,000
// parts: enough parts that an interruption costs little (at most a few parts in flight), few enough that per-request
// overhead and the checkpoint stay small. The ladder starts at 1 MiB, not OSS's 100 KiB minimum, because a part
// pays a request round trip and a durable write on each side: at 100 KiB with 4 in flight, 30 ms per request caps
// an upload near 13 MB/s, while a kill at 1 MiB still costs at most 4 MiB. The ladder keeps the part size a
// function of the file size alone, so rerunning the same command after an interruption picks the same part size
// and the checkpoint stays valid.

/** The smallest part size the ladder picks. */
export const MIN_DEFAULT_PART_SIZE = MiB;
const TARGET_PARTS = 1_000;
/** Parts in flight the ladder planner picks for a multipart transfer. */
export const DEFAULT_PARALLEL = 4;

const LADDER: number[] = (() => {
  const sizes: number[] = [];
  for (let s = MIN_DEFAULT_PART_SIZE; s <= 4 * 1024 ** 3; s *= 2) sizes.push(s);
  sizes.push(MAX_PART_SIZE);
  return sizes;
})();

/** Part size chosen from the file size: the smallest ladder step with at most 1,000 parts (10,000 at worst). */
export function defaultPartSize(fileSize: number): number {
  for (const size of LADDER) if (Math.ceil(fileSize / size) <= TARGET_PARTS) return size;
  return MAX_PART_SIZE;
}

/**
 * The smallest range size the ladder picks for a download. A range costs no durable write on either side (the
 * download journal is not synced per range), only a request, so the floor is where the per-request cost stops
 * showing: 1 GiB at 4 in flight measured 255 MiB/s in 1 MiB ranges and 401 MiB/s in 8 MiB ranges (BENCHMARKS.md).
 * A kill still costs at most 4 x 8 MiB.
 */
export const MIN_DEFAULT_RANGE_SIZE = 8 * MiB;

/** Range size for a download of `size` bytes: the upload ladder, from 8 MiB (a function of the size alone, too). */
export function defaultRangeSize(size: number): number {
  return Math.max(MIN_DEFAULT_RANGE_SIZE, defaultPartSize(size));
}

/** Parts in flight: several for a multipart file, one when the file fits in a single part. */
export function defaultParallel(fileSize: number, partSize: number): number {
  return fileSize > partSize ? DEFAULT_PARALLEL : 1;
}

// ---- Copies ----------------------------------------------------------------------------------------------------

/** The most one CopyObject request may copy (OSS): larger objects are copied in parts. */
export const COPY_OBJECT_LIMIT = 1024 ** 3;
/** The smallest part a multipart copy picks by itself: a part costs a request, not client memory or bytes. */
export const MIN_COPY_PART_SIZE = 64 * MiB;

/** Part size of a multipart copy of `size` bytes when none is given: a function of the size alone (resumable). */
export function defaultCopyPartSize(size: number): number {
  return Math.min(MAX_PART_SIZE, Math.max(MIN_COPY_PART_SIZE, Math.ceil(size / 1000 / MiB) * MiB));
}

/** Whether a copy of `size` bytes is one CopyObject: up to `multipartThreshold`, never above 1 GiB. */
export function isSingleCopy(size: number, multipartThreshold?: number): boolean {
  return size <= Math.min(multipartThreshold ?? COPY_OBJECT_LIMIT, COPY_OBJECT_LIMIT);
}

// ---- Streams of unknown length (was stream/stream-plan.ts) -----------------------------------------------------
//
// Parts need not be equal (only every part but the last must be at least 100 KiB), so the size grows with the part
// number: small streams use small buffers, and 10,000 parts still hold ~8 TiB. One fixed size large enough for 5 TB
// (512 MiB) would hold 2 GiB in memory at 4 parts in flight even for a 10 MB pipe.

/** First part size of a stream of unknown length. */
export const STREAM_BASE_PART_SIZE = 8 * MiB;
/** Parts per step: the size doubles after every this many parts. */
export const STREAM_PARTS_PER_STEP = 1000;
/** Parts (and part buffers) in flight of a stream, upload or download, by default. */
export const STREAM_CONCURRENCY = 4;
/** Range size of a download stream by default. */
export const STREAM_RANGE_SIZE = 8 * MiB;

export interface StreamPlan {
  /** Size of the first part (the largest input that goes up as one PutObject). */
  base: number;
  /** True when every part has the same size (--part-size given): 10,000 of them is the most the stream may hold. */
  fixed: boolean;
}

/** Throws ArgumentError unless `partSize` is within OSS's part bounds. */
export function checkPartSize(partSize: number): void {
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw new ArgumentError(
      'partSize',
      `partSize must be an integer between ${MIN_PART_SIZE} (100 KiB) and ${MAX_PART_SIZE} (5 GiB), got ${partSize}`,
    );
  }
}

/**
 * `partSize` given: that size for every part. Otherwise the first parts are `max(8 MiB, expectedSize / 1000)` (so an
 * expected size fits in about 1,000 parts), doubling every 1,000 parts up to 5 GiB.
 */
export function planStream(opts: { partSize?: number; expectedSize?: number }): StreamPlan {
  if (opts.partSize !== undefined) {
    checkPartSize(opts.partSize);
    return { base: opts.partSize, fixed: true };
  }
  if (opts.expectedSize !== undefined && (!Number.isSafeInteger(opts.expectedSize) || opts.expectedSize < 0)) {
    throw new ArgumentError('expectedSize', `expectedSize must be a non-negative integer, got ${opts.expectedSize}`);
  }
  const wanted = Math.ceil((opts.expectedSize ?? 0) / STREAM_PARTS_PER_STEP / MiB) * MiB;
  return { base: Math.min(MAX_PART_SIZE, Math.max(STREAM_BASE_PART_SIZE, wanted)), fixed: false };
}

/** Size of part `partNumber` (1-based); undefined past OSS's 10,000 parts. */
export function streamPartSize(plan: StreamPlan, partNumber: number): number | undefined {
  if (partNumber > MAX_PARTS) return undefined;
  if (plan.fixed) return plan.base;
  return Math.min(MAX_PART_SIZE, plan.base * 2 ** Math.floor((partNumber - 1) / STREAM_PARTS_PER_STEP));
}

// ---- The concurrency option ------------------------------------------------------------------------------------

/** The most parts in flight a caller may ask for. */
export const MAX_CONCURRENCY = 1000;

/**
 * Throws ArgumentError unless `n` is a whole number in 1..1000: the one check of `concurrency` (and of a tree's
 * `jobs` and `parallel`, named by `field`).
 */
export function checkConcurrency(n: number, field = 'concurrency'): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY)
    throw new ArgumentError(field, `${field} must be an integer in 1..${MAX_CONCURRENCY}, got ${n}`);
}

// ---- Feeds -----------------------------------------------------------------------------------------------------

/** A feed over a fixed plan: its parts in order, those in `skip` (done by an earlier run) left out. */
export function fixedFeed(plan: PartPlan, concurrency: number, skip?: ReadonlySet<number>): PartFeed {
  let next = 0;
  return {
    partSize: plan.partSize,
    single: plan.single,
    totalParts: plan.parts.length,
    plan,
    concurrency: () => concurrency,
    next(): PlannedPart | undefined {
      while (next < plan.parts.length) {
        const part = plan.parts[next++]!;
        if (!skip?.has(part.number)) return part;
      }
      return undefined;
    },
  };
}

/**
 * The parts of `plan` (by default `feed`'s fixed layout) not in `skip` (done by an earlier run, or already sent), as
 * many at once as `feed` says now: what a resumed transfer still moves. Everything else is `feed`'s (an adaptive
 * feed's accounting, its wake-up and its close).
 */
export function remainingFeed(feed: PartFeed, skip: ReadonlySet<number>, plan = feed.plan!): PartFeed {
  const parts = fixedFeed(plan, 1, skip);
  return { ...forwarded(feed), plan, totalParts: plan.parts.length, next: parts.next };
}

/** What a feed over other parts keeps of `feed`: its part size and all that is not about which part comes next. */
export function forwarded(feed: PartFeed): Omit<PartFeed, 'next' | 'totalParts' | 'plan' | 'partSizeNow'> {
  return {
    partSize: feed.partSize,
    single: feed.single,
    concurrency: () => feed.concurrency(),
    started: feed.started?.bind(feed),
    observe: feed.observe?.bind(feed),
    close: feed.close?.bind(feed),
    tuning: feed.tuning?.bind(feed),
    wake: feed.wake?.bind(feed),
  };
}

/** A feed of a stream's parts, growing in size (planStream), up to 10,000 of them. */
export function streamFeed(plan: StreamPlan, concurrency: number): PartFeed {
  let number = 0;
  let start = 0;
  return {
    partSize: plan.base,
    single: false,
    totalParts: undefined,
    concurrency: () => concurrency,
    next(): PlannedPart | undefined {
      const size = streamPartSize(plan, number + 1);
      if (size === undefined) return undefined;
      const part = { number: ++number, start, size };
      start += size;
      return part;
    },
  };
}

/** How a planner picks what the caller left out. */
interface Defaults {
  /** Part size of a file of `size` bytes for `kind`. */
  partSize(kind: 'upload' | 'download', size: number): number;
  /** Concurrency of a transfer of `size` bytes at `partSize`, for `kind`. */
  concurrency(kind: PlanRequest['kind'], size: number, partSize: number): number;
}

function makePlanner(d: Defaults): PartPlanner {
  return {
    plan(req, resume) {
      if (req.concurrency !== undefined) checkConcurrency(req.concurrency);
      if (req.size === undefined) {
        // A stream of unknown length: growing sizes, unless one is given.
        const plan = planStream({ partSize: req.partSize, expectedSize: req.expectedSize });
        return streamFeed(plan, req.concurrency ?? STREAM_CONCURRENCY);
      }
      const size = req.size;
      if (req.kind === 'download' && req.stream) {
        // A download stream's ranges are only GETs held in memory: any positive size, no 10,000-part rule.
        const rangeSize = req.partSize ?? STREAM_RANGE_SIZE;
        if (!Number.isSafeInteger(rangeSize) || rangeSize < 1)
          throw new ArgumentError('partSize', `partSize must be a positive integer, got ${rangeSize}`);
        return fixedFeed(splitRanges(size, rangeSize), req.concurrency ?? STREAM_CONCURRENCY, resume?.skip);
      }
      if (req.kind === 'download') {
        // A file download: ranges over what an earlier run left, of one size (no 10,000-part rule; the size is
        // only raised as before, so the library's 100 KiB default does not turn a large object into millions).
        const asked = req.partSize ?? d.partSize('download', size);
        checkPartSize(asked);
        const rangeSize = Math.max(asked, Math.ceil(Math.ceil(size / MAX_PARTS) / 4096) * 4096);
        const concurrency = req.concurrency ?? d.concurrency('download', size, rangeSize);
        return rangeFeed({ total: size, done: req.done, fixedSize: rangeSize, concurrency: () => concurrency });
      }
      let asked: number;
      if (resume && req.partSize === undefined) asked = resume.partSize;
      else if (req.kind === 'copy') asked = req.partSize ?? defaultCopyPartSize(size);
      else asked = req.partSize ?? d.partSize(req.kind, size);
      const plan = planParts(size, asked);
      if (req.kind === 'copy') plan.single = isSingleCopy(size, req.multipartThreshold);
      const concurrency = req.concurrency ?? d.concurrency(req.kind, size, plan.partSize);
      return fixedFeed(plan, concurrency, resume?.skip);
    },
  };
}

/**
 * The library's seed defaults, kept for compatibility: files and ranges in 100 KiB parts, one at a time; copies
 * in size/1000 parts (at least 64 MiB), one at a time; streams in growing parts, 4 at a time.
 */
export const seedPlanner: PartPlanner = makePlanner({
  partSize: () => MIN_PART_SIZE,
  concurrency: () => 1,
});

/**
 * The ladder (the CLI's defaults for people): uploads on the ladder from 1 MiB, downloads from 8 MiB, copies in
 * size/1000 parts; 4 parts in flight for a multipart transfer, 1 for a single request.
 */
export const ladderPlanner: PartPlanner = makePlanner({
  partSize: (kind, size) => (kind === 'download' ? defaultRangeSize(size) : defaultPartSize(size)),
  concurrency: (kind, size, partSize) =>
    kind === 'copy' ? (size > partSize ? DEFAULT_PARALLEL : 1) : defaultParallel(size, partSize),
});

/** `size` bytes in ranges of exactly `rangeSize` (the last one shorter); none for an empty object. */
export function splitRanges(size: number, rangeSize: number): PartPlan {
  const parts: PlannedPart[] = [];
  for (let start = 0, n = 1; start < size; start += rangeSize, n++)
    parts.push({ number: n, start, size: Math.min(rangeSize, size - start) });
  return { partSize: rangeSize, single: parts.length <= 1, parts };
}
