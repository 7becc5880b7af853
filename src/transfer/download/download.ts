// downloadFile, the download strategy of the transfer engine (engine/engine.ts): HEAD -> plan -> open or resume a
// session -> fetch ranges into a temporary file -> verify the whole-object CRC-64 -> rename into place. The destination name never holds partial or unverified bytes: they live
// in `<dest>.ossup-<tag>.tmp` until the last check passes. The object changing mid-download (If-Match fails) or a
// CRC-64 mismatch restarts from scratch once; the second time the error reaches the caller.
import type { TransferClient } from '../engine/ports.js';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { crc64ToDecimal } from '../../core/crc64.js';
import { ArgumentError, IntegrityError, ObjectChangedError } from '../../core/errors.js';
import {
  combineCrc,
  finishTransfer,
  moveParts,
  runTransfer,
  startProgress,
  type TransferContext,
  type TransferStrategy,
} from '../engine/engine.js';
import { fileCheckpoints } from '../node.js';
import { validateTransferOptions } from '../engine/options.js';
import { planParts, type PlannedPart } from '../engine/plan.js';
import type { ProgressTracker } from '../engine/progress.js';
import { hashPool } from '../hash/pool.js';
import type { DownloadResult } from '../types.js';
import { fetchRanges } from './parts.js';
import { checkRanges, openDownloadSession } from './session.js';
import { checkDestination, checkFreeSpace, commitTemp, resolveDownloadTarget, sweepTemps } from './target.js';
import { releaseTemp, tempPathFor } from './temp-name.js';
import type { DoneRange, DownloadCheckpointHeader, DownloadFileOptions, ObjectVersion, RangeRecord } from './types.js';

export { resolveDownloadTarget, keyBaseName } from './target.js';
export type { DownloadFileOptions, DownloadRange } from './types.js';

/**
 * Download `bucket/key` to `file`, resumably when `checkpoint` is set. Resolves with the verified result once the
 * file is in place; rejects with a typed error otherwise (ServiceError, NetworkError, ArgumentError, IntegrityError,
 * ObjectChangedError, CheckpointLockedError, AbortedError, InsufficientDiskSpaceError).
 */
export async function downloadFile(client: TransferClient, opts: DownloadFileOptions): Promise<DownloadResult> {
  validateTransferOptions(opts, { api: 'downloadFile', writesKey: false });
  const dest = await resolveDownloadTarget(opts.file, opts.key);
  await checkDestination(dest);
  return runTransfer(client, opts, new DownloadStrategy(opts, dest), opts.checkpoints ?? fileCheckpoints);
}

type DownloadContext = TransferContext<DownloadCheckpointHeader, RangeRecord>;

/** The download: ranged GETs into a temporary file, verified, then renamed into place. */
class DownloadStrategy implements TransferStrategy<DownloadCheckpointHeader, RangeRecord, DownloadResult> {
  readonly checkpointSuffix = '.dcp';
  private temp = '';

  constructor(
    private readonly opts: DownloadFileOptions,
    readonly checkpointFile: string,
  ) {}

  async run(ctx: DownloadContext): Promise<DownloadResult> {
    const { opts } = this;
    const dest = this.checkpointFile;
    const temp = (this.temp = tempPathFor(dest, ctx.checkpointPath));
    try {
      for (let restart = 0; ; restart++) {
        try {
          return await downloadOnce(ctx, opts, { dest, temp, fresh: restart > 0 });
        } catch (err) {
          const startOver =
            err instanceof ObjectChangedError || (err instanceof IntegrityError && err.check === 'crc64');
          if (!startOver) throw err;
          // The bytes in the temporary file are of another version, or wrong: nothing of them may be resumed.
          await ctx.store.remove();
          await fsp.rm(temp, { force: true });
          if (restart > 0) throw err instanceof ObjectChangedError ? changedAgain(opts, dest, err) : err;
        }
      }
    } finally {
      releaseTemp(temp);
    }
  }

  async onFailure(_err: unknown, ctx: DownloadContext): Promise<void> {
    // Without a checkpoint nothing can ever resume from the temporary file: do not leave it behind. And a checkpoint
    // whose temporary file was never made (unwritable or full destination) could only ever start over: remove it.
    if (!ctx.checkpointPath) {
      if (this.temp) await fsp.rm(this.temp, { force: true }).catch(() => undefined);
    } else if (!this.temp || !(await fsp.lstat(this.temp).catch(() => undefined))?.isFile()) {
      await ctx.store.remove().catch(() => undefined);
    }
  }
}

function changedAgain(opts: DownloadFileOptions, dest: string, cause: ObjectChangedError): ObjectChangedError {
  return new ObjectChangedError(
    opts.bucket,
    opts.key,
    `oss://${opts.bucket}/${opts.key} changed during the download, and again after restarting; ${dest} was not written. ` +
      'Run the download again once the object is no longer being rewritten.',
    { cause },
  );
}

interface RunContext {
  dest: string;
  temp: string;
  /** Ignore any checkpoint. */
  fresh: boolean;
}

