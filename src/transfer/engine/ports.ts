// The engine's ports: what varies between transfers, as interfaces. Where the bytes come from (PartSource) and go
// (PartSink), how parts are sized and how many run at once (PartPlanner -> PartFeed), where progress is kept
// (CheckpointPorts: store, lock and where they live), and which requests move the bytes (TransferClient). The engine
// and the strategies speak only these; a Blob, an IndexedDB store, an adaptive planner or a fetch client is a new
// implementation of a port, never a second scheduler. Node's defaults (files, journal files, lock files, hashing
// threads) are wired in transfer/node.ts. This file is browser-safe: no `node:` import, no Buffer, no Node type.
import type { Tuning } from './adaptive.js';
import type { PartPlan, PlannedPart } from './plan.js';
import type { StoredSpan } from './ranges.js';
import type { PartBody } from './transfer-client.js';

export type { PartPlan, PlannedPart } from './plan.js';
export type { ChunkReceiver, PartBody, RangeResponse, TransferClient } from './transfer-client.js';

// ---------------------------------------------------------------------------------------------------------------
// Sources and sinks

/** A part's bytes as a source read them, with their digests. */
export interface PartBytes {
  /** Bytes read: the part's size, less only at the end of a source of unknown size (0: it had ended). */
  readonly size: number;
  /** The bytes, when held in memory; absent when `body` re-reads them per attempt (a large file part). */
  readonly data?: Uint8Array;
  /** What to send: `data`, or a replayable body the TransferClient understands (Node: a file range). */
  readonly body: PartBody;
  /** MD5 (Content-MD5); empty when only the CRC-64 was asked for (`crcOnly`). */
  readonly md5: Uint8Array;
  /** CRC-64/ECMA of exactly these bytes. */
  readonly crc64: bigint;
  /** The request that sent them was answered: the memory may carry another part. Never call it after a failure. */
  release?(): void;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Only the CRC-64 (checking a resumed part against the server's listing): `md5` comes back empty. */
  crcOnly?: boolean;
  /** Hash only, do not keep the bytes (re-checking). */
  discard?: boolean;
  /**
   * A re-check of many resumed parts, in the background: it may use an extra hashing thread. A CRC-only re-check
   * without it is of a few parts, cheapest where it is asked (no thread to start).
   */
  background?: boolean;
}

/** What identifies a source across runs: every field must be equal for a checkpoint to resume it (JSON-able). */
export type SourceIdentity = Readonly<Record<string, string | number>>;

/**
 * Where an upload's bytes come from: a file, a Readable, a Blob. Parts are read by number, start and size
 * (PlannedPart); a source that is not replayable (a stream) is read once, in part order, and cannot be resumed.
 */
export interface PartSource {
  /** For messages: a path, 'standard input', a Blob's name. */
  readonly name: string;
  /** Bytes in all; undefined while a stream's length is unknown. */
  readonly size: number | undefined;
  /** Any part can be read again (a retry re-reads it; a checkpoint can resume it). False for a stream. */
  readonly replayable: boolean;
  /**
   * What a checkpoint records to tell this source from another (file: path, size, mtime, inode, device; Blob: name,
   * size, lastModified). Undefined: the source cannot be resumed (a stream).
   */
  readonly identity: SourceIdentity | undefined;
  /**
   * A value that any write to the source moves (a file: its ctime), given only where it is reliable (a ctime that had
   * stood for a second when read: checkpoint/file-identity.ts settledCtime). An upload's checkpoint records it; a
   * resume that finds it unchanged trusts the parts its journal recorded (their CRC-64 was checked against the
   * server's when sent) without re-reading them. Absent: every resumed part is re-read.
   */
  readonly changeMark?: string;
  /**
   * Read and hash one part. A non-replayable source takes calls in part order (it queues them), and gives fewer
   * bytes than asked only at its end. Throws FileChangedError when a replayable source no longer has the bytes.
   */
  read(part: PlannedPart, opts?: ReadOptions): Promise<PartBytes>;
  /** A source of unknown size: whether every byte has been read (looks ahead). */
  atEnd?(signal?: AbortSignal): Promise<boolean>;
  /** Before Complete: throws FileChangedError when the source changed since it was opened (a file's ctime moved). */
  assertUnchanged?(): Promise<void>;
  /** Stop reading: the transfer failed or was cancelled (a stream is destroyed). */
  close?(): void;
  /**
   * The whole source as one request body that hashes its bytes as they are sent (a file within one part goes up in
   * one PutObject without being read twice; upload/single.ts). `digest()`: of the last attempt, once read to its end.
   * A source may first read a small file whole (a promise then), and its body is the bytes it hashed.
   */
  hashedAsSent?(): HashedBody | Promise<HashedBody>;
}

/** A request body with the digests of the bytes sent (PartSource.hashedAsSent). */
export interface HashedBody {
  body: PartBody;
  digest(): { md5: Uint8Array; crc64: bigint } | undefined;
}

/** Options of PartSink.write. */
export interface SinkWrite {
  signal: AbortSignal;
  /** Bytes of this part stored (or handed to the reader) so far in this attempt. */
  onBytes(stored: number): void;
}

/**
 * Where a download's bytes go: a temporary file renamed into place, a Readable handed to the caller. `write` takes
 * one part's chunks as they arrive (already counted and CRC-64'd by the engine) and resolves once they are stored:
 * written to the file, or taken by the stream's reader (so a stream holds at most `concurrency` parts).
 */
export interface PartSink {
  /** For messages: the destination path, or '-'. */
  readonly name: string;
  write(part: PlannedPart, chunks: AsyncIterable<Uint8Array>, opts: SinkWrite): Promise<void>;
  /**
   * The direct path beside `write`: a receiver the part's chunks are pushed into as they arrive (from the socket,
   * when the client's body can `deliver`), with no iterator between. A sink without it is written through `write`.
   */
  receiver?(part: PlannedPart, opts: SinkWrite): PartReceiver;
  /** Every part is stored and verified: make the result visible (rename into place; end the stream). */
  commit(): Promise<void>;
  /** The transfer failed: drop what is held (a stream is destroyed with `err`). A file sink keeps a resumable temp. */
  abort?(err: unknown): Promise<void>;
}

/** One part's chunks pushed into a sink (PartSink.receiver). */
export interface PartReceiver {
  /** Store a chunk; a promise means: push nothing more until it settles (backpressure). Never throws. */
  push(chunk: Uint8Array): Promise<void> | undefined;
  /** Every chunk was pushed: resolves once all are stored, rejects with the first store error. */
  finish(): Promise<void>;
  /** The part failed: wait for stores in flight and drop the rest. */
  abandon(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Part sizes and concurrency

/** What a transfer asks the planner. */
export interface PlanRequest {
  kind: 'upload' | 'download' | 'copy';
  /** A stream: an upload of unknown length (size undefined), or a download handed out in order from memory. */
  stream?: boolean;
  /** Bytes to move; undefined for a stream of unknown length. */
  size: number | undefined;
  /** The caller's partSize option: every part that size (raised to stay within 10,000 parts when the size is known). */
  partSize?: number;
  /** The caller's concurrency option: fixed, unless an adaptive planner is asked to vary it. */
  concurrency?: number;
  /** A stream's expected size: its first parts are sized so it fits in about 1,000. */
  expectedSize?: number;
  /** A copy's CopyObject limit: objects up to it are one request (default and maximum 1 GiB). */
  multipartThreshold?: number;
  /** A download's ranges stored by an earlier run (its journal): only the gaps between them are planned. */
  done?: readonly StoredSpan[];
}

/**
 * Hands out one transfer's parts on demand. The scheduler (engine/part-pool.ts `runParts`) asks `concurrency()`
 * each time a slot frees and `next()` for the part to start in it, so a part not yet started can be sized
 * differently from the ones before (an adaptive planner). `observe` is told of every finished part.
 */
export interface PartFeed {
  /** Size of the first part: reported in `start`, recorded in checkpoints (a resume keeps it). */
  readonly partSize: number;
  /** One request (PutObject, CopyObject) rather than a multipart transfer. */
  readonly single: boolean;
  /** Parts in all, when the size is known; undefined for a stream. */
  readonly totalParts: number | undefined;
  /** Every part, when the layout is fixed up front (a known size): what a checkpoint records and a resume re-checks. */
  readonly plan?: PartPlan;
  /** Parts allowed in flight now (at least 1). */
  concurrency(): number;
  /** The next part to start, or undefined when none is left (or, for a stream, none may follow: 10,000 reached). */
  next(): PlannedPart | undefined;
  /** A part was handed to a slot (whichever feed's next() gave it): an adaptive feed counts its parts in flight. */
  started?(part: PlannedPart): void;
  /** A part finished: `ms` from its start to its answer. An adaptive feed adjusts the next sizes and concurrency. */
  observe?(part: PlannedPart, stats: { ms: number }): void;
  /**
   * The run ended (every part done, or the transfer failed or was cancelled and its parts in flight have stopped):
   * parts handed out and never observed are over. An adaptive feed gives back what they held.
   */
  close?(): void;
  /**
   * An adaptive feed of a fresh transfer of known size: the part size its controller would give a part started now.
   * A fresh upload cuts the parts it has not handed out again at a larger one (upload/resume-feed.ts).
   */
  partSizeNow?(): number;
  /** An adaptive feed: what its controller has chosen, and why (the 'start' event carries it). */
  tuning?(): Tuning;
  /**
   * Takes the scheduler's `spawn`, for an adaptive feed to call when its concurrency rose while no slot freed (its
   * controller stepped up mid-part), so a step takes effect when it is taken, not when the next part ends.
   */
  wake?(spawn: () => void): void;
}

/**
 * Every part-size decision (engine/planner.ts): the library's seed defaults, the CLI's ladder, a stream's growing
 * sizes, a copy's and a download's. `resume(partSize)` plans a resumed transfer with its checkpoint's part size, so
 * the recorded parts stay valid. Parts already done are skipped by the caller (`skip`).
 */
export interface PartPlanner {
  plan(req: PlanRequest, resume?: { partSize: number; skip?: ReadonlySet<number> }): PartFeed;
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoint store and lock

export interface LoadedCheckpoint<H, R> {
  header: H;
  records: R[];
  /**
   * The store vouches that only this user can have written it (a file of this user's that no one else may write).
   * Absent: what it claims is checked, never taken on trust (a resume re-reads the parts it names).
   */
  ours?: boolean;
}

/** Where a transfer keeps its progress. H is the header record, R the per-unit (part) record. */
export interface CheckpointStore<H, R> {
  /** Human-readable location for messages (a file path, an IndexedDB key, or 'memory'). */
  readonly location: string;
  /** The saved checkpoint; undefined when there is none or its header is unusable (the caller starts over). */
  load(): Promise<LoadedCheckpoint<H, R> | undefined>;
  /**
   * After load() returned undefined: the raw bytes of a checkpoint that exists but could not be read (a damaged
   * header), so the caller can say so and salvage what it names. Undefined when there was simply none.
   */
  readonly unreadable?: Uint8Array;
  /** Replace whatever is stored by a fresh checkpoint holding only `header`. */
  start(header: H): Promise<void>;
  /** Durably add one record after start() or load(). */
  append(record: R): Promise<void>;
  /** Delete the checkpoint (after success or when abandoning). */
  remove(): Promise<void>;
  /** Release open handles without deleting anything (pause, failure). */
  close(): Promise<void>;
}

/** A held checkpoint lock. */
export interface HeldLock {
  readonly file: string;
  release(): Promise<void>;
}

/** What names a transfer, for checkpoint names in a directory (or keys in a database). */
export interface CheckpointIdentity {
  /** The local file (upload source, download destination), or a copy's `oss://` source. */
  file: string;
  endpoint: string;
  bucket: string;
  key: string;
}

/**
 * The checkpoint factories runTransfer uses. Node's default (transfer/node.ts `fileCheckpoints`): a journal file,
 * a lock file beside it, named from the `checkpoint` option. `memoryCheckpoints` (below): nothing survives the
 * process. A browser passes an IndexedDB store and a Web Locks (or no-op) lock.
 */
export interface CheckpointPorts {
  /**
   * Where this transfer's checkpoint lives, from the `checkpoint` option (true, a path, a directory, a key), or
   * undefined when it keeps none (the store is then a memory store and nothing is locked).
   */
  locate(option: boolean | string | undefined, id: CheckpointIdentity, suffix: string): Promise<string | undefined>;
  /** The store at `location`; `syncRecords: false` lets a store skip making each record durable on its own. */
  store<H, R>(location: string, opts: { syncRecords: boolean }): CheckpointStore<H, R>;
  /** Take the lock of `location`; CheckpointLockedError when another process holds it. */
  lock(location: string): Promise<HeldLock>;
}

// ---------------------------------------------------------------------------------------------------------------
// The requests: TransferClient, PartBody and RangeResponse (engine/transfer-client.ts)

// ---------------------------------------------------------------------------------------------------------------
// Events

/** What the engine's one `start` event says about a transfer (TransferEvent 'start' carries these fields). */
export interface StartInfo {
  /** Bytes in all; 0 while a stream's length is unknown. */
  totalBytes: number;
  resumedBytes: number;
  /** Parts in all; 0 while unknown (a stream). */
  totalParts: number;
  partsDone: number;
  /** The part size the planner chose (a stream's first; a resume's from its checkpoint). */
  partSize: number;
  /** Parts in flight at the start (an adaptive planner may change it later). */
  concurrency: number;
  /** Why an earlier run's checkpoint could not be used, when there was one. */
  discarded?: string;
  /** What an adaptive planner chose to start with, and why (its feed's `tuning`). */
  tuning?: Tuning;
  /** Why a download's resumed ranges are re-read rather than trusted (download/lease.ts). */
  reread?: string;
}
