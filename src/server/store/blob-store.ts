// Object bytes, apart from their metadata (as Azurite keeps extents apart from blob metadata): immutable blob files
// in each bucket's blob area, written once, linked under new names for copies and Completes, and removed only when
// no reader holds them. Which blobs an object is made of is the metadata store's business (see objects.ts); a blob
// no committed record names is an orphan, swept when the bucket's index is rebuilt by a full scan.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDirBelow, fsyncDir, randomName, unlinkQuiet } from '../../io/fs.js';
import { commitBlob, linkOrCopy, writeTempBlob, type WriteTempOptions, type WrittenBlob } from './blob.js';
import type { Layout } from './layout.js';
import { BlobRefs, bytesFields, segmentsOf, type ObjectReader } from './segments.js';
import type { ObjectRecord, Segment } from './types.js';

/** What handlers and the metadata store ask of the bytes. */
export interface BlobStore {
  /** Blobs open by readers: removing one of them waits for its last reader. */
  readonly refs: BlobRefs;
  /** Drains a body into a new temp file, computing MD5 and CRC-64 (see writeTempBlob for the failures). */
  writeTemp(source: AsyncIterable<Uint8Array>, opts?: WriteTempOptions): Promise<WrittenBlob>;
  /** Moves a written temp file into the bucket as a new blob and returns its name (not yet referenced). */
  adoptBlob(bucket: string, written: WrittenBlob): Promise<string>;
  /** New names in `bucket` for immutable files (`sources[i]` becomes segment i), without copying bytes. */
  linkSegments(bucket: string, sources: string[], sizes: number[]): Promise<Segment[]>;
  /** A new name for every blob of an open object (CopyObject): the record fields naming the copy's bytes. */
  cloneObjectBytes(
    srcBucket: string,
    src: ObjectReader,
    dstBucket: string,
  ): Promise<Pick<ObjectRecord, 'blob' | 'segments'>>;
  /** Removes every blob of `rec` not also in `keep` (deferred while readers hold them). */
  removeBytes(bucket: string, rec: BlobFields, keep?: BlobFields): Promise<void>;
  /** The files of `rec`'s bytes, in byte order. */
  pathsOf(bucket: string, rec: ObjectRecord): string[];
  /** Removes blobs of `bucket` that no record in `referenced` names and that are older than `before` (ms). */
  sweepOrphans(bucket: string, referenced: Set<string>, before: number): Promise<void>;
}

/**
 * Runs a write into a bucket while the bucket is held (see ObjectStore.inBucket): new blobs never land in a
 * deleted bucket, and the bucket's index is loaded first so its orphan sweep cannot take them before commit.
 */
export type BucketGuard = <T>(bucket: string, fn: () => Promise<T>) => Promise<T>;

/** The fields of a record that name its bytes. */
export type BlobFields = Pick<ObjectRecord, 'blob' | 'segments' | 'size'>;

/** Links made or blobs removed in parallel (a 10,000-part Complete). */
const LINKS_AT_ONCE = 32;

export class FsBlobStore implements BlobStore {
  readonly refs = new BlobRefs();

  constructor(
    private readonly layout: Layout,
    private readonly guard: BucketGuard,
  ) {}

  writeTemp(source: AsyncIterable<Uint8Array>, opts: WriteTempOptions = {}): Promise<WrittenBlob> {
    return writeTempBlob(source, this.layout.tmp, opts);
  }

  async adoptBlob(bucket: string, written: WrittenBlob): Promise<string> {
    try {
      return await this.guard(bucket, async () => {
        const blob = randomName();
        const dir = this.layout.blobDir(bucket, blob);
        await ensureDirBelow(this.layout.bucket(bucket), dir);
        await commitBlob(written.tmpPath, this.layout.blobFile(bucket, blob), dir);
        return blob;
      });
    } catch (err) {
      await unlinkQuiet(written.tmpPath);
      throw err;
    }
  }

  /**
   * Hard links, falling back to a byte copy where links are refused. All names share one random stem, hence one
   * blob directory, which is fsynced once. On failure the names made so far are removed. Not yet referenced:
   * the caller commits a record naming them, and a crash before that leaves orphans for the sweep.
   */
  linkSegments(bucket: string, sources: string[], sizes: number[]): Promise<Segment[]> {
    return this.guard(bucket, () => this.linkSegmentsIn(bucket, sources, sizes));
  }

  private async linkSegmentsIn(bucket: string, sources: string[], sizes: number[]): Promise<Segment[]> {
    const stem = randomName();
    const segments = sources.map((_, i) => ({
      blob: sources.length === 1 ? stem : `${stem}-${i + 1}`,
      size: sizes[i]!,
    }));
    const dir = this.layout.blobDir(bucket, stem);
    await ensureDirBelow(this.layout.bucket(bucket), dir);
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

  /** The reader keeps the source's blobs alive while they are linked. */
  async cloneObjectBytes(
    srcBucket: string,
    src: ObjectReader,
    dstBucket: string,
  ): Promise<Pick<ObjectRecord, 'blob' | 'segments'>> {
    const segs = segmentsOf(src.rec);
    if (segs.length === 0) return bytesFields([]);
    const made = await this.linkSegments(
      dstBucket,
      this.pathsOf(srcBucket, src.rec),
      segs.map((s) => s.size),
    );
    return bytesFields(made);
  }

  async removeBytes(bucket: string, rec: BlobFields, keep?: BlobFields): Promise<void> {
    const kept = new Set(keep ? segmentsOf(keep).map((s) => s.blob) : []);
    const paths = segmentsOf(rec)
      .filter((s) => !kept.has(s.blob))
      .map((s) => this.layout.blobFile(bucket, s.blob));
    for (let i = 0; i < paths.length; i += LINKS_AT_ONCE) {
      await Promise.all(paths.slice(i, i + LINKS_AT_ONCE).map((p) => this.refs.remove(p)));
    }
  }

  pathsOf(bucket: string, rec: ObjectRecord): string[] {
    return segmentsOf(rec).map((s) => this.layout.blobFile(bucket, s.blob));
  }

  /**
   * Blobs written by a process that died before committing their metadata are never referenced. Only blobs older
   * than `before` (this process's start) are considered, so an upload in flight right now is never touched.
   */
  async sweepOrphans(bucket: string, referenced: Set<string>, before: number): Promise<void> {
    const root = this.layout.blobRoot(bucket);
    for (const s of await readdir(root).catch(() => [] as string[])) {
      for (const b of await readdir(join(root, s)).catch(() => [] as string[])) {
        if (referenced.has(b)) continue;
        const p = join(root, s, b);
        const st = await stat(p).catch(() => undefined);
        if (st && st.mtimeMs < before) await unlinkQuiet(p);
      }
    }
  }
}
