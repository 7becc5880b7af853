// What the upload strategy reads, whatever the source: uploadFile and uploadStream both resolve their options to
// these settings (the object's headers decided, defaults filled), and both results are built here.
import mime from 'mime';
import { crc64ToDecimal } from '../../core/crc64.js';
import type { ObjectWriteOptions } from '../../client/index.js';
import type { TransferContext } from '../engine/engine.js';
import type { PartSource } from '../engine/ports.js';
import type { UploadCallback, UploadResult } from '../types.js';
import type { UploadCheckpointHeader, UploadRecord } from './types.js';

export interface UploadSettings {
  bucket: string;
  key: string;
  /** The new object's headers (content type, metadata, ACL, storage class, tags, forbidOverwrite, raw headers). */
  write: ObjectWriteOptions;
  partSize?: number;
  concurrency?: number;
  /** A stream's expected length (sizes its first parts). */
  expectedSize?: number;
  trafficLimit?: number;
  acl?: string;
  forbidOverwrite?: boolean;
  /** Content-MD5 with every part too (UploadFileOptions.contentMd5). */
  contentMd5?: boolean;
  callback?: UploadCallback;
  callbackVars?: Record<string, string>;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
  /** How a completed upload's ETag is computed (SessionInput.multipartEtag); Node's uploads pass core's. */
  multipartEtag?: (partMd5Hex: string[]) => string;
}

export type UploadContext = TransferContext<UploadCheckpointHeader, UploadRecord>;

/** The new object's headers from the options; the Content-Type, when not given, guessed from `name`'s extension. */
export function objectWrite(opts: ObjectWriteOptions, name: string): ObjectWriteOptions {
  return {
    contentType: opts.contentType ?? mime.getType(name) ?? 'application/octet-stream',
    meta: opts.meta,
    acl: opts.acl,
    storageClass: opts.storageClass,
    tagging: opts.tagging,
    forbidOverwrite: opts.forbidOverwrite,
    headers: opts.headers,
  };
}

/** The result of an upload of `size` bytes from `source` ('-' for a stream). */
export function uploadResult(
  opts: UploadSettings,
  source: PartSource,
  etag: string,
  crc: bigint,
  size: number,
  parts: number,
  resumedBytes: number,
  uploadId?: string,
): UploadResult {
  return {
    bucket: opts.bucket,
    key: opts.key,
    file: source.replayable ? source.name : '-',
    etag,
    crc64: crc64ToDecimal(crc),
    size,
    parts,
    resumedBytes,
    transferredBytes: size - resumedBytes,
    ...(uploadId ? { uploadId } : {}),
  };
}
