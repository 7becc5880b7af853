// copyObject: a server-side copy; no object byte passes through the client. Up to `multipartThreshold` (1 GiB, the
// most one CopyObject may copy) one CopyObject; beyond, a multipart upload whose parts are UploadPartCopy ranges,
// sent in parallel, journaled and resumable like an upload. Every request carries x-oss-copy-source-if-match with
// the ETag the copy started from, so a source replaced meanwhile fails the copy (ObjectChanged) instead of mixing
// two versions. The result's CRC-64 must equal the source's.
import path from 'node:path';
import { crc64Combine, crc64ToDecimal } from '../../core/crc64.js';
import { ArgumentError, IntegrityError, ObjectChangedError, ServiceError } from '../../core/errors.js';
import { validateBucketName, validateObjectKey } from '../../core/names.js';
import type { OssClient } from '../../client/client.js';
import type { ObjectWriteOptions } from '../../client/headers.js';
import type { HeadObjectResult } from '../../client/types.js';
import { acquireLock, type HeldLock } from '../checkpoint/lock.js';
import { FileCheckpointStore, MemoryCheckpointStore, resolveCheckpointPath } from '../checkpoint/store.js';
import { runPool } from '../engine/part-pool.js';
import { planParts, type PlannedPart } from '../engine/plan.js';
import { ProgressTracker } from '../engine/progress.js';
import type { TransferEvent, UploadResult } from '../types.js';
import { openCopySession, type CopiedPart, type CopySource, type CopyStore } from './session.js';

/** The most one CopyObject request may copy (OSS): larger objects are copied in parts. */
export const COPY_OBJECT_LIMIT = 1024 ** 3;
/** The smallest part a multipart copy picks by itself: a part costs a request, not client memory or bytes. */
export const MIN_COPY_PART_SIZE = 64 * 1024 ** 2;

