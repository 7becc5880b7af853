// A pass-through TCP proxy that reads the request heads going to the server and adds up how many payload bytes the
// client asked to move: Content-Length of PUT requests (upload parts) and the length of GET Range requests
// (download ranges). Counting what was asked for, not what arrived, makes "bytes resent" an upper bound.
import net from 'node:net';

export interface Counts {
  /** Sum of Content-Length over PUT requests whose head was sent. */
  putBytes: number;
  /** Sum of range lengths over GET requests with a Range header (a GET without one counts `fullGetBytes`). */
  getBytes: number;
  requests: number;
}

export interface CountingProxy {
  endpoint: string;
  port: number;
  /** Counts since the last take(), then reset. */
  take(): Counts;
  close(): Promise<void>;
}

export async function startCountingProxy(
  target: { host: string; port: number },
  fullGetBytes = 0,
): Promise<CountingProxy> {
  let counts: Counts = { putBytes: 0, getBytes: 0, requests: 0 };
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    const upstream = net.connect(target.port, target.host);
    open.add(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      open.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    let head = Buffer.alloc(0);
    let bodyLeft = 0;
    client.on('data', (chunk: Buffer) => {
      let rest = chunk;
      while (rest.length > 0) {
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, rest.length);
          bodyLeft -= n;
          rest = rest.subarray(n);
          continue;
        }
        head = Buffer.concat([head, rest]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          rest = Buffer.alloc(0);
          break;
        }
        const text = head.subarray(0, end).toString('latin1');
        rest = head.subarray(end + 4);
        head = Buffer.alloc(0);
        const method = text.slice(0, text.indexOf(' '));
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
        const range = /\r\nrange:\s*bytes=(\d+)-(\d*)/i.exec(text);
        counts.requests++;
        if (method === 'PUT') counts.putBytes += length;
        if (method === 'GET') {
          if (range)
            counts.getBytes += range[2]
              ? Number(range[2]) - Number(range[1]) + 1
              : Math.max(0, fullGetBytes - Number(range[1]));
          else if (!/\?/.test(text.split(' ')[1] ?? '')) counts.getBytes += fullGetBytes;
        }
        bodyLeft = length;
      }
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    take() {
      const c = counts;
      counts = { putBytes: 0, getBytes: 0, requests: 0 };
      return c;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
