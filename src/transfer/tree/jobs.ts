// Files in flight: `jobs` workers take items from a stream (or as many as `jobs(running)` allows now: a shared
// connection budget grows and shrinks it while the tree runs, engine/budget.ts). The stream is read ahead of the workers (up to
// `readAhead` items buffered), so the totals a progress bar shows grow ahead of the transfers and are final soon,
// while memory stays bounded however long the stream is. `work` reports its own failures; an error of the stream
// itself (a listing that fails) stops everything and is thrown.
import { abortError } from '../../core/errors.js';

export interface JobOptions<T> {
  /** Items buffered ahead of the workers (default 10,000). */
  readAhead?: number;
  /** Each item as it is read from the stream. */
  onRead?: (item: T) => void;
  /** The stream ended: every item has been read. */
  onEnd?: () => void;
}

/** Files allowed in flight while `running` of them run. */
export type JobLimit = number | ((running: number) => number);

export async function runJobs<T>(
  items: AsyncIterable<T>,
  jobs: JobLimit,
  signal: AbortSignal,
  work: (item: T) => Promise<void>,
  opts: JobOptions<T> = {},
): Promise<void> {
  const limit = opts.readAhead ?? 10_000;
  const queue: T[] = [];
  let ended = false;
  let streamError: unknown;
  // Wake-ups: workers wait for an item, the reader waits for room.
  let wakeWorkers: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const nudge = (which: 'workers' | 'reader') => {
    const f = which === 'workers' ? wakeWorkers : wakeReader;
    if (which === 'workers') wakeWorkers = undefined;
    else wakeReader = undefined;
    f?.();
  };
  const waitFor = (which: 'workers' | 'reader') =>
    new Promise<void>((resolve) => {
      if (which === 'workers') {
        const prev = wakeWorkers;
        wakeWorkers = () => {
          prev?.();
          resolve();
        };
      } else {
        wakeReader = resolve;
      }
    });
  const onAbort = () => {
    nudge('workers');
    nudge('reader');
  };
  signal.addEventListener('abort', onAbort, { once: true });

  const reader = (async () => {
    try {
      for await (const item of items) {
        if (signal.aborted) break;
        opts.onRead?.(item);
        queue.push(item);
        nudge('workers');
        while (queue.length >= limit && !signal.aborted && streamError === undefined) await waitFor('reader');
        if (signal.aborted) break;
      }
    } catch (err) {
      streamError = err;
    } finally {
      ended = true;
      if (streamError === undefined && !signal.aborted) opts.onEnd?.();
      nudge('workers');
    }
  })();

  const allowed = (n: number) => Math.max(1, typeof jobs === 'number' ? jobs : jobs(n));
  let running = 0;
  let workFailure: { err: unknown } | undefined;
  const workers = new Set<Promise<void>>();
  const worker = async () => {
    for (;;) {
      if (signal.aborted || streamError !== undefined) return;
      if (queue.length === 0) {
        if (ended) return;
        await waitFor('workers');
        continue;
      }
      // The limit fell below the files running: this worker retires (one always stays, as allowed() >= 1).
      if (running >= allowed(running)) return;
      const item = queue.shift()!;
      nudge('reader');
      running++;
      try {
        await work(item);
      } finally {
        running--;
      }
      spawn(); // the limit may have grown
    }
  };
  const spawn = () => {
    while (workers.size < allowed(running) && !signal.aborted) {
      const w = worker()
        .catch((err: unknown) => {
          workFailure ??= { err };
        })
        .finally(() => workers.delete(w));
      workers.add(w);
    }
  };
  try {
    spawn();
    await reader;
    while (workers.size > 0) await Promise.all([...workers]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (workFailure) throw workFailure.err;
  if (streamError !== undefined) throw streamError;
  if (signal.aborted) throw abortError(signal);
}
