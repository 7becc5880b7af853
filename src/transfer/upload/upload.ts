// uploadFile: plan -> lock -> open or resume a session -> send parts -> verify -> complete. Files no larger than one
// part go up in a single PutObject with the same checks.
import path from 'node:path';
import mime from 'mime';
import { crc64Combine, crc64ToDecimal } from '../../core/crc64.js';
import { ArgumentError, FileChangedError, IntegrityError, ServiceError } from '../../core/errors.js';
import { validateBucketName, validateObjectKey } from '../../core/names.js';
import { bufferBody, fileRange } from '../../client/body.js';
import type { OssClient } from '../../client/client.js';
import type { ObjectWriteOptions } from '../../client/headers.js';
import type { CompleteMultipartUploadResult } from '../../client/types.js';
import { FileCheckpointStore, MemoryCheckpointStore, resolveCheckpointPath } from '../checkpoint/store.js';
import { assertUnchanged, identityOf, snapshotFile, type FileSnapshot } from '../checkpoint/file-identity.js';
import { hashFileRange } from '../hash/hash.js';
import { hashPool } from '../hash/pool.js';
import { acquireLock, type HeldLock } from '../checkpoint/lock.js';
import { planParts } from '../engine/plan.js';
import { ProgressTracker } from '../engine/progress.js';
import type { TransferEvent, UploadFileOptions, UploadResult } from '../types.js';
import { INTEGRITY_ATTEMPTS, uploadParts } from './parts.js';
import { abortQuietly, openSession, type DonePart, type UploadStore } from './session.js';

function validate(opts: UploadFileOptions): void {
  if (!opts || typeof opts !== 'object') throw new ArgumentError('options', 'uploadFile needs an options object');
  for (const field of ['bucket', 'key', 'file'] as const) {
    if (typeof opts[field] !== 'string' || opts[field] === '') throw new ArgumentError(field, `${field} is required`);
  }
  const badBucket = validateBucketName(opts.bucket);
  if (badBucket) throw new ArgumentError('bucket', `invalid bucket name ${JSON.stringify(opts.bucket)}: ${badBucket}`);
  const badKey = validateObjectKey(opts.key);
  if (badKey) throw new ArgumentError('key', `invalid object key ${JSON.stringify(opts.key)}: ${badKey}`);
  const c = opts.concurrency ?? 1;
  if (!Number.isInteger(c) || c < 1 || c > 1000) throw new ArgumentError('concurrency', `concurrency must be an integer in 1..1000, got ${c}`);
}

function writeOptions(opts: UploadFileOptions, file: string): ObjectWriteOptions {
  return {
    contentType: opts.contentType ?? mime.getType(file) ?? 'application/octet-stream',
    meta: opts.meta, acl: opts.acl, storageClass: opts.storageClass, tagging: opts.tagging, forbidOverwrite: opts.forbidOverwrite,
  };
}

