// A lean HTTP/1.1 exchange for bodiless requests (GET, HEAD) to plain-http endpoints, beside node:http.
//
// Why: receiving is the download's cost. node:http reads a socket in 64 KiB allocations and pushes each through
// its parser, IncomingMessage and the stream machinery: 1 GiB over loopback cost ~0.8 CPU-s before the bytes went
// anywhere, against ~0.3 CPU-s reading the same responses from a raw socket whose reads land in large buffers we
// hand out (`onread` with a buffer generator: the kernel copies straight into them, ~800 KiB per read, no copy in
// JS). The response head is parsed by http-parser-js (chunked and close-delimited bodies included); body bytes are
// views into the read buffers, pushed to a Readable that pauses the socket when its reader falls behind.
//
// What it shares with node:http's path: the SendResponse shape, error codes that the retry policy knows
// (ECONNRESET for a connection lost mid-exchange, ETIMEDOUT for an idle one), keep-alive reuse (LIFO, idle sockets
// closed after a while), a cap on connections. HTTPS and requests with a body stay on node:http (transport.ts).
import net from 'node:net';
import { Readable } from 'node:stream';
import { HTTPParser } from 'http-parser-js';
import { abortError } from '../core/errors.js';
import { DEFAULT_TIMEOUT_MS, mapTransportError, type SendRequest, type SendResponse } from './transport.js';

/** Socket reads go into slabs of this size; a slab with less than MIN_READ left is replaced. */
const SLAB = 1024 * 1024;
const MIN_READ = 128 * 1024;
/** Chunks (socket reads, up to SLAB bytes each) a response body queues before the socket is paused. */
const BODY_HIGH_WATER_CHUNKS = 2;
/** Idle keep-alive sockets are closed after this long (before a server's own idle timeout is likely to race us). */
const IDLE_MS = 10_000;

/** Methods this path serves: no request body, and the response framing the parser knows. */
export const RAW_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export interface RawPoolOptions {
  /** Most sockets open at once; further requests wait for one. */
  connections?: number;
  /** Connect timeout cap and default idle timeout. */
  timeoutMs?: number;
}

/** One RawHttpPool per origin (virtual-hosted buckets are origins of their own, as node:http's agent keys them). */
export class RawHttp {
  private readonly pools = new Map<string, RawHttpPool>();

  constructor(private readonly opts: RawPoolOptions = {}) {}

  send(r: SendRequest): Promise<SendResponse> {
    const url = new URL(r.url);
    let pool = this.pools.get(url.host);
    if (!pool) {
      pool = new RawHttpPool(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80), this.opts);
      this.pools.set(url.host, pool);
    }
    return pool.send(r);
  }

  destroy(): void {
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
  }
}

