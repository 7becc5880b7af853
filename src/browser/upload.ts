// uploadFile for pages: the engine's one upload strategy (transfer/upload/upload.ts) with the browser's ports plugged
// in: the File as a BlobSource, checkpoints in IndexedDB under a Web Lock, the requests over fetch. Session, resume
// (ListParts re-verified by CRC-64), the part scheduler, verification, part sizing and events are the engine's,
// exactly as for a file in Node; nothing here schedules, verifies or sizes parts.
import { ArgumentError } from '../core/errors.js';
import { runTransfer } from '../transfer/engine/engine.js';
import { validateTransferOptions } from '../transfer/engine/options.js';
import { ladderPlanner } from '../transfer/engine/planner.js';
import type { CheckpointPorts } from '../transfer/engine/ports.js';
import type { UploadFileOptions as NodeUploadFileOptions, UploadResult } from '../transfer/types.js';
import { objectWrite, type UploadSettings } from '../transfer/upload/settings.js';
import { UploadStrategy } from '../transfer/upload/upload.js';
import { BlobSource } from './blob-source.js';
import type { OssClient } from './client.js';
import { IndexedDbCheckpointStore, lockInBrowser } from './idb-store.js';
import { type FileHandle, isFileHandle } from './pending.js';

/** Parts in flight by default: HTTP/1.1 allows six connections per origin; one is left for the other requests. */
export const BROWSER_CONCURRENCY = 5;

/** uploadFile's options: the Node library's, with a Blob for the file and a page's defaults. */
export type UploadFileOptions = Pick<
  NodeUploadFileOptions,
  | 'bucket'
  | 'key'
  | 'meta'
  | 'contentType'
  | 'acl'
  | 'storageClass'
  | 'tagging'
  | 'forbidOverwrite'
  | 'headers'
  | 'onProgress'
  | 'signal'
  | 'onWarning'
> & {
  /**
   * The bytes: a File from an <input> or a drop, any Blob, or a File System Access file handle (kept with the
   * checkpoint, so a resume after a reload needs no new pick: see pendingUploads).
   */
  file: Blob | FileHandle;
  /** Bytes per part, 100 KiB..5 GiB; default: the library's ladder (1 MiB up, at most ~1,000 parts). */
  partSize?: number;
  /** Parts in flight (default 5). Memory held is about concurrency x part size. */
  concurrency?: number;
  /**
   * Keep a checkpoint in IndexedDB (default true), keyed by endpoint, bucket, key and the file's name, size and
   * lastModified: calling uploadFile again with the same file, after a reload or a crash, resumes it.
   */
  checkpoint?: boolean;
};

function isBlob(v: unknown): v is Blob {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Blob).slice === 'function' &&
    typeof (v as Blob).size === 'number'
  );
}

/** Checkpoints in IndexedDB, one per endpoint, bucket, key and file (name, size, lastModified). */
function browserCheckpoints(source: BlobSource, handle: FileHandle | undefined): CheckpointPorts {
  const { name, size, lastModified } = source.identity;
  return {
    locate: async (option, id) =>
      option === false
        ? undefined
        : `upload ${JSON.stringify([id.endpoint, id.bucket, id.key, name, size, lastModified])}`,
    store: <H, R>(location: string) => new IndexedDbCheckpointStore<H, R>(location, handle),
    lock: lockInBrowser,
  };
}

/** Upload a File or Blob to oss://bucket/key: multipart, verified by CRC-64, resumable across reloads. */
export async function uploadFile(client: OssClient, opts: UploadFileOptions): Promise<UploadResult> {
  const handle = isFileHandle(opts?.file) ? opts.file : undefined;
  const file = handle ? await handle.getFile() : opts?.file;
  if (!isBlob(file)) {
    throw new ArgumentError(
      'file',
      'file must be a File, a Blob or a file handle (from an <input type=file> or a picker)',
    );
  }
  const source = new BlobSource(file);
  validateTransferOptions({ ...opts, file: source.name }, { api: 'uploadFile', writesKey: true });
  const settings: UploadSettings = {
    ...opts,
    concurrency: opts.concurrency ?? BROWSER_CONCURRENCY,
    // A File's type, else (as in Node) a guess from its name.
    write: objectWrite({ ...opts, contentType: opts.contentType || file.type || undefined }, source.name),
  };
  return runTransfer(
    client.transfer,
    { ...opts, checkpoint: opts.checkpoint ?? true, planner: ladderPlanner },
    new UploadStrategy(settings, source, source.name),
    browserCheckpoints(source, handle),
  );
}
