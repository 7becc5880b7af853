// The request pipeline: retry -> sign -> send -> check. Signing sits inside the retry loop so each attempt gets a
// fresh date; a RequestTimeTooSkewed answer corrects the clock offset from the server's Date and retries at once.
import { setMaxListeners } from 'node:events';
import type { Agent } from 'node:http';
import { AbortedError, OssupError, ServiceError } from '../core/errors.js';
import type { BodySource } from './body.js';
import { checkResponse } from './check.js';
import type { CredentialsProvider } from './credentials.js';
import { requestUrl, type Endpoint } from './endpoint.js';
import { abortError } from '../core/errors.js';
import { ANSWERED_STREAM_BYTES, answered, requestGate } from '../core/request-gate.js';
import { backoffDelay, isRateLimit, isRetryable, isThrottle, serverDelay, type RetryPolicy } from './retry.js';
import { signHeaders, type SignatureVersion } from './sign.js';
import type { LeanHttp } from './lean/pool.js';
import { isHeaderOverflow, MAX_RESPONSE_HEADER_BYTES, send, type SendRequest, type SendResponse } from './transport.js';
import type { Pacer } from '../core/pacer.js';
import { pacedBody, pacedStream } from './bandwidth.js';

export interface PipelineRequest {
  /** OSS operation name, carried by errors (e.g. 'UploadPart'). */
  operation: string;
  /** HTTP method, upper case. */
  method: string;
  /** Target bucket; absent for service-level requests (ListBuckets). */
  bucket?: string;
  /** Decoded object key; absent for bucket-level requests. */
  key?: string;
  /** Decoded pairs in order; ['uploads', ''] is a bare `?uploads`. */
  query?: Array<[string, string]>;
  /** Lower-case names. */
  headers?: Record<string, string>;
  /** Replayable body: reopened for every attempt. */
  body?: BodySource;
  /** Cancels the request and any backoff wait. */
  signal?: AbortSignal;
  /** Bytes of the body sent in the current attempt (restarts from 0 on each retry). */
  onBodyProgress?: (sent: number) => void;
  /** Return the body as a stream instead of reading it (GetObject). */
  stream?: boolean;
}

export interface OssResponse {
  /** HTTP status. */
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The whole body, unless the request asked for a stream. */
  body: Buffer;
  /** The body stream (only when `stream` was asked). */
  stream?: SendResponse['body'];
  /** x-oss-request-id ('' when absent). */
  requestId: string;
}

export interface PipelineContext {
  /** Where requests go. */
  endpoint: Endpoint;
  /** V4 signing region. */
  region: string;
  signatureVersion: SignatureVersion;
  /** Asked on every attempt, so refreshed (STS) credentials are picked up. */
  credentials: CredentialsProvider;
  retry: RetryPolicy;
  /** node:http agent (keep-alive pool); an https.Agent for https endpoints. Made on first use (a getter). */
  readonly agent: Agent;
  /** Destroys the agent if the client made it and it exists (closing never makes one). */
  closeAgent(): void;
  /** The lean HTTP/1.1 client for plain-http endpoints (lean/pool.ts); absent: node:http serves all. */
  lean?: LeanHttp;
  /** Idle timeout per attempt (ms). */
  timeoutMs?: number;
  /** Local clock (ms). */
  now: () => number;
  /** Server time minus local time, learnt from RequestTimeTooSkewed. */
  clockOffsetMs: number;
  /** Whole-client bandwidth cap, shared by every request (bandwidth.ts). */
  pacer?: Pacer;
}

