// OssClient: configuration plus one method per OSS operation. Each method only shapes a request and reads its
// result; transport, signing, retries and error decoding all happen in the pipeline.
import type { Agent } from 'node:http';
import type { Credentials } from '../core/canonical.js';
import { ArgumentError } from '../core/errors.js';
import { MAX_PARTS } from '../core/limits.js';
import { bufferBody, isBodySource, type BodySource } from './body.js';
import { toProvider, type CredentialsProvider } from './credentials.js';
import { parseEndpoint, requestUrl, type Endpoint } from './endpoint.js';
import {
  aclHeaders,
  callbackHeaders,
  metaHeaders,
  trafficLimitHeader,
  type CallbackOptions,
  type ObjectWriteOptions,
} from './headers.js';
import * as ops from './operations.js';
import * as more from './operations-more.js';
import { execute, type PipelineRequest, type OssResponse, type PipelineContext } from './pipeline.js';
import { resolveRetryPolicy, type RetryPolicy } from './retry.js';
import { LeanHttp } from './lean/pool.js';
import { bandwidthPacer } from './bandwidth.js';
import { presignQuery, type SignatureVersion } from './sign.js';
import { createAgent } from './transport.js';
import type {
  CallOptions,
  CompleteMultipartUploadResult,
  GetObjectResult,
  HeadObjectResult,
  InitiateMultipartUploadResult,
  ListBucketsResult,
  ListMultipartUploadsResult,
  ListObjectsResult,
  ListPartsResult,
  ObjectSummary,
  OssResult,
  PutObjectResult,
  UploadPartResult,
  UploadSummary,
  VersionOptions,
} from './types.js';
import * as versions from './operations-versions.js';
import * as cors from './operations-cors.js';
import type { CorsRule } from '../core/xml-cors.js';

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

/** Longest validity of a presigned V4 URL (7 days); V1 URLs have no maximum. */
export const MAX_PRESIGN_V4_SECONDS = 604_800;

export class OssClient {
  /** Parsed endpoint (recorded in checkpoints as `endpoint.url`). */
  readonly endpoint: Endpoint;
  private readonly ctx: PipelineContext;
  private readonly ownAgent: boolean;

  /** The retry policy of every request this client makes, and of resumed bodies (resumableBody). */
  get retryPolicy(): RetryPolicy {
    return this.ctx.retry;
  }

  constructor(opts: OssClientOptions) {
    if (!opts?.endpoint) throw new ArgumentError('endpoint', 'endpoint is required');
    this.endpoint = parseEndpoint(opts.endpoint, { pathStyle: opts.pathStyle, cname: opts.cname });
    const sv = opts.signatureVersion ?? 'v4';
    if (sv !== 'v1' && sv !== 'v4')
      throw new ArgumentError('signatureVersion', `signatureVersion must be 'v1' or 'v4', got ${String(sv)}`);
    this.ownAgent = !opts.agent;
    this.ctx = {
      endpoint: this.endpoint,
      region: opts.region ?? this.endpoint.region ?? 'cn-hangzhou',
      signatureVersion: sv,
      credentials: toProvider(opts.credentials),
      retry: resolveRetryPolicy(opts.retry),
      agent:
        opts.agent ??
        createAgent(this.endpoint.protocol, {
          timeoutMs: opts.requestTimeoutMs,
          connections: opts.connections,
          connectTo: opts.connectTo,
        }),
      lean:
        !opts.agent && opts.leanHttp !== false && this.endpoint.protocol === 'http:'
          ? new LeanHttp({ timeoutMs: opts.requestTimeoutMs, connections: opts.connections, connectTo: opts.connectTo })
          : undefined,
      timeoutMs: opts.requestTimeoutMs,
      pacer: opts.bandwidthLimit !== undefined ? bandwidthPacer(opts.bandwidthLimit) : undefined,
      now: opts.now ?? Date.now,
      clockOffsetMs: 0,
    };
  }

  /** Send a raw request through the full pipeline (for operations without a dedicated method). */
  request(req: PipelineRequest): Promise<OssResponse> {
    return execute(this.ctx, req);
  }

  /** Close the keep-alive sockets (only the client's own agent); requests still in flight fail. */
  async close(): Promise<void> {
    if (this.ownAgent) this.ctx.agent.destroy();
    this.ctx.lean?.destroy();
  }