/** Keep-alive sockets to one plain-http origin. */
export class RawHttpPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Array<() => void> = [];
  private open = 0;
  private closed = false;
  private readonly max: number;
  private readonly connectTimeoutMs: number;

  constructor(
    readonly host: string,
    readonly port: number,
    opts: RawPoolOptions = {},
  ) {
    this.max = opts.connections ?? 64;
    this.connectTimeoutMs = Math.min(10_000, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** One exchange; resolves at the response head, with the body as a stream. */
  async send(r: SendRequest): Promise<SendResponse> {
    const { signal } = r;
    if (signal?.aborted) throw abortError(signal);
    if (r.body) throw new TypeError('RawHttpPool.send: requests with a body go through node:http');
    const url = new URL(r.url);
    const head = requestHead(r.method, `${url.pathname}${url.search}`, url.host, r.headers);
    const conn = await this.acquire(signal);
    return conn.exchange(head, r.method === 'HEAD', r.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal);
  }

  /** Close every socket; exchanges in flight fail. */
  destroy(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.socket.destroy();
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async acquire(signal: AbortSignal | undefined): Promise<Connection> {
    for (;;) {
      if (this.closed) throw Object.assign(new Error('the client was closed'), { code: 'ECONNRESET' });
      const reused = this.idle.pop();
      if (reused?.socket.destroyed) continue; // closed, its 'close' not yet seen
      if (reused) {
        reused.unidle();
        return reused;
      }
      if (this.open < this.max) return this.connect(signal);
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(abortError(signal!));
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  private async connect(signal: AbortSignal | undefined): Promise<Connection> {
    this.open++;
    const conn = new Connection(this, this.host, this.port);
    await conn.connected(this.connectTimeoutMs, signal);
    return conn;
  }

  /** A finished exchange hands its socket back (or it was closed). */
  released(conn: Connection, reusable: boolean): void {
    if (reusable && !this.closed) {
      this.idle.push(conn);
      conn.idleSince();
    } else {
      this.gone(conn);
    }
    this.waiting.shift()?.();
  }

  /** A socket closed: forget it. */
  gone(conn: Connection): void {
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    if (conn.counted) {
      conn.counted = false;
      this.open--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * Socket reads land in slabs. A consumer that says when it is done with its chunks (releaseBodyChunks: a
 * download, once a batch is written) lets their slab be reused for later reads, which keeps a long download from
 * churning through fresh 2 MiB buffers for the GC to find; chunks never released are simply left to the GC.
 */
interface Slab {
  buf: Buffer;
  /** Bytes read into it so far. */
  used: number;
  /** Body chunks handed out and not yet released. */
  out: number;
  /** No further reads go into it. */
  retired: boolean;
}

const KEEP_FREE_SLABS = 32;
const freeSlabs: Slab[] = [];
const slabOf = new WeakMap<ArrayBufferLike, Slab>();
/** Chunks handed out and not yet released (so a chunk is released once, and foreign chunks are ignored). */
const handedOut = new WeakSet<Uint8Array>();

function takeSlab(): Slab {
  const reused = freeSlabs.pop();
  if (reused) return reused;
  const slab: Slab = { buf: Buffer.allocUnsafeSlow(SLAB), used: 0, out: 0, retired: false };
  slabOf.set(slab.buf.buffer, slab);
  return slab;
}

function retire(slab: Slab): void {
  slab.retired = true;
  if (slab.out === 0 && freeSlabs.length < KEEP_FREE_SLABS) {
    slab.used = 0;
    slab.retired = false;
    freeSlabs.push(slab);
  }
}

/**
 * Body chunks (from a response of this reader) the caller is entirely done with: nothing reads them any more, here
 * or on another thread. Their memory may then hold later responses. Other chunks, and repeats, are ignored.
 */
export function releaseBodyChunks(chunks: readonly Uint8Array[]): void {
  for (const c of chunks) {
    if (!handedOut.delete(c)) continue;
    const slab = slabOf.get(c.buffer);
    if (!slab) continue;
    slab.out--;
    if (slab.out === 0 && slab.retired) retire(slab);
  }
}

/** Names and values node:http would refuse (CR, LF or NUL would let a value smuggle a header). */
const BAD_HEADER = /[\r\n\0]/;

function requestHead(method: string, path: string, host: string, headers: Record<string, string>): string {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  if (headers.host === undefined) head += `Host: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (BAD_HEADER.test(name) || BAD_HEADER.test(value) || !name) {
      throw Object.assign(new TypeError(`invalid character in header ${JSON.stringify(name)}`), {
        code: 'ERR_INVALID_CHAR',
      });
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

/** One socket and the exchange on it (at most one at a time). */
class Connection {
  readonly socket: net.Socket;
  /** Still counted in the pool's open sockets. */
  counted = true;
  private slab = takeSlab();
  private parser: InstanceType<typeof HTTPParser> | undefined;
  private current: Exchange | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** While connecting: how to fail the connect. */
  private connecting: ((err: unknown) => void) | undefined;

  constructor(
    private readonly pool: RawHttpPool,
    host: string,
    port: number,
  ) {
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: () => this.region(), callback: (n, buf) => this.onRead(n, buf) },
    });
    this.socket.on('error', (err) => this.lost(err));
    this.socket.on('end', () => this.lost(undefined));
    this.socket.on('timeout', () => this.timedOut());
    this.socket.on('close', () => {
      this.lost(undefined);
      clearTimeout(this.idleTimer);
      this.pool.gone(this);
    });
  }

  /** Resolves once connected; fails (and closes the socket) on error, timeout or abort. */
  connected(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => this.connecting?.(abortError(signal!));
      const settle = () => {
        this.connecting = undefined;
        signal?.removeEventListener('abort', onAbort);
        this.socket.setTimeout(0);
      };
      this.connecting = (err) => {
        settle();
        this.socket.destroy();
        reject(mapTransportError(err, signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.socket.setTimeout(timeoutMs);
      this.socket.once('connect', () => {
        settle();
        resolve();
      });
    });
  }

  exchange(head: string, isHead: boolean, timeoutMs: number, signal: AbortSignal | undefined): Promise<SendResponse> {
    return new Promise((resolve, reject) => {
      const ex = new Exchange(this, isHead, signal, resolve, reject);
      // A fresh parser per exchange: nothing a previous response left behind can leak into this one.
      const parser = new HTTPParser(HTTPParser.RESPONSE);
      parser[HTTPParser.kOnHeadersComplete] = (info) => {
        if (this.current === ex) return ex.headers(info);
        // A second response after ours, in the same read: nobody asked for it, so the socket cannot be trusted.
        this.socket.destroy();
        return 1;
      };
      parser[HTTPParser.kOnBody] = (chunk, offset, length) => {
        if (length === 0 || this.current !== ex) return;
        // Body bytes are always of the read in progress, so of the current slab.
        const view = chunk.subarray(offset, offset + length);
        this.slab.out++;
        handedOut.add(view);
        ex.data(view);
      };
      parser[HTTPParser.kOnMessageComplete] = () => this.complete(ex);
      this.parser = parser;
      this.current = ex;
      this.socket.setTimeout(timeoutMs);
      this.resume();
      this.socket.write(head, 'latin1');
    });
  }

  /** Where the next socket read lands: the rest of the slab, or a new slab once little is left. */
  private region(): Buffer {
    if (SLAB - this.slab.used < MIN_READ) {
      retire(this.slab);
      this.slab = takeSlab();
    }
    return this.slab.buf.subarray(this.slab.used);
  }

  /** `buf` is the region handed out last; its first `n` bytes arrived. Returning false pauses the socket. */
  private onRead(n: number, buf: Uint8Array): boolean {
    this.slab.used += n;
    const ex = this.current;
    if (!ex || !this.parser) {
      // Bytes nobody asked for (a server talking out of turn on an idle socket): the socket cannot be trusted.
      this.socket.destroy();
      return false;
    }
    const ret = this.parser.execute(buf as Buffer, 0, n);
    if (ret instanceof Error) {
      this.fail(Object.assign(new Error(`malformed HTTP response: ${ret.message}`), { code: 'HPE_INVALID' }));
      return false;
    }
    if (this.current !== ex) {
      // The response ended in this read; anything after it was not asked for.
      if (ret !== n) this.socket.destroy();
      return true;
    }
    return !ex.wantsPause();
  }

  private complete(ex: Exchange): void {
    if (this.current !== ex) return;
    const reusable = this.parser!.shouldKeepAlive() && !this.socket.destroyed;
    this.current = undefined;
    this.parser = undefined;
    this.socket.setTimeout(0);
    ex.end();
    if (!reusable) this.socket.destroy();
    this.pool.released(this, reusable);
  }

  private timedOut(): void {
    if (this.connecting) {
      this.connecting(Object.assign(new Error('could not connect in time'), { code: 'ETIMEDOUT' }));
    } else if (this.current) {
      const ms = this.socket.timeout ?? 0;
      this.fail(Object.assign(new Error(`no data sent or received for ${ms} ms`), { code: 'ETIMEDOUT' }));
    }
  }

  /** The socket ended, failed or closed; a connect or an exchange in flight fails with a retryable code. */
  private lost(err: Error | undefined): void {
    const hangUp = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    if (this.connecting) {
      this.connecting(err ?? hangUp());
      return;
    }
    if (!this.current) return;
    // A close-delimited body (no Content-Length, not chunked) ends with the connection.
    if (!err && this.parser?.finish() === undefined && !this.current) return;
    this.fail(err ?? hangUp());
  }

  /** End the exchange in flight with `err` and drop the socket. */
  fail(err: unknown): void {
    const ex = this.current;
    this.current = undefined;
    this.parser = undefined;
    this.socket.destroy();
    ex?.fail(err);
  }

  /** The reader of `ex`'s body wants more: resume reading, if the socket still serves it. */
  resumeFor(ex: Exchange): void {
    if (this.current === ex) this.resume();
  }

  /**
   * Returning false from `onread` stops the handle's reads without pausing the stream (node's net.js), so
   * `resume()` would do nothing; `read(0)` on a socket with a user buffer restarts them.
   */
  private resume(): void {
    this.socket.read(0);
  }

  idleSince(): void {
    this.idleTimer = setTimeout(() => this.socket.destroy(), IDLE_MS);
    this.idleTimer.unref();
    this.socket.unref();
  }

  unidle(): void {
    clearTimeout(this.idleTimer);
    this.socket.ref();
  }
}

/** One request's response: the promise for its head, then its body stream. */
class Exchange {
  private body: Readable | undefined;
  private paused = false;
  private ended = false;
  private readonly onAbort = () => this.conn.fail(abortError(this.signal!));

  constructor(
    private readonly conn: Connection,
    private readonly isHead: boolean,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (r: SendResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Response head parsed; returns 1 to skip a body (HEAD), as the parser expects. */
  headers(info: { statusCode: number; headers: string[] }): number {
    const headers: Record<string, string> = {};
    const list = info.headers;
    for (let i = 0; i + 1 < list.length; i += 2) {
      const name = list[i]!.toLowerCase();
      const value = list[i + 1]!;
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    // Object mode: each read() gives one socket chunk as it arrived. A byte-mode Readable concatenates what is
    // queued into a new buffer, a copy that would also lose the chunks' shared memory.
    const body = new Readable({
      objectMode: true,
      highWaterMark: BODY_HIGH_WATER_CHUNKS,
      read: () => {
        this.paused = false;
        this.conn.resumeFor(this);
      },
      destroy: (err, cb) => {
        // A body dropped before its end leaves bytes on the wire: the socket cannot be reused.
        if (this.body && !this.body.readableEnded && !this.ended) this.conn.fail(err ?? new Error('body discarded'));
        cb(err);
      },
    });
    this.body = body;
    this.resolve({ status: info.statusCode, headers, body });
    return this.isHead ? 1 : 0;
  }

  data(chunk: Buffer): void {
    if (this.body && !this.body.push(chunk)) this.paused = true;
  }

  wantsPause(): boolean {
    return this.paused;
  }

  end(): void {
    this.ended = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.body?.push(null);
  }

  fail(err: unknown): void {
    this.ended = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    // As with node:http: the head's promise rejects with a mapped error; a body fails with the error itself, which
    // its reader maps (resumableBody, readAll's caller).
    if (this.body) {
      if (!this.body.destroyed) this.body.destroy(err as Error);
    } else {
      this.reject(mapTransportError(err, this.signal));
    }
  }
}
