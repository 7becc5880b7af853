// OssClient for pages: an endpoint and a way to sign. A page should hold no long-term key: pass STS credentials
// (or a function that fetches them from the app's backend, asked again when they expire), or a `signer` through
// which the backend signs each request.
import type { Credentials } from '../core/canonical.js';
import { ArgumentError } from '../core/errors.js';
import { parseEndpoint, type Endpoint } from '../client/endpoint.js';
import { resolveRetryPolicy, type RetryPolicy } from '../client/retry.js';
import type { AttemptSigner, SignedRequest } from './request.js';
import { signV4 } from './sign.js';
import { FetchTransferClient } from './transport.js';

/** What a `signer` is asked to sign: one attempt of one request. Header names are lower case. */
export interface SignerRequest {
  /** OSS operation, e.g. 'UploadPart'. */
  operation: string;
  method: string;
  /** The request URL, unsigned. */
  url: string;
  bucket?: string;
  key?: string;
  /** Decoded query pairs; ['uploads', ''] is a bare `?uploads`. */
  query: Array<[string, string]>;
  /** Headers the request carries (content-type, x-oss-meta-*, ...): a signature must cover them. */
  headers: Record<string, string>;
  /** True after OSS refused the last signature for expired or unknown credentials: sign with fresh ones. */
  refresh: boolean;
}

/**
 * The app's backend signs: return the headers to send (Authorization, x-oss-date, x-oss-content-sha256, the STS
 * token; merged over the request's), or a presigned `url` for this very request, or both.
 */
export type Signer = (req: SignerRequest) => Promise<{ url?: string; headers?: Record<string, string> }>;

/** Fetches (STS) credentials; called once, and again when OSS says they expired (once for all requests refused). */
export type CredentialsSource = () => Promise<Credentials>;

export interface OssClientOptions {
  /** http(s)://host[:port]; a bare host means https. */
  endpoint: string;
  /** Region for V4 signing; derived from `oss-<region>` hosts, else 'cn-hangzhou'. */
  region?: string;
  /** Put the bucket in the path instead of the host name (automatic for IPs and localhost). */
  pathStyle?: boolean;
  /** The endpoint is a custom domain bound to the bucket. */
  cname?: boolean;
  /** Keys (STS: with securityToken), or a function that fetches them. Either this or `signer`. */
  credentials?: Credentials | CredentialsSource;
  /** The backend signs each request. Either this or `credentials`. */
  signer?: Signer;
  /** Overrides of the retry policy (attempts, delays). */
  retry?: Partial<RetryPolicy>;
}

function credentialsSigner(source: Credentials | CredentialsSource, region: string): AttemptSigner {
  let current: Promise<Credentials> | undefined;
  const fetchCreds = async (): Promise<Credentials> => {
    const c = typeof source === 'function' ? await source() : source;
    if (!c?.accessKeyId || !c.accessKeySecret) {
      throw new ArgumentError('credentials', 'credentials need accessKeyId and accessKeySecret');
    }
    return c;
  };
  return async (req, refused, date): Promise<SignedRequest> => {
    // Fixed keys have nothing to refresh to. A source is asked again when the refused attempt used the current
    // credentials: the parts in flight, refused together, share one new set.
    if (!current || (refused && refused.basis === current && typeof source === 'function')) {
      const fetching = fetchCreds();
      current = fetching;
      fetching.catch(() => {
        if (current === fetching) current = undefined;
      });
    }
    const basis = current;
    return { url: req.url, headers: await signV4(req, await basis, region, date), basis };
  };
}

function callbackSigner(signer: Signer): AttemptSigner {
  return async (req, refused): Promise<SignedRequest> => {
    const { operation, method, url, bucket, key, query, headers } = req;
    const signed = await signer({
      operation,
      method,
      url,
      bucket,
      key,
      query,
      headers,
      refresh: refused !== undefined,
    });
    if (!signed || (signed.url === undefined && signed.headers === undefined)) {
      throw new ArgumentError('signer', 'the signer must resolve with { headers } or { url }');
    }
    return { url: signed.url ?? url, headers: { ...headers, ...signed.headers } };
  };
}

export class OssClient {
  /** Where requests go. */
  readonly endpoint: Endpoint;
  /** V4 signing region. */
  readonly region: string;
  /** The upload requests over fetch: what uploadFile drives. */
  readonly transfer: FetchTransferClient;

  constructor(opts: OssClientOptions) {
    if (!opts || typeof opts.endpoint !== 'string' || opts.endpoint === '') {
      throw new ArgumentError('endpoint', 'OssClient needs an endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com');
    }
    if ((opts.credentials === undefined) === (opts.signer === undefined)) {
      throw new ArgumentError(
        'credentials',
        'pass either credentials (STS keys, or a function fetching them) or a signer',
      );
    }
    this.endpoint = parseEndpoint(opts.endpoint, { pathStyle: opts.pathStyle, cname: opts.cname });
    this.region = opts.region ?? this.endpoint.region ?? 'cn-hangzhou';
    const sign = opts.signer ? callbackSigner(opts.signer) : credentialsSigner(opts.credentials!, this.region);
    this.transfer = new FetchTransferClient(this.endpoint, {
      endpoint: this.endpoint,
      retry: resolveRetryPolicy(opts.retry),
      sign,
      clockOffsetMs: 0,
    });
  }
}
