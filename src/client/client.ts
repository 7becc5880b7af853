// OssClient: configuration plus one method per OSS operation. Each method only shapes a request and reads its
// result; transport, signing, retries and error decoding all happen in the pipeline.
import { ArgumentError } from '../core/errors.js';
import { MAX_PARTS } from '../core/limits.js';
import { bufferBody, isBodySource, type BodySource } from './body.js';
import { parseEndpoint, type Endpoint } from './endpoint.js';
import {
  aclHeaders,
  bodyHeaders,
  callbackHeaders,
  putHeaders,
  writeHeaders,
  type ObjectWriteOptions,
} from './headers.js';
import * as ops from './operations.js';
import * as more from './operations-more.js';
import * as multipart from './operations-multipart.js';
import * as paging from './paging.js';
import { execute, type PipelineRequest, type OssResponse, type PipelineContext } from './pipeline.js';
import {
  pipelineContext,
  type CompleteOptions,
  type GetObjectOptions,
  type ListObjectsOptions,
  type ListUploadsOptions,
  type OssClientOptions,
  type PutObjectOptions,
  type UploadPartOptions,
} from './options.js';
import { presignUrl, type PresignOptions } from './presign.js';
import type { RetryPolicy } from './retry.js';
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

export class OssClient {
  /** Parsed endpoint (recorded in checkpoints as `endpoint.url`). */
  readonly endpoint: Endpoint;
  private readonly ctx: PipelineContext;

  /** The retry policy of every request this client makes, and of resumed bodies (resumableBody). */
  get retryPolicy(): RetryPolicy {
    return this.ctx.retry;
  }

  constructor(opts: OssClientOptions) {
    if (!opts?.endpoint) throw new ArgumentError('endpoint', 'endpoint is required');
    this.endpoint = parseEndpoint(opts.endpoint, { pathStyle: opts.pathStyle, cname: opts.cname });
    this.ctx = pipelineContext(opts, this.endpoint);
  }

  /** Send a raw request through the full pipeline (for operations without a dedicated method). */
  request(req: PipelineRequest): Promise<OssResponse> {
    return execute(this.ctx, req);
  }

  /** Close the keep-alive sockets (only the client's own agent); requests still in flight fail. */
  async close(): Promise<void> {
    this.ctx.closeAgent();
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
  listObjectsAll(bucket: string, opts: ListObjectsOptions = {}): AsyncGenerator<ObjectSummary> {
    return paging.listObjectsAll(this, bucket, opts);
  }

  /** The same listing as listObjectsAll, a page (up to `maxKeys` objects) at a time. */
  listObjectPages(bucket: string, opts: ListObjectsOptions = {}): AsyncGenerator<ObjectSummary[]> {
    return paging.listObjectPages(this, bucket, opts);
  }

  putObject(
    bucket: string,
    key: string,
    body: BodySource | Uint8Array | string,
    opts: PutObjectOptions = {},
  ): Promise<PutObjectResult> {
    return ops.putObject(this, bucket, key, isBodySource(body) ? body : bufferBody(body), putHeaders(opts), opts);
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
    return ops.copyObject(this, sourceBucket, sourceKey, bucket, key, writeHeaders(opts), opts);
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
    checkPartNumber(partNumber);
    return multipart.uploadPartCopy(this, sourceBucket, sourceKey, bucket, key, uploadId, partNumber, opts);
  }

  initiateMultipartUpload(
    bucket: string,
    key: string,
    opts: ObjectWriteOptions & CallOptions = {},
  ): Promise<InitiateMultipartUploadResult> {
    return multipart.initiateMultipartUpload(this, bucket, key, writeHeaders(opts), opts);
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: BodySource | Uint8Array,
    opts: UploadPartOptions = {},
  ): Promise<UploadPartResult> {
    checkPartNumber(partNumber);
    const source = isBodySource(body) ? body : bufferBody(body);
    return multipart.uploadPart(this, bucket, key, uploadId, partNumber, source, bodyHeaders(opts), opts);
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
    return multipart.completeMultipartUpload(this, bucket, key, uploadId, parts, headers, opts);
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
    return multipart.listParts(this, bucket, key, uploadId, opts);
  }

  listMultipartUploads(bucket: string, opts: ListUploadsOptions = {}): Promise<ListMultipartUploadsResult> {
    return multipart.listMultipartUploads(this, bucket, opts);
  }

  /** Every multipart upload under the options' prefix, page after page. */
  listMultipartUploadsAll(bucket: string, opts: ListUploadsOptions = {}): AsyncGenerator<UploadSummary> {
    return paging.listMultipartUploadsAll(this, bucket, opts);
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
    return more.appendObject(this, bucket, key, position, source, writeHeaders(opts), opts);
  }

  /** A symlink at `key` to `target` in the same bucket (GET/HEAD of the link read the target). */
  putSymlink(
    bucket: string,
    key: string,
    target: string,
    opts: ObjectWriteOptions & CallOptions = {},
  ): Promise<OssResult> {
    return more.putSymlink(this, bucket, key, target, writeHeaders(opts), opts);
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
    return presignUrl(this.ctx, method, bucket, key, opts);
  }
}

/** Part numbers run 1..10000; anything else is the caller's mistake, refused before a request is made. */
function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS)
    throw new ArgumentError('partNumber', `partNumber must be an integer in 1..${MAX_PARTS}, got ${partNumber}`);
}
