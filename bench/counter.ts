// A plain TCP proxy in front of the bench server that counts what passes: bytes each way, and the HTTP requests a
// client starts (by their request lines) with when the first, the last and the first PUT passed. No shaping (the
// shaper is bench/shaper.ts). The tree, small-file, sync and copy extras count requests or bytes through it.
import net from 'node:net';

/** A request line at the start of what a client wrote (no pipelining: each request starts a fresh write). */
const REQUEST_LINE = /(GET|PUT|HEAD|POST|DELETE) \/\S* HTTP\/1\.1\r\n/g;

export interface Counter {
  endpoint: string;
  requests: number;
  /** performance.now() when the first PUT request line passed, if any. */
  firstPutAt?: number;
  /** performance.now() of the first and the last request line. */
  firstAt?: number;
  lastAt?: number;
  /** Bytes the server sent to the client (headers included), and the client to the server. */
  toClient: number;
  toServer: number;
  /** Zero every count. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A proxy's connection to `target` for an accepted `client`: half-open allowed both ways (each direction's end is
 * forwarded without cutting the other), no Nagle, an error on either side closing both, both kept in `open` until
 * they close (so the proxy can cut them all when it stops).
 */
export function connectUpstream(
  client: net.Socket,
  target: { host: string; port: number },
  open: Set<net.Socket>,
): net.Socket {
  const upstream = net.connect({ port: target.port, host: target.host, allowHalfOpen: true });
  for (const s of [client, upstream]) {
    open.add(s);
    s.setNoDelay(true);
    s.on('error', () => {
      client.destroy();
      upstream.destroy();
    });
    s.on('close', () => open.delete(s));
  }
  return upstream;
}

/** Starts a counting proxy to `target` on a loopback port of its own. */
export async function startCounter(target: { host: string; port: number }): Promise<Counter> {
  const open = new Set<net.Socket>();
  const c = {
    requests: 0,
    firstPutAt: undefined as number | undefined,
    firstAt: undefined as number | undefined,
    lastAt: undefined as number | undefined,
    toClient: 0,
    toServer: 0,
    reset() {
      c.requests = c.toClient = c.toServer = 0;
      c.firstPutAt = c.firstAt = c.lastAt = undefined;
    },
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connectUpstream(client, target, open);
    upstream.on('data', (d: Buffer) => {
      c.toClient += d.length;
    });
    client.on('data', (chunk: Buffer) => {
      c.toServer += chunk.length;
      for (const m of chunk.toString('latin1').matchAll(REQUEST_LINE)) {
        c.requests++;
        c.lastAt = performance.now();
        c.firstAt ??= c.lastAt;
        if (m[1] === 'PUT' && c.firstPutAt === undefined) c.firstPutAt = c.lastAt;
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(c, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  });
}
