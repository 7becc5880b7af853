// The adaptive controller's rules as numbers (adaptive.ts), each with why (DESIGN.md, "Tuned to the link").

/** A step must buy at least this much more throughput to be kept. */
export const GAIN = 1.1;
/** A throttle keeps this share of the connections. */
export const BETA = 0.7;
/** Windows of hold between probes, doubled after each probe that did not pay, up to MAX_HOLD. */
export const HOLD = 4;
export const MAX_HOLD = 32;
/** A window this far below the best rate for two windows in a row means the link changed: measure it afresh. */
export const DROP = 0.6;
/** The most a download's own climb between its first two windows raises the gain its doublings must show. */
export const MAX_CLIMB = 2;
/** A transfer of known size steps only while the rest takes this many times the step's measurement (DESIGN.md). */
export const PAYBACK = 3;

/** How much `rate` climbed from `first` at one setting, within 1..MAX_CLIMB. */
export function climbOf(rate: number, first: number): number {
  return Math.min(MAX_CLIMB, Math.max(1, rate / first));
}

/**
 * Whether a probe's `rate` keeps its setting, against the hold's mean `best` and the `peak` since the link was last
 * measured. Up: GAIN more. Down: within 5% of the peak (judged against the last mean instead, probes down ratchet:
 * each may lose up to 5% more, and on a CPU-bound loopback every setting is within noise of the next); in a tree
 * (`files`), also as much as the setting probed from: its slow start keeps a doubling for round-trip-bound files
 * even when that doubling moved less than the setting before it, whose rate is then the peak.
 */
export function probeKept(rate: number, best: number, peak: number, down: boolean, files: boolean): boolean {
  if (!down) return rate >= best * GAIN;
  const fewerOk = Math.max(best, peak) * 0.95;
  return rate >= (files ? Math.min(fewerOk, best) : fewerOk);
}

/** Why slow start kept a doubling to `conns` from `base`: it `paid` GAIN, or it was a tree's round-trip-bound files. */
export function doublingKept(conns: number, base: number, rate: number, best: number, paid: boolean): string {
  return paid
    ? `slow start: ${conns} connections gave ${pct(rate, best)} more than ${base}`
    : `slow start: ${conns} connections kept for round-trip-bound files (${pct(rate, best)} over ${base} in their first window)`;
}

/** A rate's gain over `best` in words: "24%". */
export function pct(rate: number, best: number): string {
  return best > 0 ? `${Math.round((rate / best - 1) * 100)}%` : 'more';
}
