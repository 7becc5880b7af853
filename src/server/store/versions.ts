// The version area of a versioned bucket: per key, one file listing its noncurrent versions and delete markers,
// newest first, rewritten whole (temp, fsync, rename) on every change:
//   <root>/buckets/<bucket>/versions/<hh>/<sha256 of key>.json   {"key": ..., "versions": [...]}
// The current version stays where every object lives (meta/, objects.ts), so a bucket that was never versioned
// never reads or writes here. Writes that touch both files order them so a crash between the two leaves a
// duplicate, never a loss: the version area is written first when a current version moves into it, and the
// current record first when one moves out. A reader drops any entry whose version id is the current record's
// (`noncurrent`), which removes that duplicate.
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensureDirBelow, fsyncDir, readJson, unlinkQuiet, writeFileAtomic } from '../../io/fs.js';
import { KeyIndex } from './key-index.js';
import type { Layout } from './layout.js';
import { segmentsOf } from './segments.js';
import type { ObjectRecord } from './types.js';

export type VersioningStatus = 'Enabled' | 'Suspended';

/** A delete marker: a version with a key and an id but no bytes, which makes the key look deleted. */
export interface DeleteMarker {
  key: string;
  versionId?: string;
  lastModified: number;
  deleteMarker: true;
}

export type VersionRecord = ObjectRecord | DeleteMarker;

interface VersionFile {
  key: string;
  versions: VersionRecord[]; // newest first
}

export function isMarker(v: VersionRecord): v is DeleteMarker {
  return (v as DeleteMarker).deleteMarker === true;
}

/** The id OSS shows: records written before versioning (or while suspended) are the 'null' version. */
export function versionIdOf(v: { versionId?: string }): string {
  return v.versionId ?? 'null';
}

/** A new version id: unique, URL-safe, ordered by time as far as the clock is. */
export function newVersionId(): string {
  return `CAEQ${Date.now().toString(16).padStart(12, '0')}${randomBytes(12).toString('hex')}`;
}

/** `list` without the entry that duplicates the current record (see the header). */
export function noncurrent(list: VersionRecord[], current: ObjectRecord | undefined): VersionRecord[] {
  if (!current) return list;
  const id = versionIdOf(current);
  return list.filter((v) => versionIdOf(v) !== id);
}

const NO_ENTRY = { size: 0, etag: '', lastModified: 0, type: '', storageClass: '' };

export class VersionArea {
  /** Per bucket: the keys that have a version file, in listing order. */
  private keyIndexes = new Map<string, Promise<KeyIndex>>();

  constructor(private readonly layout: Layout) {}

  /** The noncurrent versions and delete markers of `key`, newest first (not yet filtered by `noncurrent`). */
  async read(bucket: string, key: string): Promise<VersionRecord[]> {
    return (await readJson<VersionFile>(this.layout.versionsFile(bucket, key)))?.versions ?? [];
  }

  /** Replaces the list of `key` durably; an empty list removes the file. Call under the key's lock. */
  async write(bucket: string, key: string, versions: VersionRecord[]): Promise<void> {
    const keys = await this.keys(bucket);
    const file = this.layout.versionsFile(bucket, key);
    const dir = dirname(file);
    if (versions.length === 0) {
      await unlinkQuiet(file);
      await fsyncDir(dir);
      keys.delete(key);
      return;
    }
    await ensureDirBelow(this.layout.bucket(bucket), dir);
    const doc: VersionFile = { key, versions };
    await writeFileAtomic(this.layout.tmp, file, JSON.stringify(doc), dir);
    keys.set({ key, ...NO_ENTRY });
  }

  /** The keys of `bucket` that have noncurrent versions or delete markers, built on first use by a scan. */
  keys(bucket: string): Promise<KeyIndex> {
    let p = this.keyIndexes.get(bucket);
    if (!p) {
      p = this.scan(bucket, () => undefined).then((keys) => {
        const index = new KeyIndex();
        index.load(keys.map((key) => ({ key, ...NO_ENTRY })));
        return index;
      });
      this.keyIndexes.set(bucket, p);
      p.catch(() => this.keyIndexes.delete(bucket));
    }
    return p;
  }

  /** Whether any key of `bucket` has a noncurrent version or a delete marker (DeleteBucket refuses then). */
  async any(bucket: string): Promise<boolean> {
    return (await this.keys(bucket)).size > 0;
  }

  /** Adds every blob a version of `bucket` names to `referenced` (before the orphan sweep). */
  async addReferenced(bucket: string, referenced: Set<string>): Promise<void> {
    await this.scan(bucket, (v) => {
      if (!isMarker(v)) for (const s of segmentsOf(v)) referenced.add(s.blob);
    });
  }

  /** Forgets a deleted bucket. */
  drop(bucket: string): void {
    this.keyIndexes.delete(bucket);
  }

  /** Reads every version file of `bucket`, calling `each` per version; returns the keys found. */
  private async scan(bucket: string, each: (v: VersionRecord) => void): Promise<string[]> {
    const root = this.layout.versionsRoot(bucket);
    const keys: string[] = [];
    for (const shard of await readdir(root).catch(() => [] as string[])) {
      for (const f of await readdir(join(root, shard)).catch(() => [] as string[])) {
        if (!f.endsWith('.json')) continue;
        const text = await readFile(join(root, shard, f), 'utf8').catch(() => undefined);
        if (text === undefined) continue; // removed while we scanned
        const doc = JSON.parse(text) as VersionFile;
        if (doc.versions.length === 0) continue;
        keys.push(doc.key);
        doc.versions.forEach(each);
      }
    }
    return keys;
  }
}
