// uploadFile: a local file through the upload strategy (upload.ts), with Node's defaults for the ports: the file as
// a FileSource, checkpoints in journal files with a lock file (checkpoint/files.ts), the seed planner unless the
// caller gives one.
import path from 'node:path';
import { multipartEtag } from '../../core/etag.js';
import { fileCheckpoints } from '../checkpoint/files.js';
import { runTransfer } from '../engine/engine.js';
import { validateTransferOptions } from '../engine/options.js';
import type { TransferClient } from '../engine/ports.js';
import { FileSource } from '../io/file-source.js';
import type { UploadFileOptions, UploadResult } from '../types.js';
import type { UploadSettings } from './settings.js';
import { objectWrite } from './settings.js';
import { UploadStrategy } from './upload.js';

export async function uploadFile(client: TransferClient, opts: UploadFileOptions): Promise<UploadResult> {
  validateTransferOptions(opts, { api: 'uploadFile', writesKey: true });
  const source = await FileSource.open(path.resolve(opts.file));
  const settings: UploadSettings = {
    ...opts,
    multipartEtag,
    write: objectWrite(opts, source.path),
  };
  return runTransfer(
    client,
    opts,
    new UploadStrategy(settings, source, source.path),
    opts.checkpoints ?? fileCheckpoints,
  );
}