async function downloadOnce(ctx: DownloadContext, opts: DownloadFileOptions, run: RunContext): Promise<DownloadResult> {
  const { client } = ctx;
  const { bucket, key, signal } = opts;
  const head = await client.headObject(bucket, key, { signal, versionId: opts.versionId });
  const object: ObjectVersion = {
    size: head.size,
    etag: head.etag,
    lastModified: head.headers['last-modified'] ?? '',
    crc64: head.crc64 !== undefined ? crc64ToDecimal(head.crc64) : '',
  };
  const range = absoluteRange(opts, head.size);
  const total = range.end - range.start + 1;
  const plan = planParts(total, opts.partSize);
  const session = await openDownloadSession({
    store: ctx.store,
    endpoint: client.endpoint.url,
    bucket,
    key,
    object,
    range,
    plan,
    file: run.dest,
    temp: run.temp,
    fresh: run.fresh,
    signal,
    onVerify: (partsChecked, partsTotal) =>
      ctx.emit({ type: 'verifying', partsChecked, partsTotal, totalBytes: total }),
  });
  hashPool().warm(); // ranges are CRC-64'd on the hashing threads
  const { handle, done } = session;
  let committed = false;
  try {
    const progress = startProgress(ctx, plan, total, session.resumedBytes, done.size, session.discarded);
    let resumedBytes = session.resumedBytes;
    for (const p of plan.parts)
      if (p.size === 0) done.set(p.number, { partNumber: p.number, offset: p.start, size: 0, crc64: 0n });
    if (handle) await checkFreeSpace(path.dirname(run.dest), total - session.resumedBytes);
    const phase = {
      plan,
      done,
      record: (r: DoneRange): RangeRecord => ({
        kind: 'range',
        partNumber: r.partNumber,
        offset: r.offset,
        size: r.size,
        crc64: crc64ToDecimal(r.crc64),
      }),
      move: (parts: PlannedPart[], tracker: ProgressTracker, onRangeDone: (r: DoneRange) => Promise<void>) => {
        // No handle: the destination already holds every range (session.ts), so nothing remains to fetch.
        if (!handle) throw new Error('ranges remain but the temporary file is not open');
        return fetchRanges({
          client,
          bucket,
          key,
          object,
          base: range.start,
          handle,
          temp: run.temp,
          concurrency: opts.concurrency ?? 1,
          trafficLimit: opts.trafficLimit,
          versionId: opts.versionId,
          parts,
          progress: tracker,
          onRangeDone,
          signal,
        });
      },
    };
    // Resumed ranges are re-read on the hashing threads while the missing ones are fetched; the final check waits.
    const stopChecking = new AbortController();
    const checking = checkRanges(
      run.temp,
      session.unverified,
      signal ? AbortSignal.any([signal, stopChecking.signal]) : stopChecking.signal,
    );
    checking.catch(() => undefined); // awaited below; if fetching fails first, it is stopped and its outcome dropped
    let checked;
    try {
      await moveParts(ctx, progress, phase);
      checked = await checking;
    } finally {
      stopChecking.abort();
    }
    if (checked.mismatched.length > 0) {
      // Recorded, but the bytes are not (or no longer) in the temporary file: fetch those ranges again.
      for (const r of checked.mismatched) {
        done.delete(r.partNumber);
        resumedBytes -= r.size;
        progress.unresume(r.size);
      }
      await moveParts(ctx, progress, phase);
    }
    const crc = combineCrc(plan.parts.map((p) => done.get(p.number)!));
    ctx.emit({ type: 'completing' });
    const whole = range.start === 0 && total === head.size;
    if (whole && head.crc64 !== undefined && crc !== head.crc64) {
      throw new IntegrityError(
        'crc64',
        crc64ToDecimal(head.crc64),
        crc64ToDecimal(crc),
        `the downloaded bytes' CRC-64 ${crc64ToDecimal(crc)} differs from the server's ${crc64ToDecimal(head.crc64)} for oss://${bucket}/${key}`,
      );
    }
    if (handle) await commitTemp(handle, run.temp, run.dest);
    committed = true;
    await sweepTemps(run.dest, run.temp);
    return await finishTransfer(ctx, progress, {
      bucket,
      key,
      file: run.dest,
      etag: head.etag,
      crc64: crc64ToDecimal(crc),
      size: total,
      parts: plan.parts.length,
      resumedBytes,
      transferredBytes: total - resumedBytes,
      verified: whole && head.crc64 !== undefined ? 'crc64' : 'length-only',
      ...(opts.range ? { range } : {}),
    } satisfies DownloadResult);
  } finally {
    if (!committed) await handle?.close().catch(() => undefined);
  }
}

/** The absolute inclusive range to fetch: the whole object, or the option's range with its end clamped to the object. */
function absoluteRange(opts: DownloadFileOptions, size: number): { start: number; end: number } {
  const r = opts.range;
  if (!r) return { start: 0, end: size - 1 };
  if (r.start >= size) {
    throw new ArgumentError(
      'range',
      `the range starts at byte ${r.start} but oss://${opts.bucket}/${opts.key} has only ${size} bytes`,
    );
  }
  return { start: r.start, end: Math.min(r.end ?? size - 1, size - 1) };
}
