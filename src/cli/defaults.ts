import { MAX_PART_SIZE } from '../core/limits.js';

/**
 * The CLI's defaults for people, not the library's seed defaults (100 KiB parts, one at a time, no checkpoint).
 *
 * The part size is the smallest of a ladder of round sizes, from 1 MiB, that keeps the upload at or under 1,000
 * parts: enough parts that an interruption costs little (at most a few parts in flight), few enough that per-request
 * overhead and the checkpoint stay small. The ladder starts at 1 MiB, not OSS's 100 KiB minimum, because a part
 * pays a request round trip and a durable write on each side: at 100 KiB with 4 in flight, 30 ms per request caps
 * an upload near 13 MB/s, while a kill at 1 MiB still costs at most 4 MiB. The ladder keeps the part size a
 * function of the file size alone, so rerunning the same command after an interruption picks the same part size
 * and the checkpoint stays valid.
 */

/** The smallest part size the CLI picks by itself. */
export const MIN_DEFAULT_PART_SIZE = 1024 ** 2;
const TARGET_PARTS = 1_000;
export const DEFAULT_PARALLEL = 4;
export const MAX_PARALLEL = 64;

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
 * The smallest range size the CLI picks by itself for a download. A range costs no durable write on either side
 * (the download journal is not synced per range), only a request, so the floor is where the per-request cost stops
 * showing: 1 GiB at 4 in flight measured 255 MiB/s in 1 MiB ranges and 401 MiB/s in 8 MiB ranges (BENCHMARKS.md).
 * A kill still costs at most 4 x 8 MiB.
 */
export const MIN_DEFAULT_RANGE_SIZE = 8 * 1024 ** 2;

/** Range size for a download of `size` bytes: the upload ladder, from 8 MiB (a function of the size alone, too). */
export function defaultRangeSize(size: number): number {
  return Math.max(MIN_DEFAULT_RANGE_SIZE, defaultPartSize(size));
}

/** Parts in flight: several for a multipart file, one when the file fits in a single part. */
export function defaultParallel(fileSize: number, partSize: number): number {
  return fileSize > partSize ? DEFAULT_PARALLEL : 1;
}

/** Number of parts a file of `fileSize` bytes needs at `partSize` (at least one: an empty file is one request). */
export function partCount(fileSize: number, partSize: number): number {
  return Math.max(1, Math.ceil(fileSize / partSize));
}
