// copyObject: a server-side copy; no object byte passes through the client. Up to `multipartThreshold` (1 GiB, the
// most one CopyObject may copy) one CopyObject; beyond, a multipart upload whose parts are UploadPartCopy ranges,
// sent in parallel, journaled and resumable like an upload. Every request carries x-oss-copy-source-if-match with
// the ETag the copy started from, so a source replaced meanwhile fails the copy (ObjectChanged) instead of mixing
// two versions. The result's CRC-64 must equal the source's.
import path from 'node:path';
import { crc64ToDecimal } from '../../core/crc64.js';
import { ArgumentError, IntegrityError, ObjectChangedError, ServiceError } from '../../core/errors.js';
import { validateBucketName, validateObjectKey } from '../../core/names.js';
import type { HeadObjectResult, ObjectWriteOptions } from '../../client/index.js';
import type { CheckpointPorts, TransferClient } from '../engine/ports.js';
import {
  finishTransfer,
  moveParts,
  runTransfer,
  startProgress,
  type TransferContext,
  type TransferStrategy,
} from '../engine/engine.js';
import { fileCheckpoints } from '../node.js';
import { COPY_OBJECT_LIMIT, defaultCopyPartSize } from '../engine/planner.js';
import { runPool } from '../engine/part-pool.js';
import { planParts, type PartPlan, type PlannedPart } from '../engine/plan.js';
import type { TransferEvent, UploadResult } from '../types.js';
import type { PartRecord } from '../upload/session.js';
import { openCopySession, type CopiedPart, type CopyCheckpointHeader, type CopySource } from './session.js';

export { COPY_OBJECT_LIMIT, MIN_COPY_PART_SIZE, defaultCopyPartSize } from '../engine/planner.js';

export interface CopyObjectOptions {
  sourceBucket: string;
  sourceKey: string;
  /** Copy this version of the source instead of its latest (versioned buckets): restores an old version. */
  sourceVersionId?: string;
  /** Destination bucket. */
  bucket: string;
  /** Destination key. */
  key: string;
  /** Objects larger than this are copied in parts (default and maximum 1 GiB). */
  multipartThreshold?: number;
  /** Part size of a multipart copy (default: size / 1000, at least 64 MiB); raised to stay within 10,000 parts. */
  partSize?: number;
  /** UploadPartCopy requests in flight (default 1). */
  concurrency?: number;
  /** Multipart copies only. Off by default; true -> a file in the current directory; a path; an existing directory. */
  checkpoint?: boolean | string;
  /** Where checkpoints live and how they are locked (default: files, transfer/node.ts). */
  checkpoints?: CheckpointPorts;
  /** Replaces the user metadata (x-oss-metadata-directive: REPLACE); the content type and the rest are kept. */
  meta?: Record<string, string>;
  /** Replaces the Content-Type (x-oss-metadata-directive: REPLACE); the user metadata is kept. */
  contentType?: string;
  /** ACL of the new object. */
  acl?: string;
  /** Storage class of the new object. */
  storageClass?: string;
  /** Fail with FileAlreadyExists instead of replacing an existing destination. */
  forbidOverwrite?: boolean;
  onProgress?: (event: TransferEvent) => void;
  /** Aborting pauses a multipart copy (checkpoint and upload kept, AbortedError thrown). */
  signal?: AbortSignal;
}

export interface CopyResult extends UploadResult {
  /** The source as it was copied. */
  source: { bucket: string; key: string; etag: string };
}

/** Headers HeadObject returns that describe the object and that a copy keeps (besides Content-Type and x-oss-meta-*). */
const KEPT_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'expires'];

export async function copyObject(client: TransferClient, opts: CopyObjectOptions): Promise<CopyResult> {
  validate(opts);
  const emit = (e: TransferEvent) => opts.onProgress?.(e);
  const head = await client.headObject(opts.sourceBucket, opts.sourceKey, {
    signal: opts.signal,
    versionId: opts.sourceVersionId,
  });
  const threshold = Math.min(opts.multipartThreshold ?? COPY_OBJECT_LIMIT, COPY_OBJECT_LIMIT);
  if (head.size <= threshold) return copySingle(client, opts, head, emit);
  return copyMultipart(client, opts, head, emit);
}

