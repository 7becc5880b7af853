// A download's ranges, cut as they are handed out (DESIGN.md, "A download's ranges sized from the object"). A
// download has no 10,000-part rule, and what a range costs is a request, a Range/If-Match check, a journal record and,
// on a delayed link, a round trip of idle: so with no size given, each next range is a share of what is left divided
// by the connections in flight (guided self-scheduling), within 8..64 MiB. Ranges are large while much is left and
// shrink towards the end, so the connections finish together; and no range is cut larger than RANGE_SECONDS on one
// connection at the rate ranges got so far (the floor until one has finished), so the ranges a kill loses hold a few
// seconds each on any link, nor smaller than MIN_RANGE_SECONDS at that rate, so a fast link's tail is not cut into
// ranges that cost more in requests than they save in balance. The feed plans only the gaps an earlier run left: its journal records each range's offset
// and size, so ranges of any size resume. Browser-safe (no Node import).
import { PART_SECONDS } from './part-growth.js';
import type { PartFeed, PlannedPart } from './ports.js';

const MiB = 1024 ** 2;

/**
 * The smallest range a guided download cuts while more is left: the download range floor (planner.ts
 * MIN_DEFAULT_RANGE_SIZE, where the per-request cost stopped showing).
 */
export const MIN_GUIDED_RANGE = 8 * MiB;
/**
 * The largest: the best range size of the links grid on every profile where range size mattered (BENCHMARKS.md), the
 * controller's cap on part growth, and about 2 s on one connection at the per-connection rates measured there (the
 * controller's PART_SECONDS), so the ranges in flight when a run is killed hold a few seconds of transfer each.
 */
export const MAX_GUIDED_RANGE = 64 * MiB;
/**
 * A range takes at most about this long on one connection at the rate ranges got so far (the controller's
 * PART_SECONDS): a kill or Ctrl-C loses at most this much of each connection's work (the journal records whole
 * ranges), and the round trip before a range's first byte (<= 0.1 s on a WAN) costs a few percent. On the quiet
 * loopback one connection of 16 gets ~44 MB/s, so 2 s still allows MAX_GUIDED_RANGE there.
 */
export const RANGE_SECONDS = PART_SECONDS;

/**
 * A range takes at least about this long on one connection at the rate ranges got so far, while more is left: what
 * a range costs besides its bytes (a request, the server's first byte, a journal record; on the loaded loopback
 * 16-50 ms before the first byte at 4 connections, BENCHMARKS.md "h23dl") stays a small share of it where a
 * connection moves 250 MB/s, where 8 MiB takes ~35 ms. Below 32 MiB/s per connection (the bench's delayed links
 * get ~35 at 16 connections, and less) the 8 MiB floor is the larger, so only fast links cut fewer, larger tail
 * ranges; the connections still finish within about this long of each other.
 */
export const MIN_RANGE_SECONDS = 0.25;

/** Bytes `start`..`start + size - 1` of a download (relative to its first byte). */
export interface ByteSpan {
  start: number;
  size: number;
}

/** A range stored by an earlier run: its span and the part number its journal record carries. */
export interface StoredSpan extends ByteSpan {
  number: number;
}

/** The spans of `0..total - 1` that `done` (non-overlapping, within the total) leaves uncovered, in order. */
export function gapsOf(total: number, done: Iterable<ByteSpan> = []): ByteSpan[] {
  const sorted = [...done].sort((a, b) => a.start - b.start);
  const gaps: ByteSpan[] = [];
  let at = 0;
  for (const d of sorted) {
    if (d.start > at) gaps.push({ start: at, size: d.start - at });
    at = Math.max(at, d.start + d.size);
  }
  if (at < total) gaps.push({ start: at, size: total - at });
  return gaps;
}

/**
 * Guided self-scheduling: a share of the `left` bytes not yet handed out for each of `connections`, rounded up to
 * whole MiB (ranges stay page-aligned in the file), and no more than RANGE_SECONDS at `rate` (bytes/s a range gets on
 * one connection: 0 while none is measured, which gives the floor; Infinity, no bound by time), within
 * MIN_GUIDED_RANGE..MAX_GUIDED_RANGE, never less than MIN_RANGE_SECONDS at a measured `rate` (rangeFloor), never more
 * than is left.
 */
export function guidedRangeSize(left: number, connections: number, rate = Infinity): number {
  const share = Math.ceil(left / Math.max(1, connections) / MiB) * MiB;
  return Math.min(left, Math.max(rangeFloor(rate), Math.min(share, rangeBound(rate))));
}

/**
 * The least a guided range is while more is left: MIN_GUIDED_RANGE, or MIN_RANGE_SECONDS at a measured `rate` in
 * whole MiB (untimed, Infinity, and unmeasured, 0: the 8 MiB floor), within MAX_GUIDED_RANGE.
 */
