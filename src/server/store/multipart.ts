// Multipart uploads on disk. Each upload is a directory with a manifest; each part upload writes its own
// unique blob and commits a part record by rename, so two uploads of one part number never mix bytes: the
// last one to commit wins. Uploads survive restarts because nothing about them lives only in memory.
import { readdir, rm, rename } from 'node:fs/promises';
import { multipartEtag } from '../../core/etag.js';
import { MIN_PART_SIZE } from '../../core/limits.js';
import { join } from 'node:path';
import { crc64Combine, crc64ToDecimal, parseCrc64 } from '../../core/crc64.js';
import { commitBlob, type WrittenBlob } from './blob.js';
import { fsyncDir, randomName, readJson, unlinkQuiet, writeFileAtomic } from '../../io/fs.js';
import { bytesFields } from './segments.js';
import { isUploadId } from './layout.js';
import { compareUtf8 } from './key-index.js';
import { ObjectExistsError } from './metadata-store.js';
import type { ObjectStore } from './objects.js';
import type { ObjectAttributes, ObjectRecord, PartRecord, UploadRecord } from './types.js';

/** Why a Complete was refused; the handler maps these to OSS error codes. */
export class CompleteError extends Error {
  constructor(
    readonly code: 'InvalidPart' | 'InvalidPartOrder' | 'EntityTooSmall' | 'NoSuchUpload',
    readonly partNumber?: number,
  ) {
    super(code);
  }
}

/** Part records read in parallel when listing. */
const PART_READS_AT_ONCE = 32;

export class MultipartStore {
  constructor(private readonly objects: ObjectStore) {}

  private get layout() {
    return this.objects.layout;
  }
  private lock<T>(bucket: string, uploadId: string, fn: () => Promise<T>): Promise<T> {
    return this.objects.locks.run(`upload\n${bucket}\n${uploadId}`, fn);
  }

  async initiate(bucket: string, key: string, attributes: ObjectAttributes): Promise<UploadRecord> {
    // Under the bucket's shared lock: DeleteBucket either sees this upload (BucketNotEmpty) or runs first.
    return this.objects.inBucket(bucket, async () => {
      const uploadId = randomName().toUpperCase();
      const dir = this.layout.upload(bucket, uploadId);
      await this.objects.ensureBucketDir(bucket, join(dir, 'parts'));
      await this.objects.ensureBucketDir(bucket, join(dir, 'blobs'));
      const rec: UploadRecord = { uploadId, key, initiated: Date.now(), attributes };
      // The manifest is the upload's commit point: a directory without one is debris from a crash.
      await writeFileAtomic(this.layout.tmp, this.layout.uploadFile(bucket, uploadId), JSON.stringify(rec), dir);
      await fsyncDir(this.layout.uploadsRoot(bucket));
      return rec;
    });
  }

  /** The upload, if it exists and belongs to `key` (when given). */
  async get(bucket: string, uploadId: string, key?: string): Promise<UploadRecord | undefined> {
    if (!isUploadId(uploadId)) return undefined;
    const rec = await readJson<UploadRecord>(this.layout.uploadFile(bucket, uploadId));
    if (!rec || (key !== undefined && rec.key !== key)) return undefined;
    return rec;
  }

  /** Commits a written part; undefined if the upload is gone (its blob is then discarded). */
  async putPart(
    bucket: string,
    uploadId: string,
    partNumber: number,
    written: WrittenBlob,
  ): Promise<PartRecord | undefined> {
    const blob = randomName();
    const blobDir = this.layout.partBlobDir(bucket, uploadId);
    return this.lock(bucket, uploadId, async () => {
      if (!(await this.get(bucket, uploadId))) {
        await unlinkQuiet(written.tmpPath);
        return undefined;
      }
      try {
        await commitBlob(written.tmpPath, join(blobDir, blob), blobDir);
      } catch (err) {
        await unlinkQuiet(written.tmpPath);
        throw err;
      }
      const rec: PartRecord = {
        partNumber,
        blob,
        size: written.size,
        etag: written.md5.toString('hex').toUpperCase(),
        crc64: crc64ToDecimal(written.crc64),
        lastModified: Date.now(),
      };
      const file = this.layout.partFile(bucket, uploadId, partNumber);
      const old = await readJson<PartRecord>(file);
      await writeFileAtomic(this.layout.tmp, file, JSON.stringify(rec), this.layout.partsDir(bucket, uploadId));
      if (old) await unlinkQuiet(join(blobDir, old.blob));
      return rec;
    });
  }

  async listParts(bucket: string, uploadId: string): Promise<PartRecord[]> {
    return (await this.pageParts(bucket, uploadId, 0, Number.MAX_SAFE_INTEGER)).parts;
  }

