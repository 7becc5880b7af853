// The metadata store: buckets, object records, the key index. The object's metadata file is its commit point: it
// is renamed into place only after the blob it names is complete and durable (blob-store.ts), so a reader (or a
// restart after SIGKILL) never sees a partial object.
import { readdir, rm, rename, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Layout } from './layout.js';
import { checkNoLinks } from './links.js';
import { entryOf, type IndexEntry, type KeyIndex } from './key-index.js';
import { listIndex, type ListOptions, type ListPage } from './listing.js';
import { BucketIndexes } from './bucket-indexes.js';
import { FsBlobStore } from './blob-store.js';
import { BucketConfigs } from './bucket-config.js';
import { RecordCache, recordId, type CachedRecord } from './record-cache.js';
import { ObjectReader, bytesFields, segmentsOf } from './segments.js';
import {
  ensureDir,
  ensureDirBelow,
  fsyncDir,
  isNotFound,
  isProcessAlive,
  READ_NOFOLLOW,
  randomName,
  readJson,
  unlinkQuiet,
  writeFileAtomic,
} from '../../io/fs.js';
import { KeyedMutex, SharedLock } from './keyed-mutex.js';
import {
  BucketGoneError,
  ObjectChangedError,
  ObjectExistsError,
  type DeleteOutcome,
  type MetadataStore,
} from './metadata-store.js';
import type { BucketAcl, BucketRecord, ObjectRecord } from './types.js';
import { VersionArea, type VersioningStatus } from './versions.js';
import * as versioned from './versioned.js';
import { VersionedObjects } from './versioned-reads.js';

export type { ListOptions, ListPage };

export { BucketGoneError, ObjectChangedError, ObjectExistsError };

export class ObjectStore implements MetadataStore {
  readonly layout: Layout;
  private readonly startedAt = Date.now();
  private bucketCache = new Map<string, BucketRecord | null>();
  private readonly indexes: BucketIndexes;
  private readonly records = new RecordCache();
  readonly configs: BucketConfigs = new BucketConfigs(this);
  readonly locks = new KeyedMutex();
  /** Per bucket: every write into it holds this shared, DeleteBucket exclusively (see inBucket). */
  readonly bucketLocks = new SharedLock();
  /** The bytes: every write into a bucket goes through inBucket, with the bucket's index loaded first. */
  readonly blobs: FsBlobStore;
  /** Noncurrent versions and delete markers of versioned buckets. */
  readonly versions: VersionArea;
  readonly versioned: VersionedObjects = new VersionedObjects(this);

  constructor(root: string) {
    this.layout = new Layout(root);
    this.versions = new VersionArea(this.layout);
    this.indexes = new BucketIndexes(this.layout, async (bucket, referenced) => {
      await this.versions.addReferenced(bucket, referenced);
      await this.blobs.sweepOrphans(bucket, referenced, this.startedAt - 1000);
    });
    this.blobs = new FsBlobStore(this.layout, (bucket, fn) =>
      this.inBucket(bucket, async () => {
        // Index first: its orphan sweep must not see new blobs (links keep their sources' old mtimes) before commit.
        await this.index(bucket);
        return fn();
      }),
    );
  }

