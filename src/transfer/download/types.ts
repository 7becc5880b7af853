// Options and checkpoint records of the download engine. DownloadResult itself lives in types.ts, so
// TransferEvent has one definition for both directions.
import type { HeadObjectResult } from '../../client/index.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import type { TransferOptions } from '../types.js';

/** A byte range of the object, both ends inclusive (like `--range a-b` and HTTP's `bytes=a-b`). */
export interface DownloadRange {
  /** First byte, from 0. */
  start: number;
  /** Last byte, inclusive; omitted = to the end of the object. An end beyond the object is clamped to its last byte. */
  end?: number;
}

export interface DownloadFileOptions extends TransferOptions {
  /**
   * Destination path. An existing directory (or a path ending in a separator) gets the key's base name appended.
   * An existing file is replaced atomically (rename) once the download is complete and verified.
   */
  file: string;
  /** Download only these bytes; the whole-object CRC-64 cannot be checked then (result `verified: 'length-only'`). */
  range?: DownloadRange;
  /** Download this version of the object instead of the latest (versioned buckets). */
  versionId?: string;
  /**
   * The object's HEAD (of `versionId`, when given), made by the caller just before: the download starts from it
   * instead of sending its own. A restart (the object changed) sends a fresh HEAD as usual.
   */
  head?: HeadObjectResult;
}

/**
 * Bump when the meaning of download checkpoint records changes; other versions are discarded. 2: ranges of any size
 * (each record's offset and size say which bytes it holds; no part size in the header). Version 1 journals (one range
 * size, written by earlier releases) are still read: their records carry the same offset, size and CRC-64.
 */
export const DOWNLOAD_CHECKPOINT_VERSION = 2;
/** Versions a resume reads. */
export const DOWNLOAD_CHECKPOINT_VERSIONS: readonly number[] = [1, 2];

/** What identifies the object version being downloaded; all must match on resume. */
export interface ObjectVersion {
  size: number;
  /** Unquoted upper-case hex. */
  etag: string;
  /** Last-Modified exactly as the server sent it ('' when absent). */
  lastModified: string;
  /** x-oss-hash-crc64ecma as a decimal string, '' when the server sent none. */
  crc64: string;
}

/** First journal record of a download checkpoint. Holds no secrets: no keys, tokens or signed URLs. */
export interface DownloadCheckpointHeader {
  kind: 'ossup-download';
  version: number;
  /** Normalised endpoint URL (scheme://host[:port]). */
  endpoint: string;
  bucket: string;
  key: string;
  object: ObjectVersion;
  /** Absolute byte range being downloaded, inclusive. */
  range: { start: number; end: number };
  /** Version 1 only: the one range size, and the ranges of the plan (version 2 journals size ranges as they go). */
  partSize?: number;
  partCount?: number;
  /** Absolute destination path. */
  file: string;
  /** Absolute path of the temporary file the ranges are written into. */
  temp: string;
}

/**
 * One journal record per range written into the temporary file (once its bytes are written). Neither is synced: a
 * resume trusts the bytes only when the lease and closed records below vouch for the file in this boot (lease.ts);
 * otherwise a record counts only if the range's bytes still hash to `crc64`.
 */
export interface RangeRecord {
  kind: 'range';
  /** Names this range for good (a drop record refers to it); ranges are numbered as they are handed out. */
  partNumber: number;
  /** Offset in the temporary file. */
  offset: number;
  /** Bytes (ranges vary in size: a share of what was left, or a fixed --part-size). */
  size: number;
  /** CRC-64 of the range's bytes, unsigned decimal. */
  crc64: string;
}

/**
 * The run writing the temporary file (device `dev`, inode `ino`, decimal strings) will not write to it after
 * `until` (ms since the epoch), unless a later lease says otherwise: renewed while it runs (lease.ts). A rerun finding
 * the file's change time at or before the last lease's `until` knows no one wrote to it since that run ended.
 */
export interface LeaseRecord {
  kind: 'lease';
  /** The machine's boot it was written in (lease.ts bootId). */
  boot: string;
  dev: string;
  ino: string;
  until: number;
}

/**
 * The run stopped without being killed, every write settled: the temporary file's identity as it left it, its
 * modification time stamped by ossup to a value no later write produces (lease.ts). Times are decimal ns.
 */
export interface ClosedRecord {
  kind: 'closed';
  boot: string;
  dev: string;
  ino: string;
  mtimeNs: string;
  ctimeNs: string;
}

/** Range `partNumber`'s record no longer holds: its bytes are about to be fetched and written again. */
export interface DropRecord {
  kind: 'drop';
  partNumber: number;
}

export type DownloadRecord = RangeRecord | LeaseRecord | ClosedRecord | DropRecord;

export type DownloadStore = CheckpointStore<DownloadCheckpointHeader, DownloadRecord>;

/** A range whose bytes are in the temporary file, with their CRC-64. */
export interface DoneRange {
  partNumber: number;
  offset: number;
  size: number;
  crc64: bigint;
}
