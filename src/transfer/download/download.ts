// The download strategy of the transfer engine (engine/engine.ts), one for every sink: a file (downloadFile), a
// stream (downloadStream, download-stream.ts). HEAD -> open or resume the sink -> plan what is left -> fetch ranges over
// the one scheduler (range-get.ts: Range + If-Match, CRC-64 as the bytes arrive) -> the whole-object CRC-64 -> commit (a
// file is renamed into place; a stream ends). The object changing mid-download (If-Match fails) or a CRC-64
// mismatch restarts a file download from scratch once; the second time the error reaches the caller.
import type { HeadObjectResult } from '../../client/index.js';
import { Crc64, crc64ToDecimal } from '../../core/crc64.js';
import { ArgumentError, IntegrityError, ObjectChangedError } from '../../core/errors.js';
import {
  combineCrc,
  finishTransfer,
  moveParts,
  startInfo,
  startProgress,
  type TransferStrategy,
} from '../engine/engine.js';
import { checkCrc } from '../engine/multipart.js';
import type { PartFeed, PlannedPart } from '../engine/ports.js';
import type { ProgressTracker } from '../engine/progress.js';
import type { DownloadResult } from '../types.js';
import { fetchRange, type RangeTarget } from './range-get.js';
import type { DownloadContext, DownloadSink, SinkSession } from './sink.js';
import type { DoneRange, DownloadCheckpointHeader, DownloadRange, DownloadRecord, RangeRecord } from './types.js';

/** What the download strategy reads, whatever the sink. */
export interface DownloadSettings {
  bucket: string;
  key: string;
  partSize?: number;
  concurrency?: number;
  trafficLimit?: number;
  range?: DownloadRange;
  versionId?: string;
  /** The caller's HEAD of the object, used by the first attempt instead of its own (DownloadFileOptions.head). */
  head?: HeadObjectResult;
  signal?: AbortSignal;
}

/** The download: ranged GETs into the sink, verified, then committed. */
export class DownloadStrategy implements TransferStrategy<DownloadCheckpointHeader, DownloadRecord, DownloadResult> {
  readonly checkpointSuffix = '.dcp';
  readonly checkpointFile: string;

  constructor(
    private readonly opts: DownloadSettings,
    private readonly sink: DownloadSink,
  ) {
    this.checkpointFile = sink.checkpointFile;
  }

  async run(ctx: DownloadContext): Promise<DownloadResult> {
    const { opts, sink } = this;
    try {
      for (let restart = 0; ; restart++) {
        try {
          return await downloadOnce(ctx, opts, sink, restart > 0);
        } catch (err) {
          const startOver =
            err instanceof ObjectChangedError || (err instanceof IntegrityError && err.check === 'crc64');
          if (!startOver || !sink.restartable) throw err;
          // The bytes stored are of another version, or wrong: nothing of them may be resumed.
          await ctx.store.remove();
          await sink.discard();
          if (restart > 0) throw err instanceof ObjectChangedError ? changedAgain(opts, sink.name, err) : err;
        }
      }
    } finally {
      sink.release();
    }
  }

  onFailure(err: unknown, ctx: DownloadContext): Promise<void> {
    return this.sink.failed(err, ctx);
  }
}

function changedAgain(opts: DownloadSettings, dest: string, cause: ObjectChangedError): ObjectChangedError {
  return new ObjectChangedError(
    opts.bucket,
    opts.key,
    `oss://${opts.bucket}/${opts.key} changed during the download, and again after restarting; ${dest} was not written. ` +
      'Run the download again once the object is no longer being rewritten.',
    { cause },
  );
}

/** One attempt: HEAD, open the sink (openAttempt), plan what is left, move the ranges, check, commit. */
async function downloadOnce(
  ctx: DownloadContext,
  opts: DownloadSettings,
  sink: DownloadSink,
  fresh: boolean,
): Promise<DownloadResult> {
  const { head, range, total, session, plan } = await openAttempt(ctx, opts, sink, fresh);
  try {
    const resumed = {
      bytes: session.resumedBytes,
      parts: session.done.size,
      discarded: session.discarded,
      reread: session.reread,
    };
    const feed = plan(session.done);
    const progress = startProgress(ctx, startInfo(feed, total, resumed));
    await sink.reserve(total - session.resumedBytes);
    const target: RangeTarget = { ...opts, client: ctx.client, etag: head.etag, size: head.size, base: range.start };
    const resumedBytes = session.resumedBytes - (await fetchRanges(ctx, sink, target, feed, plan, session, progress));
    const ranges = tiled(session.done, total);
    const crc = combineCrc(ranges);
    ctx.emit({ type: 'completing' });
    const whole = range.start === 0 && total === head.size;
    if (whole) checkObjectCrc(opts.bucket, opts.key, head.crc64, crc);
    await sink.commit();
    return await finishTransfer(ctx, progress, {
      bucket: opts.bucket,
      key: opts.key,
      file: sink.name,
      etag: head.etag,
      crc64: crc64ToDecimal(crc),
      size: total,
      parts: ranges.length,
      resumedBytes,
      transferredBytes: total - resumedBytes,
      verified: whole && head.crc64 !== undefined ? 'crc64' : 'length-only',
      ...(opts.range ? { range } : {}),
      head,
    } satisfies DownloadResult);
  } finally {
    await sink.close();
  }
}