export async function execute(ctx: PipelineContext, req: PipelineRequest): Promise<OssResponse> {
  const query = req.query ?? [];
  const url = requestUrl(ctx.endpoint, req.bucket, req.key, query);
  let skewCorrected = false;
  let throttles = 0;
  // One caller's signal spans every request of a transfer (each part, each connection listens): dozens of listeners
  // at once are the design, not a leak, so Node's warning at 11 is off for it (as on transfer/hash/pool.ts).
  if (req.signal) setMaxListeners(0, req.signal);
  for (let attempt = 1; ; attempt++) {
    if (req.signal?.aborted) throw abortError(req.signal);
    let retryAfterMs: number | undefined;
    let serverDate: string | undefined;
    try {
      const creds = await ctx.credentials.getCredentials();
      const headers = signHeaders(
        { method: req.method, bucket: req.bucket, key: req.key, query, headers: req.headers ?? {} },
        creds,
        ctx.signatureVersion,
        ctx.region,
        new Date(ctx.now() + ctx.clockOffsetMs),
      );
      if (req.body) headers['content-length'] = String(req.body.size);
      // A request prepared ahead of its turn (core/request-gate.ts) waits here, signed, until its turn comes.
      const gate = requestGate(req.signal);
      if (gate) {
        await gate;
        if (req.signal!.aborted) throw abortError(req.signal!);
      }
      const exchange: SendRequest = {
        method: req.method,
        url,
        headers,
        body: req.body && ctx.pacer ? pacedBody(req.body, ctx.pacer, req.signal) : req.body,
        signal: req.signal,
        timeoutMs: ctx.timeoutMs,
        onBodyProgress: req.onBodyProgress,
      };
      const res = ctx.lean ? await ctx.lean.send(exchange) : await send(ctx.agent, exchange);
      // Only an answer that failed is waited on: OSS sends x-oss-qos-delay-time on successes it slowed down, too.
      if (res.status >= 400) retryAfterMs = serverDelay(res.headers, ctx.now());
      serverDate = res.headers.date;
      const checked = await checkResponse(res, req.operation, req.method, !!req.stream, req.signal);
      if (checked.stream && ctx.pacer) checked.stream = pacedStream(checked.stream, ctx.pacer, req.signal);
      // A request that moved a file's bytes is answered: work held behind it goes now (core/request-gate.ts).
      if (req.body || (req.stream && Number(res.headers['content-length']) <= ANSWERED_STREAM_BYTES))
        answered(req.signal);
      return checked;
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      if (req.signal?.aborted) throw abortError(req.signal);
      if (isHeaderOverflow(err)) throw headersTooLarge(req, err);
      if (err instanceof ServiceError && err.code === 'RequestTimeTooSkewed' && !skewCorrected) {
        const serverNow = serverDate ? Date.parse(serverDate) : NaN;
        if (!Number.isNaN(serverNow)) {
          ctx.clockOffsetMs = serverNow - ctx.now();
          skewCorrected = true;
          attempt--; // a clock correction is not a failed attempt
          continue;
        }
      }
      const paced = ctx.retry.maxAttempts > 1 && isRateLimit(err) && throttles++ < ctx.retry.maxThrottleRetries;
      if (paced)
        attempt--; // the server pacing the client is not a failed attempt
      else if (attempt >= ctx.retry.maxAttempts || !isRetryable(err, ctx.retry)) throw err;
      const delayMs = backoffDelay(Math.max(1, attempt), ctx.retry, retryAfterMs);
      ctx.retry.onRetry?.({ operation: req.operation, throttled: isThrottle(err), delayMs, error: err });
      await ctx.retry.sleep(delayMs, req.signal);
    }
  }
}

/** A response whose headers are too large to read (3 MiB of metadata, say): named, with its cause, not retried. */
function headersTooLarge(req: PipelineRequest, cause: unknown): OssupError {
  const what =
    req.key !== undefined ? `oss://${req.bucket}/${req.key}` : req.bucket ? `oss://${req.bucket}` : 'the endpoint';
  return new OssupError(
    'ResponseHeadersTooLarge',
    `the server's response headers for ${what} exceed the client's limit of ${MAX_RESPONSE_HEADER_BYTES} bytes ` +
      "(the object's metadata is too large: OSS allows 8 KiB); the response cannot be read",
    { cause },
  );
}
