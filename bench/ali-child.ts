// The official SDK in its own process: `node ali-child.js '<json job>'`, endpoint and keys from OSS_* env.
// Upload is ali-oss multipartUpload (same part size and parallelism as ossup); when a checkpoint file is given it
// is rewritten from the progress callback after every part, the way ali-oss documents resumable uploads. ali-oss
// has no ranged parallel downloader: download is one `get(name, file)` streamed to the file.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export interface AliJob {
  op: 'upload' | 'download';
  bucket: string;
  key: string;
  file: string;
  partSize?: number;
  parallel?: number;
  checkpoint?: string;
}

// ali-oss ships no type declarations; load it untyped rather than declare the module project-wide.
const OSS = createRequire(import.meta.url)('ali-oss') as new (opts: Record<string, unknown>) => any;

const job = JSON.parse(process.argv[2]!) as AliJob;
const client = new OSS({
  endpoint: process.env.OSS_ENDPOINT,
  accessKeyId: process.env.OSS_ACCESS_KEY_ID,
  accessKeySecret: process.env.OSS_ACCESS_KEY_SECRET,
  region: 'oss-cn-hangzhou',
  bucket: job.bucket,
  timeout: 600_000,
});

let checkpointWrites = 0;
let checkpointBytes = 0;
const started = performance.now();
if (job.op === 'upload') {
  const cp = job.checkpoint;
  const save = async (_p: number, checkpoint: unknown) => {
    if (!checkpoint || !cp) return;
    const text = JSON.stringify(checkpoint);
    await writeFile(cp, text);
    checkpointWrites++;
    checkpointBytes += Buffer.byteLength(text);
  };
  await client.multipartUpload(job.key, job.file, {
    partSize: job.partSize,
    parallel: job.parallel,
    ...(cp ? { progress: save } : {}),
  });
} else {
  await client.get(job.key, job.file);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, checkpointWrites, checkpointBytes })}\n`);
