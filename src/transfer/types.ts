// Public types of the transfer engines.
import type { HeadObjectResult } from '../client/index.js';
import type { Tuning } from './engine/adaptive.js';
import type { CheckpointPorts, PartPlanner } from './engine/ports.js';

/** What both engines report about a finished transfer. */
export interface TransferResult {
  bucket: string;
  key: string;
  /** Absolute path of the local file (the one uploaded, or the one written). */
  file: string;
  /** Object ETag, unquoted upper-case hex (multipart: `<hex>-<parts>`). */
  etag: string;
  /** CRC-64 (crc64ecma) of the bytes transferred, unsigned decimal string; the whole object's unless a range was asked. */
  crc64: string;
  /** Bytes transferred in all (a download's range length when a range was asked). */
  size: number;
  /** Parts uploaded, or ranged GETs the download was split into (1 for a single PutObject). */
  parts: number;
  /** Bytes found already transferred (and re-verified) by an earlier run. */
  resumedBytes: number;
  /** Bytes moved by this run (retried bytes not counted twice). */
  transferredBytes: number;
}

export interface UploadResult extends TransferResult {
  /** Multipart upload ID (absent for a single PutObject). */
  uploadId?: string;
  /** The callback server's response body, when a callback was asked for and succeeded. */
  callbackBody?: string;
}

/** The download engine's result; declared here so TransferEvent has one definition. */
export interface DownloadResult extends TransferResult {
  /**
   * 'crc64': the file's CRC-64 equals the server's x-oss-hash-crc64ecma for the whole object. 'length-only': only the
   * byte counts were checked, because a range was asked for or the server sent no CRC-64.
   */
  verified: 'crc64' | 'length-only';
  /** The inclusive byte range downloaded, when one was asked for. */
  range?: { start: number; end: number };
  /**
   * The HEAD of the object version whose bytes were written (its metadata and Last-Modified, e.g. for the file's
   * mtime): no second HEAD needed after the download, and never a later version's.
   */
  head?: HeadObjectResult;
}

export type TransferEvent =
  /**
   * Before 'start', when a resume must check every part up front because nothing is left to send: an upload whose
   * Complete already succeeded, a download already renamed into place. Sent with 0 checked, then as parts are
   * checked. An ordinary resume has no such phase: its done parts are re-read in the background while the rest
   * moves, and the transfer completes only once they passed (those that fail are moved again).
   */
  | { type: 'verifying'; partsChecked: number; partsTotal: number; totalBytes: number }
  /** `discarded`: why an earlier run's checkpoint could not be resumed (the transfer starts over), when there was one. */
  | {
      type: 'start';
      totalBytes: number;
      resumedBytes: number;
      totalParts: number;
      partsDone: number;
      /** The part (or range) size the planner chose; a resume keeps its checkpoint's. */
      partSize?: number;
      /** Parts in flight at the start. */
      concurrency?: number;
      discarded?: string;
      /** With an adaptive planner (the CLI's budget): what it starts with and why, each setting with its source. */
      tuning?: Tuning;
      /** A download's resumed ranges are re-read from its temporary file, for this reason (else they are trusted). */
      reread?: string;
    }
  | { type: 'progress'; bytesDone: number; totalBytes: number }
  /** A part confirmed; `size`: its bytes (parts may differ in size: a stream's grow, an adaptive planner's vary). */
  | { type: 'part'; partNumber: number; partsDone: number; totalParts: number; size?: number }
  | { type: 'completing' }
  | { type: 'complete'; result: UploadResult | DownloadResult };

/** Upload callback (OSS-PROTOCOL.md §6): OSS POSTs `body` to `url` after storing the object. */
export interface UploadCallback {
  /** Callback URL (up to 5, joined by ';'). */
  url: string;
  /** Body template; may use ${bucket} ${object} ${etag} ${size} ${mimeType} ${crc64} and ${x:var}. */
  body: string;
  /** 'application/x-www-form-urlencoded' (default) or 'application/json'. */
  bodyType?: string;
  /** Host header for the callback request. */
  host?: string;
}

/** The options every transfer kind shares; each kind's options extend them. */
export interface TransferOptions {
  /** The object's bucket (an upload's target, a download's source). */
  bucket: string;
  /** The object's key. */
  key: string;
  /** The local file: the one uploaded, or the destination written. */
  file: string;
  /** Bytes per part (upload) or ranged GET (download), 100 KiB..5 GiB (default 100 KiB); raised to stay within 10,000. */
  partSize?: number;
  /** Parts or ranges moved at once (default 1). */
  concurrency?: number;
  /**
   * Off by default; true -> `<file>.ucp` (upload) or `<file>.dcp` beside the destination (download); a path -> that
   * file; an existing directory -> a named file inside it.
   */
  checkpoint?: boolean | string;
  /**
   * Where checkpoints live and how they are stored and locked: files with a lock file beside them by default
   * (transfer/node.ts `fileCheckpoints`); `memoryCheckpoints`, or a store of your own (IndexedDB in a browser).
   */
  checkpoints?: CheckpointPorts;
  /** Who picks the part size and concurrency the caller left out (default `seedPlanner`; the CLI's: `ladderPlanner`). */
  planner?: PartPlanner;
  /** Bandwidth cap in bits per second per request (x-oss-traffic-limit, 819200..838860800). */
  trafficLimit?: number;
  /** Progress listener. After a download restarts (the object changed) a new 'start' event counts from 0 again. */
  onProgress?: (event: TransferEvent) => void;
  /**
   * Aborting pauses: requests end, the checkpoint (with a download's temporary file) and an upload's ID are kept,
   * and AbortedError is thrown.
   */
  signal?: AbortSignal;
}

export interface UploadFileOptions extends TransferOptions {
  /** User metadata, sent as x-oss-meta-<name>. */
  meta?: Record<string, string>;
  /** Content-Type; guessed from the file name when absent. */
  contentType?: string;
  /** Object ACL (x-oss-object-acl): private, public-read, public-read-write or default. */
  acl?: string;
  /** Storage class (x-oss-storage-class): Standard, IA, Archive, ColdArchive, ... */
  storageClass?: string;
  /** Object tags, as a map or an already-encoded `A=1&B=2` string. */
  tagging?: Record<string, string> | string;
  /** Fail with FileAlreadyExists instead of overwriting an existing object. */
  forbidOverwrite?: boolean;
  /**
   * Send Content-MD5 with every part too (default false: each part is checked by the CRC-64 the server returns, and
   * the object by its CRC-64 after Complete; DESIGN.md, "Integrity by CRC-64").
   */
  contentMd5?: boolean;
  /** Raw headers stored with the object: Cache-Control, Content-Encoding, Content-Disposition, Expires (lower-case). */
  headers?: Record<string, string>;
  /** Upload callback. */
  callback?: UploadCallback;
  /** Custom callback variables, names with or without the `x:` prefix. */
  callbackVars?: Record<string, string>;
  /** Told (one line) when a checkpoint naming another target is discarded and its upload left alone. */
  onWarning?: (message: string) => void;
}
