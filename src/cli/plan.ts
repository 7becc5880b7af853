/**
 * The CLI's defaults for people, not the library's seed defaults (100 KiB parts, one at a time, no checkpoint).
 *
 * The part size is the smallest of a ladder of round sizes that keeps the upload at or under 1,000 parts: enough
 * parts that an interruption costs little (at most a few parts in flight), few enough that per-request overhead and
 * the checkpoint stay small. The ladder keeps the part size a function of the file size alone, so rerunning the
 * same command after an interruption picks the same part size and the checkpoint stays valid.
 */

export const MIN_PART_SIZE = 100 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;
const TARGET_PARTS = 1_000;
export const DEFAULT_PARALLEL = 4;
export const MAX_PARALLEL = 64;

const LADDER: number[] = (() => {
  const sizes = [MIN_PART_SIZE, 256 * 1024, 512 * 1024];
  for (let s = 1024 ** 2; s <= 4 * 1024 ** 3; s *= 2) sizes.push(s);
  sizes.push(MAX_PART_SIZE);
  return sizes;
})();

/** Part size chosen from the file size: the smallest ladder step with at most 1,000 parts (10,000 at worst). */
export function defaultPartSize(fileSize: number): number {
  for (const size of LADDER) if (Math.ceil(fileSize / size) <= TARGET_PARTS) return size;
  return MAX_PART_SIZE;
}

/** Parts in flight: several for a multipart file, one when the file fits in a single part. */
export function defaultParallel(fileSize: number, partSize: number): number {
  return fileSize > partSize ? DEFAULT_PARALLEL : 1;
}

/** Number of parts a file of `fileSize` bytes needs at `partSize` (at least one: an empty file is one request). */
export function partCount(fileSize: number, partSize: number): number {
  return Math.max(1, Math.ceil(fileSize / partSize));
}
