// The uploads a page left unfinished (a reload, a closed tab), read from the IndexedDB checkpoints: what an app lists
// to offer "resume". With a File System Access handle kept, resuming needs no new pick: pass it back as `file`.
import type { UploadCheckpointHeader } from '../transfer/upload/types.js';
import { storedCheckpoints } from './idb-store.js';

/** A File System Access file handle (window.showOpenFilePicker, a drop's getAsFileSystemHandle, the OPFS). */
export interface FileHandle {
  readonly kind: 'file';
  readonly name: string;
  getFile(): Promise<Blob & { readonly name: string; readonly lastModified: number }>;
}

export function isFileHandle(v: unknown): v is FileHandle {
  const h = v as FileHandle | undefined;
  return h?.kind === 'file' && typeof h.getFile === 'function';
}

/** An upload with a checkpoint in this origin's IndexedDB. */
export interface PendingUpload {
  endpoint: string;
  bucket: string;
  key: string;
  uploadId: string;
  /** The file's name, size and lastModified when it was picked. */
  name: string;
  size: number;
  lastModified: number;
  /**
   * The handle the file was picked through, when it was; a picker's handle may need
   * `await handle.requestPermission({ mode: 'read' })` (in a user gesture) after a reload.
   */
  handle?: FileHandle;
}

export async function pendingUploads(): Promise<PendingUpload[]> {
  const out: PendingUpload[] = [];
  for (const { header, handle } of await storedCheckpoints()) {
    const h = header as Partial<UploadCheckpointHeader> | undefined;
    if (h?.kind !== 'ossup-upload' || !h.uploadId || !h.endpoint || !h.bucket || !h.key) continue;
    const file = (h.file ?? {}) as { name?: unknown; size?: unknown; lastModified?: unknown };
    out.push({
      endpoint: h.endpoint,
      bucket: h.bucket,
      key: h.key,
      uploadId: h.uploadId,
      name: String(file.name ?? ''),
      size: Number(file.size ?? 0),
      lastModified: Number(file.lastModified ?? 0),
      ...(isFileHandle(handle) ? { handle } : {}),
    });
  }
  return out;
}
