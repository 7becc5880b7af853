// One socket of the lean HTTP/1.1 client (pool.ts) and the exchange on it, at most one at a time. Reads land in
// slabs we hand to `onread` (slabs.ts); the common response head is read by quickHead (head.ts) and its body
// counted against its Content-Length, any other response parsed by http-parser-js (a fresh parser per exchange,
// from the response's first read on); body bytes are views into the slabs, pushed to an object-mode Readable that
// pauses the socket when its reader falls behind, or, once its reader asks (`deliver`, a download's file sink),
// handed to a ChunkReceiver as they are parsed, the socket paused while a promise it returned is pending: no stream
// or promise per chunk. A request body is written with backpressure and must be exactly its announced size.
import type net from 'node:net';
import { HTTPParser } from 'http-parser-js';
import { abortError } from '../../core/errors.js';
import type { BodySource } from '../body.js';
import {
  isHeaderOverflow,
  MAX_RESPONSE_HEADER_BYTES,
  mapTransportError,
  sendBody,
  type SendResponse,
} from '../transport.js';
import { Exchange } from './exchange.js';
import { quickHead } from './head.js';
import { handOut, nextRegion, SLAB, takeSlab, type Slab } from './slabs.js';

/** Idle keep-alive sockets are closed after this long (before a server's own idle timeout is likely to race us). */
const IDLE_MS = 10_000;

/** What the pool gives a connection to do. */
export interface ExchangeRequest {
  head: string;
  isHead: boolean;
  body?: BodySource;
  onBodyProgress?: (sent: number) => void;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The pool's side of a connection: told when it may be reused, and when it is gone. */
export interface ConnectionOwner {
  released(conn: Connection, reusable: boolean): void;
  gone(conn: Connection): void;
}

export class Connection {
  /** Still counted in the pool's open sockets. */
  counted = true;
  private slab: Slab = takeSlab();
  /** The full parser of the exchange in flight, when quickHead declined its response. */
  private parser: InstanceType<typeof HTTPParser> | undefined;
  /** Body bytes still to come of a response quickHead read; -1 before its head. */
  private bodyLeft = -1;
  /**
   * The last response framed by quickHead had a large body: reads go into large slabs, the next response's first
   * read too (a download's next range on this connection is likely as large).
   */
  private largeBodies = false;
  /** That response's connection may be reused. */
  private keepAlive = false;
  /** The exchange in flight is a HEAD request (no body follows its answer). */
  private isHead = false;
  private current: Exchange | undefined;
  /** Made at the first idle spell and refreshed at each later one (one timer per connection, not per exchange). */
  private idleTimer: NodeJS.Timeout | undefined;
  private idle = false;
  /** The signal `onAbort` listens to (the last exchange's). */
  private listening: AbortSignal | undefined;
  /** While connecting: how to fail the connect. */
  private connecting: ((err: unknown) => void) | undefined;
  readonly socket: net.Socket;

  constructor(
    private readonly owner: ConnectionOwner,
    /** Which idle list it returns to (host:port it connects to). */
    readonly key: string,
    connect: (onread: net.OnReadOpts) => net.Socket,
  ) {
    this.socket = connect({ buffer: () => this.region(), callback: (n, buf) => this.onRead(n, buf) });
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => this.lost(err));
    this.socket.on('end', () => this.lost(undefined));
    this.socket.on('timeout', () => this.timedOut());
    this.socket.on('close', () => {
      this.listenTo(undefined);
      this.lost(undefined);
      clearTimeout(this.idleTimer);
      this.owner.gone(this);
    });
  }

  /**
   * Listen to `signal` (and no longer to the last one) for the exchanges in flight that carry it. A connection
   * keeps its listener between exchanges: a tree's requests share one signal, and EventTarget's add and remove were
   * a visible share of each small file's request (issue 27). An abort fails only the exchange in flight, if it is
   * that signal's.
   */
  private listenTo(signal: AbortSignal | undefined): void {
    this.listening?.removeEventListener('abort', this.onAbort);
    this.listening = signal;
    signal?.addEventListener('abort', this.onAbort);
  }

