/**
 * Multipart-upload documents. Convention for every typed document: ETags are unquoted in the objects
 * (builders add the quotes, parsers strip them), and with encodingType 'url' the builder percent-encodes the
 * fields OSS encodes while the parser decodes them, so callers always see plain keys.
 */
import { parseCrc64 } from './crc64.js';
import { decodeUrlField, encodeUrlField } from './encode.js';
import { XmlError } from './errors.js';
import { quoteEtag, unquoteEtag } from './etag.js';
import { boolOf, buildXml, intOf, listOf, parseXml, requireText, rootOf, textOf } from './xml-core.js';
import type { XmlObject } from './xml-core.js';

/** Encodes a field when encoding-type=url applies. */
export function encodeField(value: string, encodingType?: string): string {
  return encodingType === 'url' ? encodeUrlField(value) : value;
}

/** Decodes a field when the document declared <EncodingType>url</EncodingType>. */
export function decodeField(value: string, encodingType?: string): string {
  return encodingType === 'url' ? decodeUrlField(value) : value;
}

/** Response of InitiateMultipartUpload. */
export interface InitiateMultipartUploadResult {
  bucket: string;
  key: string;
  uploadId: string;
  /** 'url' when keys are percent-encoded on the wire. */
  encodingType?: string;
}

/** Builds an InitiateMultipartUploadResult document. */
export function buildInitiateMultipartUploadResult(r: InitiateMultipartUploadResult): string {
  return buildXml('InitiateMultipartUploadResult', {
    Bucket: r.bucket,
    Key: encodeField(r.key, r.encodingType),
    UploadId: r.uploadId,
    EncodingType: r.encodingType,
  });
}

/** Parses an InitiateMultipartUploadResult document. */
export function parseInitiateMultipartUploadResult(text: string): InitiateMultipartUploadResult {
  const root = rootOf(parseXml(text), 'InitiateMultipartUploadResult');
  const encodingType = textOf(root, 'EncodingType');
  return {
    bucket: requireText(root, 'Bucket', 'InitiateMultipartUploadResult'),
    key: decodeField(requireText(root, 'Key', 'InitiateMultipartUploadResult'), encodingType),
    uploadId: requireText(root, 'UploadId', 'InitiateMultipartUploadResult'),
    ...(encodingType !== undefined ? { encodingType } : {}),
  };
}

/** One part in a CompleteMultipartUpload request body. */
export interface CompletePart {
  partNumber: number;
  /** Unquoted ETag as sent (case preserved). */
  etag: string;
}

/** Builds the CompleteMultipartUpload request body (ETags quoted; the builder escapes the quotes). */
export function buildCompleteMultipartUpload(parts: readonly CompletePart[]): string {
  return buildXml('CompleteMultipartUpload', {
    Part: parts.map((p) => ({ PartNumber: p.partNumber, ETag: quoteEtag(p.etag) })),
  });
}

/**
 * Parses a CompleteMultipartUpload body in the order sent. Entities (&#34; &quot;) are decoded and quotes
 * stripped. Order, range and existence rules are the server's to apply; only shape is checked here.
 */
export function parseCompleteMultipartUpload(text: string): CompletePart[] {
  const root = rootOf(parseXml(text), 'CompleteMultipartUpload');
  return listOf(root, 'Part').map((part) => {
    const n = requireText(part, 'PartNumber', 'Part').trim();
    if (!/^[0-9]{1,9}$/.test(n)) throw new XmlError(`<PartNumber> is not an integer: ${JSON.stringify(n)}`);
    return { partNumber: Number(n), etag: unquoteEtag(requireText(part, 'ETag', 'Part')) };
  });
}

/** Response of CompleteMultipartUpload. */
export interface CompleteMultipartUploadResult {
  location: string;
  bucket: string;
  key: string;
  /** Unquoted, e.g. 1C787C506EABFB9B45EAAA8DB039F4B2-2. */
  etag: string;
  encodingType?: string;
}

