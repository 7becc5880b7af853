// Result types of OssClient operations. Every result carries the request ID (quote it when asking for support).
import type { Readable } from 'node:stream';
import type { ChunkReceiver } from './resume.js';

export interface OssResult {
  /** x-oss-request-id. */
  requestId: string;
  /** HTTP status. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
}

/** Options every operation accepts. */
export interface CallOptions {
  /** Cancels the request, including any backoff wait. */
  signal?: AbortSignal;
}

export interface PutObjectResult extends OssResult {
  /** Unquoted upper-case hex. */
  etag: string;
  /** x-oss-hash-crc64ecma, when the server sent it. */
  crc64?: bigint;
  /** The callback server's answer, when a callback was asked for. */
  callbackBody?: string;
}

export interface HeadObjectResult extends OssResult {
  etag: string;
  crc64?: bigint;
  /** Content-Length. */
  size: number;
  contentType?: string;
  lastModified?: Date;
  /** x-oss-meta-* without the prefix. */
  meta: Record<string, string>;
  /** Normal | Multipart | Appendable. */
  objectType?: string;
  storageClass?: string;
  /** x-oss-version-id: the version read (versioned buckets; 'null' for the unversioned one). */
  versionId?: string;
}

/** Addresses one version of an object instead of the latest (versioned buckets). */
export interface VersionOptions {
  /** A version id from listObjectVersions or x-oss-version-id; 'null' is the unversioned version. */
  versionId?: string;
}

export interface GetObjectResult extends HeadObjectResult {
  /**
   * The body; consume or destroy it. A body of the lean client (plain-http endpoints) can instead `deliver` its
   * chunks to a ChunkReceiver as they arrive (no stream between; the download's file sink uses it).
   */
  body: Readable & { deliver?(to: ChunkReceiver): void };
  /** Content-Range for 206 answers. */
  contentRange?: string;
}

export interface InitiateMultipartUploadResult extends OssResult {
  uploadId: string;
}

export interface UploadPartResult extends OssResult {
  etag: string;
  crc64?: bigint;
}

export interface CompleteMultipartUploadResult extends OssResult {
  etag: string;
  /** Whole-object CRC-64 from the response header. */
  crc64?: bigint;
  location?: string;
  callbackBody?: string;
}

export interface PartInfo {
  partNumber: number;
  etag: string;
  size: number;
  crc64?: bigint;
  lastModified?: string;
}

export interface ListPartsResult extends OssResult {
  parts: PartInfo[];
}

export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified?: string;
  storageClass?: string;
  type?: string;
}

export interface ListObjectsResult extends OssResult {
  objects: ObjectSummary[];
  prefixes: string[];
  isTruncated: boolean;
  /** V1 marker for the next page. */
  nextMarker?: string;
  /** V2 token for the next page. */
  nextContinuationToken?: string;
}

export interface UploadSummary {
  key: string;
  uploadId: string;
  initiated?: string;
}

export interface ListMultipartUploadsResult extends OssResult {
  uploads: UploadSummary[];
  prefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

export interface BucketSummary {
  name: string;
  location?: string;
  creationDate?: string;
  region?: string;
}

export interface ListBucketsResult extends OssResult {
  buckets: BucketSummary[];
  /** More buckets follow (only when `maxKeys` was given; otherwise every page is fetched). */
  isTruncated: boolean;
  /** Marker of the next page when truncated. */
  nextMarker?: string;
}
