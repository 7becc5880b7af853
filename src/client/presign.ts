// Presigned URLs: a request signed into its query, usable without credentials until it expires.
import { ArgumentError } from '../core/errors.js';
import { requestUrl } from './endpoint.js';
import type { PipelineContext } from './pipeline.js';
import { presignQuery, type SignatureVersion } from './sign.js';

/** Longest validity of a presigned V4 URL (7 days); V1 URLs have no maximum. */
export const MAX_PRESIGN_V4_SECONDS = 604_800;

export interface PresignOptions {
  /** Validity in seconds (default 3600; V4 allows up to 604800). */
  expiresSeconds?: number;
  /** Extra query pairs to sign (e.g. response-content-type). */
  query?: Array<[string, string]>;
  /** Headers the user of the URL will send and that must be signed (e.g. content-type for PUT). */
  headers?: Record<string, string>;
  /** Signature for this URL; default the client's (V4 unless configured otherwise). */
  signatureVersion?: SignatureVersion;
}

/** A URL that performs `method` on the object without credentials until it expires. */
export async function presignUrl(
  ctx: PipelineContext,
  method: string,
  bucket: string,
  key: string,
  opts: PresignOptions,
): Promise<string> {
  const expires = opts.expiresSeconds ?? 3600;
  const version = opts.signatureVersion ?? ctx.signatureVersion;
  if (version !== 'v1' && version !== 'v4')
    throw new ArgumentError('signatureVersion', `signatureVersion must be 'v1' or 'v4', got ${String(version)}`);
  if (!Number.isInteger(expires) || expires < 1 || (version === 'v4' && expires > MAX_PRESIGN_V4_SECONDS)) {
    const range = version === 'v4' ? `1..${MAX_PRESIGN_V4_SECONDS} (7 days) for V4` : 'a positive integer';
    throw new ArgumentError('expiresSeconds', `expiresSeconds must be ${range}, got ${expires}`);
  }
  const creds = await ctx.credentials.getCredentials();
  const query = opts.query ?? [];
  const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const signed = presignQuery(
    { method: method.toUpperCase(), bucket, key, query, headers },
    creds,
    version,
    ctx.region,
    new Date(ctx.now() + ctx.clockOffsetMs),
    expires,
  );
  return requestUrl(ctx.endpoint, bucket, key, [...query, ...signed]);
}
