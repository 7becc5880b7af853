// A proxy that answers every request with "Connection: close" and closes the connection (FIN) right after the
// response body, as nginx does on the last request of a keep-alive connection (keepalive_requests) and as HTTP/1.0
// middleboxes do. One request per connection; Content-Length framed responses only (what the embedded server sends).
import net from 'node:net';

export interface CloseProxy {
  endpoint: string;
  close(): Promise<void>;
}

export async function startCloseProxy(target: { host: string; port: number }): Promise<CloseProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(target.port, target.host);
    open.add(client);
    open.add(up);
    client.on('close', () => open.delete(client));
    up.on('close', () => open.delete(up));
    client.pipe(up);
    let head = Buffer.alloc(0);
    let left = -1;
    up.on('data', (c: Buffer) => {
      if (left < 0) {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const h = `${head
          .subarray(0, end)
          .toString('latin1')
          .replace(/\r\nConnection: [^\r]*/i, '')
          .replace(/\r\nKeep-Alive: [^\r]*/i, '')}\r\nConnection: close\r\n\r\n`;
        const body = head.subarray(end + 4);
        left = Number(/\r\ncontent-length: *(\d+)/i.exec(h)?.[1] ?? 0) - body.length;
        client.write(h);
        client.write(body);
      } else {
        left -= c.length;
        client.write(c);
      }
      if (left <= 0) {
        client.end();
        up.destroy();
      }
    });
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
