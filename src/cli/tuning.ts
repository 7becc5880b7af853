// The CLI's side of tuning to the link (engine/adaptive.ts, engine/budget.ts): which dimensions flags fix, the one
// budget a command runs with, and how what was chosen is reported (`tuning` in --json, the summary's last words).
import type { OssClient } from '../client/index.js';
// From their modules, not the transfer barrel: a short `cp` loads only the upload path (start-up, issue 27).
import type { TransferEvent } from '../transfer/index.js';
import { AdaptiveController, type Tuning, type TuningSource } from '../transfer/engine/adaptive.js';
import { ConnectionBudget } from '../transfer/engine/budget.js';
import { DEFAULT_PARALLEL, defaultPartSize, MIN_DEFAULT_PART_SIZE } from './defaults.js';
import { formatBytes } from './size.js';

/** Files in flight a tree starts with (the --jobs default). */
const TREE_START = 16;
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
  kind: 'file' | 'tree',
  flags: TuningFlags,
  size?: number,
): ConnectionBudget {
  const fixed =
    flags.connections ??
    (kind === 'file'
      ? flags.parallel
      : flags.jobs !== undefined && flags.parallel !== undefined
        ? flags.jobs * flags.parallel
        : undefined);
  const start = fixed ?? (kind === 'file' ? DEFAULT_PARALLEL : (flags.jobs ?? TREE_START));
  const controller = new AdaptiveController(
    {
      initialConnections: start,
      maxConnections: Math.max(AUTO_MAX_CONNECTIONS, start),
      initialPartSize: flags.partSize ?? (size !== undefined ? defaultPartSize(size) : MIN_DEFAULT_PART_SIZE),
      totalBytes: size,
      connectionsSource: fixed !== undefined ? 'flag' : 'auto',
      partSizeSource: flags.partSize !== undefined ? 'flag' : 'auto',
    },
    performance.now(),
  );
  const budget = new ConnectionBudget(controller, {
    parallel: flags.parallel,
    jobs: flags.jobs,
    partSize: flags.partSize,
  });
  client.retryPolicy.onRetry = (notice) => budget.onRetry(notice);
  return budget;
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

/** One listener feeding two. */
export function teeProgress(a: (e: TransferEvent) => void, b: (e: TransferEvent) => void): (e: TransferEvent) => void {
  return (e) => {
    b(e);
    a(e);
  };
}
