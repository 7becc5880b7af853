// Buckets and objects. The object's metadata file is its commit point: it is renamed into place only after the
// blob it names is complete and durable, so a reader (or a restart after SIGKILL) never sees a partial object.
import { readdir, rm, rename, stat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Layout } from './layout.js';
import { checkNoLinks } from './links.js';
import { KeyIndex, compareUtf8, type IndexEntry } from './key-index.js';
import { loadIndex, saveIndex, type ShardStates } from './index-snapshot.js';
import { commitBlob, linkOrCopy, type WrittenBlob } from './blob.js';
import { BlobRefs, ObjectReader, bytesFields, segmentsOf } from './segments.js';
import { ensureDir, ensureDirBelow, fsyncDir, isNotFound, isProcessAlive, READ_NOFOLLOW, randomName, readJson, unlinkQuiet, writeFileAtomic } from '../../io/fs.js';
import { KeyedMutex, SharedLock } from './keyed-mutex.js';
import type { BucketAcl, BucketRecord, ObjectRecord, Segment } from './types.js';

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

export interface ListOptions {
  prefix: string;
  after: string; // exclusive start: marker / start-after / continuation
  delimiter: string;
  maxKeys: number;
}
export interface ListPage {
  contents: IndexEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextMarker: string; // last key or prefix returned
}

export class ObjectStore {
  readonly layout: Layout;
  private readonly startedAt = Date.now();
  /** A previous process on this root died without closing: build indexes by full scan, which sweeps orphans. */
  private afterCrash = false;
  private bucketCache = new Map<string, BucketRecord | null>();
  private indexes = new Map<string, Promise<KeyIndex>>();
  private shardStates = new Map<string, ShardStates>();
  /** Parsed segmented records by metadata file, least recently used first (see readRecord). */
  private records = new Map<string, CachedRecord>();
  readonly locks = new KeyedMutex();
  /** Per bucket: every write into it holds this shared, DeleteBucket exclusively (see inBucket). */
  readonly bucketLocks = new SharedLock();
  /** Blobs open by readers: removing one of them waits for its last reader. */
  readonly refs = new BlobRefs();

  constructor(root: string) {
    this.layout = new Layout(root);
  }

