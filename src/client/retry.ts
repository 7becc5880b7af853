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
  /**
   * Rate-limit answers (isRateLimit) retried without counting as failed attempts, when retries are on at all: the
   * server is pacing the client and says how long to wait; past this many in one request they count like any failure.
   */
  maxThrottleRetries: number;
  /** HTTP statuses worth retrying. */
  retryableStatuses: readonly number[];
  /** Random source in [0, 1) for jitter. */
  random: () => number;
  /** Waits `ms`, rejecting with AbortedError when `signal` fires first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told before each retry's wait: an adaptive transfer learns of throttling here (transfer/engine/adaptive.ts). */
  onRetry?: (notice: RetryNotice) => void;
}

/** A failed attempt about to be retried. */
export interface RetryNotice {
  operation: string;
  /** The server throttled the request (isThrottle). */
  throttled: boolean;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  /** The failure: a ServiceError (status, code) or a network error. */
  error: unknown;
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
  maxThrottleRetries: 100,
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

/**
 * Full-jitter exponential backoff before attempt `attempt + 1` (attempt counts from 1), or the wait the server asked
 * for (Retry-After, x-oss-qos-delay-time), capped at maxRetryAfterMs. (A transfer, not each request, backs off
 * multiplicatively from throttling: the adaptive controller cuts its connections.)
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

/** A throttling answer: any 503 or 429, and OSS's rate-limit codes (isRateLimit) whatever their status. */
export function isThrottle(err: unknown): boolean {
  return err instanceof ServiceError && (err.status === 503 || err.status === 429 || isRateLimit(err));
}

/**
 * OSS saying the client goes faster than it allows (UploadTrafficRateLimitExceeded, TotalQpsLimitExceeded, ...,
 * SlowDown), as opposed to a server in trouble: retried without counting as a failed attempt (maxThrottleRetries).
 */
export function isRateLimit(err: unknown): boolean {
  return err instanceof ServiceError && /^SlowDown$|RateLimitExceeded$|QpsLimitExceeded$/.test(err.code);
}

/**
 * The wait a failed answer asks for, in ms: x-oss-qos-delay-time (milliseconds, OSS's "Bandwidth" limits page) when
 * sent, as it is the more precise (Retry-After counts whole seconds), else Retry-After (seconds or an HTTP date).
 */
export function serverDelay(headers: Record<string, string>, now: number): number | undefined {
  const qos = headers['x-oss-qos-delay-time'];
  if (qos !== undefined && /^\s*\d+\s*$/.test(qos)) return Number(qos);
  return parseRetryAfter(headers['retry-after'], now);
}

/** Parse Retry-After (delta seconds or HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
