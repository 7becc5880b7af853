// The worker pool both engines share: at most `concurrency` items in flight, taken in order. The first failure stops
// scheduling and aborts the items in flight (through the signal handed to `work`), and is the error thrown, so a
// caller sees the root cause rather than the AbortedErrors it caused. State is per call: one transfer's failure or
// cancellation can never touch another transfer on the same client.
import { abortError } from '../../core/errors.js';

/**
 * Run `work` over `items` with bounded concurrency. `done` is awaited after each item succeeds, before the worker
 * takes the next one (so a checkpoint append finishes before more work is started). An outer `signal` abort wins
 * over any error and is thrown as AbortedError.
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal | undefined,
  work: (item: T, signal: AbortSignal) => Promise<R>,
  done: (result: R) => Promise<void>,
): Promise<void> {
  if (signal?.aborted) throw abortError(signal);
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(signal?.reason);
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (!inner.signal.aborted && next < items.length) {
      const item = items[next++]!;
      try {
        await done(await work(item, inner.signal));
      } catch (err) {
        if (firstError === undefined) firstError = err;
        inner.abort(err);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
  }
  if (signal?.aborted) throw abortError(signal);
  if (firstError !== undefined) throw firstError;
}
