// The adaptive controller's rules as numbers (adaptive.ts), each with why (DESIGN.md, "Tuned to the link").
import { formatMiB } from './part-growth.js';

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

/**
 * Connections after a throttle cut from `before`: BETA of them, never below what the rate before the cut `needed` (a
 * throttle that allows more than that is better used), nor below half the `start` defaults: a connection waiting out
 * a refusal moves nothing, so one alone leaves the throttle's allowance unused while it waits (measured: a quarter of
 * it on loopback).
 */
export function throttledConns(before: number, needed: number, start: number): number {
  const floor = Math.min(before, Math.max(needed, Math.ceil(start / 2)));
  return Math.max(floor, Math.min(before - 1, Math.floor(before * BETA)));
}

/** The most windows a change settles for while waiting on sentSettled's requests (a slow link's parts take seconds). */
export const MAX_SETTLE = 4;

/**
 * Whether a change has settled, for a transfer whose bytes are counted as handed to its sockets (an upload,
 * `sentBytes`): every request starts by filling its connection's send buffer (and a proxy's queue) at once, so while
 * a step's new requests start, one after another as slots free, the bytes counted run ahead of the link (at 20 ms RTT
 * a doubling's judged window read 688 MiB/s with 6 of its 8 MiB parts finished in it). Settled once as many
 * requests started since the change have finished as there are connections, or after MAX_SETTLE windows.
 */
export function sentSettled(freshDone: number, conns: number, elapsed: number, window: number): boolean {
  return freshDone >= conns || elapsed >= MAX_SETTLE * window;
}

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

/** Whether the bytes `left` take long enough at `rate` for a step's measurement (settling, a `window`) to pay back. */
export function worthStepping(left: number, rate: number, window: number): boolean {
  return !Number.isFinite(left) || rate <= 0 || (left / rate) * 1000 >= PAYBACK * 1.5 * window;
}

/**
 * What a transfer of known size has left, in words, at `rate`. An upload counts its bytes as its sockets take them,
 * so it can have none left while its last parts are still in flight ("0 KiB left, about 0.0 s" read as a fault).
 */
export function timeLeft(left: number, rate: number): string {
  if (left <= 0) return 'nothing left to send, the last parts in flight';
  return `${formatMiB(left)} left, about ${(left / rate).toFixed(1)} s`;
}

/** A rate's gain over `best` in words: "24%". */
export function pct(rate: number, best: number): string {
  return best > 0 ? `${Math.round((rate / best - 1) * 100)}%` : 'more';
}
