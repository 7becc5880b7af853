// One budget of connections for a whole command, shared by the files of a tree and the parts of each large file,
// sized by the adaptive controller (adaptive.ts). It plugs into the engine through its ports: `planner()` wraps a
// PartPlanner so every transfer's PartFeed asks the budget for its concurrency (the one scheduler, part-pool.ts
// `runParts`, asks each time a slot frees) and gets parts sized by the controller; a tree asks `files()` for its files
// in flight. A file holds one unit while it runs; each part it has in flight beyond the first holds one more.
import type { TransferEvent } from '../types.js';
import type { AdaptiveController, Tuning } from './adaptive.js';
import { regrownSize } from './part-growth.js';
import type { PartFeed, PartPlanner, PlannedPart, PlanRequest } from './ports.js';
import { rangeFeed } from './ranges.js';

export interface BudgetOptions {
  /** Parts in flight per file, fixed (--parallel): the budget then sizes only the files in flight. */
  parallel?: number;
  /** Files in flight, fixed (--jobs). */
  jobs?: number;
  /** Part size fixed (--part-size): the controller's part sizes are not used. */
  partSize?: number;
  /** Clock in ms (default performance.now). */
  now?: () => number;
  /** Told one line per range handed out and finished (OSSUP_TRACE_TUNING). */
  trace?: (line: string) => void;
}

/**
 * A tree's job prepares its next small file while its request is out (tree/jobs.ts) only while no one-request
 * transfer has been seen to take less than this: on a link this slow the round trip dwarfs a file's own work
 * (~1-2 ms of CPU), so doing that work during the wait pays; below it (loopback, a LAN) the look-ahead only adds
 * its own cost (~0.1 ms of CPU a file: BENCHMARKS.md, "branch h27wan2").
 */
export const LOOK_AHEAD_MIN_MS = 5;

/** What the client's retry hook tells the budget (client RetryNotice). */
export interface RetrySignal {
  throttled: boolean;
  delayMs: number;
}

export class ConnectionBudget {
  /** Units held: one per running file, plus each file's parts in flight beyond its first. */
  private held = 0;
  /**
   * Bytes/s one part got on its connection, request round trip included (the scheduler's own per-part time, the one
   * the controller's partDone takes), averaged over the parts finished so far; 0 before the first.
   */
  private partRate = 0;
  /**
   * The shortest one-request transfer timed so far (ms): the link's round trip plus the least work, as a minimum
   * leaves out the time a request queued behind others (a batch of answers on one thread).
   */
  private fastestRequest = Number.POSITIVE_INFINITY;
  private readonly now: () => number;

  constructor(
    readonly controller: AdaptiveController,
    private readonly opts: BudgetOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.born = this.now();
  }
  private readonly born: number;

  /** Connections the budget allows now. */
  limit(): number {
    return this.controller.connections(this.now());
  }

  /** Units in use now. */
  get inUse(): number {
    return this.held;
  }

  /** Files a tree may have in flight, `active` of them running: --jobs, else whatever the budget leaves room for. */
  files(active: number): number {
    if (this.opts.jobs !== undefined) return this.opts.jobs;
    return Math.max(1, active + this.limit() - this.held);
  }

  /**
   * Runs one file's work holding one unit of the budget; a file started ahead of its turn (tree/jobs.ts) holds it
   * from `turn` on, so files prepared ahead do not count as connections.
   */
  async holding<T>(work: () => Promise<T>, turn?: Promise<void>): Promise<T> {
    let holds = turn === undefined;
    let settled = false;
    if (holds) this.held++;
    else
      void turn!.then(() => {
        if (settled) return;
        holds = true;
        this.held++;
      });
    try {
      return await work();
    } finally {
      settled = true;
      if (holds) this.held--;
    }
  }

  /** Bytes moved, for the controller's throughput; a limit risen since the last call wakes the schedulers. */
  record(bytes: number): void {
    if (bytes <= 0) return;
    this.controller.record(bytes, this.now());
    if (this.wakes.size === 0) return; // no adaptive feed to wake (fixed flags, a tree's one-request files)
    const limit = this.limit();
    // Out of the progress callback that measured the rise: the scheduler starts requests.
    if (limit > this.lastLimit) for (const wake of this.wakes) queueMicrotask(wake);
    this.lastLimit = limit;
  }
  /** The limit at the last `record`, and the scheduler wake-ups of the feeds running now (`PartFeed.wake`). */
  private lastLimit = 0;
  private readonly wakes = new Set<() => void>();

  /**
   * A transfer's progress listener feeding the bytes it moves to the controller (each transfer its own). A transfer
   * of one request (a tree's small file, which no part feed observes) also reports that request as a finished part,
   * so slow start on small files is judged per completed request (adaptive.ts `enoughDone`). Its time runs from the
   * meter's making, just before the request: a download's 'start' comes once the response's headers are in, and
   * timed from there a small GET took its body's ~1 ms, not its round trip, whatever the link. A file started ahead
   * of its turn is timed from `turn`, when its request is let go.
   */
  meter(turn?: Promise<void>): (e: TransferEvent) => void {
    let last = 0;
    let began = this.now();
    void turn?.then(() => {
      began = this.now();
    });
    let observed = false;
    return (e) => {
      if (e.type === 'start') {
        last = e.resumedBytes;
        observed = e.tuning !== undefined; // planned by the budget: its part feed reports each part (wrap)
      } else if (e.type === 'progress') {
        this.record(e.bytesDone - last);
        last = Math.max(last, e.bytesDone);
      } else if (e.type === 'part' && e.totalParts === 1 && !observed) {
        const now = this.now();
        this.fastestRequest = Math.min(this.fastestRequest, now - began);
        this.controller.partDone(now - began, now);
      }
    };
  }

