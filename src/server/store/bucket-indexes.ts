// Every bucket's key index, built once per process: from the saved snapshot where its shards are unchanged, else
// by a full scan of the metadata files, which is also when the bucket's orphan blobs are swept.
import { KeyIndex } from './key-index.js';
import { loadIndex, saveIndex, type ShardStates } from './index-snapshot.js';
import type { Layout } from './layout.js';

export class BucketIndexes {
  private indexes = new Map<string, Promise<KeyIndex>>();
  private shardStates = new Map<string, ShardStates>();
  /** A previous process on this root died without closing: build indexes by full scan, which sweeps orphans. */
  afterCrash = false;

  constructor(
    private readonly layout: Layout,
    /** Called after a full scan with every blob name a record references. */
    private readonly sweep: (bucket: string, referenced: Set<string>) => Promise<void>,
  ) {}

  /** The bucket's key index, built on first use. */
  get(bucket: string): Promise<KeyIndex> {
    let p = this.indexes.get(bucket);
    if (!p) {
      p = this.build(bucket);
      this.indexes.set(bucket, p);
      p.catch(() => this.indexes.delete(bucket));
    }
    return p;
  }

  /** Forgets a deleted bucket's index. */
  drop(bucket: string): void {
    this.indexes.delete(bucket);
  }

  private async build(bucket: string): Promise<KeyIndex> {
    const loaded = await loadIndex(this.layout.metaRoot(bucket), this.layout.indexSnapshot(bucket), !this.afterCrash);
    const index = new KeyIndex();
    index.load(loaded.entries);
    this.shardStates.set(bucket, loaded.states);
    if (loaded.fullScan) await this.sweep(bucket, loaded.referenced);
    return index;
  }

  /** Saves every loaded index of a bucket that still `exists`, so the next start lists without a full scan. */
  async saveAll(exists: (bucket: string) => Promise<boolean>): Promise<void> {
    for (const [bucket, p] of this.indexes) {
      const index = await p.catch(() => undefined);
      const states = this.shardStates.get(bucket);
      if (!index || !states || !(await exists(bucket))) continue;
      await saveIndex(
        index,
        states,
        this.layout.tmp,
        this.layout.indexSnapshot(bucket),
        this.layout.bucket(bucket),
      ).catch(() => undefined);
    }
  }
}