  private readonly onAbort = (): void => {
    const ex = this.current;
    if (ex && ex.signal === this.listening && ex.signal) this.fail(abortError(ex.signal));
  };

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

  exchange(r: ExchangeRequest): Promise<SendResponse> {
    return new Promise((resolve, reject) => {
      const ex = new Exchange(this, r.isHead, r.signal, resolve, reject);
      if (r.signal !== this.listening) this.listenTo(r.signal);
      // The response's first read is tried by quickHead; the full parser is made only when that declines.
      this.parser = undefined;
      this.bodyLeft = -1;
      this.isHead = r.isHead;
      this.current = ex;
      // Left armed between exchanges (timedOut ignores an idle socket's); set anew only when it differs: each
      // setTimeout makes a timer and a bound function (issue 27). Every write and read restarts it.
      if (this.socket.timeout !== r.timeoutMs) this.socket.setTimeout(r.timeoutMs);
      this.resume();
      // Head and body leave in one write (a small request: one segment, one syscall); writeBody uncorks.
      if (r.body) this.socket.cork();
      this.socket.write(r.head, 'latin1');
      if (!r.body) {
        ex.bodySent = true;
        return;
      }
      this.writeBody(ex, r.body, r.onBodyProgress).catch((err: unknown) => {
        if (this.current === ex) this.fail(err);
      });
    });
  }

  /** The request body; stops when the exchange ends (a response came early, a failure). */
  private async writeBody(ex: Exchange, body: BodySource, onProgress?: (sent: number) => void): Promise<void> {
    let corked = true;
    const uncork = () => {
      if (corked) this.socket.uncork();
      corked = false;
    };
    const sent = (n: number) => {
      uncork(); // the head and the first chunk go out together
      onProgress?.(n);
    };
    try {
      if (await sendBody(body, this.socket, () => this.current !== ex || ex.responded, sent)) ex.bodySent = true;
    } finally {
      uncork();
    }
  }

  /** Where the next read lands (called after each read): a large slab while responses have large bodies. */
  private region(): Buffer {
    const next = nextRegion(this.slab, this.largeBodies);
    this.slab = next.slab;
    return next.region;
  }

