// Files in flight: `jobs` workers take items from a stream (or as many as `jobs(running)` allows now: a shared
// connection budget grows and shrinks it while the tree runs, engine/budget.ts). The stream is read ahead of the workers (up to
// `readAhead` items buffered), so the totals a progress bar shows grow ahead of the transfers and are final soon,
// while memory stays bounded however long the stream is. `work` reports its own failures; an error of the stream
// itself (a listing that fails) stops everything and is thrown. With `ahead`, each job starts its next item while
// its current one runs, held before its first request (core/request-gate.ts; DESIGN.md, "A job's next file,
// prepared while its request is out").
import { setImmediate } from 'node:timers';
import { abortError } from '../../core/errors.js';
import { gatedSignal, type GatedSignal, type HeldStart } from '../../core/request-gate.js';

export interface JobOptions<T> {
  /** Items buffered ahead of the workers (default 10,000). */
  readAhead?: number;
  /** Each item as it is read from the stream. */
  onRead?: (item: T) => void;
  /** An item finished as it is read, with no worker (a file the sync's snapshot skips): true when it was. */
  settle?: (item: T) => boolean;
  /** The stream ended: every item has been read. */
  onEnd?: () => void;
  /**
   * Whether an item may be started ahead: once a job's item has started, the job takes the next item (if this
   * says yes) and starts its work held (`work`'s second argument: its signal's requests wait until the
   * job's current item has settled or, when that item was itself started ahead, until its request has been
   * answered). One item ahead per job; `jobs` counts only the items whose turn has come.
   */
  ahead?: (item: T) => boolean;
}

/** Files allowed in flight while `running` of them run. */
export type JobLimit = number | ((running: number) => number);

export async function runJobs<T>(
  items: AsyncIterable<T>,
  jobs: JobLimit,
  signal: AbortSignal,
  work: (item: T, held?: HeldStart) => Promise<void>,
  opts: JobOptions<T> = {},
): Promise<void> {
  const limit = opts.readAhead ?? 10_000;
  const queue: T[] = [];
  let ended = false;
  let streamError: unknown;
  // Wake-ups: idle workers wait in line and an item wakes one of them (waking all of them for each item cost a
  // promise per waiting worker per item: 16 per file of a sync with nothing to do; issue 27). The end of the
  // stream and an abort wake them all. The reader waits for room.
  const idle: Array<() => void> = [];
  let wakeReader: (() => void) | undefined;
  const wakeOne = () => idle.shift()?.();
  const wakeAll = () => {
    for (const f of idle.splice(0)) f();
  };
  const nudgeReader = () => {
    const f = wakeReader;
    wakeReader = undefined;
    f?.();
  };
  const waitForItem = () => new Promise<void>((resolve) => idle.push(resolve));
  const waitForRoom = () =>
    new Promise<void>((resolve) => {
      wakeReader = resolve;
    });
  const onAbort = () => {
    wakeAll();
    nudgeReader();
  };
  signal.addEventListener('abort', onAbort, { once: true });

  const reader = (async () => {
    try {
      for await (const item of items) {
        if (signal.aborted) break;
        opts.onRead?.(item);
        if (opts.settle?.(item)) continue;
        queue.push(item);
        wakeOne();
        while (queue.length >= limit && !signal.aborted && streamError === undefined) await waitForRoom();
        if (signal.aborted) break;
      }
    } catch (err) {
      streamError = err;
    } finally {
      ended = true;
      if (streamError === undefined && !signal.aborted) opts.onEnd?.();
      wakeAll();
    }
  })();

  const allowed = (n: number) => Math.max(1, typeof jobs === 'number' ? jobs : jobs(n));
  let running = 0;
  let workFailure: { err: unknown } | undefined;
  const workers = new Set<Promise<void>>();
  const worker = async () => {
    // This job's next item, started ahead (opts.ahead): its work runs, its requests wait at its signal's gate.
    let next: { run: Promise<void>; gate: GatedSignal } | undefined;
    let current: Promise<void> | undefined;
    // The current item's gated signal when it was itself started ahead (so it is one request): the item held behind
    // it goes once that request is answered, not once the item has settled (its local work after the answer: a
    // download's writes and rename, the events), which it then overlaps.
    let currentGate: GatedSignal | undefined;
    // Two gated signals, alternating: the held item's, and the one whose turn has come (the item before it has
    // settled by the time its signal is held again).
    let gates: GatedSignal[] | undefined;
    let turn = 0;
    // After the answers that arrived together have each started their job's next request (the check phase, after
    // the poll phase that delivered them), not between them: that is what breaks a batch of answers into a batch
    // of requests sent at once.
    const lookAhead = (of: Promise<void>) => {
      if (current !== of || next || signal.aborted || streamError !== undefined) return;
      const item = queue[0];
      if (item === undefined || !opts.ahead!(item) || running > allowed(running)) return;
      queue.shift();
      nudgeReader();
      gates ??= [gatedSignal(signal), gatedSignal(signal)];
      const gate = gates[turn++ % 2]!;
      const run = work(item, gate.hold());
      run.catch(() => undefined); // awaited in its turn; not an unhandled rejection meanwhile
      if (currentGate) gate.openAfter(currentGate.signal);
      next = { run, gate };
    };
    try {
      for (;;) {
        if (signal.aborted || streamError !== undefined) return;
        let run: Promise<void>;
        currentGate = undefined;
        if (next) {
          // Its turn: a request held at the gate goes now (if it has not already: openAfter).
          ({ run } = next);
          next.gate.open();
          currentGate = next.gate;
          next = undefined;
        } else {
          if (queue.length === 0) {
            if (ended) return;
            await waitForItem();
            continue;
          }
          // The limit fell below the files running: this worker retires (one always stays, as allowed() >= 1),
          // passing the item's wake-up on to another idle worker.
          if (running >= allowed(running)) {
            wakeOne();
            return;
          }
          const item = queue.shift()!;
          nudgeReader();
          run = work(item);
        }
        running++;
        current = run;
        if (opts.ahead) setImmediate(lookAhead, run);
        try {
          await run;
        } finally {
          running--;
          current = undefined;
          currentGate = undefined;
        }
        spawn(); // the limit may have grown
      }
    } finally {
      // The run stopped (an abort, a failed listing) with an item held: it is never sent, and has settled (its
      // descriptors closed, its temporary file gone) before runJobs returns.
      if (next) {
        next.gate.cancel(signal.aborted ? signal.reason : abortError(signal));
        await next.run.catch(() => undefined);
      }
      for (const g of gates ?? []) g.release();
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
