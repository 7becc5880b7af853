// The built CLI against a real embedded server through a proxy that records every request (request-log.ts): for
// tests that assert how many requests, and which, a tree command makes, and what its --json lines say.
import { OssClient } from '../src/client/index.js';
import { runCli, sandbox, type Sandbox } from './cli.js';
import { startRequestLog, type RequestLog } from './request-log.js';
import { startTestServer, type TestServer } from './server.js';

/** The fields of a tree's --json line the tests read. */
export interface TreeLine {
  action: string;
  key: string;
  etag: string;
  crc64: string;
  reason: string;
}

/** One command: its exit code, stderr, --json lines (also by key), and the requests it made. */
export interface CountedRun {
  code: number | null;
  stderr: string;
  lines: TreeLine[];
  byKey: Record<string, TreeLine>;
  requests: string[];
}

export interface CountedCli {
  server: TestServer;
  log: RequestLog;
  box: Sandbox;
  /** A client straight to the server (not counted). */
  client: OssClient;
  /** Runs `ossup ARGS --json` through the counting proxy. */
  run(args: string[]): Promise<CountedRun>;
  /** The object's bytes as text. */
  text(key: string): Promise<string>;
  close(): Promise<void>;
}

/** A server with `bucket` made, a counting proxy in front, and a sandbox whose env points the CLI at the proxy. */
export async function countedCli(bucket: string): Promise<CountedCli> {
  const server = await startTestServer();
  const log = await startRequestLog({ host: server.server.host, port: server.server.port });
  const box = await sandbox();
  Object.assign(box.env, {
    OSS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    OSS_ACCESS_KEY_SECRET: server.credentials.accessKeySecret,
    OSS_ENDPOINT: log.endpoint,
  });
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket(bucket);
  return {
    server,
    log,
    box,
    client,
    async run(args) {
      const from = log.requests.length;
      const r = await runCli([...args, '--json'], box.env);
      const lines = r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TreeLine);
      const byKey = Object.fromEntries(lines.map((l) => [l.key, l]));
      return { code: r.code, stderr: r.stderr, lines, byKey, requests: log.requests.slice(from) };
    },
    async text(key) {
      const res = await client.getObject(bucket, key);
      const chunks: Buffer[] = [];
      for await (const c of res.body) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async close() {
      await client.close();
      await log.close();
      await server.close();
      await box.cleanup();
    },
  };
}
