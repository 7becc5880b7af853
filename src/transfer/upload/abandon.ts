// Abandoning is not pausing: the upload is aborted on the server (its parts stop costing storage) and the
// checkpoint is deleted, so the next uploadFile starts from scratch.
import type { TransferClient } from '../engine/ports.js';
import { resolve } from 'node:path';
import { ArgumentError, ServiceError } from '../../core/errors.js';
import { FileCheckpointStore, resolveCheckpointPath } from '../checkpoint/store.js';
import { lockCheckpoint } from '../checkpoint/files.js';
import type { UploadStore } from './types.js';

export interface AbandonUploadOptions {
  bucket: string;
  key: string;
  /** The local file the upload was for (names the checkpoint for `true` or a directory). */
  file: string;
  /** The same `checkpoint` option the upload used (true, a file path, or a directory). */
  checkpoint: boolean | string;
  signal?: AbortSignal;
}

/** Abort the checkpointed upload on the server and delete its checkpoint. Returns the aborted upload ID, if any. */
export async function abandonUpload(client: TransferClient, opts: AbandonUploadOptions): Promise<string | undefined> {
  const file = resolve(opts.file);
  const cpPath = await resolveCheckpointPath(opts.checkpoint, {
    file,
    endpoint: client.endpoint.url,
    bucket: opts.bucket,
    key: opts.key,
  });
  if (!cpPath) throw new ArgumentError('checkpoint', 'abandonUpload needs the checkpoint option the upload used');
  // Taking the lock means a running upload is never pulled out from under its process.
  const lock = await lockCheckpoint(cpPath);
  const store: UploadStore = new FileCheckpointStore(cpPath);
  try {
    const loaded = await store.load();
    const h = loaded?.header;
    let aborted: string | undefined;
    if (
      h?.kind === 'ossup-upload' &&
      h.uploadId &&
      h.bucket === opts.bucket &&
      h.key === opts.key &&
      h.endpoint === client.endpoint.url
    ) {
      try {
        await client.abortMultipartUpload(h.bucket, h.key, h.uploadId, { signal: opts.signal });
        aborted = h.uploadId;
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'NoSuchUpload')) throw err;
      }
    }
    await store.remove();
    return aborted;
  } finally {
    await store.close();
    await lock.release();
  }
}