function validate(opts: CopyObjectOptions): void {
  if (!opts || typeof opts !== 'object') throw new ArgumentError('options', 'copyObject needs an options object');
  for (const [field, bucket] of [
    ['sourceBucket', opts.sourceBucket],
    ['bucket', opts.bucket],
  ] as const) {
    const bad = validateBucketName(bucket);
    if (bad) throw new ArgumentError(field, `invalid bucket name ${JSON.stringify(bucket)}: ${bad}`);
  }
  for (const [field, key] of [
    ['sourceKey', opts.sourceKey],
    ['key', opts.key],
  ] as const) {
    const bad = validateObjectKey(key);
    if (bad) throw new ArgumentError(field, `invalid object key ${JSON.stringify(key)}: ${bad}`);
  }
  const c = opts.concurrency ?? 1;
  if (!Number.isInteger(c) || c < 1 || c > 1000)
    throw new ArgumentError('concurrency', `concurrency must be an integer in 1..1000, got ${c}`);
  if (
    opts.multipartThreshold !== undefined &&
    (!Number.isSafeInteger(opts.multipartThreshold) || opts.multipartThreshold < 0)
  ) {
    throw new ArgumentError(
      'multipartThreshold',
      `multipartThreshold must be a non-negative integer, got ${opts.multipartThreshold}`,
    );
  }
  if (isSelfCopy(opts) && !replacesMetadata(opts) && opts.sourceVersionId === undefined) {
    throw new ArgumentError(
      'key',
      'copying an object onto itself without new metadata would change nothing, and OSS refuses it; ' +
        'give meta or contentType to rewrite its metadata in place',
    );
  }
}

export function isSelfCopy(o: { sourceBucket: string; sourceKey: string; bucket: string; key: string }): boolean {
  return o.sourceBucket === o.bucket && o.sourceKey === o.key;
}

function replacesMetadata(opts: CopyObjectOptions): boolean {
  return opts.meta !== undefined || opts.contentType !== undefined;
}

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