/** What is left to fetch, planned around the ranges stored (their journal records carry offset and size). */
type PlanLeft = (done: ReadonlyMap<number, DoneRange>) => PartFeed;

/** HEAD the object and open the sink (resuming what it holds); the ranges are planned around what it holds. */
async function openAttempt(ctx: DownloadContext, opts: DownloadSettings, sink: DownloadSink, fresh: boolean) {
  // A restart begins again from a fresh HEAD: the one it was given described the version that changed.
  const head =
    !fresh && opts.head
      ? opts.head
      : await ctx.client.headObject(opts.bucket, opts.key, { signal: opts.signal, versionId: opts.versionId });
  const range = absoluteRange(opts, head.size);
  const total = range.end - range.start + 1;
  const plan: PlanLeft = (done) =>
    ctx.planner.plan({
      kind: 'download',
      stream: !sink.restartable,
      size: total,
      partSize: opts.partSize,
      concurrency: opts.concurrency,
      done: [...done.values()].map((r) => ({ number: r.partNumber, start: r.offset, size: r.size })),
    });
  const session = await sink.open(ctx, {
    endpoint: ctx.client.endpoint.url,
    bucket: opts.bucket,
    key: opts.key,
    object: {
      size: head.size,
      etag: head.etag,
      lastModified: head.headers['last-modified'] ?? '',
      crc64: head.crc64 !== undefined ? crc64ToDecimal(head.crc64) : '',
    },
    range,
    // Sizes the file sink's write batches: the ranges in flight at the start.
    concurrency: plan(new Map()).concurrency(),
    fresh,
    onVerify: (partsChecked, partsTotal) =>
      ctx.emit({ type: 'verifying', partsChecked, partsTotal, totalBytes: total }),
  });
  return { head, range, total, session, plan };
}

/** The done ranges in byte order, checked to tile the download exactly (what the whole CRC-64 is combined from). */
function tiled(done: ReadonlyMap<number, DoneRange>, total: number): DoneRange[] {
  const ranges = [...done.values()].sort((a, b) => a.offset - b.offset);
  let at = 0;
  for (const r of ranges) {
    if (r.offset !== at) throw new Error(`internal: the downloaded ranges do not tile the download at byte ${at}`);
    at += r.size;
  }
  if (at !== total) throw new Error(`internal: the downloaded ranges end at byte ${at}, not ${total}`);
  return ranges;
}

/**
 * Fetch the ranges not stored yet, while the resumed ones are re-read (the final check waits for them); then fetch
 * again those whose bytes turned out not to be (or no longer be) stored. Resolves with the bytes no longer resumed.
 */
async function fetchRanges(
  ctx: DownloadContext,
  sink: DownloadSink,
  target: RangeTarget,
  feed: PartFeed,
  plan: PlanLeft,
  session: SinkSession,
  progress: ProgressTracker,
): Promise<number> {
  const { done } = session;
  const phase = (left: PartFeed) => ({
    feed: left,
    done,
    record: (r: DoneRange): RangeRecord => ({
      kind: 'range',
      partNumber: r.partNumber,
      offset: r.offset,
      size: r.size,
      crc64: crc64ToDecimal(r.crc64),
    }),
    work: async (part: PlannedPart, signal: AbortSignal): Promise<DoneRange> => {
      const crc = new Crc64();
      await fetchRange(sink, target, part, crc, {
        signal,
        onBytes: (stored) => progress.partBytes(part.number, stored),
      });
      progress.partDone(part.number, part.size);
      return { partNumber: part.number, offset: part.start, size: part.size, crc64: crc.digest() };
    },
  });
  const stopChecking = new AbortController();
  const signal = ctx.signal;
  const checking = sink.check(
    session.unverified,
    signal ? AbortSignal.any([signal, stopChecking.signal]) : stopChecking.signal,
  );
  checking.catch(() => undefined); // awaited below; if fetching fails first, it is stopped and its outcome dropped
  let checked;
  try {
    await moveParts(ctx, phase(feed));
    checked = await checking;
  } finally {
    stopChecking.abort();
  }
  let unresumed = 0;
  if (checked.mismatched.length > 0) {
    // Recorded, but the bytes are not (or no longer) stored: fetch those ranges again.
    for (const r of checked.mismatched) {
      // Recorded as dropped before its bytes are rewritten: a run stopped mid-range must not trust the old record.
      await ctx.store.append({ kind: 'drop', partNumber: r.partNumber });
      done.delete(r.partNumber);
      unresumed += r.size;
      progress.unresume(r.size);
    }
    await moveParts(ctx, phase(plan(done)));
  }
  return unresumed;
}

/** The whole object's bytes, checked against the CRC-64 the server gave for it (the one message for every download). */
export function checkObjectCrc(bucket: string, key: string, server: bigint | undefined, crc: bigint): void {
  checkCrc(server, crc, (s, ours) => {
    return `the downloaded bytes' CRC-64 ${ours} differs from the server's ${s} for oss://${bucket}/${key}`;
  });
}

/** The absolute inclusive range to fetch: the whole object, or the option's range with its end clamped to the object. */
function absoluteRange(opts: DownloadSettings, size: number): { start: number; end: number } {
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