export async function uploadFile(client: OssClient, opts: UploadFileOptions): Promise<UploadResult> {
  validate(opts);
  const emit = (e: TransferEvent) => opts.onProgress?.(e);
  const file = path.resolve(opts.file);
  const snap = await snapshotFile(file);
  const plan = planParts(snap.size, opts.partSize);
  const cpPath = await resolveCheckpointPath(opts.checkpoint, { file, endpoint: client.endpoint.url, bucket: opts.bucket, key: opts.key });
  const lock: HeldLock | undefined = cpPath ? await acquireLock(`${cpPath}.lock`) : undefined;
  // Part records are not fsynced one by one: a record lost to a power cut costs nothing, because resuming re-adopts
  // every part the server lists once its bytes re-hash to the server's ETag and CRC-64 (session.ts).
  const store: UploadStore = cpPath ? new FileCheckpointStore(cpPath, { syncRecords: false }) : new MemoryCheckpointStore();
  if (plan.single) {
    try {
      // A checkpoint left by an earlier, larger version of the file would otherwise pin its upload forever.
      await discardCheckpoint(client, store);
      return await uploadSingle(client, opts, snap, emit);
    } finally {
      await store.close();
      await lock?.release();
    }
  }
  let uploadId: string | undefined;
  let completed = false;
  hashPool().warm(); // the hashing thread starts while the session is opened (lock, Initiate or ListParts)
  try {
    const session = await openSession({
      client, bucket: opts.bucket, key: opts.key, file: identityOf(snap), plan, store, initiate: writeOptions(opts, file), signal: opts.signal,
    });
    uploadId = session.uploadId;
    const progress = new ProgressTracker(snap.size, session.resumedBytes, emit);
    const done = session.done;
    const totalParts = plan.parts.length;
    emit({ type: 'start', totalBytes: snap.size, resumedBytes: session.resumedBytes, totalParts, partsDone: done.size });

    let finished = session.completed;
    let callbackBody: string | undefined;
    if (finished) {
      // An earlier run's Complete succeeded (proven in openSession); only its checkpoint was left behind.
      completed = true;
    } else {
      // Journal appends are chained: records stay whole even with several workers finishing at once.
      let journal = Promise.resolve();
      await uploadParts({
        client, bucket: opts.bucket, key: opts.key, uploadId, file, concurrency: opts.concurrency ?? 1, trafficLimit: opts.trafficLimit,
        parts: plan.parts.filter((p) => !done.has(p.number)), progress, signal: opts.signal,
        onPartDone: async (part) => {
          journal = journal.then(() => store.append({ kind: 'part', partNumber: part.partNumber, etag: part.etag, crc64: crc64ToDecimal(part.crc64), size: part.size }));
          await journal;
          done.set(part.partNumber, part);
          emit({ type: 'part', partNumber: part.partNumber, partsDone: done.size, totalParts });
        },
      });

      // Everything was read from the file; if it changed meanwhile, the parts may mix two versions: never complete.
      await assertUnchanged(snap);
      const ordered = plan.parts.map((p) => done.get(p.number)!);
      const expectedCrc = combineCrc(ordered);
      emit({ type: 'completing' });
      const res = await complete(client, opts, uploadId, ordered, expectedCrc, snap.size);
      completed = true;
      if (res.crc64 !== undefined && res.crc64 !== expectedCrc) {
        throw new IntegrityError('crc64', crc64ToDecimal(res.crc64), crc64ToDecimal(expectedCrc),
          `the completed object's CRC-64 ${crc64ToDecimal(res.crc64)} differs from the parts' combined ${crc64ToDecimal(expectedCrc)} (request ${res.requestId})`);
      }
      finished = { etag: res.etag, crc64: expectedCrc };
      callbackBody = res.callbackBody;
    }
    await store.remove();
    progress.finish();
    const result: UploadResult = {
      bucket: opts.bucket, key: opts.key, file, etag: finished.etag, crc64: crc64ToDecimal(finished.crc64), size: snap.size, parts: totalParts,
      resumedBytes: session.resumedBytes, transferredBytes: snap.size - session.resumedBytes, uploadId,
      ...(opts.callback ? { callbackBody } : {}),
    };
    emit({ type: 'complete', result });
    return result;
  } catch (err) {
    if (err instanceof ServiceError && err.code === 'CallbackFailed') completed = true; // the object IS stored (203)
    if (completed) {
      await store.remove().catch(() => undefined);
    } else if (!cpPath && uploadId) {
      // Without a checkpoint nothing can ever resume this upload: do not leave its parts behind.
      await abortQuietly(client, opts.bucket, opts.key, uploadId);
    }
    throw err;
  } finally {
    await store.close();
    await lock?.release();
  }
}

async function discardCheckpoint(client: OssClient, store: UploadStore): Promise<void> {
  const loaded = await store.load();
  if (!loaded) return;
  const h = loaded.header;
  if (h?.kind === 'ossup-upload' && h.endpoint === client.endpoint.url && typeof h.uploadId === 'string') {
    await abortQuietly(client, h.bucket, h.key, h.uploadId);
  }
  await store.remove();
}

