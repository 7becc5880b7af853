// downloadFile: an object into a local file through the download strategy (download.ts), with Node's defaults for
// the ports: a FileSink (a temporary file renamed into place), checkpoints in journal files with a lock file
// (checkpoint/files.ts), the seed planner unless the caller gives one.
import { fileCheckpoints } from '../checkpoint/files.js';
import { runTransfer } from '../engine/engine.js';
import { validateTransferOptions } from '../engine/options.js';
import type { TransferClient } from '../engine/ports.js';
import type { DownloadResult } from '../types.js';
import { DownloadStrategy } from './download.js';
import { FileSink } from './file-sink.js';
import { checkDestination, resolveDownloadTarget } from './target.js';
import type { DownloadFileOptions } from './types.js';

export { resolveDownloadTarget, keyBaseName } from './target.js';
export type { DownloadFileOptions, DownloadRange } from './types.js';

/**
 * Download `bucket/key` to `file`, resumably when `checkpoint` is set. Resolves with the verified result once the
 * file is in place; rejects with a typed error otherwise (ServiceError, NetworkError, ArgumentError, IntegrityError,
 * ObjectChangedError, CheckpointLockedError, AbortedError, InsufficientDiskSpaceError).
 */
export async function downloadFile(client: TransferClient, opts: DownloadFileOptions): Promise<DownloadResult> {
  validateTransferOptions(opts, { api: 'downloadFile', writesKey: false });
  const dest = await resolveDownloadTarget(opts.file, opts.key);
  await checkDestination(dest);
  return runTransfer(client, opts, new DownloadStrategy(opts, new FileSink(dest)), opts.checkpoints ?? fileCheckpoints);
}
