// Shared setup for the upload tests: a server on port 0, a client, a bucket, a temp dir and random files.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { OssClient, type OssClientOptions } from '../../src/client/index.js';
import { createHash } from 'node:crypto';
import http, { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom, startFaultProxy, type FaultPlan, type FaultProxy } from '../../harness/fault-proxy.js';
import type { TransferEvent } from '../../src/transfer/index.js';

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

/** `data` in a file of its own temporary directory, removed after the test. */
export async function tempFile(t: TestContext, data: Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-file-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'f');
  await writeFile(file, data);
  return file;
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

/** A request as an editing proxy saw it: its Content-MD5 header and the MD5 of the body it passed on (base64). */
export interface ProxiedRequest {
  method: string;
  path: string;
  contentMd5: string | undefined;
  bodyMd5?: string;
}

/**
 * An HTTP proxy in front of `target` that records every request (bodyMd5 once its body has passed) and lets
 * `answer` edit the response headers of a request before they are sent on. Closed after the test.
 */
export async function editingProxy(
  t: TestContext,
  target: string,
  answer: (req: ProxiedRequest, headers: http.IncomingHttpHeaders) => void = () => {},
): Promise<{ endpoint: string; seen: ProxiedRequest[] }> {
  const to = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const seen: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const contentMd5 = req.headers['content-md5'];
    const rec: ProxiedRequest = { method: req.method!, path: req.url!, contentMd5: contentMd5 as string | undefined };
    seen.push(rec);
    const md5 = createHash('md5');
    req.on('data', (chunk: Buffer) => md5.update(chunk));
    req.on('end', () => {
      rec.bodyMd5 = md5.digest('base64');
    });
    const up = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent },
      (reply) => {
        const { connection: _c, 'keep-alive': _k, ...headers } = reply.headers;
        answer(rec, headers);
        res.writeHead(reply.statusCode!, headers);
        reply.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    agent.destroy();
  });
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Pause (abort) a transfer once `parts` parts (or ranges) are done. */
export function pauseAfter(parts: number): { signal: AbortSignal; onProgress: (e: TransferEvent) => void } {
  const ac = new AbortController();
  return {
    signal: ac.signal,
    onProgress: (e: TransferEvent) => {
      if (e.type === 'part' && e.partsDone >= parts) ac.abort();
    },
  };
}
