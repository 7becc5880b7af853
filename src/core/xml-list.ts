/**
 * Listing documents: ListBucketResult (ListObjects V1 and V2) and ListAllMyBucketsResult (ListBuckets).
 * Same conventions as xml-multipart.ts: unquoted ETags, url-encoded fields handled both ways.
 */
import { quoteEtag, unquoteEtag } from './etag.js';
import {
  boolOf,
  buildXml,
  intOf,
  listOf,
  objectOf,
  parseXml,
  REPEATABLE,
  requireText,
  rootOf,
  textOf,
} from './xml-core.js';
import type { XmlObject } from './xml-core.js';
import { decodeField, encodeField, missing } from './xml-multipart.js';
import { scanXml } from './xml-scan.js';

/** Bucket or object owner. */
export interface Owner {
  id: string;
  displayName: string;
}

/** One object in a listing. */
export interface ObjectSummary {
  key: string;
  /** ISO-8601. */
  lastModified: string;
  /** Unquoted. */
  etag: string;
  /** Normal | Multipart | Appendable | Symlink. */
  type: string;
  size: number;
  storageClass: string;
  owner?: Owner;
}

/** One page of ListObjects; listType 2 is ListObjectsV2. */
export interface ListBucketResult {
  listType: 1 | 2;
  name: string;
  prefix: string;
  maxKeys: number;
  delimiter: string;
  isTruncated: boolean;
  encodingType?: string;
  /** V1 only. */
  marker?: string;
  /** V1 only, when truncated. */
  nextMarker?: string;
  /** V2 only. */
  continuationToken?: string;
  /** V2 only, when truncated. */
  nextContinuationToken?: string;
  /** V2 only. */
  startAfter?: string;
  /** V2 only: Contents plus CommonPrefixes on this page. */
  keyCount?: number;
  contents: ObjectSummary[];
  commonPrefixes: string[];
}

/** Builds a ListBucketResult document (V1 or V2 element set per listType). */
export function buildListBucketResult(r: ListBucketResult): string {
  const enc = (v: string | undefined) => (v === undefined ? undefined : encodeField(v, r.encodingType));
  const contents = r.contents.map((o) => ({
    Key: enc(o.key),
    LastModified: o.lastModified,
    ETag: quoteEtag(o.etag),
    Type: o.type,
    Size: o.size,
    StorageClass: o.storageClass,
    Owner: o.owner ? { ID: o.owner.id, DisplayName: o.owner.displayName } : undefined,
  }));
  const commonPrefixes = r.commonPrefixes.map((p) => ({ Prefix: enc(p) }));
  if (r.listType === 2) {
    return buildXml('ListBucketResult', {
      Name: r.name,
      Prefix: enc(r.prefix),
      ContinuationToken: enc(r.continuationToken),
      StartAfter: enc(r.startAfter),
      MaxKeys: r.maxKeys,
      Delimiter: enc(r.delimiter),
      EncodingType: r.encodingType,
      IsTruncated: r.isTruncated,
      NextContinuationToken: enc(r.nextContinuationToken),
      KeyCount: r.keyCount ?? r.contents.length + r.commonPrefixes.length,
      Contents: contents,
      CommonPrefixes: commonPrefixes,
    });
  }
  return buildXml('ListBucketResult', {
    Name: r.name,
    Prefix: enc(r.prefix),
    Marker: enc(r.marker ?? ''),
    MaxKeys: r.maxKeys,
    Delimiter: enc(r.delimiter),
    EncodingType: r.encodingType,
    IsTruncated: r.isTruncated,
    NextMarker: enc(r.nextMarker),
    Contents: contents,
    CommonPrefixes: commonPrefixes,
  });
}

function parseObjectSummary(o: XmlObject, encodingType?: string): ObjectSummary {
  const owner = objectOf(o, 'Owner');
  return {
    key: decodeField(requireText(o, 'Key', 'Contents'), encodingType),
    lastModified: textOf(o, 'LastModified') ?? '',
    etag: unquoteEtag(textOf(o, 'ETag') ?? ''),
    type: textOf(o, 'Type') ?? '',
    size: intOf(o, 'Size') ?? missing('Size', 'Contents'),
    storageClass: textOf(o, 'StorageClass') ?? '',
    ...(owner ? { owner: { id: textOf(owner, 'ID') ?? '', displayName: textOf(owner, 'DisplayName') ?? '' } } : {}),
  };
}

/**
 * Parses a ListBucketResult; V2 is recognised by KeyCount / continuation elements. A listing page is read in one
 * pass (xml-scan.ts); what that reader does not take goes through parseXml, errors and all.
 */
export function parseListBucketResult(text: string): ListBucketResult {
  return listBucketResultOf(scanXml(text, REPEATABLE) ?? parseXml(text));
}