function rangeFloor(rate: number): number {
  if (!(rate > 0) || !Number.isFinite(rate)) return MIN_GUIDED_RANGE;
  return Math.max(MIN_GUIDED_RANGE, Math.min(MAX_GUIDED_RANGE, Math.floor((rate * MIN_RANGE_SECONDS) / MiB) * MiB));
}

/** The most a guided range may be whatever is left: MAX_GUIDED_RANGE, or RANGE_SECONDS at `rate` in whole MiB. */
function rangeBound(rate: number): number {
  return Math.min(MAX_GUIDED_RANGE, Math.floor((rate * RANGE_SECONDS) / MiB) * MiB);
}

/**
 * Ranges a guided download of `left` bytes still cuts at `connections` (the progress line's "parts n/total"), read
 * once per finished range. While a connection's share is at least the cap (64 MiB, or RANGE_SECONDS at `rate`) every
 * range is the cap, so those are counted at once; only the last `connections` x cap bytes are stepped through.
 */
export function guidedCount(left: number, connections: number, rate = Infinity): number {
  const bound = rangeBound(rate);
  const cap = Math.max(rangeFloor(rate), bound);
  const flat = Math.max(0, Math.floor((left - Math.max(1, connections) * bound) / cap));
  let n = flat;
  left -= flat * cap;
  for (; left > 0; n++) left -= guidedRangeSize(left, connections, rate);
  return n;
}

export interface RangeFeedOptions {
  /** Bytes to download. */
  total: number;
  /** Ranges an earlier run stored: only the gaps between them are handed out. */
  done?: readonly StoredSpan[];
  /** Ranges allowed in flight now (the feed's concurrency). */
  concurrency(): number;
  /** Every range this size (a --part-size, the library's default); absent: guided by what is left. */
  fixedSize?: number;
  /** Bytes/s a range gets on one connection, measured so far (0: none yet); absent: guided ranges are not timed. */
  rate?(): number;
  /**
   * Whether the connections are on trial (the controller measures a step it may take back): guided ranges are then
   * cut at their floor, so connections taken back finish within a floor's range instead of holding a share of what
   * is left sized for the trial's count.
   */
  trial?(): boolean;
}

/**
 * The feed of a download's ranges over the gaps of `done`, numbered after the highest number stored (a journal
 * record's number names one range for good), or by place when every range is of one fixed size. Fixed size: each gap cut into `fixedSize` pieces; guided: each next range
 * `guidedRangeSize` of the bytes not handed out yet at the concurrency and rate asked now.
 */
export function rangeFeed(opts: RangeFeedOptions): PartFeed {
  const gaps = gapsOf(opts.total, opts.done);
  let left = gaps.reduce((a, g) => a + g.size, 0);
  let number = Math.max(0, ...(opts.done ?? []).map((d) => d.number));
  const stored = opts.done?.length ?? 0;
  let handed = 0;
  let gap = 0;
  let offset = gaps[0]?.start ?? 0;
  const fixed = opts.fixedSize;
  const sizeFor = (rest: number) => {
    if (fixed !== undefined) return fixed;
    const rate = opts.rate?.();
    return opts.trial?.()
      ? Math.min(rest, rangeFloor(rate ?? Infinity))
      : guidedRangeSize(rest, opts.concurrency(), rate);
  };
  const first = left > 0 ? Math.min(sizeFor(left), gaps[0]!.size) : 0;
  const fixedCount = fixed !== undefined ? gaps.reduce((a, g) => a + Math.ceil(g.size / fixed), 0) : 0;
  // One size throughout (a fixed size over a journal of that size, or over none): ranges keep their place's number,
  // as they always had, so range n is bytes (n - 1) x size onwards whichever run fetched it.
  const positional =
    fixed !== undefined &&
    gaps.every((g) => g.start % fixed === 0) &&
    (opts.done ?? []).every((d) => d.start % fixed === 0 && d.number === d.start / fixed + 1);
  return {
    partSize: fixed ?? first,
    single: gaps.length <= 1 && left <= first,
    get totalParts() {
      if (fixed !== undefined) return stored + fixedCount;
      return stored + handed + guidedCount(left, opts.concurrency(), opts.rate?.());
    },
    concurrency: () => opts.concurrency(),
    next(): PlannedPart | undefined {
      const g = gaps[gap];
      if (!g) return undefined;
      const end = g.start + g.size;
      const size = Math.min(sizeFor(left), end - offset);
      ++number;
      const part = { number: positional ? offset / fixed + 1 : number, start: offset, size };
      offset += size;
      left -= size;
      handed++;
      if (offset >= end) offset = gaps[++gap]?.start ?? offset;
      return part;
    },
  };
}
