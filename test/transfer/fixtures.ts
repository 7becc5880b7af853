// Shared setup for the upload tests: a server on port 0, a client, a bucket, a temp dir and random files.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { OssClient, type OssClientOptions } from '../../src/client/index.js';
import { Agent } from 'node:http';
import { seededRandom, startFaultProxy, type FaultPlan, type FaultProxy } from '../../harness/fault-proxy.js';

export const KiB = 1024;
export const PART = 100 * KiB;

export interface Env {
  server: TestServer;
  client: OssClient;
  bucket: string;
  dir: string;
  clientFor(endpoint: string, extra?: Partial<OssClientOptions>): OssClient;
}

export async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  extra: Partial<OssClientOptions> = {},
): Promise<Env> {
  const server = await startTestServer();
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-upload-'));
  const clients: OssClient[] = [];
  const clientFor = (endpoint: string, more: Partial<OssClientOptions> = {}) => {
    const c = new OssClient({
      endpoint,
      credentials: server.credentials,
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
      ...extra,
      ...more,
    });
    clients.push(c);
    return c;
  };
  const client = clientFor(server.endpoint);
  const bucket = 'uploads';
  await client.putBucket(bucket);
  t.after(async () => {
    for (const c of clients) await c.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { server, client, bucket, dir, clientFor };
}

/** Deterministic pseudo-random bytes (different seeds -> different content). */
export function bytes(size: number, seed = 1): Buffer {
  const rnd = seededRandom(seed);
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4)
    b.writeUInt32LE(Math.floor(rnd() * 0x100000000), Math.max(0, Math.min(i, size - 4)));
  return b;
}

export async function makeFile(
  dir: string,
  name: string,
  size: number,
  seed = 1,
): Promise<{ file: string; data: Buffer }> {
  const file = path.join(dir, name);
  const data = size >= 4 ? bytes(size, seed) : Buffer.alloc(size, seed);
  await writeFile(file, data);
  return { file, data };
}

export async function objectBytes(client: OssClient, bucket: string, key: string): Promise<Buffer> {
  const res = await client.getObject(bucket, key);
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

type TestContext = { after: (fn: () => Promise<void>) => void };

/** A fault proxy in front of the test server, closed after the test. */
export async function proxyFor(t: TestContext, env: Env, plan: FaultPlan): Promise<FaultProxy> {
  const url = new URL(env.server.endpoint);
  const proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) }, plan);
  t.after(() => proxy.close());
  return proxy;
}

/** A client through `proxy` on a fresh connection per request, so every request meets the proxy's fault plan. */
export function clientThrough(
  t: TestContext,
  env: Env,
  proxy: FaultProxy,
  retry: Partial<OssClientOptions['retry']>,
): OssClient {
  const agent = new Agent({ keepAlive: false });
  t.after(async () => agent.destroy());
  return env.clientFor(proxy.endpoint, { agent, retry });
}
