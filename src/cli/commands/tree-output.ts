// What a tree command prints: per file the --json line or the dry run's plan line, a failure's line in the list at
// the end, and the one summary line.
import { statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { OssupError, ServiceError } from '../../core/errors.js';
import { type TreeFailure, type TreeFileResult, UnsafeDestinationError } from '../../transfer/tree/index.js';
import type { TransferJson } from '../json.js';
import { formatOssUrl } from '../oss-url.js';
import { formatBytes, formatSeconds } from '../size.js';
import type { TreeTracker } from '../tree-progress.js';
import { shown } from '../shown.js';

/**
 * One --json line per file of a tree: the fields of `cp`'s line (README, "JSON output") plus `action`, and
 * `dryRun: true` on the lines of a --dry-run. `op` is the direction of the command ('delete' for `rm -r`).
 */
export interface TreeJson extends Omit<TransferJson, 'op'> {
  op: 'upload' | 'download' | 'copy' | 'delete';
  action: TreeFileResult['action'];
  /** Why the file was sent, skipped or deleted: "new", "size differs", "same size (size-only)", ... */
  reason: string;
  dryRun?: true;
}

export function treeJson(r: TreeFileResult, op: TreeJson['op']): TreeJson {
  return {
    op,
    action: r.action,
    bucket: r.bucket,
    key: r.key,
    file: r.file,
    size: r.size,
    etag: r.etag,
    crc64: r.crc64,
    parts: r.parts,
    resumedBytes: r.resumedBytes,
    transferredBytes: r.transferredBytes,
    seconds: Math.round(r.seconds * 1000) / 1000,
    reason: r.reason,
    ...(r.dryRun ? { dryRun: true as const } : {}),
  };
}

/** -v: `ossup: uploaded a.txt to oss://b/p/a.txt (new)`, `ossup: skipped b.txt (same size and mtime)`. */
export function verboseLine(r: TreeFileResult): string {
  const url = `oss://${r.bucket}/${r.key}`;
  const what =
    r.action === 'upload'
      ? `uploaded ${r.file} to ${url}`
      : r.action === 'download'
        ? `downloaded ${url} to ${r.file}`
        : r.action === 'delete'
          ? `deleted ${r.file || url}`
          : `skipped ${r.rel}`;
  return `ossup: ${what} (${r.reason})\n`;
}

/** `  <file or URL>: <why> (<code>)` */
export function failureLine(f: TreeFailure): string {
  const e = f.error;
  let why: string;
  if (e instanceof ServiceError) why = `${e.message} (${e.code}, HTTP ${e.status})`;
  else if (e instanceof OssupError) why = `${e.message} (${e.code})`;
  else if (e instanceof Error)
    why = `${e.message}${(e as NodeJS.ErrnoException).code && !e.message.includes(String((e as NodeJS.ErrnoException).code)) ? ` (${(e as NodeJS.ErrnoException).code})` : ''}`;
  else why = String(e);
  return `  ${shown(f.name)}: ${shown(why)}`;
}

/**
 * What stops a download from making its file, and every file below it: a local path that is a file where a
 * directory is needed (the tree's own check, or ENOTDIR / EEXIST from mkdir or open), or a symbolic link inside the
 * destination. Undefined for any other failure.
 */
function blocker(f: TreeFailure): { path: string; why: string; code: string } | undefined {
  const err = f.error;
  if (err instanceof UnsafeDestinationError) {
    const why =
      err.blocker === 'file' ? 'a file where a directory is needed' : 'a symbolic link inside the destination';
    return { path: err.blockedBy, why, code: err.code };
  }
  const e = err as NodeJS.ErrnoException | undefined;
  if ((e?.code !== 'ENOTDIR' && e?.code !== 'EEXIST') || !e.path || !isAbsolute(e.path)) return undefined;
  for (let dir = e.path; dir !== dirname(dir); dir = dirname(dir)) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) return { path: dir, why: 'a file where a directory is needed', code: 'ENOTDIR' };
    if (st) return undefined;
  }
  return undefined;
}

/**
 * The failure list: one line per failure, except failures a blocking path caused, which share one line naming it
 * and how many files it blocked. `retryable` is false when every failure is of that kind: a rerun alone cannot help.
 */
export function failureLines(failures: TreeFailure[]): { lines: string[]; retryable: boolean } {
  const blocked = new Map<string, { why: string; code: string; list: TreeFailure[] }>();
  const lines: string[] = [];
  for (const f of failures) {
    const by = blocker(f);
    if (by === undefined) lines.push(failureLine(f));
    else {
      const group = blocked.get(by.path) ?? { why: by.why, code: by.code, list: [] };
      group.list.push(f);
      blocked.set(by.path, group);
    }
  }
  const retryable = lines.length > 0;
  for (const [by, { why, code, list }] of blocked) {
    // One failure keeps its own line (it names the object); many share one.
    if (list.length === 1) lines.push(failureLine(list[0]!));
    else lines.push(`  ${shown(by)}: ${why}; it blocked ${list.length} files (${code})`);
  }
  return { lines, retryable };
}

/** `would upload /d/a.txt to oss://b/p/a.txt (new)`: both ends, so where a key lands is plain without --json. */
export function planLine(r: TreeFileResult, direction: 'upload' | 'download' | 'copy'): string {
  const url = formatOssUrl({ bucket: r.bucket, key: r.key });
  if (r.action === 'delete') return `would delete ${shown(direction === 'download' ? r.file : url)} (${r.reason})`;
  // A copy's `file` is its source's oss:// URL.
  const [from, to] = direction === 'download' ? [url, r.file] : [r.file, url];
  return `would ${r.action} ${shown(from)} to ${shown(to)} (${r.reason})`;
}

/** The one summary: `uploaded 3 files (1.2 MiB in 0.4 s[, 9.0 MiB resumed]), 2 up to date, deleted 1, 1 failed`. */
export function summaryLine(
  t: Pick<TreeTracker, 'transferred' | 'skipped' | 'deleted' | 'failed' | 'resumed'>,
  direction: 'upload' | 'download' | 'copy' | 'move',
  bytes: number,
  dryRun: boolean,
  seconds: number,
): string {
  const verb = dryRun ? `would ${direction}` : direction === 'copy' ? 'copied' : `${direction.replace(/e$/, '')}ed`;
  const parts = [
    `${verb} ${t.transferred} file${t.transferred === 1 ? '' : 's'} (${dryRun ? formatBytes(bytes) : `${formatBytes(bytes)} in ${formatSeconds(seconds)}${t.resumed > 0 ? `, ${formatBytes(t.resumed)} resumed` : ''}`})`,
    `${t.skipped} up to date`,
    ...(t.deleted > 0 ? [`${dryRun ? 'would delete' : 'deleted'} ${t.deleted}`] : []),
    ...(t.failed > 0 ? [`${t.failed} failed`] : []),
  ];
  return `${parts.join(', ')}\n`;
}
