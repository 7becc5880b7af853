// Child process for the upload crash tests: one uploadFile, its events as JSON lines (test/helpers/child.ts).
import { existsSync } from 'node:fs';
import { uploadFile } from '../../../src/transfer/index.js';
import { runTransferChild, type TransferChildArgs } from '../../helpers/child.js';
import { growingPlanner } from './growing-planner.js';

interface Args extends TransferChildArgs {
  /** After the first part, block (holding the checkpoint lock) until this file exists. */
  holdUntil?: string;
  /** Parts grow to 4 x partSize once this many have been handed out (2 at a time): growing-planner.ts. */
  growAfter?: number;
}

await runTransferChild<Args>((client, args, onProgress) =>
  uploadFile(client, {
    bucket: args.bucket,
    key: args.key,
    file: args.file,
    checkpoint: args.checkpoint,
    partSize: args.partSize,
    concurrency: args.concurrency,
    ...(args.growAfter !== undefined && args.partSize !== undefined
      ? {
          planner: growingPlanner({
            partSize: args.partSize,
            after: args.growAfter,
            to: 4 * args.partSize,
            concurrency: 2,
          }),
        }
      : {}),
    onProgress: (e) => {
      onProgress(e);
      if (args.holdUntil && e.type === 'part' && e.partsDone === 1) {
        // A synchronous wait keeps this process alive and its lock held, whatever the machine's speed.
        const cell = new Int32Array(new SharedArrayBuffer(4));
        while (!existsSync(args.holdUntil)) Atomics.wait(cell, 0, 0, 20);
      }
    },
  }),
);
