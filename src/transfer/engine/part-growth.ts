// How the adaptive controller (adaptive.ts) grows the parts not yet started: a pure function of the rate one
// connection gets (DESIGN.md, "Tuned to the link").
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from '../../core/limits.js';

/**
 * Parts are sized to take about this long on one connection: a request's round trip then costs a few percent, and a
 * transfer killed mid-way loses about this much of its time (the parts in flight).
 */
export const PART_SECONDS = 2;

/**
 * The next part size: about PART_SECONDS at `perConn` bytes/s, by powers of two from `size`, never shrinking (so the
 * 10,000-part limit the starting size met still holds), within `maxSize` (the cap and OSS's 5 GiB), and never so big
 * that a file of `totalBytes` has fewer than two parts per connection. `size` itself when it cannot grow.
 */
export function grownPartSize(
  size: number,
  perConn: number,
  maxSize: number,
  totalBytes: number,
  conns: number,
): number {
  const target = perConn * PART_SECONDS;
  const spread = totalBytes / (conns * 2);
  let next = size;
  while (next * 2 <= Math.min(target, maxSize, spread)) next *= 2;
  return next > size && next >= MIN_PART_SIZE && Math.ceil(totalBytes / next) <= MAX_PARTS ? next : size;
}

/**
 * Why parts grew, in words: the size the controller allows, which a part gets while what is left of its file still
 * gives every connection two parts (the budget's planner, regrownSize), so a file's largest part may be smaller.
 */
export const grownReason = (size: number) =>
  `parts grow up to ${formatMiB(size)} (about ${PART_SECONDS} s each on one connection)`;

export const formatMiB = (b: number) =>
  b >= 1024 ** 2 ? `${+(b / 1024 ** 2).toFixed(1)} MiB` : `${Math.round(b / 1024)} KiB`;

/**
 * The size parts not yet handed out get: an upload's later parts when they are cut again (upload/resume-feed.ts),
 * and a fresh transfer's first ones over its whole size (the budget's planner). The largest doubling of `current`
 * within `wanted` (the controller's size, grownPartSize) that still leaves each of `conns` connections two parts of
 * the `left` bytes, so they finish together, within OSS's 5 GiB; `current` when none is larger.
 */
export function regrownSize(current: number, wanted: number, left: number, conns: number): number {
  let next = current;
  while (next * 2 <= Math.min(wanted, left / (2 * Math.max(1, conns)), MAX_PART_SIZE)) next *= 2;
  return next;
}
