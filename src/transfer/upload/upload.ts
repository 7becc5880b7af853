// The upload strategy of the transfer engine (engine/engine.ts), one for every PartSource: a file (uploadFile), a
// stream (uploadStream, upload-stream.ts), a Blob (a browser uploader). A source within one part is one PutObject
// (single.ts); otherwise a multipart upload, resumed from its checkpoint when the source is replayable: the session
// (session.ts), the parts over the one scheduler (parts.ts), the resumed parts re-checked meanwhile (verify.ts),
// then Complete and its CRC-64 check (complete.ts). A stream's parts are read in order as slots free, its length
// found at its end. Browser-safe: Node's pieces come in through the ports.
import { OssupError, ServiceError } from '../../core/errors.js';
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from '../../core/limits.js';
import {
  combineCrc,
  finishTransfer,
  inOrder,
  moveParts,
  startInfo,
  startProgress,
  type TransferStrategy,
} from '../engine/engine.js';
import type { PartBytes, PartFeed, PartSource, PlannedPart } from '../engine/ports.js';
import type { ProgressTracker } from '../engine/progress.js';
import type { UploadResult } from '../types.js';
import { completeUpload } from './complete.js';
import { sendPart } from './parts.js';
import { uploadRecord, resumeFeed, type UploadRun } from './resume-feed.js';
import { abortQuietly } from '../engine/multipart.js';
import { openSession } from './session.js';
import { setAsideCheckpoint } from './stale.js';
import type { UploadCheckpointHeader, UploadRecord, UploadStore } from './types.js';
import { uploadResult, type UploadContext, type UploadSettings } from './settings.js';
import { uploadSingle } from './single.js';
import { verifyResumedParts } from './verify.js';

/** The upload: one PutObject for a source of one part, else a multipart upload (resumed from its checkpoint). */
export class UploadStrategy implements TransferStrategy<UploadCheckpointHeader, UploadRecord, UploadResult> {
  readonly checkpointSuffix = '.ucp';
  private uploadId: string | undefined;
  /** The object is stored: nothing may be aborted any more. */
  private completed = false;

  constructor(
    private readonly opts: UploadSettings,
    private readonly source: PartSource,
    /** The local path the checkpoint is named after (a stream keeps none). */
    readonly checkpointFile: string,
  ) {}

  async run(ctx: UploadContext): Promise<UploadResult> {
    const { opts, source } = this;
    const feed = ctx.planner.plan(
      {
        kind: 'upload',
        size: source.size,
        partSize: opts.partSize,
        concurrency: opts.concurrency,
        expectedSize: opts.expectedSize,
      },
      await resumePartSize(ctx.store, opts),
    );
    if (source.size === undefined) {
      // A stream: its first part is read whole; if the stream ends within it, one PutObject.
      const first = feed.next()!;
      const bytes = await source.read(first, { signal: ctx.signal });
      if (bytes.size < first.size || (await source.atEnd?.(ctx.signal))) return uploadSingle(ctx, opts, source, bytes);
      return this.multipart(ctx, feed, { part: first, bytes });
    }
    if (feed.single) {
      // A checkpoint left by an earlier, larger version of the file would otherwise pin its upload forever.
      await discardCheckpoint(ctx, opts);
      return uploadSingle(ctx, opts, source);
    }
    return this.multipart(ctx, feed);
  }

  private async multipart(
    ctx: UploadContext,
    feed: PartFeed,
    first?: { part: PlannedPart; bytes: PartBytes },
  ): Promise<UploadResult> {
    const { opts, source } = this;
    const plan = feed.plan ?? { partSize: feed.partSize, single: false, parts: [] };
    const session = await openSession({
      client: ctx.client,
      bucket: opts.bucket,
      key: opts.key,
      source,
      file: source.identity ?? {},
      plan,
      store: ctx.store,
      initiate: opts.write,
      signal: opts.signal,
      warn: opts.onWarning,
      multipartEtag: opts.multipartEtag,
      onVerify: (partsChecked, partsTotal) =>
        ctx.emit({ type: 'verifying', partsChecked, partsTotal, totalBytes: source.size ?? 0 }),
    });
    const uploadId = (this.uploadId = session.uploadId);
    const info = startInfo(feed, source.size ?? 0, {
      bytes: session.resumedBytes,
      parts: session.done.size,
      discarded: session.discarded,
    });
    // A resumed upload whose parts grew has fewer than its first size gives.
    if (source.size !== undefined) info.totalParts = session.layout.parts.length;
    const progress = startProgress(ctx, info, source.size !== undefined);
    const run: UploadRun = { ctx, opts, source, feed, layout: session.layout, session, first, pending: [] };
    let resumedBytes = session.resumedBytes;
    if (session.completed) {
      // An earlier run's Complete succeeded (proven in openSession); only its checkpoint was left behind.
      this.completed = true;
      const { etag, crc64 } = session.completed;
      return finishTransfer(ctx, progress, {
        ...uploadResult(opts, source, etag, crc64, source.size ?? 0, session.layout.parts.length, resumedBytes),
        uploadId,
      });
    }
    resumedBytes -= await this.sendParts(run, progress);
    const parts = inOrder(session.done);
    const size = parts.reduce((n, p) => n + p.size, 0);
    const expectedCrc = combineCrc(parts);
    // Everything was read from the source; if it changed meanwhile, the parts may mix two versions: never complete.
    await source.assertUnchanged?.();
    ctx.emit({ type: 'completing' });
    const res = await completeUpload(ctx.client, opts, uploadId, parts, expectedCrc, size, () => {
      this.completed = true;
    });
    return finishTransfer(ctx, progress, {
      ...uploadResult(opts, source, res.etag, expectedCrc, size, parts.length, resumedBytes, uploadId),
      ...(opts.callback ? { callbackBody: res.callbackBody } : {}),
    });
  }

