// The copy strategy (copy.ts starts it): one CopyObject, or a multipart copy whose parts are UploadPartCopy ranges
// over the engine's one scheduler, journaled and resumable like an upload. Every request carries
// x-oss-copy-source-if-match with the ETag the copy started from; the result's CRC-64 must equal the source's.
import { resolve } from 'node:path';
import { crc64ToDecimal } from '../../core/crc64.js';
import { HEADERS, userMetaHeader } from '../../core/dialect.js';
import { IntegrityError, ObjectChangedError, ServiceError } from '../../core/errors.js';
import type { HeadObjectResult, ObjectWriteOptions } from '../../client/index.js';
import {
  combineCrc,
  finishTransfer,
  inOrder,
  moveParts,
  startInfo,
  startProgress,
  type TransferContext,
  type TransferStrategy,
} from '../engine/engine.js';
import { abortQuietly, checkCrc, partRecord, type PartRecord } from '../engine/multipart.js';
import { isSingleCopy, remainingFeed } from '../engine/planner.js';
import type { PartFeed, PlannedPart, TransferClient } from '../engine/ports.js';
import { replacesMetadata, type CopyObjectOptions, type CopyResult } from './options.js';
import { openCopySession, type CopiedPart, type CopyCheckpointHeader, type CopySource } from './session.js';

/** Headers HeadObject returns that describe the object and that a copy keeps (besides Content-Type and x-oss-meta-*). */
const KEPT_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'expires'];

/** The new object's description: the source's, with the content type or the user metadata replaced when asked. */
function describe(opts: CopyObjectOptions, head: HeadObjectResult): ObjectWriteOptions {
  const headers: Record<string, string> = {};
  for (const h of KEPT_HEADERS) if (head.headers[h] !== undefined) headers[h] = head.headers[h]!;
  return {
    contentType: opts.contentType ?? head.contentType,
    meta: opts.meta ?? head.meta,
    headers,
    acl: opts.acl,
    storageClass: opts.storageClass,
    forbidOverwrite: opts.forbidOverwrite,
  };
}

function changed(opts: CopyObjectOptions, etag: string, err: unknown): ObjectChangedError {
  return new ObjectChangedError(
    opts.sourceBucket,
    opts.sourceKey,
    `oss://${opts.sourceBucket}/${opts.sourceKey} changed during the copy (its ETag is no longer ${etag}); nothing mixed was written`,
    { cause: err },
  );
}

function isPreconditionFailed(err: unknown): boolean {
  return err instanceof ServiceError && (err.status === 412 || err.code === 'PreconditionFailed');
}

function sourceDiffers(what: string, copy: string, source: string, requestId?: string): string {
  return `${what} CRC-64 ${copy} differs from the source's ${source}${requestId ? ` (request ${requestId})` : ''}`;
}

function result(
  opts: CopyObjectOptions,
  head: HeadObjectResult,
  etag: string,
  crc: bigint | undefined,
  parts: number,
  resumedBytes: number,
  uploadId?: string,
): CopyResult {
  return {
    bucket: opts.bucket,
    key: opts.key,
    file: `oss://${opts.sourceBucket}/${opts.sourceKey}`,
    etag,
    crc64: crc === undefined ? '' : crc64ToDecimal(crc),
    size: head.size,
    parts,
    resumedBytes,
    transferredBytes: head.size - resumedBytes,
    ...(uploadId ? { uploadId } : {}),
    source: { bucket: opts.sourceBucket, key: opts.sourceKey, etag: head.etag },
  };
}

type CopyContext = TransferContext<CopyCheckpointHeader, PartRecord>;

/**
 * The copy, a strategy of the transfer engine: one CopyObject up to the threshold; beyond, a multipart copy: session
 * (source ETag, ListParts) -> UploadPartCopy parts over the one scheduler -> checks -> Complete.
 */
export class CopyStrategy implements TransferStrategy<CopyCheckpointHeader, PartRecord, CopyResult> {
  readonly checkpointSuffix = '.ccp';
  /** Not a local file: the source's URL, which with the endpoint and destination names the checkpoint. */
  readonly checkpointFile: string;
  /** One CopyObject (no checkpoint) rather than a multipart copy. */
  readonly single: boolean;
  private uploadId: string | undefined;
  private completed = false;

  constructor(
    private readonly opts: CopyObjectOptions,
    private readonly head: HeadObjectResult,
  ) {
    this.checkpointFile = resolve(`oss://${opts.sourceBucket}/${opts.sourceKey}`);
    this.single = isSingleCopy(head.size, opts.multipartThreshold);
  }

  run(ctx: CopyContext): Promise<CopyResult> {
    const { opts, head } = this;
    const feed = ctx.planner.plan({
      kind: 'copy',
      size: head.size,
      partSize: opts.partSize,
      concurrency: opts.concurrency,
      multipartThreshold: opts.multipartThreshold,
    });
    return this.single ? this.copySingle(ctx, feed) : this.copyMultipart(ctx, feed);
  }

