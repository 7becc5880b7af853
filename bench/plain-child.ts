// The ceiling: one plain request per file, streamed, no parts, no hashing, no checkpoint.
// `node plain-child.js '<json job>'`; endpoint and keys from OSS_* env.
//   via 'http' (the ceiling): node:http with a V1 signature from src/core, the file piped into the request or the
//                             response piped into the file; nothing between the socket and the file
//   via 'client':             the same single request through OssClient (node:http too, plus signing, retry and
//                             response checks), to price the client's own layers
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent, request, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { OssClient, fileRange } from '../src/client/index.js';
import { encodeKeyPath } from '../src/core/encode.js';
import { authorizationV1 } from '../src/core/sign-v1.js';

export interface PlainJob {
  op: 'upload' | 'download';
  bucket: string;
  key: string;
  file: string;
  via?: 'http' | 'client';
}

const job = JSON.parse(process.argv[2]!) as PlainJob;
const creds = { accessKeyId: process.env.OSS_ACCESS_KEY_ID!, accessKeySecret: process.env.OSS_ACCESS_KEY_SECRET! };
const endpoint = new URL(process.env.OSS_ENDPOINT!);

/** One signed request over node:http; resolves with the response once its headers arrive. */
function send(method: 'PUT' | 'GET', body?: { file: string; size: number }): Promise<IncomingMessage> {
  const headers: Record<string, string> = { date: new Date().toUTCString() };
  if (body) {
    headers['content-type'] = 'application/octet-stream';
    headers['content-length'] = String(body.size);
  }
  headers.authorization = authorizationV1({ method, bucket: job.bucket, key: job.key, query: [], headers }, creds);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        method,
        path: `/${job.bucket}/${encodeKeyPath(job.key)}`,
        headers,
        agent: new Agent({ keepAlive: false }),
      },
      resolve,
    );
    req.on('error', reject);
    if (body) pipeline(createReadStream(body.file, { highWaterMark: 256 * 1024 }), req).catch(reject);
    else req.end();
  });
}

async function expectOk(res: IncomingMessage, what: string): Promise<void> {
  if (res.statusCode === 200) return;
  let text = '';
  for await (const chunk of res) text += String(chunk);
  throw new Error(`${what}: HTTP ${res.statusCode}: ${text.slice(0, 500)}`);
}

const started = performance.now();
if ((job.via ?? 'http') === 'http') {
  if (job.op === 'upload') {
    const res = await send('PUT', { file: job.file, size: (await stat(job.file)).size });
    await expectOk(res, 'PutObject');
    res.resume();
    await new Promise((r) => res.once('end', r));
  } else {
    const res = await send('GET');
    await expectOk(res, 'GetObject');
    await pipeline(res, createWriteStream(job.file));
  }
} else {
  const client = new OssClient({ endpoint: process.env.OSS_ENDPOINT! });
  if (job.op === 'upload') {
    const { size } = await stat(job.file);
    await client.putObject(job.bucket, job.key, fileRange(job.file, 0, size));
  } else {
    const res = await client.getObject(job.bucket, job.key);
    await pipeline(res.body, createWriteStream(job.file));
  }
  await client.close();
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds })}\n`);