  /**
   * Whether a tree's job should prepare its next small file while its request is out: until a one-request transfer
   * has been timed, yes; then only while none took under LOOK_AHEAD_MIN_MS.
   */
  prepareAhead(): boolean {
    return this.fastestRequest >= LOOK_AHEAD_MIN_MS;
  }

  /** The client's retry hook: a throttle cuts the budget, another failure stops it growing. */
  onRetry(notice: RetrySignal): void {
    if (notice.throttled) this.controller.throttled(this.now(), notice.delayMs);
    else this.controller.failed(this.now());
  }

  /** The controller's choice; `sizeTuned` false: the transfer's part size is not the controller's (a resume's). */
  tuning(sizeTuned = true): Tuning {
    return this.controller.tuning(sizeTuned);
  }

  /**
   * A planner whose feeds draw on this budget. The budget's options are what fixes a dimension (the CLI's flags);
   * a request's own partSize and concurrency are only the defaults the budget replaces. A resumed transfer keeps
   * its checkpoint's part size; a fresh one gets the controller's, never below the base planner's floor and never so
   * big that the file has fewer than two parts per connection.
   */
  planner(base: PartPlanner): PartPlanner {
    return {
      plan: (request, resume) => {
        const req: PlanRequest = { ...request, partSize: this.opts.partSize, concurrency: undefined };
        if (req.kind === 'download' && !req.stream && req.size !== undefined && req.partSize === undefined) {
          // A file download's ranges are cut as they are handed out, a share of what is left per connection
          // (ranges.ts): no range size is fixed before the first byte, and its journal records each range's offset.
          // None takes more than a few seconds at the rate parts got so far: the floor until one has finished.
          const fixed = this.opts.parallel;
          const feed = rangeFeed({
            total: req.size,
            done: req.done,
            concurrency: () => fixed ?? this.limit(),
            rate: () => this.partRate,
            trial: () => fixed === undefined && this.controller.trialling(),
          });
          return this.wrap(feed, fixed, false);
        }
        if (req.partSize === undefined && !resume && req.size !== undefined && !req.stream) {
          // The rule an upload's later parts are cut by, over the whole file: two parts a connection at least.
          const floor = base.plan(req).partSize;
          const size = regrownSize(floor, this.controller.partSize(this.now()), req.size, this.limit());
          if (size > floor) req.partSize = size;
        }
        return this.wrap(base.plan(req, resume), this.opts.parallel, resume !== undefined);
      },
    };
  }

  /**
   * A part that fails is not observed (the scheduler stops its transfer); `close`, called when the run ends, gives
   * back the units its parts still held, so a file that failed with parts in flight leaves the budget whole.
   */
  private wrap(inner: PartFeed, fixed: number | undefined, resumed: boolean): PartFeed {
    let active = 0;
    let wake: (() => void) | undefined;
    return {
      partSize: inner.partSize,
      single: inner.single,
      get totalParts() {
        return inner.totalParts; // a download's guided feed counts as it goes
      },
      ...(inner.plan ? { plan: inner.plan } : {}),
      ...(inner.plan && !inner.single && !resumed && this.opts.partSize === undefined
        ? { partSizeNow: () => this.controller.partSize(this.now()) }
        : {}),
      concurrency: () => fixed ?? Math.max(1, active + this.limit() - this.held),
      next: (): PlannedPart | undefined => inner.next(),
      started: (part) => {
        this.opts.trace?.(
          `${Math.round(this.now() - this.born)} ms part ${part.number} of ${(part.size / 2 ** 20).toFixed(0)} MiB started, ${active + 1} in flight`,
        );
        if (++active > 1) this.held++;
        inner.started?.(part);
      },
      observe: (part, stats) => {
        if (active-- > 1) this.held--;
        this.opts.trace?.(
          `${Math.round(this.now() - this.born)} ms part ${part.number} of ${(part.size / 2 ** 20).toFixed(0)} MiB done in ${Math.round(stats.ms)} ms`,
        );
        this.controller.partDone(stats.ms, this.now());
        if (stats.ms > 0) {
          const rate = (part.size * 1000) / stats.ms;
          this.partRate = this.partRate === 0 ? rate : this.partRate * 0.7 + rate * 0.3;
        }
        inner.observe?.(part, stats);
      },
      tuning: () => {
        // This transfer's own part size (a resume's is its checkpoint's), not the one the next would get.
        const source = this.opts.partSize !== undefined ? 'flag' : resumed ? 'checkpoint' : 'auto';
        return { ...this.tuning(source === 'auto'), partSize: { value: inner.partSize, source } };
      },
      wake: (spawn) => {
        if (fixed !== undefined) return; // its concurrency never rises
        wake = spawn;
        this.wakes.add(spawn);
      },
      close: () => {
        if (wake) this.wakes.delete(wake);
        if (active > 1) this.held -= active - 1;
        active = 0;
        inner.close?.();
      },
    };
  }
}
