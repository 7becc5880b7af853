// What handlers ask of buckets and object records (as Azurite's IBlobMetadataStore), apart from the bytes
// (blob-store.ts). The file-system implementation is ObjectStore (objects.ts); handlers see only this.
import type { BucketConfigStore } from './bucket-config.js';
import type { IndexEntry } from './key-index.js';
import type { ListOptions, ListPage } from './listing.js';
import type { ObjectReader } from './segments.js';
import type { BucketAcl, BucketRecord, ObjectRecord } from './types.js';
import type { VersionedStore } from './versioned-reads.js';

/** What a DeleteObject did in a versioned bucket (x-oss-version-id, x-oss-delete-marker). */
export interface DeleteOutcome {
  /** The version removed, or the delete marker made; absent for a bucket that was never versioned. */
  versionId?: string;
  /** A delete marker was made, or the version removed was one. */
  deleteMarker?: boolean;
}

/** Thrown by commits that would replace an existing object under x-oss-forbid-overwrite. */
export class ObjectExistsError extends Error {}
/** Thrown by a commit whose `expect`ed current record is no longer current (AppendObject lost a race). */
export class ObjectChangedError extends Error {}

/** Thrown by a write whose bucket was deleted before it could commit (answered as NoSuchBucket). */
export class BucketGoneError extends Error {
  constructor(readonly bucket: string) {
    super(`bucket ${bucket} no longer exists`);
  }
}

export interface MetadataStore {
  /** CORS, lifecycle, logging, website and referer documents of each bucket. */
  readonly configs: BucketConfigStore;
  /** Versioning status and the versions of each key (versioned-reads.ts). */
  readonly versioned: VersionedStore;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  /** Every bucket, by name. */
  listBuckets(): Promise<BucketRecord[]>;
  /** Returns false when the bucket already existed (PutBucket is idempotent for its owner). */
  createBucket(name: string, acl: BucketAcl, storageClass: string): Promise<boolean>;
  setBucketAcl(name: string, acl: BucketAcl): Promise<void>;
  /** 'notEmpty' while objects or multipart uploads remain (`hasUploads` is asked under the bucket's lock). */
  deleteBucket(name: string, hasUploads: () => Promise<boolean>): Promise<'ok' | 'notEmpty'>;

  /** The current record (read-only: it may be shared with other callers). */
  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** The current record with its bytes held open: an overwrite or delete meanwhile defers removing them. */
  openObject(bucket: string, key: string): Promise<ObjectReader | undefined>;
  /**
   * The commit point: points the key at `rec`'s bytes (already durable). On failure `rec`'s bytes are removed
   * (but for those it shares with `expect`); ObjectExistsError under `forbidOverwrite`, ObjectChangedError when
   * the current record is not `expect` (null: no object), BucketGoneError if the bucket went away.
   */
  commitObject(
    bucket: string,
    rec: ObjectRecord,
    opts?: { forbidOverwrite?: boolean; expect?: ObjectRecord | null },
  ): Promise<void>;
  /** Rewrites an object's metadata (not its bytes) under the key's lock; false if the key does not exist. */
  updateObject(bucket: string, key: string, change: (rec: ObjectRecord) => ObjectRecord): Promise<boolean>;
  /**
   * Removes the key and, once no reader holds them, its bytes; a missing key is not an error. In a versioned
   * bucket a delete marker becomes the latest version instead; `versionId` removes that one version for good.
   * `now` dates a delete marker.
   */
  deleteObject(bucket: string, key: string, o?: { versionId?: string; now?: number }): Promise<DeleteOutcome>;
  /** The listing fields of every object in the bucket (GetBucketStat, the lifecycle sweep): a copy, in no set order. */
  bucketEntries(bucket: string): Promise<IndexEntry[]>;
  /** One ListObjects page, in UTF-8 byte order. */
  list(bucket: string, o: ListOptions): Promise<ListPage>;
}
