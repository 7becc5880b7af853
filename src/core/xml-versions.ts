/**
 * Versioning documents: VersioningConfiguration (Put/GetBucketVersioning) and ListVersionsResult
 * (ListObjectVersions, `GET /?versions`), element names as in Alibaba's Go SDK v2 (api_op_bucket_versioning.go).
 * Same conventions as xml-list.ts: unquoted ETags, url-encoded fields handled both ways.
 */
import { quoteEtag, unquoteEtag } from './etag.js';
import { compareUtf8 } from './key-order.js';
import { XmlError } from './errors.js';
import { boolOf, buildXml, intOf, listOf, parseXml, requireText, rootOf, textOf } from './xml-core.js';
import type { XmlObject } from './xml-core.js';
import type { Owner } from './xml-list.js';
import { decodeField, encodeField } from './xml-multipart.js';

/** A bucket's versioning state: undefined for a bucket never versioned (no <Status>). */
export type VersioningState = 'Enabled' | 'Suspended' | undefined;

export function buildVersioningConfiguration(status: VersioningState): string {
  return buildXml('VersioningConfiguration', status ? { Status: status } : {});
}

/** Parses a VersioningConfiguration; a Status other than Enabled or Suspended is an XmlError. */
export function parseVersioningConfiguration(text: string): VersioningState {
  const status = textOf(rootOf(parseXml(text), 'VersioningConfiguration'), 'Status');
  if (status === undefined || status === '') return undefined;
  if (status !== 'Enabled' && status !== 'Suspended') throw new XmlError(`<Status> must be Enabled or Suspended`);
  return status;
}

/** One version (or delete marker) in a listing. */
export interface ObjectVersionSummary {
  key: string;
  versionId: string;
  isLatest: boolean;
  /** ISO-8601. */
  lastModified: string;
  /** True for a delete marker (no etag, size, type or storage class). */
  deleteMarker: boolean;
  /** Unquoted; '' for a delete marker. */
  etag: string;
  type: string;
  size: number;
  storageClass: string;
  owner?: Owner;
}

/** One page of ListObjectVersions. */
export interface ListVersionsResult {
  name: string;
  prefix: string;
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
  delimiter: string;
  isTruncated: boolean;
  encodingType?: string;
  /** When truncated. */
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
  /** Versions and delete markers in listing order (by key, newest first). */
  versions: ObjectVersionSummary[];
  commonPrefixes: string[];
}

export function buildListVersionsResult(r: ListVersionsResult): string {
  const enc = (v: string | undefined) => (v === undefined ? undefined : encodeField(v, r.encodingType));
  const owner = (o?: Owner) => (o ? { ID: o.id, DisplayName: o.displayName } : undefined);
  const entry = (v: ObjectVersionSummary) =>
    v.deleteMarker
      ? {
          Key: enc(v.key),
          VersionId: v.versionId,
          IsLatest: v.isLatest,
          LastModified: v.lastModified,
          Owner: owner(v.owner),
        }
      : {
          Key: enc(v.key),
          VersionId: v.versionId,
          IsLatest: v.isLatest,
          LastModified: v.lastModified,
          ETag: quoteEtag(v.etag),
          Type: v.type,
          Size: v.size,
          StorageClass: v.storageClass,
          Owner: owner(v.owner),
        };
  return buildXml('ListVersionsResult', {
    Name: r.name,
    Prefix: enc(r.prefix),
    KeyMarker: enc(r.keyMarker),
    VersionIdMarker: r.versionIdMarker,
    MaxKeys: r.maxKeys,
    Delimiter: enc(r.delimiter),
    EncodingType: r.encodingType,
    IsTruncated: r.isTruncated,
    NextKeyMarker: enc(r.nextKeyMarker),
    NextVersionIdMarker: r.nextVersionIdMarker,
    DeleteMarker: r.versions.filter((v) => v.deleteMarker).map(entry),
    Version: r.versions.filter((v) => !v.deleteMarker).map(entry),
    CommonPrefixes: r.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

function parseVersion(o: XmlObject, deleteMarker: boolean, encodingType?: string): ObjectVersionSummary {
  const owner = o.Owner as XmlObject | undefined;
  return {
    key: decodeField(requireText(o, 'Key', 'Version'), encodingType),
    versionId: textOf(o, 'VersionId') ?? 'null',
    isLatest: boolOf(o, 'IsLatest') ?? false,
    lastModified: textOf(o, 'LastModified') ?? '',
    deleteMarker,
    etag: deleteMarker ? '' : unquoteEtag(textOf(o, 'ETag') ?? ''),
    type: textOf(o, 'Type') ?? '',
    size: intOf(o, 'Size') ?? 0,
    storageClass: textOf(o, 'StorageClass') ?? '',
    ...(owner && typeof owner === 'object'
      ? { owner: { id: textOf(owner, 'ID') ?? '', displayName: textOf(owner, 'DisplayName') ?? '' } }
      : {}),
  };
}

/** Parses a ListVersionsResult; versions and delete markers are merged back in key order, newest first. */
export function parseListVersionsResult(text: string): ListVersionsResult {
  const root = rootOf(parseXml(text), 'ListVersionsResult');
  const encodingType = textOf(root, 'EncodingType') || undefined;
  const dec = (v: string | undefined) => (v === undefined ? undefined : decodeField(v, encodingType));
  const versions = [
    ...listOf(root, 'Version').map((o) => parseVersion(o, false, encodingType)),
    ...listOf(root, 'DeleteMarker').map((o) => parseVersion(o, true, encodingType)),
  ].sort((a, b) => compareUtf8(a.key, b.key) || b.lastModified.localeCompare(a.lastModified));
  const nextKeyMarker = dec(textOf(root, 'NextKeyMarker'));
  const nextVersionIdMarker = textOf(root, 'NextVersionIdMarker');
  return {
    name: textOf(root, 'Name') ?? '',
    prefix: dec(textOf(root, 'Prefix')) ?? '',
    keyMarker: dec(textOf(root, 'KeyMarker')) ?? '',
    versionIdMarker: textOf(root, 'VersionIdMarker') ?? '',
    maxKeys: intOf(root, 'MaxKeys') ?? 0,
    delimiter: dec(textOf(root, 'Delimiter')) ?? '',
    isTruncated: boolOf(root, 'IsTruncated') ?? false,
    ...(encodingType ? { encodingType } : {}),
    ...(nextKeyMarker ? { nextKeyMarker } : {}),
    ...(nextVersionIdMarker ? { nextVersionIdMarker } : {}),
    versions,
    commonPrefixes: listOf(root, 'CommonPrefixes').map((c) => dec(textOf(c, 'Prefix')) ?? ''),
  };
}