function combineCrc(parts: DonePart[]): bigint {
  let crc = 0n;
  for (const p of parts) crc = crc64Combine(crc, p.crc64, p.size);
  return crc;
}

/**
 * CompleteMultipartUpload, tolerating a lost response: if a retried Complete finds the upload gone (the first
 * attempt succeeded), the object is accepted when its size and CRC-64 are exactly what we uploaded.
 */
async function complete(client: OssClient, opts: UploadFileOptions, uploadId: string, parts: DonePart[], expectedCrc: bigint, size: number): Promise<CompleteMultipartUploadResult> {
  const list = parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
  try {
    return await client.completeMultipartUpload(opts.bucket, opts.key, uploadId, list, {
      acl: opts.acl, forbidOverwrite: opts.forbidOverwrite, callback: opts.callback, callbackVars: opts.callbackVars, signal: opts.signal,
    });
  } catch (err) {
    if (!(err instanceof ServiceError && err.code === 'NoSuchUpload') || opts.callback) throw err;
    const head = await client.headObject(opts.bucket, opts.key, { signal: opts.signal }).catch(() => undefined);
    if (!head || head.size !== size || head.crc64 !== expectedCrc) throw err;
    return { requestId: head.requestId, status: 200, headers: head.headers, etag: head.etag, crc64: head.crc64 };
  }
}

async function uploadSingle(client: OssClient, opts: UploadFileOptions, snap: FileSnapshot, emit: (e: TransferEvent) => void): Promise<UploadResult> {
  const file = snap.path;
  const progress = new ProgressTracker(snap.size, 0, emit);
  emit({ type: 'start', totalBytes: snap.size, resumedBytes: 0, totalParts: 1, partsDone: 0 });
  for (let attempt = 1; ; attempt++) {
    const digest = await hashFileRange(file, 0, snap.size, { signal: opts.signal });
    let res;
    try {
      res = await client.putObject(opts.bucket, opts.key, digest.data ? bufferBody(digest.data) : fileRange(file, 0, snap.size), {
        ...writeOptions(opts, file), contentMd5: digest.md5.toString('base64'), trafficLimit: opts.trafficLimit,
        callback: opts.callback, callbackVars: opts.callbackVars, signal: opts.signal,
        onProgress: (sent) => progress.partBytes(1, sent),
      });
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'InvalidDigest') {
        // Bytes sent from memory were damaged on the way (resend); streamed from the file, it may have changed.
        if (!digest.data && !(await hashFileRange(file, 0, snap.size, { keep: false, signal: opts.signal })).md5.equals(digest.md5)) {
          throw new FileChangedError(file, `${file} changed while it was being sent`, { cause: err });
        }
        if (attempt < INTEGRITY_ATTEMPTS) continue;
        throw new IntegrityError('md5', digest.md5.toString('base64'), 'InvalidDigest',
          `the server received bytes other than those sent (Content-MD5 mismatch) ${attempt} times (request ${err.requestId})`, { cause: err });
      }
      throw err;
    }
    await assertUnchanged(snap);
    if (res.crc64 !== undefined && res.crc64 !== digest.crc64) {
      if (attempt < 2 && !opts.callback) continue; // overwrite the bad copy once before failing loudly
      throw new IntegrityError('crc64', crc64ToDecimal(res.crc64), crc64ToDecimal(digest.crc64),
        `the server's CRC-64 ${crc64ToDecimal(res.crc64)} differs from the local ${crc64ToDecimal(digest.crc64)} (request ${res.requestId})`);
    }
    progress.partDone(1, snap.size);
    emit({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
    progress.finish();
    const result: UploadResult = {
      bucket: opts.bucket, key: opts.key, file, etag: res.etag, crc64: crc64ToDecimal(digest.crc64), size: snap.size, parts: 1,
      resumedBytes: 0, transferredBytes: snap.size, ...(opts.callback ? { callbackBody: res.callbackBody } : {}),
    };
    emit({ type: 'complete', result });
    return result;
  }
}
