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
  const { length, policy, signal } = opts;
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
      if (received < length)
        throw new NetworkError(`${opts.label}: the response ended after ${received - before} bytes`);
    } catch (err) {
      const mapped = classify(err, signal);
      if (!(mapped instanceof NetworkError)) throw mapped;
      failures = received > before ? 1 : failures + 1;
      if (failures >= policy.maxAttempts) throw mapped;
      await policy.sleep(backoffDelay(failures, policy), signal);
    } finally {
      if (body && !body.destroyed) body.destroy();
    }
  }
}

/** Transport failures become NetworkError (retryable); an abort AbortedError; anything else is passed on. */
function classify(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted)
    return err instanceof AbortedError ? err : new AbortedError('the operation was aborted', { cause: err });
  // A body that ended before its Content-Length is a failed connection (ECONNRESET 'aborted'), not a failed request.
  return mapTransportError(err, signal);
}