  /** A fresh http-parser-js parser for `ex`'s response: nothing a previous response left can leak into this one. */
  private fullParser(ex: Exchange): InstanceType<typeof HTTPParser> {
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    parser.maxHeaderSize = MAX_RESPONSE_HEADER_BYTES;
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      if (this.current === ex) return ex.headers(info);
      // A second response after ours, in the same read: nobody asked for it, so the socket cannot be trusted.
      this.socket.destroy();
      return 1;
    };
    parser[HTTPParser.kOnBody] = (chunk, offset, length) => {
      // Body bytes are always of the read in progress, so of the current slab.
      if (length > 0 && this.current === ex) ex.data(handOut(this.slab, chunk.subarray(offset, offset + length)));
    };
    parser[HTTPParser.kOnMessageComplete] = () => this.complete(ex);
    this.parser = parser;
    return parser;
  }

  /** `buf` is the region handed out last; its first `n` bytes arrived. Returning false pauses the socket. */
  private onRead(n: number, buf: Uint8Array): boolean {
    this.slab.used += n;
    const ex = this.current;
    if (!ex) {
      // Bytes nobody asked for (a server talking out of turn on an idle socket): the socket cannot be trusted.
      this.socket.destroy();
      return false;
    }
    if (!this.parser) return this.quickRead(ex, buf as Buffer, n);
    return this.onParsed(ex, this.parser.execute(buf as Buffer, 0, n));
  }

  /** After the full parser took a read: fail on its error; pause if `ex`'s reader is behind. */
  private onParsed(ex: Exchange, ret: number | Error): boolean {
    // A response that ended in this read was judged by `complete` (bytes after it cost the socket there). What the
    // parser says after that is not about it: http-parser-js counts the whole read towards the next response's
    // head, so a last read over the header limit reads as an oversized head (measured: 16 of a 512 MiB download's
    // 64 ranges reconnected).
    if (this.current !== ex) return true;
    if (ret instanceof Error) {
      const code = isHeaderOverflow(ret) ? 'HPE_HEADER_OVERFLOW' : 'HPE_INVALID';
      this.fail(Object.assign(new Error(`malformed HTTP response: ${ret.message}`), { code }));
      return false;
    }
    return !ex.wantsPause();
  }

  /**
   * A read of a response framed by quickHead (its first read: the head, then body bytes counted against its
   * Content-Length), or the first read handed to the full parser when quickHead declines.
   */
  private quickRead(ex: Exchange, buf: Buffer, n: number): boolean {
    let at = 0;
    if (this.bodyLeft < 0) {
      const head = quickHead(buf, n, this.isHead);
      if (!head) {
        this.fullParser(ex);
        return this.onParsed(ex, this.parser!.execute(buf, 0, n));
      }
      ex.answer(head.statusCode, head.headers);
      this.keepAlive = head.keepAlive;
      this.bodyLeft = head.bodyLength;
      this.largeBodies = head.bodyLength >= SLAB;
      at = head.headLength;
    }
    const take = Math.min(n - at, this.bodyLeft);
    if (take > 0) {
      this.bodyLeft -= take;
      ex.data(handOut(this.slab, buf.subarray(at, at + take)));
      if (this.current !== ex) return false; // failed while taking the chunk
    }
    if (this.bodyLeft > 0) return !ex.wantsPause();
    // Bytes after the response, in the same read: nobody asked for them, so the socket cannot be trusted.
    if (at + take < n) this.keepAlive = false;
    this.complete(ex);
    return true;
  }

  private complete(ex: Exchange): void {
    if (this.current !== ex) return;
    if (ex.informational) {
      ex.informational = false; // the parser starts on the next message, the answer
      return;
    }
    // A response that came before the whole body was sent leaves the request unfinished on the wire; bytes after
    // the response in the same read are nobody's answer (the full parser has read up to its end when it calls this;
    // quickRead clears keepAlive for them).
    const parser = this.parser;
    const keepAlive = parser ? parser.shouldKeepAlive() && !trailing(parser) : this.keepAlive;
    const reusable = keepAlive && !this.socket.destroyed && ex.bodySent;
    this.current = undefined;
    this.parser = undefined;
    ex.end();
    if (!reusable) this.socket.destroy();
    this.owner.released(this, reusable);
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

  /** `ex`'s receiver refused a chunk (its promise rejected): end the exchange, if still current, with `err`. */
  failFor(ex: Exchange, err: unknown): void {
    if (this.current === ex) this.fail(err);
  }

  /**
   * Returning false from `onread` stops the handle's reads without pausing the stream (node's net.js), so
   * `resume()` would do nothing; `read(0)` on a socket with a user buffer restarts them.
   */
  private resume(): void {
    this.socket.read(0);
  }

  idleSince(): void {
    this.idle = true;
    if (this.idleTimer)
      this.idleTimer.refresh(); // re-arms it too when it fired during an exchange
    else {
      this.idleTimer = setTimeout(() => {
        if (this.idle) this.socket.destroy();
      }, IDLE_MS);
      this.idleTimer.unref();
    }
    this.socket.unref();
  }

  unidle(): void {
    this.idle = false;
    this.socket.ref();
  }
}

/** Unparsed bytes left in the read being parsed (http-parser-js keeps its place in `offset` and `end`). */
function trailing(parser: InstanceType<typeof HTTPParser>): boolean {
  const p = parser as unknown as { offset?: number; end?: number; chunk?: unknown };
  return p.chunk != null && (p.end ?? 0) > (p.offset ?? 0);
}