function checkCrc(what: string, got: bigint | undefined, head: HeadObjectResult, requestId?: string): void {
  if (got === undefined || head.crc64 === undefined || got === head.crc64) return;
  throw new IntegrityError(
    'crc64',
    crc64ToDecimal(head.crc64),
    crc64ToDecimal(got),
    `${what} CRC-64 ${crc64ToDecimal(got)} differs from the source's ${crc64ToDecimal(head.crc64)}${requestId ? ` (request ${requestId})` : ''}`,
  );
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

async function copySingle(
  client: TransferClient,
  opts: CopyObjectOptions,
  head: HeadObjectResult,
  emit: (e: TransferEvent) => void,
): Promise<CopyResult> {
  emit({ type: 'start', totalBytes: head.size, resumedBytes: 0, totalParts: 1, partsDone: 0 });
  const write = replacesMetadata(opts)
    ? describe(opts, head)
    : { acl: opts.acl, storageClass: opts.storageClass, forbidOverwrite: opts.forbidOverwrite };
  const res = await client
    .copyObject(opts.sourceBucket, opts.sourceKey, opts.bucket, opts.key, {
      ...write,
      sourceIfMatch: head.etag,
      sourceVersionId: opts.sourceVersionId,
      signal: opts.signal,
    })
    .catch((err: unknown) => {
      throw isPreconditionFailed(err) ? changed(opts, head.etag, err) : err;
    });
  checkCrc("the copy's", res.crc64, head, res.requestId);
  emit({ type: 'progress', bytesDone: head.size, totalBytes: head.size });
  emit({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  const r = result(opts, head, res.etag, res.crc64 ?? head.crc64, 1, 0);
  emit({ type: 'complete', result: r });
  return r;
}

function copyMultipart(
  client: TransferClient,
  opts: CopyObjectOptions,
  head: HeadObjectResult,
  emit: (e: TransferEvent) => void,
): Promise<CopyResult> {
  // `checkpoint: true` names the file after a local path; a copy has none, so it goes in the current directory.
  const checkpoint = opts.checkpoint === true ? process.cwd() : opts.checkpoint;
  return runTransfer(
    client,
    { bucket: opts.bucket, key: opts.key, checkpoint, signal: opts.signal, onProgress: emit },
    new CopyStrategy(opts, head),
    opts.checkpoints ?? fileCheckpoints,
  );
}

type CopyContext = TransferContext<CopyCheckpointHeader, PartRecord>;

/** The multipart copy, a strategy of the transfer engine: session (source ETag, ListParts) -> UploadPartCopy parts -> checks -> Complete. */
class CopyStrategy implements TransferStrategy<CopyCheckpointHeader, PartRecord, CopyResult> {
  readonly checkpointSuffix = '.ccp';
  /** Not a local file: the source's URL, which with the endpoint and destination names the checkpoint. */
  readonly checkpointFile: string;
  private readonly plan: PartPlan;
  private uploadId: string | undefined;
  private completed = false;

  constructor(
    private readonly opts: CopyObjectOptions,
    private readonly head: HeadObjectResult,
  ) {
    this.checkpointFile = path.resolve(`oss://${opts.sourceBucket}/${opts.sourceKey}`);
    this.plan = planParts(head.size, opts.partSize ?? defaultCopyPartSize(head.size));
  }

  async run(ctx: CopyContext): Promise<CopyResult> {
    const { opts, head, plan } = this;
    const { client } = ctx;
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
    const progress = startProgress(ctx, plan, head.size, session.resumedBytes, session.done.size);
    const combined = await moveParts(ctx, progress, {
      plan,
      done: session.done,
      record: (part) => ({
        kind: 'part',
        partNumber: part.partNumber,
        etag: part.etag,
        crc64: part.crcKnown ? crc64ToDecimal(part.crc64) : '',
        size: part.size,
      }),
      move: (parts, _tracker, onPartDone) =>
        runPool(
          parts,
          opts.concurrency ?? 1,
          opts.signal,
          (part, signal) => copyPart(client, opts, head.etag, uploadId, part, signal),
          async (part) => {
            await onPartDone(part);
            progress.partDone(part.partNumber, part.size);
          },
        ),
    });
    const ordered = plan.parts.map((p) => session.done.get(p.number)!);
    // Before Complete: parts whose CRC-64s do not add up to the source's would make a wrong object. Never complete it.
    const allKnown = ordered.every((p) => p.crcKnown);
    if (allKnown) checkCrc("the copied parts' combined", combined, head);
    ctx.emit({ type: 'completing' });
    const res = await client.completeMultipartUpload(
      opts.bucket,
      opts.key,
      uploadId,
      ordered.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      {
        acl: opts.acl,
        forbidOverwrite: opts.forbidOverwrite,
        signal: opts.signal,
      },
    );
    this.completed = true;
    checkCrc("the completed copy's", res.crc64, head, res.requestId);
    return finishTransfer(
      ctx,
      progress,
      result(
        opts,
        head,
        res.etag,
        res.crc64 ?? (allKnown ? combined : head.crc64),
        plan.parts.length,
        session.resumedBytes,
        uploadId,
      ),
    );
  }

  /** A changed source or damaged parts can never be resumed into a right object; nor can a copy with no checkpoint. */
  async onFailure(err: unknown, ctx: CopyContext): Promise<void> {
    const hopeless =
      this.completed || err instanceof ObjectChangedError || err instanceof IntegrityError || !ctx.checkpointPath;
    if (!hopeless) return;
    if (this.uploadId && !this.completed)
      await ctx.client.abortMultipartUpload(this.opts.bucket, this.opts.key, this.uploadId).catch(() => undefined);
    await ctx.store.remove().catch(() => undefined);
  }
}

/** The headers the upload is initiated with, as recorded in the checkpoint (a different request starts over). */
function describedHeaders(w: ObjectWriteOptions): Record<string, string> {
  const out: Record<string, string> = { ...(w.headers ?? {}) };
  if (w.contentType) out['content-type'] = w.contentType;
  for (const [k, v] of Object.entries(w.meta ?? {}).sort()) out[`x-oss-meta-${k}`] = v;
  if (w.acl) out['x-oss-object-acl'] = w.acl;
  if (w.storageClass) out['x-oss-storage-class'] = w.storageClass;
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
