// The lean HTTP/1.1 client: every request to a plain-http endpoint goes through it (https and a caller's own agent
// stay on node:http, transport.ts). One pool of keep-alive sockets, capped in total, whatever the origins.
//
// Why: receiving is a download's cost. node:http reads a socket in 64 KiB allocations and pushes each through its
// parser, IncomingMessage and the stream machinery: 1 GiB over loopback cost ~0.8 CPU-s before the bytes went
// anywhere, against ~0.3 CPU-s reading the same responses from a raw socket whose reads land in large buffers we
// hand out (`onread` with a buffer generator: the kernel copies straight into them, ~800 KiB per read, no copy in
// JS). In ossup's download (1 GiB, 8 MiB x4, paired runs with the CRC-64 moved onto the chunks) client CPU fell by
// a quarter. The response head is parsed by http-parser-js (chunked and close-delimited bodies included).
//
// What it keeps from node:http's path: the SendRequest/SendResponse shapes, error codes the retry policy knows
// (ECONNRESET for a connection lost mid-exchange, ETIMEDOUT for an idle one), refused header values with CR or LF,
// LIFO keep-alive reuse with idle sockets closed after a while, and a body that must be exactly its announced size.
import { connect as netConnect } from 'node:net';
import { abortError } from '../../core/errors.js';
import { DEFAULT_TIMEOUT_MS, requestTarget, type SendRequest, type SendResponse } from '../transport.js';
import { Connection, type ConnectionOwner } from './connection.js';

export interface LeanHttpOptions {
  /** Most sockets open at once, all origins together; further requests wait for one. */
  connections?: number;
  /** Connect timeout cap and default idle timeout. */
  timeoutMs?: number;
  /** Connect here whatever the URL's host says (the Host header still names it): a local stand-in for OSS. */
  connectTo?: { host: string; port: number };
}

/** A URL's origin as the pool uses it (LeanHttp.originOf). */
interface Origin {
  /** `http://host[:port]` as it appears in the URL. */
  text: string;
  /** The Host header: host and port as the URL gives them. */
  host: string;
  /** Where to connect. */
  target: { host: string; port: number };
  /** The idle list it belongs to. */
  key: string;
}

/** Methods that send no Content-Length without a body (as node:http); others announce an empty body. */
const NO_EMPTY_LENGTH = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

export class LeanHttp implements ConnectionOwner {
  private readonly idle = new Map<string, Connection[]>();
  private readonly waiting: Array<() => void> = [];
  private open = 0;
  private closed = false;
  private lastOrigin: Origin | undefined;
  private readonly max: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly opts: LeanHttpOptions = {}) {
    this.max = opts.connections ?? 64;
    this.connectTimeoutMs = Math.min(10_000, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** One exchange; resolves at the response head, with the body as a stream. */
  async send(r: SendRequest): Promise<SendResponse> {
    const { signal } = r;
    if (signal?.aborted) throw abortError(signal);
    const origin = this.originOf(r.url);
    const head = requestHead(r.method, requestTarget(r.url), origin.host, r.headers, r.body?.size);
    const conn = await this.acquire(origin.key, origin.target, signal);
    return conn.exchange({
      head,
      isHead: r.method === 'HEAD',
      body: r.body,
      onBodyProgress: r.onBodyProgress,
      timeoutMs: r.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal,
    });
  }

  /**
   * The Host header, address and pool key of a URL's origin. Requests come many to a second for one origin (one
   * bucket's host): the last one is kept rather than a URL parsed per request.
   */
  private originOf(url: string): Origin {
    const end = url.indexOf('/', url.indexOf('//') + 2);
    const text = end < 0 ? url : url.slice(0, end);
    if (this.lastOrigin?.text === text) return this.lastOrigin;
    const parsed = new URL(text);
    const target = this.opts.connectTo ?? {
      host: parsed.hostname.replace(/^\[|\]$/g, ''),
      port: Number(parsed.port || 80),
    };
    this.lastOrigin = { text, host: parsed.host, target, key: `${target.host}:${target.port}` };
    return this.lastOrigin;
  }

  /** Close every idle socket and refuse new requests; exchanges in flight fail as their sockets close. */
  destroy(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const c of list.splice(0)) c.socket.destroy();
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async acquire(
    key: string,
    target: { host: string; port: number },
    signal: AbortSignal | undefined,
  ): Promise<Connection> {
    for (;;) {
      if (this.closed) throw Object.assign(new Error('the client was closed'), { code: 'ECONNRESET' });
      const reused = this.idle.get(key)?.pop();
      if (reused?.socket.destroyed) continue; // closed, its 'close' not yet seen
      if (reused) {
        reused.unidle();
        return reused;
      }
      if (this.open < this.max) return this.connect(key, target, signal);
      // Every socket is taken; an idle one to another origin gives way rather than leave this request waiting.
      const other = [...this.idle.values()].find((list) => list.length > 0)?.shift();
      if (other) {
        other.socket.destroy();
        this.gone(other);
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          // Out of the queue, or a freed socket would wake this gone request instead of one still waiting.
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(abortError(signal!));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(wake);
      });
    }
  }

  private async connect(
    key: string,
    target: { host: string; port: number },
    signal: AbortSignal | undefined,
  ): Promise<Connection> {
    this.open++;
    const conn = new Connection(this, key, (onread) => netConnect({ host: target.host, port: target.port, onread }));
    await conn.connected(this.connectTimeoutMs, signal);
    return conn;
  }

  released(conn: Connection, reusable: boolean): void {
    if (reusable && !this.closed) {
      let list = this.idle.get(conn.key);
      if (!list) this.idle.set(conn.key, (list = []));
      list.push(conn);
      conn.idleSince();
    } else {
      this.gone(conn);
    }
    this.waiting.shift()?.();
  }

  gone(conn: Connection): void {
    const list = this.idle.get(conn.key);
    const at = list?.indexOf(conn) ?? -1;
    if (at >= 0) list!.splice(at, 1);
    if (conn.counted) {
      conn.counted = false;
      this.open--;
      this.waiting.shift()?.();
    }
  }
}

/** Names and values node:http would refuse (CR, LF or NUL would let a value smuggle a header). */
const BAD_HEADER = /[\r\n\0]/;

function requestHead(
  method: string,
  path: string,
  host: string,
  headers: Record<string, string>,
  bodySize: number | undefined,
): string {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  if (headers.host === undefined) head += `Host: ${host}\r\n`;
  for (const name in headers) {
    const value = headers[name]!;
    if (!name || BAD_HEADER.test(name) || BAD_HEADER.test(value)) {
      throw Object.assign(new TypeError(`invalid character in header ${JSON.stringify(name)}`), {
        code: 'ERR_INVALID_CHAR',
      });
    }
    head += `${name}: ${value}\r\n`;
  }
  if (headers['content-length'] === undefined) {
    if (bodySize !== undefined) head += `content-length: ${bodySize}\r\n`;
    else if (!NO_EMPTY_LENGTH.has(method)) head += 'content-length: 0\r\n';
  }
  return `${head}\r\n`;
}