  listBuckets(
    opts: CallOptions & { prefix?: string; marker?: string; maxKeys?: number } = {},
  ): Promise<ListBucketsResult> {
    return ops.listBuckets(this, opts);
  }

  async putBucket(
    bucket: string,
    opts: CallOptions & { acl?: string; storageClass?: string } = {},
  ): Promise<OssResult> {
    return ops.putBucket(this, bucket, opts);
  }

  deleteBucket(bucket: string, opts: CallOptions = {}): Promise<OssResult> {
    return ops.simple(this, 'DeleteBucket', 'DELETE', bucket, undefined, opts);
  }

  listObjects(bucket: string, opts: ListObjectsOptions = {}): Promise<ListObjectsResult> {
    return ops.listObjects(this, bucket, opts);
  }

  /** Every object under the options' prefix, page after page. */
  async *listObjectsAll(bucket: string, opts: ListObjectsOptions = {}): AsyncGenerator<ObjectSummary> {
    let page: ListObjectsOptions = { ...opts };
    for (;;) {
      const res = await this.listObjects(bucket, page);
      yield* res.objects;
      if (!res.isTruncated) return;
      page = opts.v2 ? { ...page, continuationToken: res.nextContinuationToken } : { ...page, marker: res.nextMarker };
    }
  }

  putObject(
    bucket: string,
    key: string,
    body: BodySource | Uint8Array | string,
    opts: PutObjectOptions = {},
  ): Promise<PutObjectResult> {
    const source = isBodySource(body) ? body : bufferBody(body);
    const headers = {
      ...metaHeaders(opts),
      ...aclHeaders(opts),
      ...callbackHeaders(opts.callback, opts.callbackVars),
      ...trafficLimitHeader(opts.trafficLimit),
      ...(opts.contentMd5 ? { 'content-md5': opts.contentMd5 } : {}),
    };
    return ops.putObject(this, bucket, key, source, headers, opts);
  }

  getObject(bucket: string, key: string, opts: GetObjectOptions = {}): Promise<GetObjectResult> {
    return ops.getObject(this, bucket, key, opts);
  }

  headObject(bucket: string, key: string, opts: CallOptions & VersionOptions = {}): Promise<HeadObjectResult> {
    return ops.headObject(this, bucket, key, opts);
  }

  /** In a versioned bucket, without `versionId`, a delete marker hides the key; with it, that version goes. */
  deleteObject(
    bucket: string,
    key: string,
    opts: CallOptions & VersionOptions = {},
  ): Promise<versions.DeleteObjectResult> {
    return versions.deleteObject(this, bucket, key, opts);
  }

  putBucketVersioning(bucket: string, status: 'Enabled' | 'Suspended', opts: CallOptions = {}): Promise<OssResult> {
    return versions.putBucketVersioning(this, bucket, status, opts);
  }

  getBucketVersioning(bucket: string, opts: CallOptions = {}): Promise<versions.BucketVersioningResult> {
    return versions.getBucketVersioning(this, bucket, opts);
  }

  /** Replaces the bucket's CORS rules (PutBucketCors); `uploaderCorsRule(origins)` is what a browser uploader needs. */
  putBucketCors(
    bucket: string,
    rules: CorsRule[],
    opts: CallOptions & { responseVary?: boolean } = {},
  ): Promise<OssResult> {
    return cors.putBucketCors(this, bucket, rules, opts);
  }

  /** The bucket's CORS rules (GetBucketCors); none is a 404 NoSuchCORSConfiguration. */
  getBucketCors(bucket: string, opts: CallOptions = {}): Promise<cors.BucketCorsResult> {
    return cors.getBucketCors(this, bucket, opts);
  }

  deleteBucketCors(bucket: string, opts: CallOptions = {}): Promise<OssResult> {
    return cors.deleteBucketCors(this, bucket, opts);
  }

  /** One page of versions and delete markers (ListObjectVersions). */
  listObjectVersions(
    bucket: string,
    opts: versions.ListVersionsOptions = {},
  ): Promise<versions.ListVersionsResult & OssResult> {
    return versions.listObjectVersions(this, bucket, opts);
  }

