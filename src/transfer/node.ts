// Node's defaults for the engine's ports (engine/ports.ts): checkpoints as journal files with a lock file beside
// them, named from the `checkpoint` option. The engine and the strategies' shared code never import this module
// directly for their types, so a browser build wires its own defaults (an IndexedDB store, Web Locks) instead.
import { CheckpointError, CheckpointLockedError } from '../core/errors.js';
import type { OssClient } from '../client/index.js';
import { acquireLock } from './checkpoint/lock.js';
import { FileCheckpointStore, resolveCheckpointPath } from './checkpoint/store.js';
import type { CheckpointPorts, HeldLock, TransferClient } from './engine/ports.js';

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

/** OssClient is a TransferClient as it is (checked here, where both are known, so the engine never names OssClient). */
export function transferClient(client: OssClient): TransferClient {
  return client;
}