export interface CopyObjectOptions {
  sourceBucket: string;
  sourceKey: string;
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

export async function copyObject(client: OssClient, opts: CopyObjectOptions): Promise<CopyResult> {
  validate(opts);
  const emit = (e: TransferEvent) => opts.onProgress?.(e);
  const head = await client.headObject(opts.sourceBucket, opts.sourceKey, { signal: opts.signal });
  const threshold = Math.min(opts.multipartThreshold ?? COPY_OBJECT_LIMIT, COPY_OBJECT_LIMIT);
  if (head.size <= threshold) return copySingle(client, opts, head, emit);
  return copyMultipart(client, opts, head, emit);
}

function validate(opts: CopyObjectOptions): void {
  if (!opts || typeof opts !== 'object') throw new ArgumentError('options', 'copyObject needs an options object');
  for (const [field, bucket] of [['sourceBucket', opts.sourceBucket], ['bucket', opts.bucket]] as const) {
    const bad = validateBucketName(bucket);
    if (bad) throw new ArgumentError(field, `invalid bucket name ${JSON.stringify(bucket)}: ${bad}`);
  }
  for (const [field, key] of [['sourceKey', opts.sourceKey], ['key', opts.key]] as const) {
    const bad = validateObjectKey(key);
    if (bad) throw new ArgumentError(field, `invalid object key ${JSON.stringify(key)}: ${bad}`);
  }
  const c = opts.concurrency ?? 1;
  if (!Number.isInteger(c) || c < 1 || c > 1000) throw new ArgumentError('concurrency', `concurrency must be an integer in 1..1000, got ${c}`);
  if (opts.multipartThreshold !== undefined && (!Number.isSafeInteger(opts.multipartThreshold) || opts.multipartThreshold < 0)) {
    throw new ArgumentError('multipartThreshold', `multipartThreshold must be a non-negative integer, got ${opts.multipartThreshold}`);
  }
  if (isSelfCopy(opts) && !replacesMetadata(opts)) {
    throw new ArgumentError('key', 'copying an object onto itself without new metadata would change nothing, and OSS refuses it; ' +
      'give meta or contentType to rewrite its metadata in place');
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
    contentType: opts.contentType ?? head.contentType, meta: opts.meta ?? head.meta, headers,
    acl: opts.acl, storageClass: opts.storageClass, forbidOverwrite: opts.forbidOverwrite,
  };
}

function changed(opts: CopyObjectOptions, etag: string, err: unknown): ObjectChangedError {
  return new ObjectChangedError(opts.sourceBucket, opts.sourceKey,
    `oss://${opts.sourceBucket}/${opts.sourceKey} changed during the copy (its ETag is no longer ${etag}); nothing mixed was written`, { cause: err });
}

function isPreconditionFailed(err: unknown): boolean {
  return err instanceof ServiceError && (err.status === 412 || err.code === 'PreconditionFailed');
}

function checkCrc(what: string, got: bigint | undefined, head: HeadObjectResult, requestId?: string): void {
  if (got === undefined || head.crc64 === undefined || got === head.crc64) return;
  throw new IntegrityError('crc64', crc64ToDecimal(head.crc64), crc64ToDecimal(got),
    `${what} CRC-64 ${crc64ToDecimal(got)} differs from the source's ${crc64ToDecimal(head.crc64)}${requestId ? ` (request ${requestId})` : ''}`);
}

function result(opts: CopyObjectOptions, head: HeadObjectResult, etag: string, crc: bigint | undefined, parts: number, resumedBytes: number, uploadId?: string): CopyResult {
  return {
    bucket: opts.bucket, key: opts.key, file: `oss://${opts.sourceBucket}/${opts.sourceKey}`, etag, crc64: crc === undefined ? '' : crc64ToDecimal(crc),
    size: head.size, parts, resumedBytes, transferredBytes: head.size - resumedBytes, ...(uploadId ? { uploadId } : {}),
    source: { bucket: opts.sourceBucket, key: opts.sourceKey, etag: head.etag },
  };
}

async function copySingle(client: OssClient, opts: CopyObjectOptions, head: HeadObjectResult, emit: (e: TransferEvent) => void): Promise<CopyResult> {
  emit({ type: 'start', totalBytes: head.size, resumedBytes: 0, totalParts: 1, partsDone: 0 });
  const write = replacesMetadata(opts) ? describe(opts, head) : { acl: opts.acl, storageClass: opts.storageClass, forbidOverwrite: opts.forbidOverwrite };
  const res = await client.copyObject(opts.sourceBucket, opts.sourceKey, opts.bucket, opts.key, { ...write, sourceIfMatch: head.etag, signal: opts.signal })
    .catch((err: unknown) => { throw isPreconditionFailed(err) ? changed(opts, head.etag, err) : err; });
  checkCrc('the copy\'s', res.crc64, head, res.requestId);
  emit({ type: 'progress', bytesDone: head.size, totalBytes: head.size });
  emit({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  const r = result(opts, head, res.etag, res.crc64 ?? head.crc64, 1, 0);
  emit({ type: 'complete', result: r });
  return r;
}

/** Part size of a multipart copy of `size` bytes when none is given: a function of the size alone (resumable). */
export function defaultCopyPartSize(size: number): number {
  return Math.max(MIN_COPY_PART_SIZE, Math.ceil(size / 1000 / 1024 ** 2) * 1024 ** 2);
}

async function copyMultipart(client: OssClient, opts: CopyObjectOptions, head: HeadObjectResult, emit: (e: TransferEvent) => void): Promise<CopyResult> {
  const plan = planParts(head.size, opts.partSize ?? defaultCopyPartSize(head.size));
  const sourceUrl = `oss://${opts.sourceBucket}/${opts.sourceKey}`;
  const cpPath = await resolveCheckpointPath(opts.checkpoint === true ? process.cwd() : opts.checkpoint,
    { file: path.resolve(sourceUrl), endpoint: client.endpoint.url, bucket: opts.bucket, key: opts.key }, '.ccp');
  const lock: HeldLock | undefined = cpPath ? await acquireLock(`${cpPath}.lock`) : undefined;
  const store: CopyStore = cpPath ? new FileCheckpointStore(cpPath, { syncRecords: false }) : new MemoryCheckpointStore();
  const source: CopySource = {
    bucket: opts.sourceBucket, key: opts.sourceKey, etag: head.etag, size: head.size,
    ...(head.crc64 !== undefined ? { crc64: crc64ToDecimal(head.crc64) } : {}),
  };
  const initiate = describe(opts, head);
  let uploadId: string | undefined;
  let completed = false;
  try {
    const session = await openCopySession({
      client, store, bucket: opts.bucket, key: opts.key, source, plan, headers: describedHeaders(initiate), initiate, signal: opts.signal,
    });
    uploadId = session.uploadId;
    const { done } = session;
    const progress = new ProgressTracker(head.size, session.resumedBytes, emit);
    emit({ type: 'start', totalBytes: head.size, resumedBytes: session.resumedBytes, totalParts: plan.parts.length, partsDone: done.size });
    let journal = Promise.resolve();
    const id = uploadId;
    await runPool(plan.parts.filter((p) => !done.has(p.number)), opts.concurrency ?? 1, opts.signal,
      (part, signal) => copyPart(client, opts, head.etag, id, part, signal),
      async (part) => {
        journal = journal.then(() => store.append({ kind: 'part', partNumber: part.partNumber, etag: part.etag, crc64: part.crc64 === undefined ? '' : crc64ToDecimal(part.crc64), size: part.size }));
        await journal;
        done.set(part.partNumber, part);
        progress.partDone(part.partNumber, part.size);
        emit({ type: 'part', partNumber: part.partNumber, partsDone: done.size, totalParts: plan.parts.length });
      });
    const ordered = plan.parts.map((p) => done.get(p.number)!);
    // Before Complete: parts whose CRC-64s do not add up to the source's would make a wrong object. Never complete it.
    const combined = ordered.every((p) => p.crc64 !== undefined) ? ordered.reduce((crc, p) => crc64Combine(crc, p.crc64!, p.size), 0n) : undefined;
    checkCrc('the copied parts\' combined', combined, head);
    emit({ type: 'completing' });
    const res = await client.completeMultipartUpload(opts.bucket, opts.key, uploadId, ordered.map((p) => ({ partNumber: p.partNumber, etag: p.etag })), {
      acl: opts.acl, forbidOverwrite: opts.forbidOverwrite, signal: opts.signal,
    });
    completed = true;
    checkCrc('the completed copy\'s', res.crc64, head, res.requestId);
    await store.remove();
    progress.finish();
    const r = result(opts, head, res.etag, res.crc64 ?? combined, plan.parts.length, session.resumedBytes, id);
    emit({ type: 'complete', result: r });
    return r;
  } catch (err) {
    // A changed source or damaged parts can never be resumed into a right object; nor can a copy with no checkpoint.
    const hopeless = completed || err instanceof ObjectChangedError || err instanceof IntegrityError || !cpPath;
    if (uploadId && hopeless && !completed) await client.abortMultipartUpload(opts.bucket, opts.key, uploadId).catch(() => undefined);
    if (hopeless) await store.remove().catch(() => undefined);
    throw err;
  } finally {
    await store.close();
    await lock?.release();
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

async function copyPart(client: OssClient, opts: CopyObjectOptions, etag: string, uploadId: string, part: PlannedPart, signal: AbortSignal): Promise<CopiedPart> {
  try {
    const res = await client.uploadPartCopy(opts.sourceBucket, opts.sourceKey, opts.bucket, opts.key, uploadId, part.number, {
      range: { start: part.start, end: part.start + part.size - 1 }, sourceIfMatch: etag, signal,
    });
    return { partNumber: part.number, etag: res.etag, size: part.size, crc64: res.crc64 };
  } catch (err) {
    if (isPreconditionFailed(err)) throw changed(opts, etag, err);
    throw err;
  }
}
