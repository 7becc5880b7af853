// Adapter from core's XML documents (core/xml.ts) to the client's result shapes (ETags upper case, CRCs bigint).
import {
  buildCompleteMultipartUpload,
  buildXml,
  parseCompleteMultipartUploadResult,
  parseInitiateMultipartUploadResult,
  parseListAllMyBucketsResult,
  parseListBucketResult,
  parseListMultipartUploadsResult,
  parseListPartsResult,
  parseXml,
} from '../core/xml.js';
import { decodeUrlField } from '../core/encode.js';
import { unquoteEtag } from '../core/etag.js';
import type { BucketSummary, ObjectSummary, PartInfo, UploadSummary } from './types.js';

const upper = (etag: string) => unquoteEtag(etag).toUpperCase();

export function parseInitiate(text: string): string {
  return parseInitiateMultipartUploadResult(text).uploadId;
}

export function buildComplete(parts: Array<{ partNumber: number; etag: string }>): string {
  return buildCompleteMultipartUpload(parts);
}

export function parseComplete(text: string): { etag?: string; location?: string } {
  if (!text.trim()) return {};
  const r = parseCompleteMultipartUploadResult(text);
  return { etag: r.etag, location: r.location };
}

export function parseListParts(text: string): { parts: PartInfo[]; isTruncated: boolean; nextMarker: string } {
  const r = parseListPartsResult(text);
  return {
    parts: r.parts.map((p) => ({
      partNumber: p.partNumber,
      etag: upper(p.etag),
      size: p.size,
      crc64: p.hashCrc64ecma,
      lastModified: p.lastModified,
    })),
    isTruncated: r.isTruncated,
    nextMarker: String(r.nextPartNumberMarker ?? ''),
  };
}

export function parseListUploads(text: string): {
  uploads: UploadSummary[];
  prefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
} {
  const r = parseListMultipartUploadsResult(text);
  return {
    uploads: r.uploads.map((u) => ({ key: u.key, uploadId: u.uploadId, initiated: u.initiated })),
    prefixes: r.commonPrefixes,
    isTruncated: r.isTruncated,
    nextKeyMarker: r.nextKeyMarker || undefined,
    nextUploadIdMarker: r.nextUploadIdMarker || undefined,
  };
}

export function parseListObjects(text: string): {
  objects: ObjectSummary[];
  prefixes: string[];
  isTruncated: boolean;
  nextMarker?: string;
  nextContinuationToken?: string;
} {
  const r = parseListBucketResult(text);
  return {
    objects: r.contents.map((o) => ({
      key: o.key,
      size: o.size,
      etag: upper(o.etag),
      lastModified: o.lastModified,
      storageClass: o.storageClass,
      type: o.type,
    })),
    prefixes: r.commonPrefixes,
    isTruncated: r.isTruncated,
    nextMarker: r.nextMarker || undefined,
    nextContinuationToken: r.nextContinuationToken || undefined,
  };
}

export function parseListBuckets(text: string): {
  buckets: BucketSummary[];
  isTruncated: boolean;
  nextMarker?: string;
} {
  const r = parseListAllMyBucketsResult(text);
  return {
    buckets: r.buckets.map((b) => ({
      name: b.name,
      location: b.location,
      creationDate: b.creationDate,
      region: b.region,
    })),
    isTruncated: r.isTruncated ?? false,
    ...(r.nextMarker ? { nextMarker: r.nextMarker } : {}),
  };
}

export function buildCreateBucket(storageClass: string): string {
  return buildXml('CreateBucketConfiguration', { StorageClass: storageClass });
}

/** The ETag of a CopyObjectResult (or CopyPartResult) body, if the body is one. */
export function parseCopyResult(
  text: string,
  rootName: 'CopyObjectResult' | 'CopyPartResult' = 'CopyObjectResult',
): string | undefined {
  if (!text.trim()) return undefined;
  try {
    const root = parseXml(text)[rootName] as Record<string, unknown> | undefined;
    return typeof root?.ETag === 'string' ? root.ETag : undefined;
  } catch {
    return undefined;
  }
}

/** The body of DeleteMultipleObjects, quiet mode (only failures are answered). */
export function buildDelete(keys: readonly string[]): string {
  return buildXml('Delete', { Quiet: 'true', Object: keys.map((k) => ({ Key: k })) });
}

/**
 * Keys a DeleteMultipleObjects answer reports as not deleted (`<Error><Key>`, URL-decoded when encoded). Quiet mode
 * answers nothing for the keys it deleted; a `<Deleted>` entry is a success either way.
 */
export function parseDeleteResult(text: string): string[] {
  if (!text.trim()) return [];
  const root = parseXml(text).DeleteResult as Record<string, unknown> | undefined;
  const encoded = root?.EncodingType === 'url';
  const list = root?.Error === undefined ? [] : Array.isArray(root.Error) ? root.Error : [root.Error];
  return list
    .map((d) => String((d as Record<string, unknown>).Key ?? ''))
    .map((k) => (encoded ? decodeUrlField(k) : k));
}
