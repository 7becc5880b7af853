// The records and shapes of an upload's checkpoint and session (session.ts decides where an upload starts).
import type { CheckpointStore, PartSource, SourceIdentity } from '../engine/ports.js';
import type { PartPlan } from '../engine/plan.js';
import type { ObjectWriteOptions } from '../../client/index.js';
import type { TransferClient } from '../engine/ports.js';
import type { PartRecord } from '../engine/multipart.js';

export type { PartRecord } from '../engine/multipart.js';

/**
 * Bump when the meaning of checkpoint records changes; other versions are discarded. Version 2 added GrowRecord: a
 * version 1 run would read such a journal's later parts at the wrong offsets, so it must refuse it (and it does: it
 * knows only 1). A version 1 checkpoint has no GrowRecord and means the same to this version.
 */
export const UPLOAD_CHECKPOINT_VERSION = 2;
/** Versions this one resumes. */
export const READABLE_UPLOAD_VERSIONS: readonly number[] = [1, 2];

/** First journal record of an upload checkpoint. Holds no secrets: no keys, tokens or signed URLs. */
export interface UploadCheckpointHeader {
  kind: 'ossup-upload';
  version: number;
  /** Normalised endpoint URL (scheme://host[:port]). */
  endpoint: string;
  bucket: string;
  key: string;
  uploadId: string;
  /** What makes the source the same one (a file: path, size, mtime, inode, device). */
  file: SourceIdentity;
  partSize: number;
  partCount: number;
  /**
   * The source's change mark when the upload started (PartSource.changeMark: a file's settled ctime). A resume that
   * finds the same mark trusts the parts its journal recorded without re-reading them (session.ts).
   */
  mark?: string;
  /**
   * Set (with uploadId '') while InitiateMultipartUpload is in flight: the client clock (ms) when it was sent. A run
   * killed before it could record the new upload ID leaves this, and the next run aborts that empty upload.
   */
  initiating?: number;
}

/**
 * The parts from index `after` on (those not handed out yet) were cut again at `partSize` (engine/plan.ts
 * regrowPlan): journaled before the record of any part of the new cut, so a resume lays the parts out as they were.
 */
export interface GrowRecord {
  kind: 'grow';
  after: number;
  partSize: number;
}

/** A record after an upload checkpoint's header. */
export type UploadRecord = PartRecord | GrowRecord;

export type UploadStore = CheckpointStore<UploadCheckpointHeader, UploadRecord>;

export interface DonePart {
  partNumber: number;
  etag: string;
  crc64: bigint;
  size: number;
}

/** A part the server holds, adopted before its bytes were re-read: verify.ts checks it against the local file. */
export interface UnverifiedPart {
  partNumber: number;
  start: number;
  size: number;
  /** The server's ETag (the part's MD5, upper hex). */
  etag: string;
  /** The CRC-64 the local bytes must have (the server's listing, else the journal's); without one, MD5 is checked. */
  crc64?: bigint;
  /** The journal has no record of it yet (killed between the response and the append): record it once verified. */
  unrecorded: boolean;
}

export interface UploadSession {
  uploadId: string;
  /**
   * Parts already on the server: verified against the local file (a completed upload), or listed in `unverified`
   * until verify.ts has re-read them.
   */
  done: Map<number, DonePart>;
  /** Parts in `done` whose local bytes are still to be checked; Complete must not run before they are. */
  unverified: UnverifiedPart[];
  resumedBytes: number;
  /** Why an old checkpoint was not used (for diagnostics), if there was one. */
  discarded?: string;
  /** The parts as the upload lays them out now: the plan, cut again where an earlier run's parts grew. */
  layout: PartPlan;
  /** Initiated by this run: its parts not handed out yet may still grow (a resumed upload keeps its layout). */
  fresh: boolean;
  /**
   * Set when an earlier run's CompleteMultipartUpload succeeded but that run died before deleting its checkpoint:
   * the object on the server is proven to be this file, so there is nothing left to send.
   */
  completed?: { etag: string; crc64: bigint };
}

export interface SessionInput {
  client: TransferClient;
  bucket: string;
  key: string;
  source: PartSource;
  /** The source's identity (recorded in the header; a checkpoint of another source is not resumed). */
  file: SourceIdentity;
  /** The parts of the whole source at the checkpoint's (first) part size. */
  plan: PartPlan;
  store: UploadStore;
  /** Headers for InitiateMultipartUpload. */
  initiate: ObjectWriteOptions;
  signal?: AbortSignal;
  /** Told when a checkpoint is set aside without touching what it names (UploadFileOptions.onWarning). */
  warn?: (message: string) => void;
  /** Re-hashing an earlier run's parts: `checked` of `total` so far (the 'verifying' event). */
  onVerify?: (checked: number, total: number) => void;
  /**
   * The ETag OSS gives an object of parts with these MD5s (core/etag.ts multipartEtag), to recognise an upload an
   * earlier run completed. Absent where there is no MD5 (a page: WebCrypto has none): such an upload is sent again.
   */
  multipartEtag?: (partMd5Hex: string[]) => string;
}
