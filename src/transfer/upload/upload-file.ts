// uploadFile: a local file through the upload strategy (upload.ts), with Node's defaults for the ports: the file as
// a FileSource, checkpoints in journal files with a lock file (checkpoint/files.ts), the seed planner unless the
// caller gives one.
import { resolve } from 'node:path';
import { multipartEtag } from '../../core/etag.js';
import type { FileSnapshot } from '../checkpoint/file-identity.js';
import { fileCheckpoints } from '../checkpoint/files.js';
import { memoryCheckpoints } from '../checkpoint/memory.js';
import { runTransfer } from '../engine/engine.js';
import { MIN_DEFAULT_PART_SIZE } from '../engine/planner.js';
import { validateTransferOptions } from '../engine/options.js';
import type { TransferClient } from '../engine/ports.js';
import { FileSource, partsHashedAsSent } from '../io/file-source.js';
import type { UploadFileOptions, UploadResult } from '../types.js';
import type { UploadContext, UploadSettings } from './settings.js';
import { objectWrite } from './settings.js';
import { uploadSingle } from './single.js';
import { UploadStrategy } from './upload.js';

export async function uploadFile(client: TransferClient, opts: UploadFileOptions): Promise<UploadResult> {
  validateTransferOptions(opts, { api: 'uploadFile', writesKey: true });
  // Parts hashed as they are sent need no hashing thread (the planner's sizes start at 1 MiB): none is started ahead.
  const asSent = opts.contentMd5 !== true && partsHashedAsSent(opts.partSize ?? MIN_DEFAULT_PART_SIZE);
  const source = await FileSource.open(resolve(opts.file), !asSent);
  return runTransfer(
    client,
    opts,
    new UploadStrategy(settingsOf(opts, source), source, source.path),
    opts.checkpoints ?? fileCheckpoints,
  );
}

/**
 * A file already stat'ed (`snapshot`, e.g. by a tree's walk) that its caller knows fits one request: the same one
 * PutObject as uploadFile's (upload/single.ts, every check included) without what only a multipart upload needs
 * (a checkpoint, a planner, a stat of its own). Each small file of a tree takes this path (issue 27).
 */
export function uploadSmallFile(
  client: TransferClient,
  opts: Omit<UploadFileOptions, 'file' | 'checkpoint' | 'checkpoints'>,
  snapshot: FileSnapshot,
): Promise<UploadResult> {
  validateTransferOptions(opts, { api: 'uploadFile', writesKey: true, needsFile: false });
  const source = FileSource.fromSnapshot(snapshot);
  const settings = settingsOf(opts, source);
  const strategy = {
    checkpointFile: source.path,
    checkpointSuffix: '.ucp',
    run: (ctx: UploadContext) => uploadSingle(ctx, settings, source),
  };
  return runTransfer(client, opts, strategy, memoryCheckpoints);
}

function settingsOf(opts: Omit<UploadFileOptions, 'file'>, source: FileSource): UploadSettings {
  return { ...opts, multipartEtag, write: objectWrite(opts, source.path) };
}
