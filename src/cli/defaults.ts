// The CLI's defaults for people, not the library's seed defaults (100 KiB parts, one at a time, no checkpoint). The
// part-size ladder itself lives with every other part-size decision, in transfer/engine/planner.ts (`ladderPlanner`).
export {
  DEFAULT_PARALLEL,
  MIN_DEFAULT_PART_SIZE,
  MIN_DEFAULT_RANGE_SIZE,
  defaultParallel,
  defaultPartSize,
  defaultRangeSize,
} from '../transfer/index.js';

/** The most parts in flight --parallel accepts. */
export const MAX_PARALLEL = 64;

/** Number of parts a file of `fileSize` bytes needs at `partSize` (at least one: an empty file is one request). */
export function partCount(fileSize: number, partSize: number): number {
  return Math.max(1, Math.ceil(fileSize / partSize));
}
