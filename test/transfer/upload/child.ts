// Child process for the crash tests: runs one uploadFile and reports its events as JSON lines on stdout, so the
// parent can SIGKILL it at a chosen point. Arguments come as one JSON object in argv[2].
import { existsSync } from 'node:fs';
import { OssClient } from '../../../src/client/index.js';
import { uploadFile } from '../../../src/transfer/index.js';

const args = JSON.parse(process.argv[2]!) as {
  endpoint: string; credentials: { accessKeyId: string; accessKeySecret: string };
  bucket: string; key: string; file: string; checkpoint: string | boolean; partSize?: number; concurrency?: number;
  /** After the first part, block (holding the checkpoint lock) until this file exists. */
  holdUntil?: string;
};
const client = new OssClient({ endpoint: args.endpoint, credentials: args.credentials });
const say = (v: unknown) => process.stdout.write(`${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}\n`);
try {
  const result = await uploadFile(client, {
    bucket: args.bucket, key: args.key, file: args.file, checkpoint: args.checkpoint, partSize: args.partSize, concurrency: args.concurrency,
    onProgress: (e) => {
      if (e.type !== 'progress') say(e);
      if (args.holdUntil && e.type === 'part' && e.partsDone === 1) {
        // A synchronous wait keeps this process alive and its lock held, whatever the machine's speed.
        const cell = new Int32Array(new SharedArrayBuffer(4));
        while (!existsSync(args.holdUntil)) Atomics.wait(cell, 0, 0, 20);
      }
    },
  });
  say({ type: 'done', result });
  process.exitCode = 0;
} catch (err) {
  const e = err as { code?: string; message?: string };
  say({ type: 'error', code: e.code, message: e.message });
  process.exitCode = 3;
} finally {
  await client.close();
}
