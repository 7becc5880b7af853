// What an OssClient and its calls are configured with, and the pipeline context a client's options make.
import type { Agent } from 'node:http';
import type { Credentials } from '../core/canonical.js';
import { ArgumentError } from '../core/errors.js';
import { bandwidthPacer } from './bandwidth.js';
import { toProvider, type CredentialsProvider } from './credentials.js';
import type { Endpoint } from './endpoint.js';
import type { CallbackOptions, ObjectWriteOptions } from './headers.js';
import { LeanHttp } from './lean/pool.js';
import type { PipelineContext } from './pipeline.js';
import { resolveRetryPolicy, type RetryPolicy } from './retry.js';
import type { SignatureVersion } from './sign.js';
import { createAgent } from './transport.js';
import type { CallOptions, VersionOptions } from './types.js';

export interface OssClientOptions {
  /** http(s)://host[:port]; a bare host means https. Virtual-hosted unless an IP/localhost or pathStyle. */
  endpoint: string;
  /** Region for V4 signing; derived from `oss-<region>` hosts, else 'cn-hangzhou'. */
  region?: string;
  /** 'v4' (default) or 'v1'. */
  signatureVersion?: SignatureVersion;
  /** Put the bucket in the path instead of the host name. */
  pathStyle?: boolean;
  /** The endpoint is a custom domain bound to the bucket. */
  cname?: boolean;
  /** Keys or a provider; default: OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN. */
  credentials?: Credentials | CredentialsProvider;
  /** Overrides of the retry policy (attempts, delays, injectable random and sleep). */
  retry?: Partial<RetryPolicy>;
  /** Idle timeout per request: no header or body byte for this long fails the attempt (default 300 s). */
  requestTimeoutMs?: number;
  /** Local clock in ms (injectable for clock-skew tests). */
  now?: () => number;
  /** A node:http agent (https.Agent for https endpoints) to use instead of the client's own keep-alive agent. */
  agent?: Agent;
  /** Most connections the client's own agent opens at once (default 64); further requests wait for a free one. */
  connections?: number;
  /**
   * Requests to a plain-http endpoint go through ossup's lean HTTP/1.1 client (src/client/lean/): about a third of
   * node:http's CPU per byte received. Default true; false (or an own `agent`) keeps node:http for every request.
   * https endpoints always use node:https.
   */
  leanHttp?: boolean;
  /**
   * Connect to this host and port whatever the endpoint's host says; requests still name the endpoint (Host header,
   * signatures, checkpoints). For a local server standing in for OSS, such as the CLI's embedded default.
   */
  connectTo?: { host: string; port: number };
  /** Cap on the bytes per second of all requests together, bodies sent and received (default: none). */
  bandwidthLimit?: number;
}

export interface PutObjectOptions extends ObjectWriteOptions, CallOptions {
  /** Base64 MD5 of the body; the server rejects the upload (InvalidDigest) if the bytes differ. */
  contentMd5?: string;
  /** Bandwidth cap in bits/s (x-oss-traffic-limit). */
  trafficLimit?: number;
  /** Upload callback; its answer comes back as `callbackBody`. */
  callback?: CallbackOptions;
  /** Custom callback variables (`x:` prefix added when missing). */
  callbackVars?: Record<string, string>;
  /** Bytes sent so far in the current attempt. */
  onProgress?: (sent: number) => void;
}

export interface UploadPartOptions extends CallOptions {
  /** Base64 MD5 of the part. */
  contentMd5?: string;
  /** Bandwidth cap in bits/s. */
  trafficLimit?: number;
  /** Bytes sent so far in the current attempt. */
  onProgress?: (sent: number) => void;
}

export interface CompleteOptions extends CallOptions {
  /** Object ACL to set on completion. */
  acl?: string;
  /** Refuse to overwrite an existing object. */
  forbidOverwrite?: boolean;
  /** Upload callback; its answer comes back as `callbackBody`. */
  callback?: CallbackOptions;
  /** Custom callback variables (`x:` prefix added when missing). */
  callbackVars?: Record<string, string>;
}

export interface GetObjectOptions extends CallOptions, VersionOptions {
  /** Byte range: [start, end] inclusive, end omitted = to the end. */
  range?: { start: number; end?: number };
  /** Only if the ETag (unquoted) still matches. */
  ifMatch?: string;
  /** Extra request headers (lower-case). */
  headers?: Record<string, string>;
}

export interface ListObjectsOptions extends CallOptions {
  /** Only keys starting with this. */
  prefix?: string;
  /** Group keys sharing a prefix up to this character into `prefixes`. */
  delimiter?: string;
  /** Page size, up to 1000. */
  maxKeys?: number;
  /** V1 marker: list keys after it. */
  marker?: string;
  /** Use ListObjectsV2. */
  v2?: boolean;
  /** V2: token from the previous page. */
  continuationToken?: string;
  /** V2: list keys after this one. */
  startAfter?: string;
}

export interface ListUploadsOptions extends CallOptions {
  /** Only uploads for keys starting with this. */
  prefix?: string;
  /** Group keys up to this character into `prefixes`. */
  delimiter?: string;
  /** Page size, up to 1000. */
  maxUploads?: number;
  /** Continue after this key (from the previous page). */
  keyMarker?: string;
  /** Continue after this upload ID of keyMarker. */
  uploadIdMarker?: string;
}

/** The pipeline context of a client made with `opts` for `endpoint`: signer, credentials, retries, agents, pacer. */
export function pipelineContext(opts: OssClientOptions, endpoint: Endpoint): PipelineContext {
  const sv = opts.signatureVersion ?? 'v4';
  if (sv !== 'v1' && sv !== 'v4')
    throw new ArgumentError('signatureVersion', `signatureVersion must be 'v1' or 'v4', got ${String(sv)}`);
  // The agent is made when a request first needs it: with the lean client (plain http) none does, and the CLI's
  // bundle then never loads node:http, a measurable share of a short command's start-up (issue 27).
  let agent = opts.agent;
  return {
    endpoint,
    region: opts.region ?? endpoint.region ?? 'cn-hangzhou',
    signatureVersion: sv,
    credentials: toProvider(opts.credentials),
    retry: resolveRetryPolicy(opts.retry),
    get agent() {
      agent ??= createAgent(endpoint.protocol, {
        timeoutMs: opts.requestTimeoutMs,
        connections: opts.connections,
        connectTo: opts.connectTo,
      });
      return agent;
    },
    closeAgent: () => {
      if (!opts.agent) agent?.destroy();
    },
    lean:
      !opts.agent && opts.leanHttp !== false && endpoint.protocol === 'http:'
        ? new LeanHttp({ timeoutMs: opts.requestTimeoutMs, connections: opts.connections, connectTo: opts.connectTo })
        : undefined,
    timeoutMs: opts.requestTimeoutMs,
    pacer: opts.bandwidthLimit !== undefined ? bandwidthPacer(opts.bandwidthLimit) : undefined,
    now: opts.now ?? Date.now,
    clockOffsetMs: 0,
  };
}
