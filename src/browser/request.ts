// The page's request pipeline, shaped like Node's client/pipeline.ts: retry -> sign -> fetch -> check. The retry
// policy, backoff and error decoding are the Node client's own (client/retry.ts, core/service-error.ts); what is
// the browser's is fetch, a signer that may be the app's backend, and a refused token being asked for afresh.
import { AbortedError, NetworkError, ServiceError, abortError } from '../core/errors.js';
import { serviceErrorFromResponse } from '../core/service-error.js';
import { requestUrl, type Endpoint } from '../client/endpoint.js';
import { backoffDelay, isRetryable, type RetryPolicy } from '../client/retry.js';
import { corsHint } from './cors.js';
import type { UnsignedRequest } from './sign.js';

/** A request as the transport builds it. */
export interface BrowserRequest extends UnsignedRequest {
  /** OSS operation name, carried by errors (e.g. 'UploadPart'). */
  operation: string;
  /** Bytes (never a Blob: fetch would add the Blob's Content-Type after signing) or text. */
  body?: Uint8Array | string;
  signal?: AbortSignal;
}

export interface BrowserResponse {
  status: number;
  /** What the page may read of the response headers (CORS hides any the bucket's rule does not expose). */
  headers: { get(name: string): string | null };
  /** The body as text (XML documents; empty for UploadPart). */
  text: string;
}

/** What signing one attempt produces: the URL to fetch (a presigned one, or the plain URL) and its headers. */
export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  /** What it was signed with (the credentials), so a refusal refreshes those once, not once per part in flight. */
  basis?: unknown;
}

/**
 * Signs one attempt. `refused` is the last attempt, when the server refused its signature for an expired or unknown
 * key (STS): sign with fresh credentials. `date` is the local clock corrected by what the server said.
 */
export type AttemptSigner = (
  req: BrowserRequest & { url: string },
  refused: SignedRequest | undefined,
  date: Date,
) => Promise<SignedRequest>;

export interface PipelineState {
  endpoint: Endpoint;
  retry: RetryPolicy;
  sign: AttemptSigner;
  /** Server time minus local time, learnt from RequestTimeTooSkewed. */
  clockOffsetMs: number;
}

/** Codes by which OSS refuses temporary credentials that have expired (or an STS key it no longer knows). */
const EXPIRED_CREDENTIALS = new Set(['SecurityTokenExpired', 'InvalidAccessKeyId', 'InvalidSecurityToken']);

export async function execute(state: PipelineState, req: BrowserRequest): Promise<BrowserResponse> {
  const url = requestUrl(state.endpoint, req.bucket, req.key, req.query);
  let refused: SignedRequest | undefined;
  let refreshed = false;
  let skewCorrected = false;
  for (let attempt = 1; ; attempt++) {
    if (req.signal?.aborted) throw abortError(req.signal);
    let signed: SignedRequest | undefined;
    try {
      signed = await state.sign({ ...req, url }, refused, new Date(Date.now() + state.clockOffsetMs));
      refused = undefined;
      return await send(req, signed);
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      if (req.signal?.aborted) throw abortError(req.signal);
      if (err instanceof ServiceError && err.status === 403 && EXPIRED_CREDENTIALS.has(err.code) && !refreshed) {
        // Ask the signer once for fresh credentials; a second refusal is the caller's to see.
        refused = signed;
        refreshed = true;
        attempt--;
        continue;
      }
      if (err instanceof ServiceError && err.code === 'RequestTimeTooSkewed' && !skewCorrected) {
        // Date is not readable across origins unless exposed: the error document carries the server's time.
        const serverNow = Date.parse(err.extra.ServerTime ?? '');
        if (!Number.isNaN(serverNow)) {
          state.clockOffsetMs = serverNow - Date.now();
          skewCorrected = true;
          attempt--;
          continue;
        }
      }
      if (attempt >= state.retry.maxAttempts || !isRetryable(err, state.retry)) throw err;
      await state.retry.sleep(backoffDelay(attempt, state.retry), req.signal);
    }
  }
}

async function send(req: BrowserRequest, signed: SignedRequest): Promise<BrowserResponse> {
  let res: Response;
  let text: string;
  try {
    // no-store: a ListParts GET has the same URL every time, and must never come from the HTTP cache.
    const init = {
      method: req.method,
      headers: signed.headers,
      body: req.body,
      signal: req.signal,
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
    };
    res = await fetch(signed.url, init as RequestInit);
    text = await res.text();
  } catch (err) {
    if (req.signal?.aborted) throw new AbortedError('the operation was aborted', { cause: err });
    // fetch says no more than "Failed to fetch" for a network failure and for a CORS refusal alike.
    throw new NetworkError(
      `${req.operation} ${signed.url.split('?')[0]} failed: ${(err as Error).message}${corsHint(req.bucket)}`,
      {
        cause: err,
      },
    );
  }
  if (res.status >= 200 && res.status < 300 && res.status !== 203)
    return { status: res.status, headers: res.headers, text };
  throw serviceErrorFromResponse(res.status, res.headers, req.method === 'HEAD' ? '' : text, req.operation);
}