/** Builds a CompleteMultipartUploadResult document. */
export function buildCompleteMultipartUploadResult(r: CompleteMultipartUploadResult): string {
  return buildXml('CompleteMultipartUploadResult', {
    EncodingType: r.encodingType,
    Location: r.location,
    Bucket: r.bucket,
    Key: encodeField(r.key, r.encodingType),
    ETag: quoteEtag(r.etag),
  });
}

/** Parses a CompleteMultipartUploadResult document. */
export function parseCompleteMultipartUploadResult(text: string): CompleteMultipartUploadResult {
  const root = rootOf(parseXml(text), 'CompleteMultipartUploadResult');
  const encodingType = textOf(root, 'EncodingType');
  return {
    location: textOf(root, 'Location') ?? '',
    bucket: requireText(root, 'Bucket', 'CompleteMultipartUploadResult'),
    key: decodeField(requireText(root, 'Key', 'CompleteMultipartUploadResult'), encodingType),
    etag: unquoteEtag(requireText(root, 'ETag', 'CompleteMultipartUploadResult')),
    ...(encodingType !== undefined ? { encodingType } : {}),
  };
}

/** One uploaded part as ListParts reports it. */
export interface PartSummary {
  partNumber: number;
  /** ISO-8601, e.g. 2012-02-23T07:01:34.000Z. */
  lastModified: string;
  /** Unquoted upper-case hex MD5. */
  etag: string;
  size: number;
  /** CRC-64 of the part, when the server reports it. */
  hashCrc64ecma?: bigint;
}

/** Response of ListParts (one page). */
export interface ListPartsResult {
  bucket: string;
  key: string;
  uploadId: string;
  partNumberMarker: number;
  nextPartNumberMarker: number;
  maxParts: number;
  isTruncated: boolean;
  encodingType?: string;
  /** The storage class the completed object will have. */
  storageClass?: string;
  /** A client-side-encrypted upload's envelope by element name (ClientEncryptionKey, ClientEncryptionStart, ...). */
  clientEncryption?: Record<string, string>;
  parts: PartSummary[];
}

/** Builds a ListPartsResult document. */
export function buildListPartsResult(r: ListPartsResult): string {
  return buildXml('ListPartsResult', {
    Bucket: r.bucket,
    EncodingType: r.encodingType,
    Key: encodeField(r.key, r.encodingType),
    UploadId: r.uploadId,
    PartNumberMarker: r.partNumberMarker,
    NextPartNumberMarker: r.nextPartNumberMarker,
    MaxParts: r.maxParts,
    IsTruncated: r.isTruncated,
    StorageClass: r.storageClass,
    ...r.clientEncryption,
    Part: r.parts.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: p.lastModified,
      ETag: quoteEtag(p.etag),
      Size: p.size,
      HashCrc64ecma: p.hashCrc64ecma,
    })),
  });
}

function parsePartSummary(p: XmlObject): PartSummary {
  const crc = textOf(p, 'HashCrc64ecma');
  return {
    partNumber: intOf(p, 'PartNumber') ?? missing('PartNumber', 'Part'),
    lastModified: textOf(p, 'LastModified') ?? '',
    etag: unquoteEtag(requireText(p, 'ETag', 'Part')),
    size: intOf(p, 'Size') ?? missing('Size', 'Part'),
    ...(crc !== undefined && crc.trim() !== '' ? { hashCrc64ecma: parseCrc64Xml(crc.trim()) } : {}),
  };
}

/** Parses a ListPartsResult document. */
export function parseListPartsResult(text: string): ListPartsResult {
  const root = rootOf(parseXml(text), 'ListPartsResult');
  const encodingType = textOf(root, 'EncodingType');
  const storageClass = textOf(root, 'StorageClass');
  return {
    bucket: textOf(root, 'Bucket') ?? '',
    key: decodeField(textOf(root, 'Key') ?? '', encodingType),
    uploadId: textOf(root, 'UploadId') ?? '',
    partNumberMarker: intOf(root, 'PartNumberMarker') ?? 0,
    nextPartNumberMarker: intOf(root, 'NextPartNumberMarker') ?? 0,
    maxParts: intOf(root, 'MaxParts') ?? 0,
    isTruncated: boolOf(root, 'IsTruncated') ?? false,
    ...(encodingType !== undefined ? { encodingType } : {}),
    ...(storageClass !== undefined ? { storageClass } : {}),
    parts: listOf(root, 'Part').map(parsePartSummary),
  };
}

