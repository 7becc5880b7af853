// A fault-injecting TCP proxy for tests and the torture run. Loopback only, bounded in time and in the number of
// faults it injects, deterministic for a given seed. It sits between a client and the embedded server and, per
// connection, either passes bytes through untouched or applies one fault chosen from the plan.
import net from 'node:net';

/** One kind of fault the proxy can inject into a connection. */
export type FaultKind =
  | 'reset-request' // destroy both sockets (RST) after a random number of request bytes
  | 'reset-response' // destroy both sockets after a random number of response bytes
  | 'truncate-response' // forward part of the response, then end the connection cleanly (FIN, no RST)
  | 'stall' // hold the connection silent for stallMs, then pass through
  | 'status-500'
  | 'status-503'
  | 'status-429' // answer the first request with this status instead of forwarding
  | 'slow' // pass through at bytesPerSecond
  | 'slow-request' // pass the request bytes (an upload's body) through at bytesPerSecond
  | 'corrupt-request'; // flip one byte of the first request's body (when it has at least 1 KiB), pass the rest through

export interface FaultPlan {
  /** Probability that a new connection gets a fault (0..1). */
  rate: number;
  /** Faults to choose from, uniformly. */
  kinds: FaultKind[];
  /** Stop injecting after this many faults (the proxy then only passes through). */
  maxFaults?: number;
  /** Seed for the deterministic random source. */
  seed?: number;
  /** Upper bound of the byte offset at which a reset or truncation happens. */
  maxOffset?: number;
  /** How long a 'stall' holds the connection. */
  stallMs?: number;
  /** Bandwidth of a 'slow' connection. */
  bytesPerSecond?: number;
  /** Send `Retry-After: <seconds>` with injected 503/429 answers (omitted when undefined). */
  retryAfterSeconds?: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the client here. */
  endpoint: string;
  port: number;
  /** Faults injected so far, by kind. */
  stats(): { connections: number; faults: number; byKind: Partial<Record<FaultKind, number>> };
  /** Change the plan for connections opened from now on. */
  setPlan(plan: FaultPlan): void;
  close(): Promise<void>;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same fault sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUS_TEXT: Record<number, [string, string]> = {
  500: ['Internal Server Error', 'InternalError'],
  503: ['Service Unavailable', 'ServiceUnavailable'],
  429: ['Too Many Requests', 'TooManyRequests'],
};

/** Start a proxy on 127.0.0.1:0 forwarding to `target` (host:port of the real server). */
export async function startFaultProxy(target: { host: string; port: number }, initial: FaultPlan): Promise<FaultProxy> {
  let plan = initial;
  let random = seededRandom(plan.seed ?? 1);
  let connections = 0;
  let faults = 0;
  const byKind: Partial<Record<FaultKind, number>> = {};
  const open = new Set<net.Socket>();

  const chooseFault = (): FaultKind | undefined => {
    if (plan.maxFaults !== undefined && faults >= plan.maxFaults) return undefined;
    if (plan.kinds.length === 0 || random() >= plan.rate) return undefined;
    const kind = plan.kinds[Math.floor(random() * plan.kinds.length)]!;
    faults++;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    return kind;
  };

  const server = net.createServer((client) => {
    connections++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const fault = chooseFault();
    const offset = Math.floor(random() * (plan.maxOffset ?? 256 * 1024));
    if (fault?.startsWith('status-')) {
      answerWithStatus(client, Number(fault.slice(7)), plan.retryAfterSeconds);
      return;
    }
    const upstream = net.connect(target.port, target.host);
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());

    const start = () => {
      pipeWithFault(
        client,
        upstream,
        fault === 'reset-request'
          ? { resetAt: offset }
          : fault === 'corrupt-request'
            ? { corruptBody: offset }
            : fault === 'slow-request'
              ? { bytesPerSecond: plan.bytesPerSecond ?? 256 * 1024 }
              : {},
      );
      pipeWithFault(
        upstream,
        client,
        fault === 'reset-response'
          ? { resetAt: offset }
          : fault === 'truncate-response'
            ? { endAt: offset }
            : fault === 'slow'
              ? { bytesPerSecond: plan.bytesPerSecond ?? 256 * 1024 }
              : {},
      );
    };
    if (fault === 'stall') {
      // An explicitly paused stream stays paused when a 'data' listener is added: resume it once piping is set up.
      client.pause();
      setTimeout(() => {
        start();
        client.resume();
      }, plan.stallMs ?? 2000).unref();
    } else {
      start();
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats: () => ({ connections, faults, byKind: { ...byKind } }),
    setPlan(next) {
      plan = next;
      random = seededRandom(next.seed ?? 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface PipeFault {
  resetAt?: number;
  endAt?: number;
  bytesPerSecond?: number;
  corruptBody?: number;
}

/**
 * Finds, in a request stream, the absolute offset of one body byte of the first request: `seed` modulo its
 * Content-Length, if that is at least 1 KiB (a smaller or absent body is left alone). Undefined until known.
 */
function bodyByteLocator(seed: number): (chunk: Buffer) => number | undefined {
  let head = Buffer.alloc(0);
  let target: number | undefined;
  let settled = false;
  return (chunk) => {
    if (settled) return target;
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > 64 * 1024) settled = true;
      return undefined;
    }
    settled = true;
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
    if (length >= 1024) target = end + 4 + (seed % length);
    return target;
  };
}

/** Copy `from` to `to`, applying at most one fault, with backpressure. */
function pipeWithFault(from: net.Socket, to: net.Socket, fault: PipeFault): void {
  let sent = 0;
  const locate = fault.corruptBody !== undefined ? bodyByteLocator(fault.corruptBody) : undefined;
  from.on('data', (original: Buffer) => {
    let chunk = original;
    const at = locate?.(chunk);
    if (at !== undefined && at >= sent && at < sent + chunk.length) {
      chunk = Buffer.from(chunk);
      chunk[at - sent]! ^= 0x5a;
    }
    const limit = fault.resetAt ?? fault.endAt;
    if (limit !== undefined && sent + chunk.length > limit) {
      const head = chunk.subarray(0, Math.max(0, limit - sent));
      sent = limit;
      if (fault.resetAt !== undefined) {
        to.write(head, () => {
          to.resetAndDestroy();
          from.resetAndDestroy();
        });
      } else {
        to.end(head);
        from.destroy();
      }
      from.pause();
      return;
    }
    sent += chunk.length;
    const writable = to.write(chunk);
    if (fault.bytesPerSecond) {
      from.pause();
      setTimeout(() => from.resume(), Math.ceil((chunk.length / fault.bytesPerSecond) * 1000)).unref();
    } else if (!writable) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => to.end());
}

/**
 * Read the first request's head and body (Content-Length only), then answer it with an OSS-style error and close.
 * Draining the body first matters: closing while the client still writes would turn the injected status into a
 * network error, and the point of this fault is to exercise the client's status-based retry path.
 */
function answerWithStatus(client: net.Socket, status: number, retryAfter: number | undefined): void {
  let buffered = Buffer.alloc(0);
  let remaining = -1;
  const [reason, code] = STATUS_TEXT[status] ?? ['Error', String(status)];
  const respond = () => {
    client.removeAllListeners('data');
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the fault proxy</Message>` +
      `<RequestId>0000000000000000000000FF</RequestId><HostId>fault-proxy</HostId></Error>`;
    const headers = [
      `HTTP/1.1 ${status} ${reason}`,
      'Content-Type: application/xml',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'x-oss-request-id: 0000000000000000000000FF',
      'Connection: close',
      ...(retryAfter !== undefined ? [`Retry-After: ${retryAfter}`] : []),
    ];
    client.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
  };
  client.on('data', (chunk: Buffer) => {
    if (remaining >= 0) {
      remaining -= chunk.length;
      if (remaining <= 0) respond();
      return;
    }
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buffered.subarray(0, end).toString('latin1');
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    remaining = (match ? Number(match[1]) : 0) - (buffered.length - end - 4);
    if (remaining <= 0) respond();
  });
}