  async init(): Promise<void> {
    await checkNoLinks(this.layout.root);
    // Temp files of a process that is gone belong to requests that died with it: never visible, safe to drop.
    // A clean close removes its temp dir, so finding one means that process crashed: it may have left blobs no
    // record names (a body renamed in, a Complete's links), and saved index snapshots cannot say which.
    for (const name of await readdir(this.layout.tmpRoot).catch(() => [] as string[])) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (!pid || !isProcessAlive(pid)) {
        this.afterCrash = true;
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
      await writeFileAtomic(this.layout.tmp, this.layout.bucketFile(name), JSON.stringify(next), this.layout.bucket(name));
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
      if (index.size > 0 || (await hasUploads())) return 'notEmpty';
      // Rename away first so the bucket disappears atomically, then remove at leisure.
      const grave = join(this.layout.tmp, `bucket-${randomName()}`);
      await rename(this.layout.bucket(name), grave);
      this.bucketCache.set(name, null);
      this.indexes.delete(name);
      await fsyncDir(this.layout.buckets);
      await rm(grave, { recursive: true, force: true });
      return 'ok';
    });
  }

  // ---- objects ----

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return (await this.readRecord(bucket, key))?.rec;
  }

  /**
   * The record with its identity (inode, size, times of the metadata file: every commit renames a new file in) and
   * its blob paths. A record of many segments is large (10,000 parts: ~575 KiB of JSON), so segmented records are
   * kept parsed, by identity, and a ranged GET of a huge object costs a stat instead of a parse. Callers must treat
   * the returned record as read-only.
   */
  private async readRecord(bucket: string, key: string): Promise<CachedRecord | undefined> {
    const file = this.layout.metaFile(bucket, key);
    const id = await recordId(file);
    if (id === undefined) return undefined;
    const hit = this.records.get(file);
    if (hit?.id === id) {
      this.records.delete(file); // most recently used last
      this.records.set(file, hit);
      return hit;
    }
    const rec = await readJson<ObjectRecord>(file);
    if (!rec) return undefined;
    // Read after the stat: if the file was replaced in between, `id` is stale and the entry simply never matches.
    const entry = { id, rec, paths: segmentsOf(rec).map((s) => this.layout.blobFile(bucket, s.blob)) };
    if (entry.paths.length > 1) {
      this.records.set(file, entry);
      if (this.records.size > CACHED_RECORDS) this.records.delete(this.records.keys().next().value!);
    }
    return entry;
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
      this.refs.acquire(paths);
      let first;
      try {
        if (paths.length > 0) first = await open(paths[0]!, READ_NOFOLLOW);
        // Still the current record (same metadata file)? Then any later removal of its blobs waits for us.
        if (paths.length <= 1 || (await recordId(this.layout.metaFile(bucket, key))) === read.id) {
          return new ObjectReader(rec, paths, first, this.refs);
        }
      } catch (err) {
        if (!isNotFound(err)) {
          await first?.close();
          this.refs.release(paths);
          throw err;
        }
      }
      await first?.close();
      this.refs.release(paths);
    }
    return undefined;
  }

  /** Moves a written temp file into the bucket as a new blob and returns its name (not yet referenced). */
  async adoptBlob(bucket: string, written: WrittenBlob): Promise<string> {
    try {
      return await this.inBucket(bucket, async () => {
        const blob = randomName();
        const dir = this.layout.blobDir(bucket, blob);
        await this.ensureBucketDir(bucket, dir);
        await commitBlob(written.tmpPath, this.layout.blobFile(bucket, blob), dir);
        return blob;
      });
    } catch (err) {
      await unlinkQuiet(written.tmpPath);
      throw err;
    }
  }

  /**
   * New names in `bucket` for immutable files (`sources[i]` becomes `segments[i]`): hard links, so nothing is
   * copied, falling back to a byte copy where links are refused. All names share one random stem, hence one
   * blob directory, which is fsynced once. On failure the names made so far are removed. Not yet referenced:
   * the caller commits a record naming them, and a crash before that leaves orphans for the sweep.
   */
  async linkSegments(bucket: string, sources: string[], sizes: number[]): Promise<Segment[]> {
    return this.inBucket(bucket, () => this.linkSegmentsIn(bucket, sources, sizes));
  }

  private async linkSegmentsIn(bucket: string, sources: string[], sizes: number[]): Promise<Segment[]> {
    // Index first: its orphan sweep must not see the new names (which keep their sources' old mtimes) before commit.
    await this.index(bucket);
    const stem = randomName();
    const segments = sources.map((_, i) => ({ blob: sources.length === 1 ? stem : `${stem}-${i + 1}`, size: sizes[i]! }));
    const dir = this.layout.blobDir(bucket, stem);
    await this.ensureBucketDir(bucket, dir);
    const made: string[] = [];
    try {
      for (let i = 0; i < sources.length; i += LINKS_AT_ONCE) {
        await Promise.all(
          sources.slice(i, i + LINKS_AT_ONCE).map(async (src, j) => {
            const dst = this.layout.blobFile(bucket, segments[i + j]!.blob);
            await linkOrCopy(src, dst, this.layout.tmp);
            made.push(dst);
          }),
        );
      }
      await fsyncDir(dir);
    } catch (err) {
      await Promise.all(made.map((p) => unlinkQuiet(p)));
      throw err;
    }
    return segments;
  }

  /**
   * A new name for every blob of an open object (CopyObject): the record fields naming the copy's bytes. The
   * reader keeps the source's blobs alive while they are linked.
   */
  async cloneObjectBytes(srcBucket: string, src: ObjectReader, dstBucket: string): Promise<Pick<ObjectRecord, 'blob' | 'segments'>> {
    const segs = segmentsOf(src.rec);
    if (segs.length === 0) return bytesFields([]);
    const made = await this.linkSegments(dstBucket, segs.map((s) => this.layout.blobFile(srcBucket, s.blob)), segs.map((s) => s.size));
    return bytesFields(made);
  }

  /** Removes every blob of `rec` (deferred while readers hold them), a few at a time. */
  async removeBytes(bucket: string, rec: ObjectRecord, keep?: ObjectRecord): Promise<void> {
    const kept = new Set(keep ? segmentsOf(keep).map((s) => s.blob) : []);
    const paths = segmentsOf(rec).filter((s) => !kept.has(s.blob)).map((s) => this.layout.blobFile(bucket, s.blob));
    for (let i = 0; i < paths.length; i += LINKS_AT_ONCE) {
      await Promise.all(paths.slice(i, i + LINKS_AT_ONCE).map((p) => this.refs.remove(p)));
    }
  }

  /**
   * The commit point: points the key at `rec`'s bytes (already durable). Serialised per key so the forbid-overwrite
   * check, the rename, the index update and the removal of the replaced blob happen as one step.
   */
  async commitObject(bucket: string, rec: ObjectRecord, opts: { forbidOverwrite?: boolean; expect?: ObjectRecord | null } = {}): Promise<void> {
    try {
      await this.inBucket(bucket, () => this.commitIn(bucket, rec, opts));
    } catch (err) {
      await this.removeBytes(bucket, rec, opts.expect ?? undefined);
      throw err;
    }
  }

  private async commitIn(bucket: string, rec: ObjectRecord, opts: { forbidOverwrite?: boolean; expect?: ObjectRecord | null }): Promise<void> {
    const index = await this.index(bucket);
    await this.locks.run(`object\n${bucket}\n${rec.key}`, async () => {
      const old = await this.getObject(bucket, rec.key);
      if (old && opts.forbidOverwrite) throw new ObjectExistsError(rec.key);
      // `expect`: commit only over that record (an append extends it and shares its blobs).
      if (opts.expect !== undefined && !sameRecord(old, opts.expect)) throw new ObjectChangedError(rec.key);
      const dir = this.layout.metaDir(bucket, rec.key);
      await this.ensureBucketDir(bucket, dir);
      await writeFileAtomic(this.layout.tmp, this.layout.metaFile(bucket, rec.key), JSON.stringify(rec), dir);
      index.set(toEntry(rec));
      if (old) await this.removeBytes(bucket, old, rec);
    });
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
      index.set(toEntry(rec));
      return true;
    });
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.inBucket(bucket, () => this.deleteIn(bucket, key));
  }

  private async deleteIn(bucket: string, key: string): Promise<void> {
    const index = await this.index(bucket);
    await this.locks.run(`object\n${bucket}\n${key}`, async () => {
      const old = await this.getObject(bucket, key);
      if (!old) return;
      await unlinkQuiet(this.layout.metaFile(bucket, key));
      await fsyncDir(this.layout.metaDir(bucket, key));
      index.delete(key);
      await this.removeBytes(bucket, old);
    });
  }

  async list(bucket: string, o: ListOptions): Promise<ListPage> {
    const index = await this.index(bucket);
    const page: ListPage = { contents: [], commonPrefixes: [], isTruncated: false, nextMarker: '' };
    const afterPrefix = o.after !== '' && compareUtf8(o.after, o.prefix) >= 0;
    let i = afterPrefix ? index.lowerBound(o.after, true) : index.lowerBound(o.prefix);
    for (;;) {
      const key = index.keyAt(i);
      if (key === undefined || !key.startsWith(o.prefix)) break;
      if (page.contents.length + page.commonPrefixes.length >= o.maxKeys) {
        page.isTruncated = true;
        break;
      }
      const cut = o.delimiter ? key.indexOf(o.delimiter, o.prefix.length) : -1;
      if (cut >= 0) {
        const cp = key.slice(0, cut + o.delimiter.length);
        // Every key under this common prefix is contiguous: report it once, then jump past them all.
        if (compareUtf8(cp, o.after) > 0) {
          page.commonPrefixes.push(cp);
          page.nextMarker = cp;
        }
        i = endOfPrefix(index, cp, i);
        continue;
      }
      page.contents.push(index.get(key)!);
      page.nextMarker = key;
      i++;
    }
    return page;
  }

  /** The bucket's key index, built once from the metadata files. */
  index(bucket: string): Promise<KeyIndex> {
    let p = this.indexes.get(bucket);
    if (!p) {
      p = this.buildIndex(bucket);
      this.indexes.set(bucket, p);
      p.catch(() => this.indexes.delete(bucket));
    }
    return p;
  }

  private async buildIndex(bucket: string): Promise<KeyIndex> {
    const loaded = await loadIndex(this.layout.metaRoot(bucket), this.layout.indexSnapshot(bucket), !this.afterCrash);
    const index = new KeyIndex();
    index.load(loaded.entries);
    this.shardStates.set(bucket, loaded.states);
    if (loaded.fullScan) await this.collectOrphanBlobs(bucket, loaded.referenced);
    return index;
  }

  /** Saves every loaded index so the next start lists without a full scan. */
  async saveIndexes(): Promise<void> {
    for (const [bucket, p] of this.indexes) {
      const index = await p.catch(() => undefined);
      const states = this.shardStates.get(bucket);
      if (!index || !states || !(await this.getBucket(bucket))) continue;
      await saveIndex(index, states, this.layout.tmp, this.layout.indexSnapshot(bucket), this.layout.bucket(bucket)).catch(() => undefined);
    }
  }

  /**
   * Blobs written by a process that died before committing their metadata are never referenced. Only blobs
   * older than this process are considered, so an upload in flight right now is never touched.
   */
  private async collectOrphanBlobs(bucket: string, referenced: Set<string>): Promise<void> {
    const root = this.layout.blobRoot(bucket);
    for (const s of await readdir(root).catch(() => [] as string[])) {
      for (const b of await readdir(join(root, s)).catch(() => [] as string[])) {
        if (referenced.has(b)) continue;
        const p = join(root, s, b);
        const st = await stat(p).catch(() => undefined);
        if (st && st.mtimeMs < this.startedAt - 1000) await unlinkQuiet(p);
      }
    }
  }
}

/** Segmented records kept parsed (each up to ~575 KiB of JSON, ~2 MB parsed). */
const CACHED_RECORDS = 32;

interface CachedRecord {
  id: string;
  rec: ObjectRecord;
  paths: string[];
}

/** Identity of a metadata file's current version, or undefined when there is none. */
async function recordId(file: string): Promise<string | undefined> {
  try {
    const st = await stat(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Links made or blobs removed in parallel (a 10,000-part Complete). */
const LINKS_AT_ONCE = 32;

function toEntry(rec: ObjectRecord): IndexEntry {
  return {
    key: rec.key,
    size: rec.size,
    etag: rec.etag,
    lastModified: rec.lastModified,
    type: rec.type,
    storageClass: rec.storageClass,
  };
}

function sameRecord(a: ObjectRecord | undefined, b: ObjectRecord | null): boolean {
  if (!a || !b) return !a && !b;
  return a.etag === b.etag && a.size === b.size && a.lastModified === b.lastModified && a.crc64 === b.crc64;
}

/** First index at or after `from` whose key does not start with `prefix`. */
function endOfPrefix(index: KeyIndex, prefix: string, from: number): number {
  let lo = from;
  let hi = index.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index.keyAt(mid)!.startsWith(prefix)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
