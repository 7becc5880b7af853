// The transfer lifecycle, written once for every kind of transfer: checkpoint path -> lock -> open store -> the
// strategy's run (session, parts, finish) -> cleanup. Upload and download are strategies plugged into it (see
// DESIGN.md, "The transfer engine"); a stream upload, a server-side copy or a tree adds a strategy, not a lifecycle.
import { crc64Combine } from '../../core/crc64.js';
import type { TransferEvent, TransferOptions } from '../types.js';
import { MemoryCheckpointStore, type CheckpointPorts, type CheckpointStore, type TransferClient } from './ports.js';
import type { PartPlan, PlannedPart } from './plan.js';
import { ProgressTracker } from './progress.js';

/** What a strategy gets from the engine while it runs: the locked, open checkpoint store and the event sink. */
export interface TransferContext<H, Rec> {
  readonly client: TransferClient;
  readonly store: CheckpointStore<H, Rec>;
  /** The checkpoint file when the transfer keeps one; undefined when nothing can resume it after a failure. */
  readonly checkpointPath: string | undefined;
  readonly emit: (event: TransferEvent) => void;
  readonly signal: AbortSignal | undefined;
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
export type EngineOptions = Pick<TransferOptions, 'bucket' | 'key' | 'checkpoint' | 'onProgress' | 'signal'>;

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
  const checkpointPath = await checkpoints.locate(
    opts.checkpoint,
    { file: strategy.checkpointFile, endpoint: client.endpoint.url, bucket: opts.bucket, key: opts.key },
    strategy.checkpointSuffix,
  );
  const lock = checkpointPath ? await checkpoints.lock(checkpointPath) : undefined;
  // Part records are not synced one by one: every strategy re-verifies recorded parts on resume (the upload against
  // the server's ListParts, the download by re-hashing the temporary file), so a record lost to a power cut costs a
  // resend, never a wrong object. The header is always made durable.
  const store: CheckpointStore<H, Rec> = checkpointPath
    ? checkpoints.store<H, Rec>(checkpointPath, { syncRecords: false })
    : new MemoryCheckpointStore();
  const ctx: TransferContext<H, Rec> = {
    client,
    store,
    checkpointPath,
    emit: (e) => opts.onProgress?.(e),
    signal: opts.signal,
  };
  try {
    return await strategy.run(ctx);
  } catch (err) {
    await strategy.onFailure?.(err, ctx);
    throw err;
  } finally {
    await store.close();
    await lock?.release();
  }
}

/** A part (or range) whose bytes were moved and verified, with their CRC-64. */
export interface MovedPart {
  partNumber: number;
  size: number;
  crc64: bigint;
}

/**
 * Emit 'start' and return the progress tracker of a transfer of `totalBytes`, `resumedBytes` of them by an earlier run;
 * `discarded` says why an earlier run's checkpoint could not be used, when there was one.
 */
export function startProgress(
  ctx: TransferContext<unknown, unknown>,
  plan: PartPlan,
  totalBytes: number,
  resumedBytes: number,
  partsDone: number,
  discarded?: string,
): ProgressTracker {
  ctx.emit({
    type: 'start',
    totalBytes,
    resumedBytes,
    totalParts: plan.parts.length,
    partsDone,
    ...(discarded ? { discarded } : {}),
  });
  return new ProgressTracker(totalBytes, resumedBytes, ctx.emit);
}

export interface PartsPhase<D extends MovedPart, Rec> {
  plan: PartPlan;
  /** Parts done (an earlier run's, re-verified); the engine adds each part as it finishes. */
  done: Map<number, D>;
  /** The checkpoint record of a finished part. */
  record(part: D): Rec;
  /** Move `parts` (those not done yet), awaiting `onPartDone` once per finished part, in completion order. */
  move(parts: PlannedPart[], progress: ProgressTracker, onPartDone: (part: D) => Promise<void>): Promise<void>;
}

/**
 * The part loop's bookkeeping: journal appends chained so records stay whole with several workers finishing at once,
 * the done map, 'part' events. Resolves with the CRC-64 of all parts combined, in part order.
 */
export async function moveParts<D extends MovedPart, Rec>(
  ctx: TransferContext<unknown, Rec>,
  progress: ProgressTracker,
  phase: PartsPhase<D, Rec>,
): Promise<bigint> {
  const { plan, done } = phase;
  const remaining = plan.parts.filter((p) => !done.has(p.number));
  if (remaining.length > 0) {
    let journal = Promise.resolve();
    await phase.move(remaining, progress, async (part) => {
      journal = journal.then(() => ctx.store.append(phase.record(part)));
      await journal;
      done.set(part.partNumber, part);
      ctx.emit({ type: 'part', partNumber: part.partNumber, partsDone: done.size, totalParts: plan.parts.length });
    });
  }
  return combineCrc(plan.parts.map((p) => done.get(p.number)!));
}

/** CRC-64 of consecutive parts from theirs. */
export function combineCrc(parts: readonly MovedPart[]): bigint {
  let crc = 0n;
  for (const p of parts) crc = crc64Combine(crc, p.crc64, p.size);
  return crc;
}

/** The last step of a successful transfer: drop the checkpoint, report 100%, emit 'complete'. */
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
