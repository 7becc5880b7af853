// What `cp` of one file reports as its part size (cli/commands/transfer-run.ts): an upload's parts may grow while it
// runs, so it is the largest part sent, not the first; a download's ranges vary and keep the size it started with.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { driveTransfer, type TransferSpec } from '../../src/cli/commands/transfer-run.js';
import type { CpFlags } from '../../src/cli/options.js';
import type { Io } from '../../src/cli/session.js';
import type { TransferEvent } from '../../src/transfer/index.js';

const MiB = 1024 ** 2;

function io(): Io {
  const sink = () => new PassThrough() as unknown as NodeJS.WriteStream;
  return { stdout: sink(), stderr: sink(), env: {} };
}

/** A transfer that reports a start at 8 MiB parts, then parts of `sizes`. */
function spec(direction: TransferSpec<string>['direction'], sizes: number[]): TransferSpec<string> {
  return {
    direction,
    label: 'f',
    action: 'transfer of f',
    bucket: 'b',
    size: sizes.reduce((a, b) => a + b, 0),
    checkpoint: false,
    async start(emit: (e: TransferEvent) => void) {
      const totalBytes = sizes.reduce((a, b) => a + b, 0);
      emit({
        type: 'start',
        totalBytes,
        resumedBytes: 0,
        totalParts: sizes.length,
        partsDone: 0,
        partSize: 8 * MiB,
        concurrency: 4,
      });
      for (const [i, size] of sizes.entries())
        emit({ type: 'part', partNumber: i + 1, partsDone: i + 1, totalParts: sizes.length, size });
      return 'done';
    },
  };
}

test('an upload reports the largest part it sent; a download the size it started with', async () => {
  const flags = { quiet: true, progress: false } as CpFlags;
  const up = await driveTransfer(spec('upload', [8 * MiB, 8 * MiB, 32 * MiB, 32 * MiB, 5]), flags, io());
  assert.ok('result' in up);
  assert.deepEqual(up.used, { partSize: 32 * MiB, resumed: false });
  const down = await driveTransfer(spec('download', [8 * MiB, 64 * MiB, 8 * MiB]), flags, io());
  assert.ok('result' in down);
  assert.deepEqual(down.used, { partSize: 8 * MiB, resumed: false });
});
