// The per-file result lines of a tree: sent, skipped, planned (dry run) and deleted, all of one shape.
import { performance } from 'node:perf_hooks';
import { crc64ToDecimal } from '../../core/crc64.js';
import type { DownloadResult, UploadResult } from '../index.js';
import type { Verdict } from './compare.js';
import type { Direction } from './sides.js';
import type { TreeAction, TreeFileResult, TreeOptions } from './types.js';

/** Where a file was found and where it goes: the fields every result line of it shares. */
export interface FileRef {
  rel: string;
  key: string;
  /** The local path, or the source's oss:// URL for a copy. */
  file: string;
  size: number;
}

/** The moved-bytes fields of a result: a transfer's own, or nothing for a skip, a plan or a delete. */
type Moved = Pick<TreeFileResult, 'file' | 'size' | 'etag' | 'crc64' | 'parts' | 'resumedBytes' | 'transferredBytes'>;

function line(
  action: TreeAction,
  f: FileRef,
  m: Moved,
  opts: TreeOptions,
  seconds: number,
  reason: string,
  dryRun: boolean,
): TreeFileResult {
  return {
    action,
    rel: f.rel,
    bucket: opts.bucket,
    key: f.key,
    file: m.file,
    size: m.size,
    etag: m.etag,
    crc64: m.crc64,
    parts: m.parts,
    resumedBytes: m.resumedBytes,
    transferredBytes: m.transferredBytes,
    seconds,
    reason,
    dryRun,
  };
}

function nothing(f: FileRef, etag = '', crc64 = ''): Moved {
  return { file: f.file, size: f.size, etag, crc64, parts: 0, resumedBytes: 0, transferredBytes: 0 };
}

const since = (started: number) => (performance.now() - started) / 1000;

export function sentResult(
  direction: Direction,
  f: FileRef,
  r: UploadResult | DownloadResult,
  v: Verdict,
  opts: TreeOptions,
  started: number,
): TreeFileResult {
  return line(direction, f, r, opts, since(started), v.reason, false);
}

export function skipResult(f: FileRef, v: Verdict, opts: TreeOptions, started: number): TreeFileResult {
  const crc64 = v.localCrc ?? (v.head?.crc64 !== undefined ? crc64ToDecimal(v.head.crc64) : (v.recorded?.crc64 ?? ''));
  const etag = v.head?.etag ?? v.listedEtag ?? v.recorded?.etag ?? '';
  return line('skip', f, nothing(f, etag, crc64), opts, since(started), v.reason, opts.dryRun === true);
}

export function plannedResult(direction: Direction, f: FileRef, v: Verdict, opts: TreeOptions): TreeFileResult {
  return line(direction, f, nothing(f), opts, 0, v.reason, true);
}

export function deletedResult(f: FileRef, opts: TreeOptions, started: number): TreeFileResult {
  return line('delete', f, nothing(f), opts, since(started), 'only at the destination', opts.dryRun === true);
}
