// What versioning changes in the store's writes and reads (versions.ts has the on-disk area). Every function here
// that writes runs under the key's lock held by ObjectStore; the order of the two files is the crash rule of
// versions.ts: into the version area first, out of it second.
import type { DeleteOutcome } from './metadata-store.js';
import type { ObjectStore } from './objects.js';
import type { ObjectRecord } from './types.js';
import {
  isMarker,
  newVersionId,
  noncurrent,
  versionIdOf,
  type DeleteMarker,
  type VersioningStatus,
  type VersionRecord,
} from './versions.js';

const isNull = (v: VersionRecord): boolean => versionIdOf(v) === 'null';

/**
 * Before `rec` becomes the current version of its key: gives it its id, moves the current version `old` into the
 * version area (or drops it: a suspended bucket replaces the null version), and returns the records whose bytes
 * the caller removes once `rec` is committed.
 */
export async function beforeCommit(
  store: ObjectStore,
  bucket: string,
  rec: ObjectRecord,
  old: ObjectRecord | undefined,
  status: VersioningStatus,
): Promise<ObjectRecord[]> {
  rec.versionId = status === 'Enabled' ? newVersionId() : 'null';
  const list = noncurrent(await store.versions.read(bucket, rec.key), old);
  const { next, dropped } = demote(list, old, status);
  if (old || dropped.length > 0) await store.versions.write(bucket, rec.key, next);
  return dropped.filter((v): v is ObjectRecord => !isMarker(v));
}

/**
 * The noncurrent list once a new latest version (not yet in it) replaces `cur`: `cur` joins the list, except that
 * in a suspended bucket the new latest is the null version, so any earlier null version is dropped instead.
 */
function demote(
  list: VersionRecord[],
  cur: ObjectRecord | undefined,
  status: VersioningStatus,
): { next: VersionRecord[]; dropped: VersionRecord[] } {
  const suspended = status === 'Suspended';
  const dropped = suspended ? list.filter(isNull) : [];
  let next = suspended ? list.filter((v) => !isNull(v)) : list;
  if (cur) {
    if (suspended && isNull(cur)) dropped.push(cur);
    else next = [cur, ...next];
  }
  return { next, dropped };
}

/** DeleteObject in a versioned bucket, or of one version (`versionId`) in any bucket. */
export async function deleteVersioned(
  store: ObjectStore,
  bucket: string,
  key: string,
  status: VersioningStatus | undefined,
  o: { versionId?: string; now: number },
): Promise<DeleteOutcome> {
  const cur = await store.getObject(bucket, key);
  const list = noncurrent(await store.versions.read(bucket, key), cur);
  if (o.versionId === undefined) {
    // Only reached with a status: a delete marker becomes the latest version.
    const marker: DeleteMarker = {
      key,
      versionId: status === 'Enabled' ? newVersionId() : 'null',
      lastModified: o.now,
      deleteMarker: true,
    };
    const { next: rest, dropped } = demote(list, cur, status!);
    await store.versions.write(bucket, key, [marker, ...rest]);
    if (cur) await store.unlinkMeta(bucket, key);
    await removeAll(store, bucket, dropped);
    return { versionId: versionIdOf(marker), deleteMarker: true };
  }
  if (cur && versionIdOf(cur) === o.versionId) {
    await promoteOrRemove(store, bucket, key, list);
    await store.blobs.removeBytes(bucket, cur);
    return { versionId: o.versionId };
  }
  const at = list.findIndex((v) => versionIdOf(v) === o.versionId);
  if (at < 0) return { versionId: o.versionId };
  const gone = list[at]!;
  const next = list.filter((_, i) => i !== at);
  // Removing the delete marker that hid the key brings the version below it back as current.
  if (!cur && at === 0) await promoteOrRemove(store, bucket, key, next);
  else await store.versions.write(bucket, key, next);
  await removeAll(store, bucket, [gone]);
  return { versionId: o.versionId, ...(isMarker(gone) ? { deleteMarker: true } : {}) };
}

/** Makes the newest of `list` current if it is an object version (current record first), else no current. */
async function promoteOrRemove(store: ObjectStore, bucket: string, key: string, list: VersionRecord[]): Promise<void> {
  const head = list[0];
  if (head && !isMarker(head)) {
    await store.writeMeta(bucket, head);
    await store.versions.write(bucket, key, list.slice(1));
  } else {
    await store.unlinkMeta(bucket, key);
    await store.versions.write(bucket, key, list);
  }
}

async function removeAll(store: ObjectStore, bucket: string, gone: VersionRecord[]): Promise<void> {
  for (const v of gone) if (!isMarker(v)) await store.blobs.removeBytes(bucket, v);
}