  async init(): Promise<void> {
    await checkNoLinks(this.layout.root);
    // Temp files of a process that is gone belong to requests that died with it: never visible, safe to drop.
    // A clean close removes its temp dir, so finding one means that process crashed: it may have left blobs no
    // record names (a body renamed in, a Complete's links), and saved index snapshots cannot say which.
    for (const name of await readdir(this.layout.tmpRoot).catch(() => [] as string[])) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (!pid || !isProcessAlive(pid)) {
        this.indexes.afterCrash = true;
        await rm(join(this.layout.tmpRoot, name), { recursive: true, force: true });
      }
    }
    await ensureDir(this.layout.tmp);
    await ensureDir(this.layout.buckets);
    await ensureDir(this.layout.serverDir);
  }

  // ---- buckets ----

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const cached = this.bucketCache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const rec = await readJson<BucketRecord>(this.layout.bucketFile(name));
    this.bucketCache.set(name, rec ?? null);
    return rec;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const names = await readdir(this.layout.buckets).catch(() => [] as string[]);
    const out: BucketRecord[] = [];
    for (const n of names.sort()) {
      const b = await this.getBucket(n);
      if (b) out.push(b);
    }
    return out;
  }

  /** Returns false when the bucket already existed (PutBucket is idempotent for its owner). */
  async createBucket(name: string, acl: BucketAcl, storageClass: string): Promise<boolean> {
    return this.bucketLocks.exclusive(name, async () => {
      if (await this.getBucket(name)) return false;
      const dir = this.layout.bucket(name);
      await ensureDir(dir);
      const rec: BucketRecord = { name, created: Date.now(), acl, storageClass };
      await writeFileAtomic(this.layout.tmp, this.layout.bucketFile(name), JSON.stringify(rec), dir);
      await fsyncDir(this.layout.buckets);
      this.bucketCache.set(name, rec);
      return true;
    });
  }

  async setBucketAcl(name: string, acl: BucketAcl): Promise<void> {
    await this.inBucket(name, async (rec) => {
      const next = { ...rec, acl };
      await writeFileAtomic(
        this.layout.tmp,
        this.layout.bucketFile(name),
        JSON.stringify(next),
        this.layout.bucket(name),
      );
      this.bucketCache.set(name, next);
    });
  }

  /**
   * Runs a write into `bucket` while the bucket is held shared: it exists throughout (BucketGoneError otherwise),
   * and DeleteBucket waits for the write to finish. So a write racing a DeleteBucket either commits first (and the
   * delete finds the bucket not empty) or finds the bucket gone; it never lands in a deleted bucket.
   */
  inBucket<T>(bucket: string, fn: (rec: BucketRecord) => Promise<T>): Promise<T> {
    return this.bucketLocks.shared(bucket, async () => {
      const rec = await this.getBucket(bucket);
      if (!rec) throw new BucketGoneError(bucket);
      return fn(rec);
    });
  }

  /** `mkdir -p` of a directory inside the bucket that never recreates the bucket itself. */
  ensureBucketDir(bucket: string, dir: string): Promise<void> {
    return ensureDirBelow(this.layout.bucket(bucket), dir);
  }

  /** 'notEmpty' while objects or multipart uploads remain (`hasUploads` is asked under the bucket's lock). */
  async deleteBucket(name: string, hasUploads: () => Promise<boolean>): Promise<'ok' | 'notEmpty'> {
    return this.bucketLocks.exclusive(name, async () => {
      const index = await this.index(name);
      if (index.size > 0 || (await this.versions.any(name)) || (await hasUploads())) return 'notEmpty';
      // Rename away first so the bucket disappears atomically, then remove at leisure.
      const grave = join(this.layout.tmp, `bucket-${randomName()}`);
      await rename(this.layout.bucket(name), grave);
      this.bucketCache.set(name, null);
      this.indexes.drop(name);
      this.versions.drop(name);
      await fsyncDir(this.layout.buckets);
      await rm(grave, { recursive: true, force: true });
      return 'ok';
    });
  }

  // ---- objects ----

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return (await this.readRecord(bucket, key))?.rec;
  }

  /** The record with its identity and blob paths; callers must treat the record as read-only (see RecordCache). */
  private readRecord(bucket: string, key: string): Promise<CachedRecord | undefined> {
    return this.records.read(this.layout.metaFile(bucket, key), (rec) => this.blobs.pathsOf(bucket, rec));
  }

  /**
   * Opens the object's bytes for reading. Every blob of the record is registered with `refs` before the record is
   * confirmed current, so an overwrite or delete committed after that point defers its unlinks until the reader
   * closes; if the record changed meanwhile, start again with the new one. The first segment is opened here (a
   * single-blob object stays readable even if another process on the root replaces it); the rest when reached.
   */
  async openObject(bucket: string, key: string): Promise<ObjectReader | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const read = await this.readRecord(bucket, key);
      if (!read) return undefined;
      const { rec, paths } = read;
      this.blobs.refs.acquire(paths);
      let first;
      try {
        if (paths.length > 0) first = await open(paths[0]!, READ_NOFOLLOW);
        // Still the current record (same metadata file)? Then any later removal of its blobs waits for us.
        if (paths.length <= 1 || (await recordId(this.layout.metaFile(bucket, key))) === read.id) {
          return new ObjectReader(rec, paths, first, this.blobs.refs);
        }
      } catch (err) {
        if (!isNotFound(err)) {
          await first?.close();
          this.blobs.refs.release(paths);
          throw err;
        }
      }
      await first?.close();
      this.blobs.refs.release(paths);
    }
    return undefined;
  }

  /**
   * The commit point: points the key at `rec`'s bytes (already durable). Serialised per key so the forbid-overwrite
   * check, the rename, the index update and the removal of the replaced blob happen as one step.
   */
  async commitObject(
    bucket: string,
    rec: ObjectRecord,
    opts: { forbidOverwrite?: boolean; expect?: ObjectRecord | null } = {},
  ): Promise<void> {
    try {
      await this.inBucket(bucket, () => this.commitIn(bucket, rec, opts));
    } catch (err) {
      await this.blobs.removeBytes(bucket, rec, opts.expect ?? undefined);
      throw err;
    }
  }

  private async commitIn(
    bucket: string,
    rec: ObjectRecord,
    opts: { forbidOverwrite?: boolean; expect?: ObjectRecord | null },
  ): Promise<void> {
    const index = await this.index(bucket);
    await this.locks.run(`object\n${bucket}\n${rec.key}`, async () => {
      const old = await this.getObject(bucket, rec.key);
      if (old && opts.forbidOverwrite) throw new ObjectExistsError(rec.key);
      // `expect`: commit only over that record (an append extends it and shares its blobs).
      if (opts.expect !== undefined && !sameRecord(old, opts.expect)) throw new ObjectChangedError(rec.key);
      // An append extends its version in place; any other write in a versioned bucket makes a new version.
      const status = opts.expect ? undefined : await this.versioning(bucket);
      const replaced = status ? await versioned.beforeCommit(this, bucket, rec, old, status) : old ? [old] : [];
      await this.writeMeta(bucket, rec, index);
      for (const r of replaced) await this.blobs.removeBytes(bucket, r, rec);
    });
  }

  /** Makes `rec` the current record of its key (call under the key's lock). */
  async writeMeta(bucket: string, rec: ObjectRecord, index?: KeyIndex): Promise<void> {
    const dir = this.layout.metaDir(bucket, rec.key);
    await this.ensureBucketDir(bucket, dir);
    await writeFileAtomic(this.layout.tmp, this.layout.metaFile(bucket, rec.key), JSON.stringify(rec), dir);
    (index ?? (await this.index(bucket))).set(entryOf(rec));
  }

  /** Removes the current record of `key` (call under the key's lock); its bytes are the caller's. */
  async unlinkMeta(bucket: string, key: string, index?: KeyIndex): Promise<void> {
    await unlinkQuiet(this.layout.metaFile(bucket, key));
    await fsyncDir(this.layout.metaDir(bucket, key));
    (index ?? (await this.index(bucket))).delete(key);
  }

  /** The bucket's versioning status; undefined for a bucket that was never versioned. */
  private versioning(bucket: string): Promise<VersioningStatus | undefined> {
    return this.versioned.status(bucket);
  }

  /** Rewrites an object's metadata (not its bytes) under the key's lock; false if the key does not exist. */
  async updateObject(bucket: string, key: string, change: (rec: ObjectRecord) => ObjectRecord): Promise<boolean> {
    return this.inBucket(bucket, () => this.updateIn(bucket, key, change));
  }

  private async updateIn(bucket: string, key: string, change: (rec: ObjectRecord) => ObjectRecord): Promise<boolean> {
    const index = await this.index(bucket);
    return this.locks.run(`object\n${bucket}\n${key}`, async () => {
      const old = await this.getObject(bucket, key);
      if (!old) return false;
      const { blob: _b, segments: _s, ...changed } = change(old);
      const rec: ObjectRecord = { ...changed, key, ...bytesFields(segmentsOf(old)) };
      const dir = this.layout.metaDir(bucket, key);
      await writeFileAtomic(this.layout.tmp, this.layout.metaFile(bucket, key), JSON.stringify(rec), dir);
      index.set(entryOf(rec));
      return true;
    });
  }

  async deleteObject(
    bucket: string,
    key: string,
    o: { versionId?: string; now?: number } = {},
  ): Promise<DeleteOutcome> {
    return this.inBucket(bucket, () => this.deleteIn(bucket, key, o));
  }

  private async deleteIn(bucket: string, key: string, o: { versionId?: string; now?: number }): Promise<DeleteOutcome> {
    const index = await this.index(bucket);
    return this.locks.run(`object\n${bucket}\n${key}`, async () => {
      const status = await this.versioning(bucket);
      if (status || o.versionId !== undefined) {
        return versioned.deleteVersioned(this, bucket, key, status, {
          versionId: o.versionId,
          now: o.now ?? Date.now(),
        });
      }
      const old = await this.getObject(bucket, key);
      if (!old) return {};
      await this.unlinkMeta(bucket, key, index);
      await this.blobs.removeBytes(bucket, old);
      return {};
    });
  }

  async bucketEntries(bucket: string): Promise<IndexEntry[]> {
    return [...(await this.index(bucket)).entries()];
  }

  async list(bucket: string, o: ListOptions): Promise<ListPage> {
    return listIndex(await this.index(bucket), o);
  }

  /** The bucket's key index (see BucketIndexes). */
  index(bucket: string): Promise<KeyIndex> {
    return this.indexes.get(bucket);
  }

  /** Saves every loaded index so the next start lists without a full scan. */
  saveIndexes(): Promise<void> {
    return this.indexes.saveAll(async (bucket) => (await this.getBucket(bucket)) !== undefined);
  }
}

function sameRecord(a: ObjectRecord | undefined, b: ObjectRecord | null): boolean {
  if (!a || !b) return !a && !b;
  return a.etag === b.etag && a.size === b.size && a.lastModified === b.lastModified && a.crc64 === b.crc64;
}
