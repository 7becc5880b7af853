import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock, FileCheckpointStore } from '../../transfer/index.js';

/**
 * After `ossup abort`, the checkpoints that drove the aborted uploads can never resume (their upload ID is gone):
 * remove them, so the checkpoint directory holds only what can still be resumed. A checkpoint another process is
 * using right now (its lock is held) is left to that process, which will find the upload gone.
 * Returns the files removed.
 */
export async function removeCheckpointsOf(
  dir: string,
  bucket: string,
  uploadIds: ReadonlySet<string>,
): Promise<string[]> {
  if (uploadIds.size === 0) return [];
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.ucp'))) {
    const file = join(dir, name);
    const store = new FileCheckpointStore<{ kind?: string; bucket?: string; uploadId?: string }, unknown>(file);
    const header = (await store.load().catch(() => undefined))?.header;
    if (header?.kind !== 'ossup-upload' || header.bucket !== bucket || !uploadIds.has(String(header.uploadId)))
      continue;
    const lock = await acquireLock(`${file}.lock`).catch(() => undefined);
    if (!lock) continue;
    try {
      await store.remove();
      removed.push(file);
    } finally {
      await lock.release();
    }
  }
  return removed;
}
