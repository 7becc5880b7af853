// What a tree command prints per file: the --json line, and a failure's line in the list at the end.
import { OssupError, ServiceError } from '../../core/errors.js';
import type { TreeFailure, TreeFileResult } from '../../transfer/tree/index.js';
import type { TransferJson } from '../json.js';
import { shown } from '../shown.js';

/**
 * One --json line per file of a tree: the fields of `cp`'s line (README, "JSON output") plus `action`, and
 * `dryRun: true` on the lines of a --dry-run. `op` is the direction of the command ('delete' for `rm -r`).
 */
export interface TreeJson extends Omit<TransferJson, 'op'> {
  op: 'upload' | 'download' | 'delete';
  action: TreeFileResult['action'];
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
    ...(r.dryRun ? { dryRun: true as const } : {}),
  };
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
