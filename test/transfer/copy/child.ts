// Child process for the copy crash test: runs one copyObject and reports its events as JSON lines on stdout, so the
// parent can SIGKILL it at a chosen point. Arguments come as one JSON object in argv[2].
import { OssClient } from '../../../src/client/index.js';
import { copyObject } from '../../../src/transfer/index.js';

const args = JSON.parse(process.argv[2]!) as {
  endpoint: string; credentials: { accessKeyId: string; accessKeySecret: string };
  sourceBucket: string; sourceKey: string; bucket: string; key: string; checkpoint: string; partSize: number; concurrency: number;
};
const client = new OssClient({ endpoint: args.endpoint, credentials: args.credentials });
const say = (v: unknown) => process.stdout.write(`${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}\n`);
try {
  const result = await copyObject(client, { ...args, multipartThreshold: args.partSize, onProgress: (e) => { if (e.type !== 'progress') say(e); } });
  say({ type: 'done', result });
  process.exitCode = 0;
} catch (err) {
  const e = err as { code?: string; message?: string };
  say({ type: 'error', code: e.code, message: e.message });
  process.exitCode = 3;
} finally {
  await client.close();
}
