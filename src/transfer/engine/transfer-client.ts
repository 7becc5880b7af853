// The narrow client port of the engine (engine/ports.ts): the calls the transfer strategies make. OssClient
// implements it as is (structurally); engine tests run on a fake, a browser uploader on fetch. Browser-safe: only
// the client's plain result types are named.
import type {
  ChunkReceiver,
  CompleteMultipartUploadResult,
  HeadObjectResult,
  InitiateMultipartUploadResult,
  ListPartsResult,
  ObjectWriteOptions,
  OssResult,
  PutObjectResult,
  RetryPolicy,
  UploadPartResult,
  UploadSummary,
} from '../../client/index.js';

/**
 * A request body: bytes in memory (a string is UTF-8), or a replayable recipe opening fresh bytes per attempt (the
 * Node client's BodySource: a file range).
 */
export type PartBody = Uint8Array | string | { readonly size: number; open(): unknown };

export type { ChunkReceiver } from '../../client/index.js';

/**
 * A ranged GET's answer: its headers' facts and a body of chunks (destroy it when not read to the end). A body that
 * can `deliver` hands its chunks to a ChunkReceiver as they arrive (the Node client's lean bodies: a download's fast
 * path); one without is read as the iterable.
 */
export interface RangeResponse extends HeadObjectResult {
  body: AsyncIterable<Uint8Array> & { destroy(err?: Error): unknown; deliver?(to: ChunkReceiver): void };
  contentRange?: string;
}

interface Call {
  signal?: AbortSignal;
}

/**
 * The calls the transfer strategies make: OssClient implements it as is (structurally); engine tests run on a fake,
 * a browser uploader on fetch. Option bags are the client's own (header-free), so an implementation maps them to
 * its wire dialect.
 */
export interface TransferClient {
  /** Recorded in checkpoints: a checkpoint of another endpoint never resumes here. */
  readonly endpoint: { readonly url: string };
  /** How a cut-short download body is resumed (client/resume.ts). */
  readonly retryPolicy: RetryPolicy;
  headObject(bucket: string, key: string, opts?: Call & { versionId?: string }): Promise<HeadObjectResult>;
  putObject(
    bucket: string,
    key: string,
    body: PartBody,
    opts?: ObjectWriteOptions &
      Call & {
        contentMd5?: string;
        trafficLimit?: number;
        callback?: unknown;
        callbackVars?: Record<string, string>;
        onProgress?: (sent: number) => void;
      },
  ): Promise<PutObjectResult>;
  deleteObject(bucket: string, key: string, opts?: Call): Promise<OssResult>;
  getObject(
    bucket: string,
    key: string,
    opts?: Call & {
      range?: { start: number; end: number };
      ifMatch?: string;
      versionId?: string;
      trafficLimit?: number;
      headers?: Record<string, string>;
    },
  ): Promise<RangeResponse>;
  initiateMultipartUpload(
    bucket: string,
    key: string,
    opts?: ObjectWriteOptions & Call,
  ): Promise<InitiateMultipartUploadResult>;
  uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: PartBody,
    opts?: Call & { contentMd5?: string; trafficLimit?: number; onProgress?: (sent: number) => void },
  ): Promise<UploadPartResult>;
  completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    opts?: Call & {
      acl?: string;
      forbidOverwrite?: boolean;
      callback?: unknown;
      callbackVars?: Record<string, string>;
    },
  ): Promise<CompleteMultipartUploadResult>;
  abortMultipartUpload(bucket: string, key: string, uploadId: string, opts?: Call): Promise<OssResult>;
  listParts(
    bucket: string,
    key: string,
    uploadId: string,
    opts?: Call & { pageSize?: number; after?: number; onePage?: boolean },
  ): Promise<ListPartsResult>;
  listMultipartUploadsAll(bucket: string, opts?: Call & { prefix?: string }): AsyncIterable<UploadSummary>;
  copyObject(
    sourceBucket: string,
    sourceKey: string,
    bucket: string,
    key: string,
    opts?: ObjectWriteOptions & Call & { sourceIfMatch?: string; sourceVersionId?: string },
  ): Promise<PutObjectResult>;
  uploadPartCopy(
    sourceBucket: string,
    sourceKey: string,
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    opts?: Call & { range?: { start: number; end: number }; sourceIfMatch?: string; sourceVersionId?: string },
  ): Promise<UploadPartResult>;
}
