// The "send" stage: one HTTP exchange over node:http with a keep-alive agent. It knows nothing of OSS; it streams a
// body source into the request, counts bytes handed to the socket, and maps transport failures to typed errors.
// node:http rather than undici: undici 7 crashes the process (an uncatchable assertion) when a server closes the
// connection after a body we hold paused for backpressure (nodejs/undici#5360), and its fix needs Node 22.
import http from 'node:http';
import https from 'node:https';
import { type NetConnectOpts, type Socket, createConnection as netCreateConnection } from 'node:net';
import type { Readable } from 'node:stream';
import { AbortedError, FileChangedError, NetworkError } from '../core/errors.js';
import { afterWrite, type BodySource } from './body.js';
import { abortError } from '../core/errors.js';
import { RETRYABLE_NETWORK_CODES } from './retry.js';

export interface SendRequest {
  method: string;
  url: string;
  /** Lower-case names; content-length is set from `body.size`. */
  headers: Record<string, string>;
  body?: BodySource;
  signal?: AbortSignal;
  /** Idle timeout: fail when no byte is sent or received for this long (default 300 s). */
  timeoutMs?: number;
  /** Bytes of the body handed to the socket in this attempt. */
  onBodyProgress?: (sent: number) => void;
}

export interface SendResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Readable;
  /** The body is known to be empty (Content-Length: 0): it need not be read, and its stream is made only if asked for. */
  empty?: boolean;
}

export interface AgentOptions {
  /** Sockets kept per origin. */
  connections?: number;
  /** The request idle timeout; the connect timeout is never longer. */
  timeoutMs?: number;
  /** Connect here whatever the URL's host says (the Host header still names it). */
  connectTo?: { host: string; port: number };
}

