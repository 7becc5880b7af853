// Per-bucket configurations (CORS, lifecycle, logging, website, referer, tagging, policy ...): one JSON file each under
//   <root>/buckets/<bucket>/config/<name>.json
// written atomically and removed with the bucket. Cached by bucket creation time, so a bucket deleted and made
// again never sees its predecessor's settings.
import { join } from 'node:path';
import { ensureDir, readJson, unlinkQuiet, writeFileAtomic, fsyncDir } from '../../io/fs.js';
import type { ObjectStore } from './objects.js';

export type ConfigName =
  | 'cors'
  | 'lifecycle'
  | 'logging'
  | 'website'
  | 'referer'
  // issue 26: one document per name, keyed collections (style, inventory, cname, replication) as one map each
  | 'tagging'
  | 'policy'
  | 'encryption'
  | 'requestPayment'
  | 'resourceGroup'
  | 'transferAcceleration'
  | 'publicAccessBlock'
  | 'style'
  | 'inventory'
  | 'cname'
  | 'replication'
  | 'versioning'
  | 'worm';

/** Per-bucket configuration documents, part of the metadata store (MetadataStore.configs). */
export interface BucketConfigStore {
  get<T>(bucket: string, name: ConfigName): Promise<T | undefined>;
  put(bucket: string, name: ConfigName, value: unknown): Promise<void>;
  delete(bucket: string, name: ConfigName): Promise<void>;
  /** Buckets that hold a configuration of this name (the lifecycle sweep walks them). */
  bucketsWith(name: ConfigName): Promise<string[]>;
}

export class BucketConfigs implements BucketConfigStore {
  private cache = new Map<string, unknown>();

  constructor(private readonly store: ObjectStore) {}

  private dir(bucket: string): string {
    return join(this.store.layout.bucket(bucket), 'config');
  }

  private async cacheKey(bucket: string, name: ConfigName): Promise<string | undefined> {
    const rec = await this.store.getBucket(bucket);
    return rec ? `${bucket}\n${rec.created}\n${name}` : undefined;
  }

  async get<T>(bucket: string, name: ConfigName): Promise<T | undefined> {
    const key = await this.cacheKey(bucket, name);
    if (key === undefined) return undefined;
    if (this.cache.has(key)) return this.cache.get(key) as T | undefined;
    const value = await readJson<T>(join(this.dir(bucket), `${name}.json`));
    this.cache.set(key, value);
    return value;
  }

  async put(bucket: string, name: ConfigName, value: unknown): Promise<void> {
    const dir = this.dir(bucket);
    await ensureDir(dir);
    await writeFileAtomic(this.store.layout.tmp, join(dir, `${name}.json`), JSON.stringify(value), dir);
    const key = await this.cacheKey(bucket, name);
    if (key !== undefined) this.cache.set(key, value);
  }

  async delete(bucket: string, name: ConfigName): Promise<void> {
    await unlinkQuiet(join(this.dir(bucket), `${name}.json`));
    await fsyncDir(this.dir(bucket)).catch(() => undefined);
    const key = await this.cacheKey(bucket, name);
    if (key !== undefined) this.cache.set(key, undefined);
  }

  /** Buckets that hold a configuration of this name (the lifecycle sweep walks them). */
  async bucketsWith(name: ConfigName): Promise<string[]> {
    const out: string[] = [];
    for (const b of await this.store.listBuckets()) if ((await this.get(b.name, name)) !== undefined) out.push(b.name);
    return out;
  }
}
