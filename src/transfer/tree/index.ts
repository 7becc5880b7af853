// Whole trees: a directory to a prefix, a prefix to a directory, either kept in step, and a prefix deleted.
import type { OssClient } from '../../client/index.js';
import { runTree } from './run.js';
import type { TreeOptions, TreeResult } from './types.js';

export type {
  TreeAction,
  TreeEvent,
  TreeFailure,
  TreeFileResult,
  TreeOptions,
  TreeResult,
  FilterRule,
} from './types.js';
export {
  deletePrefix,
  deleteKeys,
  type DeletePrefixOptions,
  type DeleteKeysOptions,
  type DeleteTarget,
} from './delete.js';
export {
  compileDirPruner,
  compileFilter,
  compileTreeFilter,
  type DirPruner,
  type PathFilter,
  type TreeFilter,
} from './filter.js';
export { folderPrefix } from './listing.js';
export { DEFAULT_JOBS, DEFAULT_TREE_PARALLEL } from './run.js';

/**
 * Uploads every regular file under `opts.dir` to `opts.prefix` + its relative path. Files already there with the
 * same size and CRC-64 are skipped; large files resume from their checkpoints. Resolves when every file is done or
 * failed (see `failed`); rejects with AbortedError when `signal` aborts.
 */
export function uploadDirectory(client: OssClient, opts: TreeOptions): Promise<TreeResult> {
  return runTree(client, 'upload', { ...opts, mode: 'copy', delete: false });
}

/** Downloads every object under `opts.prefix` into `opts.dir`, restoring each file's recorded mtime. */
export function downloadPrefix(client: OssClient, opts: TreeOptions): Promise<TreeResult> {
  return runTree(client, 'download', { ...opts, mode: 'copy', delete: false });
}

/**
 * Makes the destination match the source: sends what is new or changed (size or mtime; size or CRC-64 with
 * `checksum`), and with `delete` removes what exists only at the destination, once every transfer succeeded.
 */
export function syncTree(
  client: OssClient,
  opts: TreeOptions & { direction: 'upload' | 'download' },
): Promise<TreeResult> {
  return runTree(client, opts.direction, { ...opts, mode: 'sync' });
}
