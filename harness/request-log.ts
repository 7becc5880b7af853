// A plain TCP proxy in front of a server that records the HTTP request lines passing through it (method and
// target), for tests that assert how many requests, and which, a command makes. Loopback only.
import net from 'node:net';

/** A request line at the start of what a client wrote (no pipelining: each request starts a fresh write). */
const REQUEST_LINE = /(GET|PUT|HEAD|POST|DELETE) (\/\S*) HTTP\/1\.1\r\n/g;
const RANGE = /\r\nrange: *bytes=(\d+)-(\d+)\r\n/gi;

export interface RequestLog {
  /** `http://127.0.0.1:<port>`: point the client here. */
  endpoint: string;
  /** Every request seen so far, in order, as `METHOD /target`. */
  requests: string[];
  /** The byte ranges asked for (each request's `Range: bytes=a-b`), in order, both ends inclusive. */
  ranges: Array<{ start: number; end: number }>;
  /** Connections opened through the proxy so far. */
  connections: number;
  /** When each request line arrived (performance.now()), in the order of `requests`. */
  times: number[];
  close(): Promise<void>;
}

/** `answerDelayMs`: every answer's bytes are held that long (in order), so a request stays out a while. */
export async function startRequestLog(
  target: { host: string; port: number },
  opts: { answerDelayMs?: number } = {},
): Promise<RequestLog> {
  const open = new Set<net.Socket>();
  const log = {
    requests: [] as string[],
    ranges: [] as Array<{ start: number; end: number }>,
    connections: 0,
    times: [] as number[],
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    log.connections++;
    const upstream = net.connect({ port: target.port, host: target.host, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => open.delete(s));
    }
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      for (const m of text.matchAll(REQUEST_LINE)) {
        log.requests.push(`${m[1]} ${m[2]}`);
        log.times.push(performance.now());
      }
      for (const m of text.matchAll(RANGE)) log.ranges.push({ start: Number(m[1]), end: Number(m[2]) });
    });
    client.pipe(upstream);
    const delay = opts.answerDelayMs;
    // Timers of one duration fire in the order they were set: the bytes keep their order.
    if (delay) upstream.on('data', (chunk: Buffer) => setTimeout(() => client.destroyed || client.write(chunk), delay));
    else upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(log, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  });
}
