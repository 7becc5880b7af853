// uploadFile, the upload strategy of the transfer engine (engine/engine.ts): open or resume a session -> send parts
// -> verify -> complete. Files no larger than one part go up in a single PutObject with the same checks.
import type { TransferClient } from '../engine/ports.js';
import path from 'node:path';
import mime from 'mime';
import { crc64ToDecimal } from '../../core/crc64.js';
import { IntegrityError, ServiceError } from '../../core/errors.js';
import {
  bufferBody,
  fileRange,
  type CompleteMultipartUploadResult,
  type ObjectWriteOptions,
} from '../../client/index.js';
import { assertUnchanged, identityOf, snapshotFile, type FileSnapshot } from '../checkpoint/file-identity.js';
import { hashFileRange } from '../hash/hash.js';
import { hashPool } from '../hash/pool.js';
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
import { planParts, type PartPlan, type PlannedPart } from '../engine/plan.js';
import type { ProgressTracker } from '../engine/progress.js';
import type { UploadFileOptions, UploadResult } from '../types.js';
import { uploadParts } from './parts.js';
import { sendVerified } from './resend.js';
import { putWhileHashing } from './single.js';
import { verifyResumedParts } from './verify.js';
import {
  abortQuietly,
  openSession,
  setAsideCheckpoint,
  type DonePart,
  type PartRecord,
  type UploadCheckpointHeader,
  type UploadStore,
} from './session.js';

function writeOptions(opts: UploadFileOptions, file: string): ObjectWriteOptions {
  return {
    contentType: opts.contentType ?? mime.getType(file) ?? 'application/octet-stream',
    meta: opts.meta,
    acl: opts.acl,
    storageClass: opts.storageClass,
    tagging: opts.tagging,
    forbidOverwrite: opts.forbidOverwrite,
    headers: opts.headers,
  };
}

export async function uploadFile(client: TransferClient, opts: UploadFileOptions): Promise<UploadResult> {
  validateTransferOptions(opts, { api: 'uploadFile', writesKey: true });
  const file = path.resolve(opts.file);
  hashPool().warm(); // the hashing thread starts while the checkpoint is locked and the session opened
  const snap = await snapshotFile(file);
  return runTransfer(client, opts, new UploadStrategy(opts, snap), opts.checkpoints ?? fileCheckpoints);
}

type UploadContext = TransferContext<UploadCheckpointHeader, PartRecord>;

/** The upload: one PutObject for a file of one part, else a multipart upload resumed from its checkpoint. */
class UploadStrategy implements TransferStrategy<UploadCheckpointHeader, PartRecord, UploadResult> {
  readonly checkpointSuffix = '.ucp';
  readonly checkpointFile: string;
  private readonly plan: PartPlan;
  private uploadId: string | undefined;
  /** The object is stored: nothing may be aborted any more. */
  private completed = false;

  constructor(
    private readonly opts: UploadFileOptions,
    private readonly snap: FileSnapshot,
  ) {
    this.checkpointFile = snap.path;
    this.plan = planParts(snap.size, opts.partSize);
  }