  /**
   * Send the parts not done, while the resumed ones are checked on the hashing threads; then send again those whose
   * bytes turned out to differ (rewritten since, same size and mtime). Resolves with the bytes no longer resumed.
   */
  private async sendParts(run: UploadRun, progress: ProgressTracker): Promise<number> {
    const { ctx, opts, source, session } = run;
    const stopVerifying = new AbortController();
    const verifying = verifyResumedParts(
      source,
      session.unverified,
      opts.signal ? AbortSignal.any([opts.signal, stopVerifying.signal]) : stopVerifying.signal,
    );
    verifying.catch(() => undefined); // awaited below; if sending fails first, it is stopped and its outcome dropped
    let checked;
    let ended = false;
    const phase = (feed: PartFeed) => ({
      feed,
      done: session.done,
      record: uploadRecord,
      pending: () => run.pending.splice(0),
      prepare: source.replayable
        ? (part: PlannedPart, signal: AbortSignal) => source.read(part, { signal, crcOnly: opts.contentMd5 !== true })
        : undefined,
      work: async (part: PlannedPart, signal: AbortSignal, prepared: Promise<PartBytes> | undefined) => {
        const ahead = part === run.first?.part ? Promise.resolve(run.first.bytes) : prepared;
        const done = await sendPart(send, part, signal, ahead);
        if (!done || done.size < part.size) ended = true; // a stream's end: no part may follow
        return done;
      },
    });
    const send = { ...opts, client: ctx.client, uploadId: session.uploadId, source, progress };
    try {
      await moveParts(ctx, phase(resumeFeed(run, () => ended)));
      checked = await verifying;
    } finally {
      stopVerifying.abort();
    }
    if (source.size === undefined && !ended && !(await source.atEnd?.(ctx.signal))) {
      // Found only now, after bytes were sent: a failed transfer (exit 1), not a bad argument.
      throw new OssupError(
        'StreamTooLarge',
        `the stream is larger than ${MAX_PARTS} parts of ${run.feed.partSize} bytes, the most one object may have; ` +
          'give a larger part size or the expected size',
      );
    }
    for (const { part, crc64 } of checked.verified) {
      session.done.set(part.partNumber, { ...session.done.get(part.partNumber)!, crc64 });
      if (part.unrecorded) await ctx.store.append(uploadRecord(session.done.get(part.partNumber)!));
    }
    let unresumed = 0;
    if (checked.mismatched.length > 0) {
      for (const part of checked.mismatched) {
        session.done.delete(part.partNumber);
        unresumed += part.size;
        progress.unresume(part.size);
      }
      await moveParts(ctx, phase(resumeFeed(run, () => false)));
    }
    return unresumed;
  }

  async onFailure(err: unknown, ctx: UploadContext): Promise<void> {
    this.source.close?.();
    if (err instanceof ServiceError && err.code === 'CallbackFailed') this.completed = true; // the object IS stored (203)
    if (this.completed) {
      await ctx.store.remove().catch(() => undefined);
    } else if (!ctx.checkpointPath && this.uploadId) {
      // Without a checkpoint nothing can ever resume this upload: do not leave its parts behind.
      await abortQuietly(ctx.client, this.opts.bucket, this.opts.key, this.uploadId);
    }
  }
}

/**
 * A resumed upload keeps its checkpoint's part size when the caller gave none (a planner whose sizes changed, an
 * adaptive one, would otherwise orphan the parts already sent). Only a checkpoint of this target counts.
 */
async function resumePartSize(store: UploadStore, opts: UploadSettings): Promise<{ partSize: number } | undefined> {
  if (opts.partSize !== undefined || store.location === 'memory') return undefined;
  const h = (await store.load())?.header;
  if (h?.kind !== 'ossup-upload' || h.bucket !== opts.bucket || h.key !== opts.key) return undefined;
  const ok = Number.isSafeInteger(h.partSize) && h.partSize >= MIN_PART_SIZE && h.partSize <= MAX_PART_SIZE;
  return ok ? { partSize: h.partSize } : undefined;
}

async function discardCheckpoint(ctx: UploadContext, opts: UploadSettings): Promise<void> {
  const loaded = await ctx.store.load();
  if (!loaded) return;
  await setAsideCheckpoint(ctx.client, opts, loaded.header, opts.onWarning, ctx.store.location);
  await ctx.store.remove();
}
