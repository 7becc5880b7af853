// Public types of the tree functions: a directory <-> a prefix, file by file, several files at once.
import type { TransferEvent } from '../index.js';
import type { ConnectionBudget } from '../engine/budget.js';
import type { TreeSelect } from './select.js';
import type { SkipRules } from './skip-rules.js';

/** Files in flight by default: enough to hide a 20-50 ms round trip behind small files. */
export const DEFAULT_JOBS = 16;

/** What happened (or, with `dryRun`, would happen) to one file. */
export type TreeAction = 'upload' | 'download' | 'copy' | 'skip' | 'delete';

/** One file's outcome, reported as it finishes. */
export interface TreeFileResult {
  action: TreeAction;
  /** Path relative to the directory / key relative to the prefix, with `/` separators. */
  rel: string;
  bucket: string;
  key: string;
  /** Absolute local path ('' for an object deleted on the OSS side); a copy: the source's oss:// URL. */
  file: string;
  size: number;
  /** ETag of the object ('' when not known, e.g. a local file deleted). */
  etag: string;
  /** CRC-64 decimal string ('' when not computed, e.g. a skip decided by size and mtime). */
  crc64: string;
  parts: number;
  resumedBytes: number;
  /** Bytes moved by this run for this file: 0 for skip, delete and dry runs. */
  transferredBytes: number;
  seconds: number;
  /** Why a file was skipped or sent: "new", "size", "mtime", "crc64", "same size and CRC-64", ... */
  reason: string;
  dryRun: boolean;
}

export interface TreeFailure {
  rel: string;
  /** The local file or oss:// URL that failed. */
  name: string;
  error: unknown;
}

export type TreeEvent =
  /** A source file was found; the totals grow while the walk or listing goes on. */
  | { type: 'found'; rel: string; size: number }
  /** The walk and listing are finished: the totals are final. */
  | { type: 'scanned'; files: number; bytes: number }
  /** A file's transfer started (after it was compared and found to need one). */
  | { type: 'file-start'; rel: string; size: number }
  /** A file's engine event, for callers that show per-file detail. */
  | { type: 'file-progress'; rel: string; event: TransferEvent }
  | { type: 'done'; result: TreeFileResult }
  | { type: 'failed'; failure: TreeFailure }
  /** A local symbolic link that was not followed (or a loop that was cut). */
  | { type: 'symlink'; path: string; reason: string }
  /** Something worth one line that changes no outcome (a sync snapshot ignored or not written). */
  | { type: 'warning'; message: string };

/** Include/exclude rules, applied in order; see `compileFilter`. */
export interface FilterRule {
  kind: 'include' | 'exclude';
  glob: string;
}

export interface TreeOptions extends SkipRules {
  /** Local directory (the source of an upload, the destination of a download); unused by a copy. */
  dir: string;
  /** A copy between prefixes (direction 'copy'): the source bucket; the destination is `bucket`. */
  sourceBucket?: string;
  /** A copy between prefixes: the source prefix, a folder as `prefix` is. */
  sourcePrefix?: string;
  bucket: string;
  /** Key prefix; '' or ending in '/' is used as is, anything else gets a '/' appended. */
  prefix: string;
  /** Files in flight at once (default 16). */
  jobs?: number;
  /** Parts / ranges in flight per large file (default 4). */
  parallel?: number;
  /**
   * One connection budget for the files in flight and their parts, tuned while the tree runs (engine/budget.ts).
   * With it, files in flight follow the budget unless `jobs` is given, and large files take the budget's planner
   * (parts in flight and part sizes) unless their `parallel` / `partSize` was fixed in the budget's options.
   */
  budget?: ConnectionBudget;
  /**
   * Part size for uploads / range size for downloads, from the file size when absent. A copy goes in parts of this
   * size when the object is larger; without it, one CopyObject up to 1 GiB.
   */
  partSize?: (size: number) => number;
  /** Directory for the checkpoints of large files; false: no checkpoints. Small files never have one. */
  checkpointDir?: string | false;
  /** Names the endpoint in checkpoint names (default: the client's endpoint URL). */
  endpointId?: string;
  /** Include/exclude rules matched against the relative path. */
  filters?: FilterRule[];
  /** Selection by size, age, an exact list of paths and depth, on both sides like `filters`. */
  select?: TreeSelect;
  /**
   * 'copy': a file is skipped when the other side has the same size and CRC-64. 'sync': skipped when size and mtime
   * match (or size and CRC-64 with `checksum`).
   */
  mode?: 'copy' | 'sync';
  /** Sync: compare CRC-64 instead of mtime. */
  checksum?: boolean;
  /**
   * Sync: the directory of its snapshot (snapshot.ts): what the last sync sent or found the same, so a file whose
   * size, mtime and listed ETag are the recorded ones needs no request. One file per endpoint, bucket, prefix and
   * directory. Absent or false: no snapshot (the CLI's default is $OSSUP_HOME/snapshots).
   */
  snapshotDir?: string | false;
  /** Sync: after every transfer succeeded, delete what exists only on the destination (and is not excluded). */
  delete?: boolean;
  /**
   * A move: once a file's copy is verified by CRC-64, its source is removed (a local file, with the directories it
   * leaves empty below `dir`; or the source object). A copy that cannot be verified keeps its source and fails.
   */
  removeSource?: boolean;
  /** Report what would be done; change nothing. */
  dryRun?: boolean;
  /** Uploads: follow symbolic links (loops are cut); otherwise each is skipped with a 'symlink' event. */
  followSymlinks?: boolean;
  /** Upload: user metadata for every object (x-oss-mtime is added). */
  meta?: Record<string, string>;
  /** Upload: write options passed to each object. */
  acl?: string;
  storageClass?: string;
  contentType?: string;
  tagging?: string;
  /** Upload: raw headers for every object (Cache-Control, Content-Encoding, Content-Disposition, Expires). */
  headers?: Record<string, string>;
  /** Bits per second per request. */
  trafficLimit?: number;
  /** Upload: send Content-MD5 with every part too (UploadFileOptions.contentMd5). */
  contentMd5?: boolean;
  onEvent?: (e: TreeEvent) => void;
  /** Aborting stops scheduling files, ends the ones in flight (keeping their checkpoints) and rejects with AbortedError. */
  signal?: AbortSignal;
}

export interface TreeResult {
  /** Files uploaded, downloaded or copied. */
  transferred: number;
  skipped: number;
  deleted: number;
  failed: TreeFailure[];
  /** Bytes moved by this run. */
  transferredBytes: number;
  /** Bytes of all source files selected. */
  totalBytes: number;
  seconds: number;
}
