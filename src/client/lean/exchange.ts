// One exchange of a lean connection (connection.ts): the promise for the response head, then its body, as an
// object-mode Readable or, once its reader asks (`deliver`), chunk by chunk to a ChunkReceiver.
import { Readable } from 'node:stream';
import type { ChunkReceiver } from '../resume.js';
import { mapTransportError, type SendResponse } from '../transport.js';

/** Chunks (socket reads, up to a slab each) a response body queues before the socket is paused. */
const BODY_HIGH_WATER_CHUNKS = 2;

/** What an exchange needs of its connection. */
export interface ExchangeConnection {
  /** End the exchange in flight with `err` and drop the socket. */
  fail(err: unknown): void;
  /** The body's reader wants more: resume reading, if the socket still serves `ex`. */
  resumeFor(ex: Exchange): void;
  /** `ex`'s receiver refused a chunk: end the exchange, if still current, with `err`. */
  failFor(ex: Exchange, err: unknown): void;
}

/** One request's response: the promise for its head, then its body stream. */
export class Exchange {
  /** The whole request body went out (or there was none). */
  bodySent = false;
  /** The response head arrived. */
  responded = false;
  /** The message being parsed is an informational (1xx) one, not the answer. */
  informational = false;
  private body: Readable | undefined;
  /** Where the body's chunks go instead of `body`, once its reader asked (`deliver`). */
  private receiver: ChunkReceiver | undefined;
  /** Promises the receiver returned that are still pending: the socket stays paused while any is. */
  private waits = 0;
  /** Why the exchange failed, for a receiver that comes after. */
  private failure: { err: unknown } | undefined;
  private paused = false;
  private ended = false;

  constructor(
    private readonly conn: ExchangeConnection,
    private readonly isHead: boolean,
    /** Its caller's signal: the connection listens to it (one listener per connection and signal, not per request). */
    readonly signal: AbortSignal | undefined,
    private readonly resolve: (r: SendResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  /**
   * Response head parsed; returns 1 when no body follows (HEAD, 204, 304, an informational 1xx), as the parser
   * expects (it knows Content-Length and chunked framing, not which statuses have no body).
   */
  headers(info: { statusCode: number; headers: string[] }): number {
    if (info.statusCode >= 100 && info.statusCode < 200) {
      this.informational = true; // e.g. an unasked 100 Continue: the real answer follows
      return 1;
    }
    const headers: Record<string, string> = {};
    const list = info.headers;
    for (let i = 0; i + 1 < list.length; i += 2) {
      const name = list[i]!.toLowerCase();
      const value = list[i + 1]!;
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    return this.answer(info.statusCode, headers);
  }

  /** The head of the answer (not a 1xx), names lower-cased; returns 1 when no body follows, as headers() does. */
  answer(statusCode: number, headers: Record<string, string>): number {
    this.responded = true;
    if (headers['content-length'] === '0' && !this.isHead) {
      // Nothing follows (most writes' answers): the body, an ended stream, is made only if someone asks for it; a
      // Readable per small PutObject, with its ticks to end it, was a visible share of a tree's upload (issue 27).
      let made: Readable | undefined;
      this.resolve({
        status: statusCode,
        headers,
        empty: true,
        get body() {
          return (made ??= endedBody());
        },
      });
      return 0;
    }
    // Object mode: each read() gives one socket chunk as it arrived. A byte-mode Readable concatenates what is
    // queued into a new buffer, a copy per read.
    const body = new Readable({
      objectMode: true,
      highWaterMark: BODY_HIGH_WATER_CHUNKS,
      read: () => {
        this.paused = false;
        this.conn.resumeFor(this);
      },
      destroy: (err, cb) => {
        // A body dropped before its end leaves bytes on the wire: the socket cannot be reused.
        if (!body.readableEnded && !this.ended) this.conn.fail(err ?? new Error('body discarded'));
        // As node's IncomingMessage: an error nobody listens for is not thrown at the process.
        cb(body.listenerCount('error') > 0 ? err : null);
      },
    });
    this.body = Object.assign(body, { deliver: (to: ChunkReceiver) => this.deliver(to) });
    this.resolve({ status: statusCode, headers, body });
    return this.isHead || statusCode === 204 || statusCode === 304 ? 1 : 0;
  }

  data(chunk: Buffer): void {
    if (this.receiver) this.handTo(this.receiver, chunk);
    else if (this.body && !this.body.push(chunk)) this.paused = true;
  }

  /**
   * From now on the body's chunks go to `to` as they arrive, those queued in the Readable first; the Readable is
   * not read again. Ends (or fails) `to` at once when the body already has.
   */
  private deliver(to: ChunkReceiver): void {
    if (this.receiver) throw new Error('a response body can be delivered only once');
    this.receiver = to;
    const body = this.body!;
    for (let chunk = body.read() as Buffer | null; chunk !== null; chunk = body.read() as Buffer | null)
      this.handTo(to, chunk);
    if (this.failure) to.fail(this.failure.err);
    else if (this.ended) to.end();
    else if (this.waits === 0) {
      this.paused = false;
      this.conn.resumeFor(this);
    }
  }

  private handTo(to: ChunkReceiver, chunk: Buffer): void {
    const wait = to.push(chunk);
    if (!wait) return;
    this.waits++;
    this.paused = true;
    wait.then(
      () => {
        if (--this.waits > 0) return;
        this.paused = false;
        this.conn.resumeFor(this);
      },
      (err: unknown) => this.conn.failFor(this, err),
    );
  }

  wantsPause(): boolean {
    return this.paused;
  }

  end(): void {
    this.ended = true;
    if (this.receiver) this.receiver.end();
    else this.body?.push(null);
  }

  fail(err: unknown): void {
    this.ended = true;
    this.failure = { err };
    if (this.receiver) {
      this.receiver.fail(err);
      if (!this.body!.destroyed) this.body!.destroy();
      return;
    }
    // As with node:http: the head's promise rejects with a mapped error; a body fails with the error itself, which
    // its reader maps (resumableBody, readAll's caller).
    if (this.body) {
      if (!this.body.destroyed) this.body.destroy(err as Error);
    } else {
      this.reject(mapTransportError(err, this.signal));
    }
  }
}

/** The body of a response with none: ended, and delivering to a receiver ends it at once. */
function endedBody(): Readable {
  const body = new Readable({ objectMode: true, read: () => undefined });
  body.push(null);
  return Object.assign(body, { deliver: (to: ChunkReceiver) => to.end() });
}
