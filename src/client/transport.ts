// The "send" stage: one HTTP exchange over undici with keep-alive. It knows nothing of OSS; it turns a body source
// into an attempt's stream, counts bytes handed to the socket, and maps transport failures to typed errors.
import { Agent, request, type Dispatcher } from 'undici';
import { Readable } from 'node:stream';
import { AbortedError, FileChangedError, NetworkError } from '../core/errors.js';
import type { BodySource } from './body.js';
import { RETRYABLE_NETWORK_CODES } from './retry.js';

export interface SendRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: BodySource;
  signal?: AbortSignal;
  /** Bytes of the body handed to undici in this attempt. */
  onBodyProgress?: (sent: number) => void;
}

export interface SendResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Readable;
}

export interface TransportOptions {
  /** Idle timeout: fail when no response header or body byte arrives for this long. */
  timeoutMs?: number;
  /** Sockets kept per origin. */
  connections?: number;
}

export function createDispatcher(opts: TransportOptions = {}): Dispatcher {
  return new Agent({
    keepAliveTimeout: 10_000,
    connections: opts.connections ?? 64,
    headersTimeout: opts.timeoutMs ?? 300_000,
    bodyTimeout: opts.timeoutMs ?? 300_000,
  });
}

const CHUNK = 256 * 1024;

async function* countBytes(source: AsyncIterable<Uint8Array> | Uint8Array, onProgress: (n: number) => void): AsyncGenerator<Uint8Array> {
  let sent = 0;
  if (source instanceof Uint8Array) {
    for (let i = 0; i < source.length; i += CHUNK) {
      const chunk = source.subarray(i, i + CHUNK);
      yield chunk;
      sent += chunk.length;
      onProgress(sent);
    }
    return;
  }
  for await (const chunk of source) {
    yield chunk;
    sent += chunk.length;
    onProgress(sent);
  }
}

export async function send(dispatcher: Dispatcher, req: SendRequest): Promise<SendResponse> {
  let opened: NodeJS.ReadableStream | Uint8Array | undefined;
  let body: Dispatcher.DispatchOptions['body'];
  if (req.body) {
    opened = req.body.open();
    const src = opened instanceof Uint8Array ? opened : (opened as AsyncIterable<Uint8Array>);
    body = req.onBodyProgress ? Readable.from(countBytes(src, req.onBodyProgress), { objectMode: false })
      : (src as Dispatcher.DispatchOptions['body']);
  }
  try {
    const res = await request(req.url, {
      dispatcher,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body,
      signal: req.signal,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: res.statusCode, headers, body: res.body as unknown as Readable };
  } catch (err) {
    throw mapTransportError(err, req.signal, req.body?.path);
  } finally {
    // A failed attempt may leave the file stream half-read; it must not hold the descriptor open.
    if (opened && !(opened instanceof Uint8Array)) (opened as Readable).destroy?.();
  }
}

/** undici/node failures -> AbortedError, FileChangedError, NetworkError (retryable), or the original error. */
export function mapTransportError(err: unknown, signal?: AbortSignal, path?: string): unknown {
  if (err instanceof AbortedError || err instanceof NetworkError || err instanceof FileChangedError) return err;
  if (signal?.aborted) return new AbortedError('the operation was aborted', { cause: signal.reason ?? err });
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
    return new FileChangedError(path ?? '', 'the local file changed size while it was being sent', { cause: err });
  }
  if (code && RETRYABLE_NETWORK_CODES.has(code)) {
    return new NetworkError(`network error: ${(err as Error).message} (${code})`, { cause: err });
  }
  return err;
}
