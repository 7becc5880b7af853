// Child process for the copy crash test: one copyObject, its events as JSON lines (test/helpers/child.ts).
import { copyObject } from '../../../src/transfer/index.js';
import { runTransferChild, type TransferChildArgs } from '../../helpers/child.js';

interface Args extends TransferChildArgs {
  sourceBucket: string;
  sourceKey: string;
  partSize: number;
}

await runTransferChild<Args>((client, args, onProgress) =>
  copyObject(client, {
    sourceBucket: args.sourceBucket,
    sourceKey: args.sourceKey,
    bucket: args.bucket,
    key: args.key,
    checkpoint: args.checkpoint,
    partSize: args.partSize,
    multipartThreshold: args.partSize,
    concurrency: args.concurrency,
    onProgress,
  }),
);