  private async copySingle(ctx: CopyContext, feed: PartFeed): Promise<CopyResult> {
    const { opts, head } = this;
    const progress = startProgress(ctx, {
      ...startInfo(feed, head.size),
      totalParts: 1,
      partSize: head.size,
      concurrency: 1,
    });
    const write = replacesMetadata(opts)
      ? describe(opts, head)
      : { acl: opts.acl, storageClass: opts.storageClass, forbidOverwrite: opts.forbidOverwrite };
    const res = await ctx.client
      .copyObject(opts.sourceBucket, opts.sourceKey, opts.bucket, opts.key, {
        ...write,
        sourceIfMatch: head.etag,
        sourceVersionId: opts.sourceVersionId,
        signal: opts.signal,
      })
      .catch((err: unknown) => {
        throw isPreconditionFailed(err) ? changed(opts, head.etag, err) : err;
      });
    checkCrc(res.crc64, head.crc64, (copy, source) => sourceDiffers("the copy's", copy, source, res.requestId));
    progress.partDone(1, head.size);
    ctx.emit({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
    return finishTransfer(ctx, progress, result(opts, head, res.etag, res.crc64 ?? head.crc64, 1, 0));
  }

  private async copyMultipart(ctx: CopyContext, feed: PartFeed): Promise<CopyResult> {
    const { opts, head } = this;
    const { client } = ctx;
    const plan = feed.plan!;
    const source: CopySource = {
      bucket: opts.sourceBucket,
      key: opts.sourceKey,
      etag: head.etag,
      size: head.size,
      ...(head.crc64 !== undefined ? { crc64: crc64ToDecimal(head.crc64) } : {}),
    };
    const initiate = describe(opts, head);
    const session = await openCopySession({
      client,
      store: ctx.store,
      bucket: opts.bucket,
      key: opts.key,
      source,
      plan,
      headers: describedHeaders(initiate),
      initiate,
      signal: opts.signal,
    });
    const uploadId = (this.uploadId = session.uploadId);
    const resumed = { bytes: session.resumedBytes, parts: session.done.size };
    const progress = startProgress(ctx, startInfo(feed, head.size, resumed));
    await moveParts(ctx, {
      feed: remainingFeed(feed, new Set(session.done.keys())),
      done: session.done,
      record: (part: CopiedPart) => partRecord(part, part.crcKnown ? part.crc64 : undefined),
      work: async (part, signal) => {
        const copied = await copyPart(client, opts, head.etag, uploadId, part, signal);
        progress.partDone(part.number, part.size);
        return copied;
      },
    });
    const { etag, crc } = await this.complete(ctx, uploadId, inOrder(session.done));
    return finishTransfer(
      ctx,
      progress,
      result(opts, head, etag, crc, plan.parts.length, session.resumedBytes, uploadId),
    );
  }

  /**
   * Complete the copy, never from parts whose CRC-64s do not add up to the source's (a wrong object); then the
   * completed object's CRC-64 must be the source's too.
   */
  private async complete(ctx: CopyContext, uploadId: string, ordered: CopiedPart[]) {
    const { opts, head } = this;
    const combined = combineCrc(ordered);
    const allKnown = ordered.every((p) => p.crcKnown);
    if (allKnown)
      checkCrc(combined, head.crc64, (copied, source) => sourceDiffers("the copied parts' combined", copied, source));
    ctx.emit({ type: 'completing' });
    const res = await ctx.client.completeMultipartUpload(
      opts.bucket,
      opts.key,
      uploadId,
      ordered.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      { acl: opts.acl, forbidOverwrite: opts.forbidOverwrite, signal: opts.signal },
    );
    this.completed = true;
    checkCrc(res.crc64, head.crc64, (copy, source) =>
      sourceDiffers("the completed copy's", copy, source, res.requestId),
    );
    return { etag: res.etag, crc: res.crc64 ?? (allKnown ? combined : head.crc64) };
  }

  /** A changed source or damaged parts can never be resumed into a right object; nor can a copy with no checkpoint. */
  async onFailure(err: unknown, ctx: CopyContext): Promise<void> {
    const hopeless =
      this.completed || err instanceof ObjectChangedError || err instanceof IntegrityError || !ctx.checkpointPath;
    if (!hopeless) return;
    if (this.uploadId && !this.completed)
      await abortQuietly(ctx.client, this.opts.bucket, this.opts.key, this.uploadId);
    await ctx.store.remove().catch(() => undefined);
  }
}

/** The headers the upload is initiated with, as recorded in the checkpoint (a different request starts over). */
function describedHeaders(w: ObjectWriteOptions): Record<string, string> {
  const out: Record<string, string> = { ...(w.headers ?? {}) };
  if (w.contentType) out['content-type'] = w.contentType;
  for (const [k, v] of Object.entries(w.meta ?? {}).sort()) out[userMetaHeader(k)] = v;
  if (w.acl) out[HEADERS.objectAcl] = w.acl;
  if (w.storageClass) out[HEADERS.storageClass] = w.storageClass;
  return out;
}

async function copyPart(
  client: TransferClient,
  opts: CopyObjectOptions,
  etag: string,
  uploadId: string,
  part: PlannedPart,
  signal: AbortSignal,
): Promise<CopiedPart> {
  let res;
  try {
    res = await client.uploadPartCopy(opts.sourceBucket, opts.sourceKey, opts.bucket, opts.key, uploadId, part.number, {
      range: { start: part.start, end: part.start + part.size - 1 },
      sourceIfMatch: etag,
      sourceVersionId: opts.sourceVersionId,
      signal,
    });
  } catch (err) {
    if (isPreconditionFailed(err)) throw changed(opts, etag, err);
    throw err;
  }
  // OSS may leave the CRC-64 out of an UploadPartCopy answer; ListParts has it (one small request per large part).
  const crc =
    res.crc64 ??
    (
      await client.listParts(opts.bucket, opts.key, uploadId, {
        after: part.number - 1,
        pageSize: 1,
        onePage: true,
        signal,
      })
    ).parts.find((p) => p.partNumber === part.number && p.etag === res.etag)?.crc64;
  return { partNumber: part.number, etag: res.etag, size: part.size, crc64: crc ?? 0n, crcKnown: crc !== undefined };
}