  async run(ctx: UploadContext): Promise<UploadResult> {
    const { opts, snap, plan } = this;
    const { client, store } = ctx;
    const file = snap.path;
    if (plan.single) {
      // A checkpoint left by an earlier, larger version of the file would otherwise pin its upload forever.
      await discardCheckpoint(client, store, opts);
      return await uploadSingle(ctx, opts, snap, plan);
    }
    const session = await openSession({
      client,
      bucket: opts.bucket,
      key: opts.key,
      file: identityOf(snap),
      plan,
      store,
      initiate: writeOptions(opts, file),
      signal: opts.signal,
      warn: opts.onWarning,
      onVerify: (partsChecked, partsTotal) =>
        ctx.emit({ type: 'verifying', partsChecked, partsTotal, totalBytes: snap.size }),
    });
    const uploadId = (this.uploadId = session.uploadId);
    const progress = startProgress(ctx, plan, snap.size, session.resumedBytes, session.done.size, session.discarded);
    let resumedBytes = session.resumedBytes;
    let finished = session.completed;
    let callbackBody: string | undefined;
    if (finished) {
      // An earlier run's Complete succeeded (proven in openSession); only its checkpoint was left behind.
      this.completed = true;
    } else {
      // Resumed parts are checked on the hashing threads while the missing ones are sent (verify.ts).
      const stopVerifying = new AbortController();
      const verifying = verifyResumedParts(
        file,
        session.unverified,
        opts.signal ? AbortSignal.any([opts.signal, stopVerifying.signal]) : stopVerifying.signal,
      );
      verifying.catch(() => undefined); // awaited below; if sending fails first, it is stopped and its outcome dropped
      const phase = {
        plan,
        done: session.done,
        record: (part: DonePart): PartRecord => ({
          kind: 'part',
          partNumber: part.partNumber,
          etag: part.etag,
          crc64: crc64ToDecimal(part.crc64),
          size: part.size,
        }),
        move: (parts: PlannedPart[], tracker: ProgressTracker, onPartDone: (part: DonePart) => Promise<void>) =>
          uploadParts({
            client,
            bucket: opts.bucket,
            key: opts.key,
            uploadId,
            file,
            concurrency: opts.concurrency ?? 1,
            trafficLimit: opts.trafficLimit,
            parts,
            progress: tracker,
            signal: opts.signal,
            onPartDone,
          }),
      };
      let checked;
      try {
        await moveParts(ctx, progress, phase);
        checked = await verifying;
      } finally {
        stopVerifying.abort();
      }
      for (const { part, crc64 } of checked.verified) {
        session.done.set(part.partNumber, { ...session.done.get(part.partNumber)!, crc64 });
        if (part.unrecorded) await ctx.store.append(phase.record(session.done.get(part.partNumber)!));
      }
      if (checked.mismatched.length > 0) {
        // The file's bytes differ from what the server holds for these parts (rewritten since, same size and mtime):
        // send them again from the file as it is now.
        for (const part of checked.mismatched) {
          session.done.delete(part.partNumber);
          resumedBytes -= part.size;
          progress.unresume(part.size);
        }
        await moveParts(ctx, progress, phase);
      }
      const expectedCrc = combineCrc(plan.parts.map((p) => session.done.get(p.number)!));
      // Everything was read from the file; if it changed meanwhile, the parts may mix two versions: never complete.
      await assertUnchanged(snap);
      const ordered = plan.parts.map((p) => session.done.get(p.number)!);
      ctx.emit({ type: 'completing' });
      const res = await complete(client, opts, uploadId, ordered, expectedCrc, snap.size);
      this.completed = true;
      if (res.crc64 !== undefined && res.crc64 !== expectedCrc) {
        throw new IntegrityError(
          'crc64',
          crc64ToDecimal(res.crc64),
          crc64ToDecimal(expectedCrc),
          `the completed object's CRC-64 ${crc64ToDecimal(res.crc64)} differs from the parts' combined ${crc64ToDecimal(expectedCrc)} (request ${res.requestId})`,
        );
      }
      finished = { etag: res.etag, crc64: expectedCrc };
      callbackBody = res.callbackBody;
    }
    return finishTransfer(ctx, progress, {
      bucket: opts.bucket,
      key: opts.key,
      file,
      etag: finished.etag,
      crc64: crc64ToDecimal(finished.crc64),
      size: snap.size,
      parts: plan.parts.length,
      resumedBytes,
      transferredBytes: snap.size - resumedBytes,
      uploadId,
      ...(opts.callback ? { callbackBody } : {}),
    } satisfies UploadResult);
  }

  async onFailure(err: unknown, ctx: UploadContext): Promise<void> {
    if (err instanceof ServiceError && err.code === 'CallbackFailed') this.completed = true; // the object IS stored (203)
    if (this.completed) {
      await ctx.store.remove().catch(() => undefined);
    } else if (!ctx.checkpointPath && this.uploadId) {
      // Without a checkpoint nothing can ever resume this upload: do not leave its parts behind.
      await abortQuietly(ctx.client, this.opts.bucket, this.opts.key, this.uploadId);
    }
  }
}

