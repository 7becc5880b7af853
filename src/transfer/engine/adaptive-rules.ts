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

/** A rate's gain over `best` in words: "24%". */
export function pct(rate: number, best: number): string {
  return best > 0 ? `${Math.round((rate / best - 1) * 100)}%` : 'more';
}
