// A link-shaping TCP proxy for the "wan" extra: every connection gets its own bandwidth cap and a one-way delay in
// each direction, which is what one TCP stream over a long path sees (its window / RTT bounds it, whatever the
// total link). On loopback every tool gets a whole CPU core's worth of bandwidth per stream, so only here do
// parallel streams show what they buy a user of real OSS.
import net from 'node:net';
import { connectUpstream } from './counter.js';

export interface LinkShape {
  /** Bytes per second per connection and direction. */
  bytesPerSecond: number;
  /** One-way delay added to every chunk. */
  delayMs: number;
  /** Bytes per second of the whole link, each direction, all connections together (absent: no shared cap). */
  linkBytesPerSecond?: number;
}

/** When a direction of the shared link is next free (ms, performance.now clock). */
interface Link {
  freeAt: number;
}

export interface Shaper {
  endpoint: string;
  /** Connections accepted so far (each a TCP handshake over the delayed link). */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Bytes a direction may hold, queued or not yet taken by its destination, before it stops reading its source: memory
 * stays bounded, and a sender feels its receiver's pace through the proxy as it would through a real link's TCP
 * windows. (Before `c943573` only the queue counted: a server slower than its client let the client hand the proxy
 * bytes faster than the server took them, and an upload's rate, counted as its sockets take bytes, read far above the
 * link's.)
 */
const WINDOW = 1024 * 1024;

/**
 * How early a chunk may leave (ms). Node's timers count whole milliseconds from the event loop's cached clock, so a
 * timer fires up to a millisecond before or after the exact deadline; waiting for another 1 ms timer whenever one
 * fired a fraction early made every hop ~0.5-1 ms late (an echo's round trip p50 21-22 ms for a 20 ms profile).
 * Releasing what is due within half a millisecond centres the error on the deadline instead.
 */
const EARLY_MS = 0.5;

/**
 * Forward `from` to `to` at the shape's rate, each chunk released `delayMs` after it could have been sent. One
 * queue and one timer per direction, so bytes always leave in the order they came (separate timers per chunk can
 * fire out of order). Scheduled by deadline: each chunk's time of release is fixed when it arrives, and a timer
 * that fires late does not push back what is queued behind it.
 */
function shapeDirection(from: net.Socket, to: net.Socket, shape: LinkShape, link: Link): void {
  let freeAt = 0; // when the link finishes serialising what was queued (ms, performance.now clock)
  let queued = 0;
  let ended = false;
  const queue: { chunk: Buffer; at: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const full = () => queued + to.writableLength > WINDOW;
  to.on('drain', () => {
    if (!full() && from.isPaused()) from.resume();
  });
  const arm = (now: number) => {
    // Whole milliseconds, rounded to the nearest: the timer's own error is then within about half a millisecond.
    timer = setTimeout(pump, Math.max(1, Math.round(queue[0]!.at - now)));
  };
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now + EARLY_MS) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (!full() && from.isPaused()) from.resume();
    if (queue.length > 0) arm(now);
    else if (ended && !to.destroyed) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    const now = performance.now();
    freeAt = Math.max(freeAt, now) + (chunk.length / shape.bytesPerSecond) * 1000;
    if (shape.linkBytesPerSecond) {
      // The shared link serialises every connection's chunks too: a chunk leaves when both are free.
      link.freeAt = Math.max(link.freeAt, now) + (chunk.length / shape.linkBytesPerSecond) * 1000;
      freeAt = Math.max(freeAt, link.freeAt);
    }
    queue.push({ chunk, at: freeAt + shape.delayMs });
    queued += chunk.length;
    if (full()) from.pause();
    if (timer === undefined) arm(now);
  });
  // The end travels behind the last byte.
  from.on('end', () => {
    ended = true;
    timer ??= setTimeout(pump, 1);
  });
}

export async function startShaper(target: { host: string; port: number }, shape: LinkShape): Promise<Shaper> {
  const open = new Set<net.Socket>();
  const up: Link = { freeAt: 0 };
  const down: Link = { freeAt: 0 };
  // Half-open sockets, so each direction's end is forwarded (late, behind its bytes) without cutting the other.
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    const upstream = connectUpstream(client, target, open);
    shapeDirection(client, upstream, shape, up);
    shapeDirection(upstream, client, shape, down);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get connections() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
