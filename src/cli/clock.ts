/**
 * A monotonic clock in ms, as performance.now() but from process.hrtime(): the first read of `performance` loads
 * node's perf_hooks (nine internal modules, ~1-2 ms of a short command's start-up; issue 27).
 */
export function nowMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
