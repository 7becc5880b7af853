// The ceiling: one plain request per file, streamed, no parts, no hashing, no checkpoint.
// `node plain-child.js '<json job>'`: upload = one PutObject with the file as a stream; download = one GetObject
// piped to the file. Endpoint and keys from OSS_* env.
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { OssClient, fileRange } from '../src/client/index.js';

export interface PlainJob {
  op: 'upload' | 'download';
  bucket: string;
  key: string;
  file: string;
}

const job = JSON.parse(process.argv[2]!) as PlainJob;
const client = new OssClient({ endpoint: process.env.OSS_ENDPOINT! });
const started = performance.now();
if (job.op === 'upload') {
  const { size } = await stat(job.file);
  await client.putObject(job.bucket, job.key, fileRange(job.file, 0, size));
} else {
  const res = await client.getObject(job.bucket, job.key);
  await pipeline(res.body, createWriteStream(job.file));
}
const seconds = (performance.now() - started) / 1000;
await client.close();
process.stdout.write(`${JSON.stringify({ seconds })}\n`);