async function discardCheckpoint(client: TransferClient, store: UploadStore, opts: UploadFileOptions): Promise<void> {
  const loaded = await store.load();
  if (!loaded) return;
  await setAsideCheckpoint(client, opts, loaded.header, opts.onWarning, store.location);
  await store.remove();
}

/**
 * CompleteMultipartUpload, tolerating a lost response: if a retried Complete finds the upload gone (the first
 * attempt succeeded), the object is accepted when its size and CRC-64 are exactly what we uploaded.
 */
async function complete(
  client: TransferClient,
  opts: UploadFileOptions,
  uploadId: string,
  parts: DonePart[],
  expectedCrc: bigint,
  size: number,
): Promise<CompleteMultipartUploadResult> {
  const list = parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
  try {
    return await client.completeMultipartUpload(opts.bucket, opts.key, uploadId, list, {
      acl: opts.acl,
      forbidOverwrite: opts.forbidOverwrite,
      callback: opts.callback,
      callbackVars: opts.callbackVars,
      signal: opts.signal,
    });
  } catch (err) {
    if (!(err instanceof ServiceError && err.code === 'NoSuchUpload') || opts.callback) throw err;
    const head = await client.headObject(opts.bucket, opts.key, { signal: opts.signal }).catch(() => undefined);
    if (!head || head.size !== size || head.crc64 !== expectedCrc) throw err;
    return { requestId: head.requestId, status: 200, headers: head.headers, etag: head.etag, crc64: head.crc64 };
  }
}

async function uploadSingle(
  ctx: UploadContext,
  opts: UploadFileOptions,
  snap: FileSnapshot,
  plan: PartPlan,
): Promise<UploadResult> {
  const { client } = ctx;
  const file = snap.path;
  const progress = startProgress(ctx, plan, snap.size, 0, 0);
  const putOptions = {
    ...writeOptions(opts, file),
    trafficLimit: opts.trafficLimit,
    callback: opts.callback,
    callbackVars: opts.callbackVars,
    signal: opts.signal,
    onProgress: (sent: number) => progress.partBytes(1, sent),
  };
  // Hashed while it is sent and checked after (single.ts), except where a wrong object must never be stored even
  // briefly (a callback notifies the application; forbidOverwrite could not replace it): Content-MD5 first there,
  // and wherever the response had nothing to check the stored bytes against.
  const streamed =
    opts.callback || opts.forbidOverwrite
      ? undefined
      : await putWhileHashing({
          file,
          size: snap.size,
          signal: opts.signal,
          send: (body) => client.putObject(opts.bucket, opts.key, body, putOptions),
          received: () => assertUnchanged(snap),
          head: () => client.headObject(opts.bucket, opts.key, { signal: opts.signal }),
          remove: () => client.deleteObject(opts.bucket, opts.key, { signal: opts.signal }).then(() => undefined),
        });
  const { digest, res } =
    streamed ??
    (await sendVerified({
      file,
      what: '',
      crcAttempts: opts.callback ? 1 : 2, // overwrite a bad copy once before failing loudly (never re-run a callback)
      prepare: () => hashFileRange(file, 0, snap.size, { signal: opts.signal }),
      inMemory: (d) => d.data !== undefined,
      send: (d) =>
        client.putObject(opts.bucket, opts.key, d.data ? bufferBody(d.data) : fileRange(file, 0, snap.size), {
          ...putOptions,
          contentMd5: d.md5.toString('base64'),
        }),
      rehash: async () => (await hashFileRange(file, 0, snap.size, { keep: false, signal: opts.signal })).md5,
      received: () => assertUnchanged(snap),
    }));
  progress.partDone(1, snap.size);
  ctx.emit({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  return finishTransfer(ctx, progress, {
    bucket: opts.bucket,
    key: opts.key,
    file,
    etag: res.etag,
    crc64: crc64ToDecimal(digest.crc64),
    size: snap.size,
    parts: 1,
    resumedBytes: 0,
    transferredBytes: snap.size,
    ...(opts.callback ? { callbackBody: res.callbackBody } : {}),
  } satisfies UploadResult);
}
