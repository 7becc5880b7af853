// Reading and changing one version of a key, the versioning status, and ListObjectVersions: the versioned side of
// the metadata store (MetadataStore.versioned). Writes that make or remove versions are in versioned.ts.
import { open } from 'node:fs/promises';
import { isNotFound, READ_NOFOLLOW } from '../../io/fs.js';
import type { ObjectStore } from './objects.js';
import { bytesFields, ObjectReader, segmentsOf } from './segments.js';
import type { ObjectRecord } from './types.js';
import { listVersions, type VersionListOptions, type VersionListPage } from './versions-listing.js';
import {
  isMarker,
  noncurrent,
  versionIdOf,
  type DeleteMarker,
  type VersioningStatus,
  type VersionRecord,
} from './versions.js';

export interface VersionedStore {
  /** The bucket's versioning status; undefined for a bucket that was never versioned. */
  status(bucket: string): Promise<VersioningStatus | undefined>;
  /** PutBucketVersioning (a bucket once versioned can be suspended, never unversioned). */
  setStatus(bucket: string, status: VersioningStatus): Promise<void>;
  /** One version of a key ('null': the unversioned one), current or not. */
  get(bucket: string, key: string, versionId: string): Promise<VersionRecord | undefined>;
  /** One version with its bytes held open (see MetadataStore.openObject); a delete marker has none. */
  open(bucket: string, key: string, versionId: string): Promise<ObjectReader | DeleteMarker | undefined>;
  /** The delete marker that is the latest version of the key, if it is one (the key has no current record). */
  latestMarker(bucket: string, key: string): Promise<DeleteMarker | undefined>;
  /** updateObject for one version; false if it is not an object version of the key. */
  update(bucket: string, key: string, versionId: string, change: (rec: ObjectRecord) => ObjectRecord): Promise<boolean>;
  /** One ListObjectVersions page. */
  list(bucket: string, o: VersionListOptions): Promise<VersionListPage>;
}

export class VersionedObjects implements VersionedStore {
  constructor(private readonly store: ObjectStore) {}

  async status(bucket: string): Promise<VersioningStatus | undefined> {
    return (await this.store.configs.get<{ status: VersioningStatus }>(bucket, 'versioning'))?.status;
  }

  /** Under the bucket's shared lock, so it cannot land in a bucket being deleted. */
  async setStatus(bucket: string, status: VersioningStatus): Promise<void> {
    await this.store.inBucket(bucket, () => this.store.configs.put(bucket, 'versioning', { status }));
  }

  get(bucket: string, key: string, versionId: string): Promise<VersionRecord | undefined> {
    return findVersion(this.store, bucket, key, versionId);
  }

  open(bucket: string, key: string, versionId: string): Promise<ObjectReader | DeleteMarker | undefined> {
    return openVersion(this.store, bucket, key, versionId);
  }

  async latestMarker(bucket: string, key: string): Promise<DeleteMarker | undefined> {
    if (!(await this.status(bucket))) return undefined;
    const head = (await this.store.versions.read(bucket, key))[0];
    return head && isMarker(head) && !(await this.store.getObject(bucket, key)) ? head : undefined;
  }

  async update(
    bucket: string,
    key: string,
    versionId: string,
    change: (rec: ObjectRecord) => ObjectRecord,
  ): Promise<boolean> {
    const store = this.store;
    const cur = await store.getObject(bucket, key);
    if (cur && versionIdOf(cur) === versionId) {
      let moved = false;
      // Checked again under the key's lock: if it stopped being current meanwhile, it is rewritten unchanged.
      const found = await store.updateObject(bucket, key, (rec) => {
        moved = versionIdOf(rec) !== versionId;
        return moved ? rec : change(rec);
      });
      if (!moved) return found;
    }
    return store.inBucket(bucket, () =>
      store.locks.run(`object\n${bucket}\n${key}`, () => updateNoncurrent(store, bucket, key, versionId, change)),
    );
  }

  async list(bucket: string, o: VersionListOptions): Promise<VersionListPage> {
    return listVersions(
      {
        current: await this.store.index(bucket),
        noncurrent: await this.store.versions.keys(bucket),
        getObject: (key) => this.store.getObject(bucket, key),
        readVersions: (key) => this.store.versions.read(bucket, key),
      },
      o,
    );
  }
}

/** One version of a key: the current record or an entry of its version area. */
async function findVersion(
  store: ObjectStore,
  bucket: string,
  key: string,
  versionId: string,
): Promise<VersionRecord | undefined> {
  const cur = await store.getObject(bucket, key);
  if (cur && versionIdOf(cur) === versionId) return cur;
  return noncurrent(await store.versions.read(bucket, key), cur).find((v) => versionIdOf(v) === versionId);
}

/**
 * Opens one version's bytes (see ObjectStore.openObject): a noncurrent version's blobs are registered with the
 * readers before it is confirmed still listed, so a delete of that version meanwhile defers removing them.
 */
async function openVersion(
  store: ObjectStore,
  bucket: string,
  key: string,
  versionId: string,
): Promise<ObjectReader | DeleteMarker | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await store.openObject(bucket, key);
    if (cur && versionIdOf(cur.rec) === versionId) return cur;
    await cur?.close();
    const v = await findVersion(store, bucket, key, versionId);
    if (!v || isMarker(v)) return v;
    const now = await store.getObject(bucket, key);
    if (now && versionIdOf(now) === versionId) continue; // became current meanwhile: open it as such
    const paths = store.blobs.pathsOf(bucket, v);
    store.blobs.refs.acquire(paths);
    let first;
    try {
      if (paths.length > 0) first = await open(paths[0]!, READ_NOFOLLOW);
      const still = await findVersion(store, bucket, key, versionId);
      if (still && !isMarker(still) && still.etag === v.etag)
        return new ObjectReader(v, paths, first, store.blobs.refs);
    } catch (err) {
      if (!isNotFound(err)) {
        await first?.close();
        store.blobs.refs.release(paths);
        throw err;
      }
    }
    await first?.close();
    store.blobs.refs.release(paths);
  }
  return undefined;
}

/** Rewrites one noncurrent version's metadata (tagging, ACL); false if there is no such object version. */
async function updateNoncurrent(
  store: ObjectStore,
  bucket: string,
  key: string,
  versionId: string,
  change: (rec: ObjectRecord) => ObjectRecord,
): Promise<boolean> {
  const cur = await store.getObject(bucket, key);
  const list = noncurrent(await store.versions.read(bucket, key), cur);
  const at = list.findIndex((v) => versionIdOf(v) === versionId);
  const old = list[at];
  if (!old || isMarker(old)) return false;
  const { blob: _b, segments: _s, ...changed } = change(old);
  const next = [...list];
  next[at] = { ...changed, key, versionId: old.versionId, ...bytesFields(segmentsOf(old)) };
  await store.versions.write(bucket, key, next);
  return true;
}
