// Adapter from core's XML documents to the client's result shapes (ETags upper case, CRCs as bigint).
import {
  buildCompleteMultipartUpload, parseCompleteMultipartUploadResult, parseInitiateMultipartUploadResult,
  parseListMultipartUploadsResult, parseListPartsResult,
} from '../core/xml-multipart.js';
import { buildXml, boolOf, intOf, listOf, objectOf, parseXml, rootOf, textOf } from '../core/xml-core.js';
import { decodeUrlField } from '../core/encode.js';
import { unquoteEtag } from '../core/etag.js';
import type { BucketSummary, ObjectSummary, PartInfo, UploadSummary } from './types.js';

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
      partNumber: p.partNumber, etag: unquoteEtag(p.etag).toUpperCase(), size: p.size, crc64: p.hashCrc64ecma, lastModified: p.lastModified,
    })),
    isTruncated: r.isTruncated,
    nextMarker: String(r.nextPartNumberMarker ?? ''),
  };
}

export function parseListUploads(text: string): { uploads: UploadSummary[]; prefixes: string[]; isTruncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string } {
  const r = parseListMultipartUploadsResult(text);
  return {
    uploads: r.uploads.map((u) => ({ key: u.key, uploadId: u.uploadId, initiated: u.initiated })),
    prefixes: r.commonPrefixes,
    isTruncated: r.isTruncated,
    nextKeyMarker: r.nextKeyMarker || undefined,
    nextUploadIdMarker: r.nextUploadIdMarker || undefined,
  };
}

export function parseListObjects(text: string): { objects: ObjectSummary[]; prefixes: string[]; isTruncated: boolean; nextMarker?: string; nextContinuationToken?: string } {
  const root = rootOf(parseXml(text), 'ListBucketResult');
  const url = textOf(root, 'EncodingType') === 'url';
  const dec = (v: string | undefined) => (v === undefined ? undefined : url ? decodeUrlField(v) : v);
  return {
    objects: listOf(root, 'Contents').map((c) => ({
      key: dec(textOf(c, 'Key')) ?? '',
      size: intOf(c, 'Size') ?? 0,
      etag: unquoteEtag(textOf(c, 'ETag') ?? '').toUpperCase(),
      lastModified: textOf(c, 'LastModified'),
      storageClass: textOf(c, 'StorageClass'),
      type: textOf(c, 'Type'),
    })),
    prefixes: listOf(root, 'CommonPrefixes').map((p) => dec(textOf(p, 'Prefix')) ?? ''),
    isTruncated: boolOf(root, 'IsTruncated') ?? false,
    nextMarker: dec(textOf(root, 'NextMarker')) || undefined,
    nextContinuationToken: dec(textOf(root, 'NextContinuationToken')) || undefined,
  };
}

export function parseListBuckets(text: string): BucketSummary[] {
  const root = rootOf(parseXml(text), 'ListAllMyBucketsResult');
  const buckets = objectOf(root, 'Buckets');
  return (buckets ? listOf(buckets, 'Bucket') : []).map((b) => ({
    name: textOf(b, 'Name') ?? '', location: textOf(b, 'Location'), creationDate: textOf(b, 'CreationDate'), region: textOf(b, 'Region'),
  }));
}

export function buildCreateBucket(storageClass: string): string {
  return buildXml('CreateBucketConfiguration', { StorageClass: storageClass });
}

/** The ETag of a CopyObjectResult document, if the body is one. */
export function parseCopyResult(text: string): string | undefined {
  if (!text.trim()) return undefined;
  try {
    return textOf(rootOf(parseXml(text), 'CopyObjectResult'), 'ETag');
  } catch {
    return undefined;
  }
}
