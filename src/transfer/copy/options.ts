// The options and result of copyObject (copy.ts), apart so the strategy (strategy.ts) reads them without a cycle.
import type { CheckpointPorts, PartPlanner } from '../engine/ports.js';
import type { TransferEvent, UploadResult } from '../types.js';

export interface CopyObjectOptions {
  sourceBucket: string;
  sourceKey: string;
  /** Copy this version of the source instead of its latest (versioned buckets): restores an old version. */
  sourceVersionId?: string;
  /** Destination bucket. */
  bucket: string;
  /** Destination key. */
  key: string;
  /** Objects larger than this are copied in parts (default and maximum 1 GiB). */
  multipartThreshold?: number;
  /** Part size of a multipart copy (default: size / 1000, at least 64 MiB); raised to stay within 10,000 parts. */
  partSize?: number;
  /** UploadPartCopy requests in flight (default 1). */
  concurrency?: number;
  /** Multipart copies only. Off by default; true -> a file in the current directory; a path; an existing directory. */
  checkpoint?: boolean | string;
  /** Where checkpoints live and how they are locked (default: files, transfer/node.ts). */
  checkpoints?: CheckpointPorts;
  /** Who picks the part size and concurrency left out (default: size/1000 parts of at least 64 MiB, one at a time). */
  planner?: PartPlanner;
  /** Replaces the user metadata (x-oss-metadata-directive: REPLACE); the content type and the rest are kept. */
  meta?: Record<string, string>;
  /** Replaces the Content-Type (x-oss-metadata-directive: REPLACE); the user metadata is kept. */
  contentType?: string;
  /** ACL of the new object. */
  acl?: string;
  /** Storage class of the new object. */
  storageClass?: string;
  /** Fail with FileAlreadyExists instead of replacing an existing destination. */
  forbidOverwrite?: boolean;
  onProgress?: (event: TransferEvent) => void;
  /** Aborting pauses a multipart copy (checkpoint and upload kept, AbortedError thrown). */
  signal?: AbortSignal;
}

export interface CopyResult extends UploadResult {
  /** The source as it was copied. */
  source: { bucket: string; key: string; etag: string };
}

/** The copy rewrites the metadata (x-oss-metadata-directive: REPLACE). */
export function replacesMetadata(opts: CopyObjectOptions): boolean {
  return opts.meta !== undefined || opts.contentType !== undefined;
}
