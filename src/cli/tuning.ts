// The CLI's side of tuning to the link (engine/adaptive.ts, engine/budget.ts): which dimensions flags fix, the one
// budget a command runs with, and how what was chosen is reported (`tuning` in --json, the summary's last words).
import type { OssClient } from '../client/index.js';
// From their modules, not the transfer barrel: a short `cp` loads only the upload path (start-up, issue 27).
import type { TransferEvent } from '../transfer/index.js';
import {
  AdaptiveController,
  type AdaptiveOptions,
  type Tuning,
  type TuningSource,
} from '../transfer/engine/adaptive.js';
import { ConnectionBudget } from '../transfer/engine/budget.js';
import { DEFAULT_PARALLEL, defaultPartSize } from './defaults.js';
import { formatBytes } from './size.js';
import { nowMs } from './clock.js';

/**
 * Files in flight a tree starts with when --jobs is not given. Small files cost a request each, not bandwidth, so
 * more of them in flight is cheap on any link and pays on every delayed one (BENCHMARKS.md: 32 beat 16 on all three
 * profiles); the controller still halves it where that moves as much.
 */
const TREE_START = 32;
/**
 * Parts in flight a file starts with, up or down, when it has at least two parts for each of them (else half as
 * many, on the same condition, else the defaults). 16 was the best 8 MiB setting at 20 ms RTT both ways in the
 * last four `links` runs, and no worse than 4 on loopback or at 80 ms; a 1 GiB transfer on a fast link is over
 * before slow start could make two doublings. Uploads started at 8 until the links runs showed why not: at 20 ms,
 * 8 to 16 is a ~12% gain that one judged window reads under 10% about half the time, and the upload then held 8
 * throughout (BENCHMARKS.md, "Issue 23: an upload's first guess and its settling").
 */
const FILE_START = 16;
/**
 * Part size a fresh transfer starts from (never above half a connection's share of the file): a part costs a round
 * trip and, for an upload, a durable write on the server, so 1 MiB parts lose most of a delayed link; 8 MiB is the
 * download range floor already (engine/planner.ts).
 */
const START_PART_SIZE = 8 * 1024 ** 2;
/** The most connections the budget grows to by itself: the client's socket cap. */
export const AUTO_MAX_CONNECTIONS = 64;

/** The flags that fix a dimension, already checked; absent: the controller chooses. */
export interface TuningFlags {
  /** --parallel: parts in flight per file. */
  parallel?: number;
  /** --jobs: files in flight (trees). */
  jobs?: number;
  /** --part-size. */
  partSize?: number;
  /** --connections: the whole budget. */
  connections?: number;
}

/**
 * The budget of one command. A single file: --connections or --parallel fix its connections; a tree: --connections,
 * or --jobs and --parallel together (today's fixed jobs x parallel). `size` is the file's (the tree's largest is not
 * known up front). Throttling and failures reach the controller through the client's retry hook.
 */
export function commandBudget(
  client: OssClient,
  kind: TransferKind,
  flags: TuningFlags,
  size?: number,
): ConnectionBudget {
  const opts = controllerOptions(kind, flags, size);
  // A decision log on stderr, one line per window (DESIGN.md, "Tuned to the link"): for tracing a run, not a contract.
  if (process.env.OSSUP_TRACE_TUNING) opts.trace = (line) => process.stderr.write(`tuning: ${line}\n`);
  const controller = new AdaptiveController(opts, nowMs());
  const budget = new ConnectionBudget(controller, {
    parallel: flags.parallel,
    jobs: flags.jobs,
    partSize: flags.partSize,
    now: nowMs,
    trace: opts.trace,
  });
  client.retryPolicy.onRetry = (notice) => budget.onRetry(notice);
  return budget;
}

/** What a budget is for: one file up, one file down, or a tree. */
export type TransferKind = 'file' | 'download' | 'tree';

/** Where a command's controller starts: the first guess, and which dimensions flags fix. */
export function controllerOptions(kind: TransferKind, flags: TuningFlags, size?: number): AdaptiveOptions {
  const fixed =
    flags.connections ??
    (kind !== 'tree'
      ? flags.parallel
      : flags.jobs !== undefined && flags.parallel !== undefined
        ? flags.jobs * flags.parallel
        : undefined);
  const partSize = flags.partSize ?? Math.max(START_PART_SIZE, size !== undefined ? defaultPartSize(size) : 0);
  const fileStart = [FILE_START, FILE_START / 2].find((n) => size !== undefined && size >= 2 * n * partSize);
  const start = fixed ?? (kind === 'tree' ? (flags.jobs ?? TREE_START) : (fileStart ?? DEFAULT_PARALLEL));
  return {
    initialConnections: start,
    maxConnections: Math.max(AUTO_MAX_CONNECTIONS, start),
    initialPartSize: partSize,
    totalBytes: size,
    // One file of known size, either way: not trialled past what it can use (DESIGN.md, "An upload's first guess and
    // its settling").
    ...(kind !== 'tree' && size ? { transferBytes: size } : {}),
    ...(kind === 'tree' ? { files: true } : {}),
    // An upload counts bytes as its sockets take them: a change settles until its new requests have finished.
    ...(kind === 'file' ? { sentBytes: true } : {}),
    connectionsSource: fixed !== undefined ? 'flag' : 'auto',
    partSizeSource: flags.partSize !== undefined ? 'flag' : 'auto',
    startReason:
      kind === 'tree'
        ? `first guess: ${start} at once (small files cost a request each, not bandwidth)`
        : start === fileStart
          ? `first guess: ${start} parts in flight (the file has two parts for each)`
          : 'first guess: the defaults',
  };
}

/** The `tuning` field of --json: each dimension's value and where it came from, and the last decision's reason. */
export interface TuningJson {
  connections: { value: number; source: TuningSource };
  partSize: { value: number; source: TuningSource };
  parallel?: { value: number; source: TuningSource };
  jobs?: { value: number; source: TuningSource };
  reason: string;
}

export function tuningJson(t: Tuning, flags: TuningFlags, used?: { partSize?: number; resumed?: boolean }): TuningJson {
  const partSize =
    used?.partSize !== undefined
      ? {
          value: used.partSize,
          source: (flags.partSize !== undefined ? 'flag' : used.resumed ? 'checkpoint' : 'auto') as TuningSource,
        }
      : t.partSize;
  return {
    connections: t.connections,
    partSize,
    ...(flags.parallel !== undefined ? { parallel: { value: flags.parallel, source: 'flag' as const } } : {}),
    ...(flags.jobs !== undefined ? { jobs: { value: flags.jobs, source: 'flag' as const } } : {}),
    reason: t.reason,
  };
}

/** `16 connections (auto), 8.0 MiB parts (auto)`: the summary's account of what was chosen. */
export function tuningText(t: TuningJson): string {
  const c = t.connections;
  return `${c.value} connection${c.value === 1 ? '' : 's'} (${c.source}), ${formatBytes(t.partSize.value)} parts (${t.partSize.source})`;
}

/**
 * The line after a transfer's summary: `tuned: 16 connections (auto), 8.0 MiB parts (auto): <the last decision>`;
 * none when flags fixed both (nothing was tuned, and the summary stays the one line it was).
 */
export function tunedLine(t: TuningJson): string {
  if (t.connections.source !== 'auto' && t.partSize.source !== 'auto') return '';
  return `tuned: ${tuningText(t)}: ${t.reason}\n`;
}

/** One listener feeding two. */
export function teeProgress(a: (e: TransferEvent) => void, b: (e: TransferEvent) => void): (e: TransferEvent) => void {
  return (e) => {
    b(e);
    a(e);
  };
}
