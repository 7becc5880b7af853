// Node's checkpoint ports (engine/ports.ts CheckpointPorts): journal files with a lock file beside them, named from
// the `checkpoint` option. The engine never imports this module; the Node entry points (uploadFile, downloadFile,
// copyObject) pass it, and a browser build passes its own (an IndexedDB store, Web Locks).
import { CheckpointError, CheckpointLockedError } from '../../core/errors.js';
import { acquireLock } from './lock.js';
import { FileCheckpointStore, resolveCheckpointPath } from './store.js';
import type { CheckpointPorts, HeldLock } from '../engine/ports.js';

/** Take the checkpoint's lock; a location that cannot hold one is CheckpointUnusable, not a raw file-system error. */
export async function lockCheckpoint(checkpointPath: string): Promise<HeldLock> {
  try {
    return await acquireLock(`${checkpointPath}.lock`);
  } catch (err) {
    if (err instanceof CheckpointLockedError || err instanceof CheckpointError) throw err;
    throw new CheckpointError(
      checkpointPath,
      `cannot use the checkpoint ${checkpointPath}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Checkpoints in files: `<file><suffix>` for `true`, a named file in a directory, or the path given. */
export const fileCheckpoints: CheckpointPorts = {
  locate: resolveCheckpointPath,
  store: <H, R>(location: string, opts: { syncRecords: boolean }) =>
    new FileCheckpointStore<H, R>(location, { syncRecords: opts.syncRecords }),
  lock: lockCheckpoint,
};
