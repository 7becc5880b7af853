// The one part scheduler every transfer shares (upload, download, copy, and the streams): parts come from a PartFeed
// on demand, at most `feed.concurrency()` in flight, asked again each time a slot frees (an adaptive feed may raise
// or lower it mid-transfer). The first failure stops scheduling and aborts the parts in flight (through the signal
// handed to `work`), and is the error thrown, so a caller sees the root cause rather than the AbortedErrors it
// caused. State is per call: one transfer's failure or cancellation can never touch another transfer on the same
// client. Browser-safe.
import { abortError } from '../../core/errors.js';
import type { PartFeed, PlannedPart } from './ports.js';

export interface PartRun<P, R> {
  feed: PartFeed;
  signal?: AbortSignal;
  /**
   * Started for the next part as soon as a part is handed out (one part ahead, in part order), so reading and hashing
   * overlap with sending even at concurrency 1. Its promise is handed to `work`. Optional.
   */
  prepare?(part: PlannedPart, signal: AbortSignal): Promise<P>;
  /** Move one part. Resolves with what `done` records, or undefined when there was nothing to move (a stream's end). */
  work(part: PlannedPart, signal: AbortSignal, prepared: Promise<P> | undefined): Promise<R | undefined>;
  /** Awaited after each part succeeds, before its slot takes another (a checkpoint append finishes first). */
  done(result: R, part: PlannedPart): Promise<void>;
}

/**
 * Run parts until the feed has none left. An outer `signal` abort wins over any error and is thrown as AbortedError.
 */
export async function runParts<P, R>(run: PartRun<P, R>): Promise<void> {
  const { feed, signal } = run;
  if (signal?.aborted) throw abortError(signal);
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(signal?.reason);
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  let firstError: unknown;
  let exhausted = false;
  let active = 0;
  let ahead: { part: PlannedPart; prepared: Promise<P> | undefined } | undefined;
  const prepare = (part: PlannedPart) => {
    const prepared = run.prepare?.(part, inner.signal);
    prepared?.catch(() => undefined); // prepared but never taken (the run stopped): not an unhandled rejection
    return { part, prepared };
  };
  const take = () => {
    if (exhausted) return undefined;
    const got = ahead ?? nextOf();
    ahead = undefined;
    if (got && run.prepare) {
      const following = nextOf();
      if (following) ahead = following;
    }
    return got;
  };
  const nextOf = () => {
    const part = feed.next();
    if (!part) {
      exhausted = true;
      return undefined;
    }
    return prepare(part);
  };
  const workers = new Set<Promise<void>>();
  const worker = async () => {
    while (!inner.signal.aborted && active <= feed.concurrency()) {
      const item = take();
      if (!item) break;
      feed.started?.(item.part);
      const began = Date.now();
      try {
        const result = await run.work(item.part, inner.signal, item.prepared);
        if (result !== undefined) {
          await run.done(result, item.part);
          feed.observe?.(item.part, { ms: Date.now() - began });
        }
      } catch (err) {
        if (firstError === undefined) firstError = err;
        inner.abort(err);
      }
      spawn(); // the feed may allow more in flight now
    }
  };
  const spawn = () => {
    while (!inner.signal.aborted && !(exhausted && !ahead) && active < Math.max(1, feed.concurrency())) {
      active++;
      const w = worker().finally(() => {
        active--;
        workers.delete(w);
      });
      workers.add(w);
    }
  };
  let over = false;
  feed.wake?.(() => {
    if (!over) spawn();
  });
  try {
    spawn();
    while (workers.size > 0) await Promise.all([...workers]);
  } finally {
    over = true;
    signal?.removeEventListener('abort', onOuterAbort);
    feed.close?.(); // every worker has stopped: parts that failed or were aborted give back what they held
  }
  if (signal?.aborted) throw abortError(signal);
  if (firstError !== undefined) throw firstError;
}

/**
 * Run `work` over `items` with bounded concurrency, taken in order (runParts over a fixed list). `done` is awaited
 * after each item succeeds, before the worker takes the next one.
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal | undefined,
  work: (item: T, signal: AbortSignal) => Promise<R>,
  done: (result: R) => Promise<void>,
): Promise<void> {
  let next = 0;
  const parts = items.map((_, i) => ({ number: i + 1, start: 0, size: 0 }));
  await runParts<never, R>({
    feed: {
      partSize: 0,
      single: false,
      totalParts: items.length,
      concurrency: () => concurrency,
      next: () => parts[next++],
    },
    signal,
    work: (part, s) => work(items[part.number - 1]!, s),
    done: (result) => done(result),
  });
}
