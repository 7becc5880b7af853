// Parsed object records by metadata file. A record of many segments is large (10,000 parts: ~575 KiB of JSON),
// so segmented records are kept parsed, keyed by the file's identity (inode, size, times: every commit renames a
// new file in), and a ranged GET of a huge object costs a stat instead of a parse.
import { statSync } from 'node:fs';
import { isNotFound, readJson } from '../../io/fs.js';
import type { ObjectRecord } from './types.js';

/** Segmented records kept parsed (each up to ~575 KiB of JSON, ~2 MB parsed). */
const CACHED_RECORDS = 32;

export interface CachedRecord {
  /** Identity of the metadata file this was read from (see recordId). */
  id: string;
  /** Read-only: shared by every caller. */
  rec: ObjectRecord;
  /** The record's blob paths, in byte order. */
  paths: string[];
}

export class RecordCache {
  /** Least recently used first. */
  private records = new Map<string, CachedRecord>();

  /** The record in `file` with its identity and blob paths (`pathsOf`), or undefined when there is none. */
  async read(file: string, pathsOf: (rec: ObjectRecord) => string[]): Promise<CachedRecord | undefined> {
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
    const entry = { id, rec, paths: pathsOf(rec) };
    if (entry.paths.length > 1) {
      this.records.set(file, entry);
      if (this.records.size > CACHED_RECORDS) this.records.delete(this.records.keys().next().value!);
    }
    return entry;
  }
}

/** Identity of a metadata file's current version, or undefined when there is none. */
export async function recordId(file: string): Promise<string | undefined> {
  // Synchronous (a stat of a small file; see io/fs.ts), and no exception for a key that has no record.
  try {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    return st && `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
