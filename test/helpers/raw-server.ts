// A hand-written keep-alive HTTP server for the lean client's tests: it answers every request head with what the
// test writes to the socket, and counts connections and heads.
import net, { type AddressInfo } from 'node:net';
import type { TestContext } from './raw-client.js';

export interface RawServer {
  endpoint: string;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads received, in order. */
  heads: string[];
}

/** A keep-alive raw server: `answer` is called for every request head on every connection. */
export async function rawServer(
  t: TestContext,
  answer: (socket: net.Socket, head: string, n: number) => void,
): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const state: RawServer = { endpoint: '', connections: 0, heads: [] };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (c: Buffer) => {
      pending += c.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        state.heads.push(head);
        answer(socket, head, state.heads.length);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** Answer 200 with `size` bytes (a multiple of 1 MiB) written as fast as the client takes them. */
export function writeBlocks(socket: net.Socket, size: number): void {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
  const block = Buffer.alloc(1024 * 1024, 7);
  const more = (left: number): void => {
    while (left-- > 0) {
      if (!socket.write(block)) {
        socket.once('drain', () => more(left));
        return;
      }
    }
  };
  more(size / block.length);
}

/** Answer 200 with `data` in chunked framing, 70,000-byte chunks. */
export function writeChunked(socket: net.Socket, data: Buffer): void {
  socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
  for (let i = 0; i < data.length; i += 70_000) {
    const piece = data.subarray(i, i + 70_000);
    socket.write(`${piece.length.toString(16)}\r\n`);
    socket.write(piece);
    socket.write('\r\n');
  }
  socket.write('0\r\n\r\n');
}