/** A parsed ListBucketResult document's fields (exported for the tests that hold the two readers side by side). */
export function listBucketResultOf(doc: XmlObject): ListBucketResult {
  const root = rootOf(doc, 'ListBucketResult');
  const encodingType = textOf(root, 'EncodingType');
  const dec = (v: string | undefined) => (v === undefined ? undefined : decodeField(v, encodingType));
  const isV2 =
    root.KeyCount !== undefined ||
    root.ContinuationToken !== undefined ||
    root.NextContinuationToken !== undefined ||
    root.StartAfter !== undefined;
  const base = {
    name: textOf(root, 'Name') ?? '',
    prefix: dec(textOf(root, 'Prefix')) ?? '',
    maxKeys: intOf(root, 'MaxKeys') ?? 0,
    delimiter: dec(textOf(root, 'Delimiter')) ?? '',
    isTruncated: boolOf(root, 'IsTruncated') ?? false,
    ...(encodingType !== undefined ? { encodingType } : {}),
    contents: listOf(root, 'Contents').map((o) => parseObjectSummary(o, encodingType)),
    commonPrefixes: listOf(root, 'CommonPrefixes').map((p) => dec(textOf(p, 'Prefix')) ?? ''),
  };
  const optional = (k: string, v: string | number | undefined) => (v === undefined ? {} : { [k]: v });
  if (isV2) {
    return {
      listType: 2,
      ...base,
      ...optional('continuationToken', dec(textOf(root, 'ContinuationToken'))),
      ...optional('nextContinuationToken', dec(textOf(root, 'NextContinuationToken'))),
      ...optional('startAfter', dec(textOf(root, 'StartAfter'))),
      ...optional('keyCount', intOf(root, 'KeyCount')),
    };
  }
  return {
    listType: 1,
    ...base,
    marker: dec(textOf(root, 'Marker')) ?? '',
    ...optional('nextMarker', dec(textOf(root, 'NextMarker'))),
  };
}

/** One bucket in ListBuckets. */
export interface BucketSummary {
  name: string;
  /** ISO-8601. */
  creationDate: string;
  /** e.g. oss-cn-hangzhou. */
  location: string;
  storageClass: string;
  extranetEndpoint?: string;
  intranetEndpoint?: string;
  /** e.g. cn-hangzhou. */
  region?: string;
}

/** Response of ListBuckets. */
export interface ListAllMyBucketsResult {
  owner: Owner;
  buckets: BucketSummary[];
  prefix?: string;
  marker?: string;
  maxKeys?: number;
  isTruncated?: boolean;
  nextMarker?: string;
}

/** Builds a ListAllMyBucketsResult document. */
export function buildListAllMyBucketsResult(r: ListAllMyBucketsResult): string {
  return buildXml('ListAllMyBucketsResult', {
    Prefix: r.prefix,
    Marker: r.marker,
    MaxKeys: r.maxKeys,
    IsTruncated: r.isTruncated,
    NextMarker: r.nextMarker,
    Owner: { ID: r.owner.id, DisplayName: r.owner.displayName },
    Buckets: {
      Bucket: r.buckets.map((b) => ({
        CreationDate: b.creationDate,
        ExtranetEndpoint: b.extranetEndpoint,
        IntranetEndpoint: b.intranetEndpoint,
        Location: b.location,
        Name: b.name,
        Region: b.region,
        StorageClass: b.storageClass,
      })),
    },
  });
}

/** Parses a ListAllMyBucketsResult document. */
export function parseListAllMyBucketsResult(text: string): ListAllMyBucketsResult {
  const root = rootOf(parseXml(text), 'ListAllMyBucketsResult');
  const owner = objectOf(root, 'Owner');
  const buckets = objectOf(root, 'Buckets');
  const result: ListAllMyBucketsResult = {
    owner: {
      id: owner ? (textOf(owner, 'ID') ?? '') : '',
      displayName: owner ? (textOf(owner, 'DisplayName') ?? '') : '',
    },
    buckets: (buckets ? listOf(buckets, 'Bucket') : []).map((b) => {
      const summary: BucketSummary = {
        name: requireText(b, 'Name', 'Bucket'),
        creationDate: textOf(b, 'CreationDate') ?? '',
        location: textOf(b, 'Location') ?? '',
        storageClass: textOf(b, 'StorageClass') ?? '',
      };
      const ext = textOf(b, 'ExtranetEndpoint');
      const int = textOf(b, 'IntranetEndpoint');
      const region = textOf(b, 'Region');
      if (ext !== undefined) summary.extranetEndpoint = ext;
      if (int !== undefined) summary.intranetEndpoint = int;
      if (region !== undefined) summary.region = region;
      return summary;
    }),
  };
  const prefix = textOf(root, 'Prefix');
  const marker = textOf(root, 'Marker');
  const maxKeys = intOf(root, 'MaxKeys');
  const isTruncated = boolOf(root, 'IsTruncated');
  const nextMarker = textOf(root, 'NextMarker');
  if (prefix !== undefined) result.prefix = prefix;
  if (marker !== undefined) result.marker = marker;
  if (maxKeys !== undefined) result.maxKeys = maxKeys;
  if (isTruncated !== undefined) result.isTruncated = isTruncated;
  if (nextMarker !== undefined) result.nextMarker = nextMarker;
  return result;
}
