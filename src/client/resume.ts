// A response body that resumes itself, in the manner of undici's RetryHandler: when the body fails (reset, timeout,
// cut short), the request is issued again for the bytes not yet received, and the caller reads one uninterrupted
// stream. The caller's `open` sends `Range` from the first missing byte and `If-Match` with the ETag, so the bytes
// that follow are of the same object version. Backoff and attempts are the client's one RetryPolicy.
import type { Readable } from 'node:stream';
import { AbortedError, NetworkError, abortError } from '../core/errors.js';
import { backoffDelay, type RetryPolicy } from './retry.js';
import { mapTransportError } from './transport.js';

export interface ResumableBodyOptions {
  /** Bytes the whole body holds. */
  length: number;
  /**
   * Issue the request for the body from byte `offset` (0 = the start) to its end, checked to be those bytes of the
   * same object version (Range + If-Match). Header-phase retries happen inside it (the client's pipeline).
   */
  open: (offset: number, signal: AbortSignal) => Promise<Readable>;
  /** The client's retry policy (OssClient.retryPolicy): attempts, backoff, sleep. */
  policy: RetryPolicy;
  signal: AbortSignal;
  /** What the body is, for messages ("bytes 0-99 of oss://b/k"). */
  label: string;
}

/**
 * The body's chunks, in order, exactly `length` bytes in all. A failed attempt (no new byte since the last failure)
 * counts towards `policy.maxAttempts`; a failure after new bytes starts a fresh count (reset on progress). Errors that
 * are not transport failures (a changed object, a refused request, an abort) end the body at once.
 */
export async function* resumableBody(opts: ResumableBodyOptions): AsyncGenerator<Buffer, void, undefined> {
  const { length, signal } = opts;
  let received = 0;
  let failures = 0;
  while (received < length) {
    const before = received;
    let body: Readable | undefined;
    try {
      body = await opts.open(received, signal);
      for await (const chunk of body) {
        if (signal.aborted) throw abortError(signal);
        received += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (received < length) throw endedEarly(opts.label, received - before);
    } catch (err) {
      failures = await retryAfter(err, opts, received > before ? 0 : failures);
    } finally {
      if (body && !body.destroyed) body.destroy();
    }
  }
}

/**
 * Where a body's chunks go when they are handed over as they arrive rather than read from a stream (the lean
 * client's `deliver`): no stream and no promise per chunk between the socket and the consumer. `push` returns
 * undefined to go on, or a promise: reading pauses until it settles (a rejection ends the body with its error).
 * `push` must not throw.
 */
export interface ChunkReceiver {
  push(chunk: Uint8Array): Promise<void> | undefined;
  /** Every byte of the body was pushed. */
  end(): void;
  /** The body failed (reset, timeout, abort, or a push's rejection). */
  fail(err: unknown): void;
}

/** A response body that can also hand its chunks to a ChunkReceiver (the lean client's; a Readable otherwise). */
export type DeliverableBody = AsyncIterable<Uint8Array> & {
  destroy(err?: Error): unknown;
  /** Hand every chunk to `to`, from now to the end; the body is not read as a stream afterwards. */
  deliver?(to: ChunkReceiver): void;
};

export interface ResumableDeliveryOptions extends Omit<ResumableBodyOptions, 'open'> {
  open: (offset: number, signal: AbortSignal) => Promise<DeliverableBody>;
}

/**
 * resumableBody's delivery without the stream: each chunk goes to `push` as it arrives (directly from the socket
 * when the body can `deliver`, else read from its iterator), with the same resumption, retry policy and errors.
 * `push` returns a promise to pause the body until it settles; an error `push` throws or rejects with ends the
 * delivery with that error, never retried. Resolves once exactly `length` bytes were pushed.
 */
export async function deliverResumable(
  opts: ResumableDeliveryOptions,
  push: (chunk: Uint8Array) => Promise<void> | undefined,
): Promise<void> {
  const { length, signal } = opts;
  let received = 0;
  let failures = 0;
  while (received < length) {
    const before = received;
    let body: DeliverableBody | undefined;
    // The consumer's own failure (a write error, too many bytes): it ends the delivery as it is.
    let own: { err: unknown } | undefined;
    const counted = (chunk: Uint8Array): Promise<void> | undefined => {
      received += chunk.length;
      try {
        const wait = push(chunk);
        return wait?.catch((err: unknown) => {
          own ??= { err };
          throw err;
        });
      } catch (err) {
        own ??= { err };
        return Promise.reject(err);
      }
    };
    try {
      body = await opts.open(received, signal);
      await (body.deliver ? delivered(body, counted) : pumpChunks(body, counted, signal));
      if (received < length) throw endedEarly(opts.label, received - before);
    } catch (err) {
      if (own) throw own.err;
      failures = await retryAfter(err, opts, received > before ? 0 : failures);
    } finally {
      if (body && !(body as { destroyed?: boolean }).destroyed) body.destroy();
    }
  }
}

/** Settles when `body` has delivered its last chunk to `push` (or failed). */
function delivered(body: DeliverableBody, push: ChunkReceiver['push']): Promise<void> {
  return new Promise((resolve, reject) => body.deliver!({ push, end: resolve, fail: reject }));
}

/**
 * Every chunk of `chunks` to `push`, awaiting what it returns: the iterable path of a ChunkReceiver (a body that
 * cannot deliver, a sink fed by an iterator).
 */
export async function pumpChunks(
  chunks: AsyncIterable<Uint8Array>,
  push: (chunk: Uint8Array) => Promise<void> | undefined,
  signal?: AbortSignal,
): Promise<void> {
  for await (const chunk of chunks) {
    if (signal?.aborted) throw abortError(signal);
    const wait = push(chunk);
    if (wait) await wait;
  }
}

function endedEarly(label: string, bytes: number): NetworkError {
  return new NetworkError(`${label}: the response ended after ${bytes} bytes`);
}

/**
 * After a failed attempt (`failures` before it in a row, 0 when it brought new bytes): rethrows what must end the
 * body (not a transport failure, or the policy's attempts used up), else waits the backoff and returns the count.
 */
async function retryAfter(
  err: unknown,
  opts: { policy: RetryPolicy; signal: AbortSignal },
  failures: number,
): Promise<number> {
  const mapped = classify(err, opts.signal);
  if (!(mapped instanceof NetworkError)) throw mapped;
  const count = failures + 1;
  if (count >= opts.policy.maxAttempts) throw mapped;
  await opts.policy.sleep(backoffDelay(count, opts.policy), opts.signal);
  return count;
}

/** Transport failures become NetworkError (retryable); an abort AbortedError; anything else is passed on. */
function classify(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted)
    return err instanceof AbortedError ? err : new AbortedError('the operation was aborted', { cause: err });
  // A body that ended before its Content-Length is a failed connection (ECONNRESET 'aborted'), not a failed request.
  return mapTransportError(err, signal);
}
