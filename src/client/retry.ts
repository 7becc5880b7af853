// Retry policy as data plus small predicates. The loop itself lives in pipeline.ts; this file decides *whether*
// and *how long*, with the clock and random source injectable so tests run without real waiting.
import { AbortedError, NetworkError, ServiceError, abortError } from '../core/errors.js';

export interface RetryPolicy {
  /** Total attempts per request, the first included (1 = never retry). */
  maxAttempts: number;
  /** Backoff scale: attempt n waits up to baseDelayMs * 2^(n-1), with full jitter. */
  baseDelayMs: number;
  /** Cap on any computed backoff. */
  maxDelayMs: number;
  /** Cap on a server-sent Retry-After, so a hostile value cannot park a transfer for hours. */
  maxRetryAfterMs: number;
  /** HTTP statuses worth retrying. */
  retryableStatuses: readonly number[];
  /** Random source in [0, 1) for jitter. */
  random: () => number;
  /** Waits `ms`, rejecting with AbortedError when `signal` fires first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Node error codes that mean the connection failed, not that the request was wrong. node:http reports a connection
 * closed before the response as ECONNRESET ('socket hang up') and a body cut short of its Content-Length as
 * ECONNRESET ('aborted'), or ERR_STREAM_PREMATURE_CLOSE to a reader that meets the close first.
 */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  retryableStatuses: [408, 429, 500, 502, 503, 504],
  random: Math.random,
  sleep: abortableSleep,
};

export function resolveRetryPolicy(partial?: Partial<RetryPolicy>): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  if (!(policy.maxAttempts >= 1)) policy.maxAttempts = 1;
  return policy;
}

/** Whether a failed attempt may be repeated. Aborts never are; service errors by status; transport errors by code. */
export function isRetryable(err: unknown, policy: RetryPolicy): boolean {
  if (err instanceof AbortedError) return false;
  // RequestTimeout is a 400, but only says the body stalled on its way (the server stored nothing): send it again.
  if (err instanceof ServiceError)
    return policy.retryableStatuses.includes(err.status) || err.status >= 500 || err.code === 'RequestTimeout';
  if (err instanceof NetworkError) return true;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code);
}

/** Full-jitter exponential backoff before attempt `attempt + 1` (attempt counts from 1), or Retry-After if sent. */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

/** Parse Retry-After (delta seconds or HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