  /** DeleteMultipleObjects: up to 1,000 keys in one request; `failed` lists keys the server could not delete. */
  deleteObjects(
    bucket: string,
    keys: readonly string[],
    opts: CallOptions = {},
  ): Promise<OssResult & { failed: string[] }> {
    if (keys.length < 1 || keys.length > 1000)
      throw new ArgumentError('keys', `deleteObjects takes 1 to 1000 keys, got ${keys.length}`);
    return ops.deleteObjects(this, bucket, keys, opts);
  }

  /**
   * Server-side copy of `sourceBucket/sourceKey` (up to 1 GiB) to `bucket/key`. Metadata is copied unless
   * `contentType` or `meta` is given (then x-oss-metadata-directive: REPLACE). For larger objects and resumable
   * copies use the transfer engine's `copyObject(client, ...)`.
   */
  copyObject(
    sourceBucket: string,
    sourceKey: string,
    bucket: string,
    key: string,
    opts: ObjectWriteOptions & CallOptions & { sourceIfMatch?: string; sourceVersionId?: string } = {},
  ): Promise<PutObjectResult> {
    return ops.copyObject(
      this,
      sourceBucket,
      sourceKey,
      bucket,
      key,
      { ...metaHeaders(opts), ...aclHeaders(opts) },
      opts,
    );
  }

