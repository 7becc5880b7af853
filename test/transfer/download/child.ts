// Child process for the download crash tests: one downloadFile, its events as JSON lines (test/helpers/child.ts).
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import { runTransferChild } from '../../helpers/child.js';

if (process.argv[2]) {
  await runTransferChild((client, args, onProgress) =>
    downloadFile(client, {
      bucket: args.bucket,
      key: args.key,
      file: args.file,
      checkpoint: args.checkpoint,
      partSize: args.partSize,
      concurrency: args.concurrency,
      onProgress,
    }),
  );
}
