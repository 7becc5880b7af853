// What the download strategy needs of a sink beyond the PartSink port: a file sink keeps a resumable temporary file
// (file-sink.ts), a stream sink hands the bytes to a reader (io/stream-sink.ts) and can neither resume nor restart.
import type { TransferContext } from '../engine/engine.js';
import type { PartSink } from '../engine/ports.js';
import type { DoneRange, DownloadCheckpointHeader, DownloadRecord, ObjectVersion } from './types.js';

export type DownloadContext = TransferContext<DownloadCheckpointHeader, DownloadRecord>;

/** What one attempt of a download fetches. */
export interface SinkOpen {
  endpoint: string;
  bucket: string;
  key: string;
  object: ObjectVersion;
  /** Absolute inclusive range being downloaded. */
  range: { start: number; end: number };
  /** Parts in flight (sizes the file sink's write batches). */
  concurrency: number;
  /** Ignore any checkpoint (a restart after the object changed). */
  fresh: boolean;
  /** Re-hashing the recorded ranges: `checked` of `total` so far (the 'verifying' event). */
  onVerify?: (checked: number, total: number) => void;
}

/** Where an attempt starts: the ranges stored already (those in `unverified` still to be re-read). */
export interface SinkSession {
  done: Map<number, DoneRange>;
  unverified: DoneRange[];
  /** Why `unverified` holds the resumed ranges (undefined: the journal vouches for them, or none). */
  reread?: string;
  resumedBytes: number;
  /** Why an old checkpoint was not used, if there was one. */
  discarded?: string;
}

export interface DownloadSink extends PartSink {
  /** The local path the checkpoint is named after ('-': a stream keeps none). */
  readonly checkpointFile: string;
  /** A file can start again from nothing after the object changed; bytes handed to a reader cannot be taken back. */
  readonly restartable: boolean;
  /** Open for one attempt, the checkpoint locked: resume what the checkpoint and the sink agree on, or start fresh. */
  open(ctx: DownloadContext, input: SinkOpen): Promise<SinkSession>;
  /** Re-read resumed ranges and compare each with its recorded CRC-64 (in the background). */
  check(ranges: DoneRange[], signal: AbortSignal): Promise<{ mismatched: DoneRange[] }>;
  /** `bytes` more are about to be fetched: refuse at once when they cannot fit. */
  reserve(bytes: number): Promise<void>;
  /** The attempt ended without commit: release handles, keep what a resume can use. */
  close(): Promise<void>;
  /** The object changed (or its bytes were wrong): forget everything stored. */
  discard(): Promise<void>;
  /** The download failed for good (under the lock): clean up what nothing can resume. */
  failed(err: unknown, ctx: DownloadContext): Promise<void>;
  /** The download is over, either way. */
  release(): void;
}