  /** One part of a multipart upload copied from `sourceBucket/sourceKey` (`range` inclusive), on the server. */
  async uploadPartCopy(
    sourceBucket: string,
    sourceKey: string,
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    opts: CallOptions & {
      range?: { start: number; end: number };
      sourceIfMatch?: string;
      sourceVersionId?: string;
    } = {},
  ): Promise<UploadPartResult> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      throw new ArgumentError('partNumber', `partNumber must be an integer in 1..10000, got ${partNumber}`);
    }
    return ops.uploadPartCopy(this, sourceBucket, sourceKey, bucket, key, uploadId, partNumber, opts);
  }

  initiateMultipartUpload(
    bucket: string,
    key: string,
    opts: ObjectWriteOptions & CallOptions = {},
  ): Promise<InitiateMultipartUploadResult> {
    return ops.initiateMultipartUpload(this, bucket, key, { ...metaHeaders(opts), ...aclHeaders(opts) }, opts);
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: BodySource | Uint8Array,
    opts: UploadPartOptions = {},
  ): Promise<UploadPartResult> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
      throw new ArgumentError('partNumber', `partNumber must be an integer in 1..10000, got ${partNumber}`);
    }
    const headers = {
      ...trafficLimitHeader(opts.trafficLimit),
      ...(opts.contentMd5 ? { 'content-md5': opts.contentMd5 } : {}),
    };
    return ops.uploadPart(
      this,
      bucket,
      key,
      uploadId,
      partNumber,
      isBodySource(body) ? body : bufferBody(body),
      headers,
      opts,
    );
  }

  /** Complete with the listed parts, or with every uploaded part ('all', x-oss-complete-all). */
  completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }> | 'all',
    opts: CompleteOptions = {},
  ): Promise<CompleteMultipartUploadResult> {
    const headers = { ...aclHeaders(opts), ...callbackHeaders(opts.callback, opts.callbackVars) };
    return ops.completeMultipartUpload(this, bucket, key, uploadId, parts, headers, opts);
  }

  abortMultipartUpload(bucket: string, key: string, uploadId: string, opts: CallOptions = {}): Promise<OssResult> {
    return ops.simple(this, 'AbortMultipartUpload', 'DELETE', bucket, key, opts, [['uploadId', uploadId]]);
  }

  /** The parts of an upload: every page (or only the first, `onePage`), from part `after` + 1. */
  listParts(
    bucket: string,
    key: string,
    uploadId: string,
    opts: CallOptions & {
      /** max-parts per request (default 1000). */ pageSize?: number;
      /** Only parts numbered above this (part-number-marker). */ after?: number;
      /** Stop after the first page. */ onePage?: boolean;
    } = {},
  ): Promise<ListPartsResult> {
    return ops.listParts(this, bucket, key, uploadId, opts);
  }

  listMultipartUploads(bucket: string, opts: ListUploadsOptions = {}): Promise<ListMultipartUploadsResult> {
    return ops.listMultipartUploads(this, bucket, opts);
  }

  async *listMultipartUploadsAll(bucket: string, opts: ListUploadsOptions = {}): AsyncGenerator<UploadSummary> {
    let page = { ...opts };
    for (;;) {
      const res = await this.listMultipartUploads(bucket, page);
      yield* res.uploads;
      if (!res.isTruncated) return;
      page = { ...page, keyMarker: res.nextKeyMarker, uploadIdMarker: res.nextUploadIdMarker };
    }
  }

  getObjectTagging(
    bucket: string,
    key: string,
    opts: CallOptions & VersionOptions = {},
  ): Promise<more.ObjectTaggingResult> {
    return more.getObjectTagging(this, bucket, key, opts);
  }

  /** Replaces the object's tag set (at most 10 tags). */
  putObjectTagging(
    bucket: string,
    key: string,
    tags: Record<string, string>,
    opts: CallOptions = {},
  ): Promise<OssResult> {
    return more.putObjectTagging(this, bucket, key, tags, opts);
  }

  deleteObjectTagging(bucket: string, key: string, opts: CallOptions = {}): Promise<OssResult> {
    return ops.simple(this, 'DeleteObjectTagging', 'DELETE', bucket, key, opts, [['tagging', '']]);
  }

  getObjectAcl(bucket: string, key: string, opts: CallOptions & VersionOptions = {}): Promise<more.AclResult> {
    return more.getAcl(this, bucket, key, opts);
  }

  getBucketInfo(bucket: string, opts: CallOptions = {}): Promise<more.BucketInfoResult> {
    return more.getBucketInfo(this, bucket, opts);
  }

  /** AppendObject at `position` (0 creates an Appendable object; then the previous `nextPosition`). */
  appendObject(
    bucket: string,
    key: string,
    position: number,
    body: BodySource | Uint8Array | string,
    opts: ObjectWriteOptions & CallOptions = {},
  ): Promise<more.AppendObjectResult> {
    if (!Number.isSafeInteger(position) || position < 0)
      throw new ArgumentError('position', `position must be a non-negative integer, got ${position}`);
    const source = isBodySource(body) ? body : bufferBody(body);
    return more.appendObject(this, bucket, key, position, source, { ...metaHeaders(opts), ...aclHeaders(opts) }, opts);
  }

  /** A symlink at `key` to `target` in the same bucket (GET/HEAD of the link read the target). */
  putSymlink(
    bucket: string,
    key: string,
    target: string,
    opts: ObjectWriteOptions & CallOptions = {},
  ): Promise<OssResult> {
    return more.putSymlink(this, bucket, key, target, { ...metaHeaders(opts), ...aclHeaders(opts) }, opts);
  }

  getSymlink(bucket: string, key: string, opts: CallOptions = {}): Promise<more.SymlinkResult> {
    return more.getSymlink(this, bucket, key, opts);
  }

  /** Restores an Archive-class object for `days` days (then GET works until it expires). */
  restoreObject(bucket: string, key: string, days = 1, opts: CallOptions = {}): Promise<OssResult> {
    if (!Number.isInteger(days) || days < 1)
      throw new ArgumentError('days', `days must be a positive integer, got ${days}`);
    return more.restoreObject(this, bucket, key, days, opts);
  }

  /** A URL that performs `method` on the object without credentials until it expires. */
  async presignUrl(method: string, bucket: string, key: string, opts: PresignOptions = {}): Promise<string> {
    const expires = opts.expiresSeconds ?? 3600;
    const version = opts.signatureVersion ?? this.ctx.signatureVersion;
    if (version !== 'v1' && version !== 'v4')
      throw new ArgumentError('signatureVersion', `signatureVersion must be 'v1' or 'v4', got ${String(version)}`);
    if (!Number.isInteger(expires) || expires < 1 || (version === 'v4' && expires > MAX_PRESIGN_V4_SECONDS)) {
      const range = version === 'v4' ? `1..${MAX_PRESIGN_V4_SECONDS} (7 days) for V4` : 'a positive integer';
      throw new ArgumentError('expiresSeconds', `expiresSeconds must be ${range}, got ${expires}`);
    }
    const creds = await this.ctx.credentials.getCredentials();
    const query = opts.query ?? [];
    const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const signed = presignQuery(
      { method: method.toUpperCase(), bucket, key, query, headers },
      creds,
      version,
      this.ctx.region,
      new Date(this.ctx.now() + this.ctx.clockOffsetMs),
      expires,
    );
    return requestUrl(this.endpoint, bucket, key, [...query, ...signed]);
  }
}