  /**
   * Parts numbered above `after`, at most `limit`, in order. Part numbers come from the file names, so a page reads
   * only its own records: a 10,000-part upload listed 1,000 at a time reads each record once, not ten times.
   */
  async pageParts(
    bucket: string,
    uploadId: string,
    after: number,
    limit: number,
  ): Promise<{ parts: PartRecord[]; truncated: boolean }> {
    const dir = this.layout.partsDir(bucket, uploadId);
    const numbers = (await readdir(dir).catch(() => [] as string[]))
      .map((n) => /^(\d+)\.json$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .filter((n) => n > after)
      .sort((a, b) => a - b);
    const wanted = numbers.slice(0, limit);
    const parts: PartRecord[] = [];
    for (let i = 0; i < wanted.length; i += PART_READS_AT_ONCE) {
      const batch = await Promise.all(
        wanted
          .slice(i, i + PART_READS_AT_ONCE)
          .map((n) => readJson<PartRecord>(this.layout.partFile(bucket, uploadId, n))),
      );
      for (const p of batch) if (p) parts.push(p);
    }
    return { parts, truncated: numbers.length > wanted.length };
  }

  /** All uploads of the bucket, ordered by key then initiation time (ListMultipartUploads order). */
  async listUploads(bucket: string): Promise<UploadRecord[]> {
    const root = this.layout.uploadsRoot(bucket);
    const out: UploadRecord[] = [];
    for (const id of await readdir(root).catch(() => [] as string[])) {
      const rec = await this.get(bucket, id);
      if (rec) out.push(rec);
    }
    return out.sort(
      (a, b) => compareUtf8(a.key, b.key) || a.initiated - b.initiated || (a.uploadId < b.uploadId ? -1 : 1),
    );
  }

  async abort(bucket: string, uploadId: string): Promise<boolean> {
    return this.lock(bucket, uploadId, async () => {
      if (!(await this.get(bucket, uploadId))) return false;
      await this.remove(bucket, uploadId);
      return true;
    });
  }

  /**
   * Commits the chosen parts (`'all'` = every uploaded part) as the segments of a new object.
   * Runs under the upload's lock, so a part committed meanwhile waits and then finds the upload gone.
   */
  async complete(
    bucket: string,
    upload: UploadRecord,
    wanted: Array<{ partNumber: number; etag: string }> | 'all',
    opts: { forbidOverwrite?: boolean; acl?: ObjectRecord['acl'] },
  ): Promise<ObjectRecord> {
    return this.lock(bucket, upload.uploadId, async () => {
      if (!(await this.get(bucket, upload.uploadId))) throw new CompleteError('NoSuchUpload');
      const have = new Map((await this.listParts(bucket, upload.uploadId)).map((p) => [p.partNumber, p]));
      const chosen = wanted === 'all' ? [...have.values()] : choose(wanted, have);
      if (chosen.length === 0) throw new CompleteError('InvalidPart');
      for (let i = 0; i < chosen.length - 1; i++) {
        if (chosen[i]!.size < MIN_PART_SIZE) throw new CompleteError('EntityTooSmall', chosen[i]!.partNumber);
      }
      if (opts.forbidOverwrite && (await this.objects.getObject(bucket, upload.key))) {
        throw new ObjectExistsError(upload.key);
      }
      // The parts' blobs become the object's segments by hard link: no byte is copied, and the upload stays
      // intact until the record is committed (a crash before that leaves only orphan links for the sweep).
      const blobDir = this.layout.partBlobDir(bucket, upload.uploadId);
      let size = 0;
      let crc = 0n;
      const md5s: string[] = [];
      for (const p of chosen) {
        size += p.size;
        crc = size === p.size ? parseCrc64(p.crc64) : crc64Combine(crc, parseCrc64(p.crc64), p.size);
        md5s.push(p.etag);
      }
      const segments = await this.objects.blobs.linkSegments(
        bucket,
        chosen.map((p) => join(blobDir, p.blob)),
        chosen.map((p) => p.size),
      );
      const etag = multipartEtag(md5s);
      const rec: ObjectRecord = {
        ...upload.attributes,
        ...(opts.acl ? { acl: opts.acl } : {}),
        key: upload.key,
        ...bytesFields(segments),
        size,
        etag,
        crc64: crc64ToDecimal(crc),
        lastModified: Date.now(),
        type: 'Multipart',
      };
      await this.objects.commitObject(bucket, rec, { forbidOverwrite: opts.forbidOverwrite });
      await this.remove(bucket, upload.uploadId);
      return rec;
    });
  }

  async hasUploads(bucket: string): Promise<boolean> {
    return (await this.listUploads(bucket)).length > 0;
  }

  private async remove(bucket: string, uploadId: string): Promise<void> {
    // Rename away first: the upload disappears atomically even if the recursive delete is interrupted.
    const grave = join(this.layout.tmp, `upload-${randomName()}`);
    await rename(this.layout.upload(bucket, uploadId), grave);
    await fsyncDir(this.layout.uploadsRoot(bucket));
    await rm(grave, { recursive: true, force: true });
  }
}

function choose(wanted: Array<{ partNumber: number; etag: string }>, have: Map<number, PartRecord>): PartRecord[] {
  const out: PartRecord[] = [];
  let prev = 0;
  for (const w of wanted) {
    if (w.partNumber <= prev) throw new CompleteError('InvalidPartOrder', w.partNumber);
    prev = w.partNumber;
    const p = have.get(w.partNumber);
    if (!p || p.etag !== w.etag) throw new CompleteError('InvalidPart', w.partNumber);
    out.push(p);
  }
  return out;
}