/** An in-progress upload as ListMultipartUploads reports it. */
export interface UploadSummary {
  key: string;
  uploadId: string;
  /** ISO-8601. */
  initiated: string;
}

/** Response of ListMultipartUploads (one page). */
export interface ListMultipartUploadsResult {
  bucket: string;
  keyMarker: string;
  uploadIdMarker: string;
  nextKeyMarker: string;
  nextUploadIdMarker: string;
  delimiter: string;
  prefix: string;
  maxUploads: number;
  isTruncated: boolean;
  encodingType?: string;
  uploads: UploadSummary[];
  commonPrefixes: string[];
}

/** Builds a ListMultipartUploadsResult document. */
export function buildListMultipartUploadsResult(r: ListMultipartUploadsResult): string {
  const enc = (v: string) => encodeField(v, r.encodingType);
  return buildXml('ListMultipartUploadsResult', {
    Bucket: r.bucket,
    EncodingType: r.encodingType,
    KeyMarker: enc(r.keyMarker),
    UploadIdMarker: r.uploadIdMarker,
    NextKeyMarker: enc(r.nextKeyMarker),
    NextUploadIdMarker: r.nextUploadIdMarker,
    Delimiter: enc(r.delimiter),
    Prefix: enc(r.prefix),
    MaxUploads: r.maxUploads,
    IsTruncated: r.isTruncated,
    Upload: r.uploads.map((u) => ({ Key: enc(u.key), UploadId: u.uploadId, Initiated: u.initiated })),
    CommonPrefixes: r.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

/** Parses a ListMultipartUploadsResult document. */
export function parseListMultipartUploadsResult(text: string): ListMultipartUploadsResult {
  const root = rootOf(parseXml(text), 'ListMultipartUploadsResult');
  const encodingType = textOf(root, 'EncodingType');
  const dec = (v: string | undefined) => decodeField(v ?? '', encodingType);
  return {
    bucket: textOf(root, 'Bucket') ?? '',
    keyMarker: dec(textOf(root, 'KeyMarker')),
    uploadIdMarker: textOf(root, 'UploadIdMarker') ?? '',
    nextKeyMarker: dec(textOf(root, 'NextKeyMarker')),
    nextUploadIdMarker: textOf(root, 'NextUploadIdMarker') ?? '',
    delimiter: dec(textOf(root, 'Delimiter')),
    prefix: dec(textOf(root, 'Prefix')),
    maxUploads: intOf(root, 'MaxUploads') ?? 0,
    isTruncated: boolOf(root, 'IsTruncated') ?? false,
    ...(encodingType !== undefined ? { encodingType } : {}),
    uploads: listOf(root, 'Upload').map((u) => ({
      key: dec(requireText(u, 'Key', 'Upload')),
      uploadId: requireText(u, 'UploadId', 'Upload'),
      initiated: textOf(u, 'Initiated') ?? '',
    })),
    commonPrefixes: listOf(root, 'CommonPrefixes').map((p) => dec(textOf(p, 'Prefix'))),
  };
}

/** Throws the XmlError for a missing required element (typed `never` so it fits in `??`). */
export function missing(name: string, context: string): never {
  throw new XmlError(`<${context}> lacks <${name}>`);
}

function parseCrc64Xml(s: string): bigint {
  try {
    return parseCrc64(s);
  } catch (err) {
    throw new XmlError(`<HashCrc64ecma> is not a CRC-64: ${JSON.stringify(s)}`, { cause: err });
  }
}
