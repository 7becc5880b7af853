// Child process for the download crash tests: runs one downloadFile and reports its events as JSON lines on stdout,
// so the parent can SIGKILL it at a chosen point. Arguments come as one JSON object in argv[2].
import { OssClient } from '../../../src/client/index.js';
import { downloadFile } from '../../../src/transfer/download/download.js';

const raw = process.argv[2];
if (raw) {
  const args = JSON.parse(raw) as {
    endpoint: string; credentials: { accessKeyId: string; accessKeySecret: string };
    bucket: string; key: string; file: string; checkpoint: string | boolean; partSize?: number; concurrency?: number;
  };
  const client = new OssClient({ endpoint: args.endpoint, credentials: args.credentials });
  const say = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
  try {
    const result = await downloadFile(client, {
      bucket: args.bucket, key: args.key, file: args.file, checkpoint: args.checkpoint, partSize: args.partSize, concurrency: args.concurrency,
      onProgress: (e) => { if (e.type !== 'progress') say(e); },
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
}
