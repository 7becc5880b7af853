// The transfer lifecycle, written once for every kind of transfer: checkpoint path -> lock -> open store -> the
// strategy's run (session, parts, finish) -> cleanup. Upload and download are strategies plugged into it (see
// DESIGN.md, "The transfer engine"); a stream upload, a server-side copy or a tree adds a strategy, not a lifecycle.
import { crc64Combine } from '../../core/crc64.js';
import type { TransferEvent, TransferOptions } from '../types.js';
import { MemoryCheckpointStore, memoryCheckpoints } from '../checkpoint/memory.js';
import type { CheckpointPorts, CheckpointStore, TransferClient } from './ports.js';
import { runParts } from './part-pool.js';
import { seedPlanner } from './planner.js';
import type { PartFeed, PartPlanner, PlannedPart, StartInfo } from './ports.js';
import { ProgressTracker } from './progress.js';

/** What a strategy gets from the engine while it runs: the locked, open checkpoint store and the event sink. */
export interface TransferContext<H, Rec> {
  readonly client: TransferClient;
  readonly store: CheckpointStore<H, Rec>;
  /** The checkpoint file when the transfer keeps one; undefined when nothing can resume it after a failure. */
  readonly checkpointPath: string | undefined;
  readonly emit: (event: TransferEvent) => void;
  readonly signal: AbortSignal | undefined;
  /** Who sizes the parts and says how many run at once (TransferOptions.planner, else the seed defaults). */
  readonly planner: PartPlanner;
}

/** One kind of transfer. The engine owns checkpoint, lock, store and cleanup; the strategy owns the data path. */
export interface TransferStrategy<H, Rec, Result> {
  /** The local path the checkpoint is named after (`checkpoint: true` -> `<checkpointFile><checkpointSuffix>`). */
  readonly checkpointFile: string;
  /** '.ucp' for uploads, '.dcp' for downloads. */
  readonly checkpointSuffix: string;
  /** Run the transfer with the checkpoint locked and its store open; resolves with the verified result. */
  run(ctx: TransferContext<H, Rec>): Promise<Result>;
  /** After run() failed, still under the lock: release what no later run could resume (a multipart upload, a temp file). */
  onFailure?(err: unknown, ctx: TransferContext<H, Rec>): Promise<void>;
}

/** The options of a transfer the engine reads itself. */
export type EngineOptions = Pick<
  TransferOptions,
  'bucket' | 'key' | 'checkpoint' | 'onProgress' | 'signal' | 'planner'
>;

/**
 * Run one transfer. `checkpoints` says where a checkpoint lives and how it is stored and locked (transfer/node.ts
 * `fileCheckpoints` for files, `memoryCheckpoints` for none, or a browser's IndexedDB store).
 */
export async function runTransfer<H, Rec, Result>(
  client: TransferClient,
  opts: EngineOptions,
  strategy: TransferStrategy<H, Rec, Result>,
  checkpoints: CheckpointPorts,
): Promise<Result> {
  // No checkpoint to find, lock or close for memory ports (a tree's one-request files: two awaits less each).
  const memory = checkpoints === memoryCheckpoints;
  const checkpointPath = memory
    ? undefined
    : await checkpoints.locate(
        opts.checkpoint,
        { file: strategy.checkpointFile, endpoint: client.endpoint.url, bucket: opts.bucket, key: opts.key },
        strategy.checkpointSuffix,
      );
  const lock = checkpointPath ? await checkpoints.lock(checkpointPath) : undefined;
  // Part records are not synced one by one: every strategy re-verifies recorded parts on resume (the upload against
  // the server's ListParts, the download by re-hashing the temporary file after a reboot, download/lease.ts), so a
  // record lost to a power cut costs a resend, never a wrong object. The header is always made durable.
  const store: CheckpointStore<H, Rec> = checkpointPath
    ? checkpoints.store<H, Rec>(checkpointPath, { syncRecords: false })
    : new MemoryCheckpointStore();
  const ctx: TransferContext<H, Rec> = {
    client,
    store,
    checkpointPath,
    emit: (e) => opts.onProgress?.(e),
    signal: opts.signal,
    planner: opts.planner ?? seedPlanner,
  };
  try {
    return await strategy.run(ctx);
  } catch (err) {
    await strategy.onFailure?.(err, ctx);
    throw err;
  } finally {
    if (!memory) await store.close();
    if (lock) await lock.release();
  }
}