export const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * The most response header bytes the client reads (Node's default is 16 KiB). OSS allows 8 KiB of user metadata, so
 * every object OSS can store fits with room to spare; past this the response fails as ResponseHeadersTooLarge.
 */
export const MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

/** Whether a transport error is a response whose headers passed MAX_RESPONSE_HEADER_BYTES (either HTTP client). */
export function isHeaderOverflow(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  return e?.code === 'HPE_HEADER_OVERFLOW' || /max header size exceeded|header overflow/i.test(e?.message ?? '');
}

/**
 * Options of the client's own agent. `timeout` applies to sockets before they connect (a connect timeout) and to
 * idle keep-alive sockets (closed before a server's own idle timeout is likely to race a new request); once a
 * request has its socket, the request's idle timeout replaces it. LIFO reuse keeps the warmest sockets busy.
 */
export function agentOptions(opts: AgentOptions = {}): http.AgentOptions {
  const timeout = Math.min(10_000, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return { keepAlive: true, maxSockets: opts.connections ?? 64, scheduling: 'lifo', timeout };
}

/** A keep-alive agent for the endpoint's protocol. */
export function createAgent(protocol: string, opts: AgentOptions = {}): http.Agent {
  if (protocol === 'https:') return new https.Agent(agentOptions(opts));
  if (!opts.connectTo) return new http.Agent(agentOptions(opts));
  // Defined on first use, not at load: extending http.Agent reads node:http, which the CLI's bundle loads only when
  // it is read (scripts/build-cli.mjs), and a client that never makes an agent (the lean client's) does not need.
  RedirectedAgent ??= redirectedAgent();
  return new RedirectedAgent(opts.connectTo, agentOptions(opts));
}

let RedirectedAgent: ReturnType<typeof redirectedAgent> | undefined;

/** A keep-alive agent whose every connection goes to one host:port, whatever the URL says. */
function redirectedAgent() {
  return class RedirectedAgent extends http.Agent {
    constructor(
      private readonly target: { host: string; port: number },
      opts: http.AgentOptions,
    ) {
      super(opts);
    }

    // The agent takes the returned socket at once; connect errors reach the request through the socket's 'error'.
    override createConnection(options: http.ClientRequestArgs): Socket {
      return netCreateConnection({ ...options, host: this.target.host, port: this.target.port } as NetConnectOpts);
    }
  };
}

const CHUNK = 256 * 1024;

/**
 * The request target (path and query) exactly as built. WHATWG URL parsing folds `.` and `..` segments (also
 * `%2e`), but in OSS they are part of a key: `a/../b` is its own object, and folding it would sign one key and
 * send another.
 */
export function requestTarget(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? '/' : url.slice(start);
}

export function send(agent: http.Agent, r: SendRequest): Promise<SendResponse> {
  const { signal } = r;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const url = new URL(r.url);
  const headers = { ...r.headers };
  if (r.body) headers['content-length'] = String(r.body.size);
  return new Promise((resolve, reject) => {
    let res: http.IncomingMessage | undefined;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      reject(mapTransportError(err, signal));
    };
    const onAbort = () => {
      const err = abortError(signal!);
      res?.destroy(err);
      req.destroy(err);
    };
    const req = (url.protocol === 'https:' ? https : http).request(url, {
      method: r.method,
      path: requestTarget(r.url),
      headers,
      agent,
      maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
    });
    req.on('error', fail);
    const timeoutMs = r.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    req.setTimeout(timeoutMs, () => {
      const why = req.socket?.connecting ? 'could not connect in time' : `no data sent or received for ${timeoutMs} ms`;
      const err = Object.assign(new Error(why), { code: 'ETIMEDOUT' });
      // Once the response has started, its reader must see why it ended rather than a bare 'aborted'.
      res?.destroy(err);
      req.destroy(err);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (incoming) => {
      res = incoming;
      if (settled) return void incoming.destroy();
      settled = true;
      incoming.once('close', () => signal?.removeEventListener('abort', onAbort));
      resolve({ status: incoming.statusCode ?? 0, headers: joinHeaders(incoming.headersDistinct), body: incoming });
    });
    if (!r.body) {
      req.end();
      return;
    }
    writeBody(req, r.body, r.onBodyProgress).catch((err: unknown) => req.destroy(err as Error));
  });
}

/** Streams the body into the request, honouring backpressure; a body that is not exactly `size` bytes fails. */
async function writeBody(
  req: http.ClientRequest,
  body: BodySource,
  onProgress?: (sent: number) => void,
): Promise<void> {
  if (await sendBody(body, req, () => req.destroyed, onProgress)) req.end();
}

/**
 * Streams one attempt of `body` into `out` (a request, or the lean client's socket), honouring backpressure.
 * Resolves true once exactly `body.size` bytes went in; false when `stopped()` (asked before each chunk) or `out`
 * closing cut it short, its failure being reported by `out`'s own events. A body of another size is
 * FileChangedError. Leaving early closes the source stream.
 */
export async function sendBody(
  body: BodySource,
  out: NodeJS.WritableStream,
  stopped: () => boolean,
  onProgress?: (sent: number) => void,
): Promise<boolean> {
  const opened = body.open();
  let sent = 0;
  /** Writes one chunk; false when the socket is full (then 'drain' is awaited). */
  const write = (chunk: Uint8Array): boolean => {
    if (sent + chunk.length > body.size) throw lengthMismatch(body, sent + chunk.length);
    const written = afterWrite(chunk);
    const more = written ? out.write(chunk, written) : out.write(chunk);
    sent += chunk.length;
    onProgress?.(sent);
    return more;
  };
  if (opened instanceof Uint8Array) {
    // Bytes in memory (a small file's whole read, a buffered part) in a plain loop that awaits only a full socket:
    // a for-await over a generator of slices cost each small PutObject ~6 promises (issue 27).
    for (let i = 0; i < opened.length; i += CHUNK) {
      if (stopped()) return false;
      if (!write(opened.subarray(i, i + CHUNK)) && !(await drained(out))) return false;
    }
  } else {
    for await (const chunk of opened as AsyncIterable<Uint8Array>) {
      if (stopped()) return false;
      if (!write(chunk) && !(await drained(out))) return false;
    }
  }
  if (sent !== body.size) throw lengthMismatch(body, sent);
  return true;
}

/** Resolves true on 'drain', false if `out` closes first. */
function drained(out: NodeJS.WritableStream): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    out.on('drain', onDrain);
    out.on('close', onClose);
  });
}

/** A body that is not the size its Content-Length announced: the file changed while it was read. */
function lengthMismatch(body: BodySource, got: number): FileChangedError {
  const what = body.path ?? 'the request body';
  return new FileChangedError(
    body.path ?? '',
    `${what} changed size while it was being sent (${got} bytes read, ${body.size} expected)`,
  );
}

function joinHeaders(distinct: NodeJS.Dict<string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(distinct)) if (values) out[name] = values.join(', ');
  return out;
}

/** node failures -> AbortedError, FileChangedError, NetworkError (retryable), or the original error. */
export function mapTransportError(err: unknown, signal?: AbortSignal): unknown {
  if (err instanceof AbortedError || err instanceof NetworkError || err instanceof FileChangedError) return err;
  if (signal?.aborted) return new AbortedError('the operation was aborted', { cause: signal.reason ?? err });
  const code = (err as { code?: string } | undefined)?.code;
  if (code && RETRYABLE_NETWORK_CODES.has(code)) {
    return new NetworkError(`network error: ${(err as Error).message} (${code})`, { cause: err });
  }
  return err;
}
