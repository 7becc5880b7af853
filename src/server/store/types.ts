// Records the store persists as JSON. Field names are the on-disk format: change them only with a migration.

export type BucketAcl = 'private' | 'public-read' | 'public-read-write';
export type ObjectAcl = 'default' | BucketAcl;

export interface BucketRecord {
  name: string;
  created: number; // ms since epoch
  acl: BucketAcl;
  storageClass: string;
}

/** Headers stored with an object and replayed on Get/Head. */
export interface StoredHeaders {
  contentType: string;
  contentDisposition?: string;
  cacheControl?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
}

/** One piece of an object's bytes: a blob file under blobs/<hh>/ holding `size` bytes. */
export interface Segment {
  blob: string;
  size: number;
}

/**
 * An object's bytes are either one blob (`blob`: every PutObject, and every record written before segments
 * existed) or, for a completed multipart upload, the ordered `segments` (its part blobs, linked in without a
 * copy). Exactly one of the two is present. Readers must accept both forever: old roots hold `blob` records.
 */
export interface ObjectRecord {
  key: string;
  blob?: string; // file name under blobs/<hh>/
  segments?: Segment[]; // in byte order; sizes sum to `size`
  size: number;
  etag: string; // upper hex, no quotes; multipart: "<hex>-<n>"
  crc64: string; // unsigned decimal
  contentMd5?: string; // base64, Normal objects only
  lastModified: number;
  type: 'Normal' | 'Multipart' | 'Appendable' | 'Symlink';
  storageClass: string;
  acl: ObjectAcl;
  headers: StoredHeaders;
  userMeta: Record<string, string>; // lower-case names without the x-oss-meta- prefix
  tagging?: string; // raw "A=1&B=2"
  sse?: SseSettings; // server-side encryption as requested (bytes are stored as sent)
  symlinkTarget?: string; // type Symlink: the target key in this bucket (the record has no bytes)
  restore?: { completesAt: number; expiresAt: number }; // RestoreObject of an archive-class object
  versionId?: string; // versioned buckets (versions.ts); absent or 'null': the null version
}

/** x-oss-server-side-encryption settings of an object. */
export interface SseSettings {
  algorithm: 'AES256' | 'KMS' | 'SM4';
  keyId?: string;
  dataEncryption?: 'SM4';
}

/** Object attributes fixed at Put or Initiate time (everything but the bytes and their digests). */
export type ObjectAttributes = Pick<ObjectRecord, 'storageClass' | 'acl' | 'headers' | 'userMeta' | 'tagging' | 'sse'>;

export interface UploadRecord {
  uploadId: string;
  key: string;
  initiated: number;
  attributes: ObjectAttributes;
}

/** A part as ListParts and Complete see it; stored as its blob's name (part-names.ts), or legacy JSON. */
export interface PartRecord {
  partNumber: number;
  blob: string; // file name under uploads/<id>/blobs/
  size: number;
  etag: string; // upper hex, no quotes
  crc64: string;
  lastModified: number;
}