/** A part (or range) whose bytes were moved and verified, with their CRC-64. */
export interface MovedPart {
  partNumber: number;
  size: number;
  crc64: bigint;
}

/**
 * Emit the transfer's one 'start' (a download that restarts on a changed object emits another, counting from 0) and
 * return its progress tracker. A total of undefined (a stream of unknown length) reports parts, not bytes.
 */
export function startProgress(ctx: TransferContext<unknown, unknown>, info: StartInfo, known = true): ProgressTracker {
  const { discarded, ...rest } = info;
  ctx.emit({ type: 'start', ...rest, ...(discarded ? { discarded } : {}) });
  return new ProgressTracker(info.totalBytes, info.resumedBytes, known ? ctx.emit : () => undefined);
}

/** The start event's facts of a transfer planned by `feed`. */
export function startInfo(
  feed: PartFeed,
  totalBytes: number,
  resumed: { bytes: number; parts: number; discarded?: string; reread?: string } = { bytes: 0, parts: 0 },
): StartInfo {
  return {
    totalBytes,
    resumedBytes: resumed.bytes,
    totalParts: feed.totalParts ?? 0,
    partsDone: resumed.parts,
    partSize: feed.partSize,
    concurrency: feed.single ? 1 : feed.concurrency(),
    ...(resumed.discarded ? { discarded: resumed.discarded } : {}),
    ...(feed.tuning ? { tuning: feed.tuning() } : {}),
    ...(resumed.reread ? { reread: resumed.reread } : {}),
  };
}

export interface PartsPhase<D extends MovedPart, Rec, P> {
  /** The parts still to move (those done are not handed out). */
  feed: PartFeed;
  /** Parts done (an earlier run's, re-verified); the engine adds each part as it finishes. */
  done: Map<number, D>;
  /** The checkpoint record of a finished part. */
  record(part: D): Rec;
  /**
   * Records to journal before the next part's, taken when it is appended: what the parts handed out since depend on
   * (an upload's parts cut again, larger: upload/resume-feed.ts).
   */
  pending?(): Rec[];
  /** Read ahead for a part about to start (one part ahead; engine/part-pool.ts). */
  prepare?(part: PlannedPart, signal: AbortSignal): Promise<P>;
  /** Move one part; undefined when there was nothing to move (a stream that had ended). */
  work(part: PlannedPart, signal: AbortSignal, prepared: Promise<P> | undefined): Promise<D | undefined>;
}

/**
 * The part loop of every strategy: the one scheduler (runParts), journal appends chained so records stay whole with
 * several workers finishing at once, the done map, 'part' events.
 */
export async function moveParts<D extends MovedPart, Rec, P = never>(
  ctx: TransferContext<unknown, Rec>,
  phase: PartsPhase<D, Rec, P>,
): Promise<void> {
  const { feed, done } = phase;
  let journal = Promise.resolve();
  await runParts<P, D>({
    feed,
    signal: ctx.signal,
    prepare: phase.prepare?.bind(phase),
    work: (part, signal, prepared) => phase.work(part, signal, prepared),
    done: async (part) => {
      journal = journal.then(async () => {
        for (const r of phase.pending?.() ?? []) await ctx.store.append(r);
        await ctx.store.append(phase.record(part));
      });
      await journal;
      done.set(part.partNumber, part);
      const totalParts = feed.totalParts ?? 0;
      ctx.emit({ type: 'part', partNumber: part.partNumber, partsDone: done.size, totalParts, size: part.size });
    },
  });
}

/** The done parts in part order. */
export function inOrder<D extends MovedPart>(done: ReadonlyMap<number, D>): D[] {
  return [...done.values()].sort((a, b) => a.partNumber - b.partNumber);
}

/** CRC-64 of consecutive parts from theirs. */
export function combineCrc(parts: readonly MovedPart[]): bigint {
  let crc = 0n;
  for (const p of parts) crc = crc64Combine(crc, p.crc64, p.size);
  return crc;
}

/** The last step of a successful transfer: drop the checkpoint, report 100%, emit the one 'complete'. */
export async function finishTransfer<Result extends TransferEventResult>(
  ctx: TransferContext<unknown, unknown>,
  progress: ProgressTracker,
  result: Result,
): Promise<Result> {
  await ctx.store.remove();
  progress.finish();
  ctx.emit({ type: 'complete', result });
  return result;
}

type TransferEventResult = Extract<TransferEvent, { type: 'complete' }>['result'];
