// Per-bucket sorted key index so a listing page (max 1000 keys) is a binary search and a slice, whatever the
// bucket size. Order is UTF-8 byte order, as OSS lists, which differs from JS string order for astral chars.
import { compareUtf8 } from '../../core/key-order.js';
import { searchEndOfPrefix, type SortedKeys } from './paging.js';

export { compareUtf8 };

/** The fields a listing needs, kept in memory so a page never touches the disk. */
export interface IndexEntry {
  key: string;
  size: number;
  etag: string;
  lastModified: number;
  type: string;
  storageClass: string;
}

/** A record's index entry (`rec` is an ObjectRecord: types.ts). */
export function entryOf(rec: IndexEntry): IndexEntry {
  return {
    key: rec.key,
    size: rec.size,
    etag: rec.etag,
    lastModified: rec.lastModified,
    type: rec.type,
    storageClass: rec.storageClass,
  };
}

export class KeyIndex implements SortedKeys {
  private keys: string[] = [];
  private entries_ = new Map<string, IndexEntry>();

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first key >= `key` (or > `key` when `exclusive`). */
  lowerBound(key: string, exclusive = false): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareUtf8(this.keys[mid]!, key);
      if (c < 0 || (exclusive && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bulk load (initial scan): one sort instead of n inserts. */
  load(entries: IndexEntry[]): void {
    for (const e of entries) this.entries_.set(e.key, e);
    this.keys = [...this.entries_.keys()].sort(compareUtf8);
  }

  set(entry: IndexEntry): void {
    if (!this.entries_.has(entry.key)) {
      const at = this.lowerBound(entry.key);
      this.keys.splice(at, 0, entry.key);
    }
    this.entries_.set(entry.key, entry);
  }

  delete(key: string): void {
    if (!this.entries_.delete(key)) return;
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  keyAt(i: number): string | undefined {
    return this.keys[i];
  }

  endOfPrefix(prefix: string, from: number): number {
    return searchEndOfPrefix((i) => this.keys[i], this.keys.length, prefix, from);
  }

  entries(): IterableIterator<IndexEntry> {
    return this.entries_.values();
  }

  get(key: string): IndexEntry | undefined {
    return this.entries_.get(key);
  }
}
