// Files in flight: `jobs` workers take items from a stream. The stream is read ahead of the workers (up to
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

export async function runJobs<T>(
  items: AsyncIterable<T>,
  jobs: number,
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

  const worker = async () => {
    for (;;) {
      if (signal.aborted || streamError !== undefined) return;
      const item = queue.shift();
      if (item === undefined) {
        if (ended) return;
        await waitFor('workers');
        continue;
      }
      nudge('reader');
      await work(item);
    }
  };
  try {
    await Promise.all([reader, ...Array.from({ length: Math.max(1, jobs) }, worker)]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (streamError !== undefined) throw streamError;
  if (signal.aborted) throw abortError(signal);
}
