// Multipart uploads on disk. Each upload is a directory with a manifest; each part upload writes its own unique
// blob whose name is its part record (part-names.ts), committed by one rename under the upload's lock, so two
// uploads of one part number never mix bytes: the last one to commit wins. Uploads survive restarts because
// nothing about them lives only in memory; what is kept in memory (upload-states.ts) only saves reads.
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { readdir, rm, rename } from 'node:fs/promises';
import { multipartEtag } from '../../core/etag.js';
import { MIN_PART_SIZE } from '../../core/limits.js';
import { join } from 'node:path';
import { crc64Combine, crc64ToDecimal, parseCrc64 } from '../../core/crc64.js';
import type { WrittenBlob } from './blob.js';
import { fsyncDir, isNotFound, randomName, readJson, unlinkQuiet, writeFileAtomic } from '../../io/fs.js';
import { bytesFields } from './segments.js';
import { isUploadId } from './layout.js';
import { compareUtf8 } from '../../core/key-order.js';
import { ObjectExistsError } from './metadata-store.js';
import { currentParts, partBlobName, type PartEntry } from './part-names.js';
import { UploadStates, type UploadState } from './upload-states.js';
import { syncDirQuick } from './fd-io.js';
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

/** Legacy part records (`parts/<n>.json`) read in parallel. */
const PART_READS_AT_ONCE = 32;

export class MultipartStore {
  private readonly states = new UploadStates();
  /** Ends this process's part names: two processes on one root never make the same one. */
  private readonly tag = `${process.pid.toString(36)}x${randomBytes(4).toString('hex')}`;

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
      await this.objects.ensureBucketDir(bucket, this.layout.partBlobDir(bucket, uploadId));
      const rec: UploadRecord = { uploadId, key, initiated: Date.now(), attributes };
      // The manifest is the upload's commit point: a directory without one is debris from a crash.
      await writeFileAtomic(this.layout.tmp, this.layout.uploadFile(bucket, uploadId), JSON.stringify(rec), dir);
      await fsyncDir(this.layout.uploadsRoot(bucket));
      const s = this.states.acquire(bucket, uploadId);
      s.manifest = Promise.resolve(rec);
      s.parts = new Map();
      this.states.release(s);
      return rec;
    });
  }

  /** The upload, if it exists and belongs to `key` (when given). */
  async get(bucket: string, uploadId: string, key?: string): Promise<UploadRecord | undefined> {
    if (!isUploadId(uploadId)) return undefined;
    const s = this.states.acquire(bucket, uploadId);
    try {
      const rec = await this.manifest(bucket, uploadId, s);
      if (!rec || (key !== undefined && rec.key !== key)) return undefined;
      return rec;
    } finally {
      this.states.release(s);
    }
  }

  /** The manifest as read once (it never changes); a missing one is not remembered. */
  private manifest(bucket: string, uploadId: string, s: UploadState): Promise<UploadRecord | undefined> {
    if (s.removed) return Promise.resolve(undefined);
    return (s.manifest ??= readJson<UploadRecord>(this.layout.uploadFile(bucket, uploadId)).then(
      (rec) => {
        if (!rec) this.states.forget(s, false);
        return rec;
      },
      (err: unknown) => {
        s.manifest = undefined;
        throw err;
      },
    ));
  }

  /**
   * Commits a written part: its temp file is renamed into the upload's blob directory under a name that is its
   * record (one rename, then one directory fsync, group-committed with concurrent parts), and only then is the
   * part it replaced removed. Undefined if the upload is gone (the temp file is then discarded).
   */
  async putPart(
    bucket: string,
    uploadId: string,
    partNumber: number,
    written: WrittenBlob,
  ): Promise<PartRecord | undefined> {
    const blobDir = this.layout.partBlobDir(bucket, uploadId);
    const s = this.states.acquire(bucket, uploadId);
    try {
      const committed = (await this.manifest(bucket, uploadId, s))
        ? await this.lock(bucket, uploadId, async () => {
            if (s.removed) return undefined;
            const parts = (s.parts ??= await this.readParts(bucket, uploadId, s));
            const entry: PartEntry = {
              partNumber,
              seq: ++s.seq,
              blob: '',
              size: written.size,
              etag: written.md5.toString('hex').toUpperCase(),
              crc64: crc64ToDecimal(written.crc64),
              lastModified: Date.now(),
            };
            entry.blob = partBlobName(entry, this.tag);
            try {
              // Synchronous, like creating the temp file (fd-io.ts): one directory entry, no data.
              renameSync(written.tmpPath, join(blobDir, entry.blob));
            } catch (err) {
              // The upload's directory is gone: removed by another process on this root.
              if (!isNotFound(err) || (await readJson(this.layout.uploadFile(bucket, uploadId)))) throw err;
              this.states.forget(s, true);
              return undefined;
            }
            const old = parts.get(partNumber);
            parts.set(partNumber, entry);
            return { entry, old };
          })
        : undefined;
      if (!committed) {
        await unlinkQuiet(written.tmpPath);
        return undefined;
      }
      await fsyncDir(blobDir, syncDirQuick);
      if (committed.old) await this.dropPart(bucket, uploadId, committed.old);
      const { seq: _, ...rec } = committed.entry;
      return rec;
    } catch (err) {
      await unlinkQuiet(written.tmpPath);
      throw err;
    } finally {
      this.states.release(s);
    }
  }

  /** Removes a replaced part, once its replacement is durable (a crash in between leaves both: the later wins). */
  private async dropPart(bucket: string, uploadId: string, old: PartEntry): Promise<void> {
    if (old.seq < 0) await unlinkQuiet(this.layout.partFile(bucket, uploadId, old.partNumber));
    await unlinkQuiet(join(this.layout.partBlobDir(bucket, uploadId), old.blob));
  }

  /** The current parts on disk (one readdir; legacy records read too), and the state's sequence moved past them. */
  private async readParts(bucket: string, uploadId: string, s?: UploadState): Promise<Map<number, PartEntry>> {
    const names = await readdir(this.layout.partBlobDir(bucket, uploadId)).catch(() => [] as string[]);
    const { parts, maxSeq } = currentParts(names, await this.legacyParts(bucket, uploadId));
    if (s) s.seq = Math.max(s.seq, maxSeq);
    return parts;
  }

  /** Part records of roots written before parts were named by their records. */
  private async legacyParts(bucket: string, uploadId: string): Promise<PartRecord[]> {
    const dir = this.layout.partsDir(bucket, uploadId);
    const files = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+\.json$/.test(n));
    const out: PartRecord[] = [];
    for (let i = 0; i < files.length; i += PART_READS_AT_ONCE) {
      const batch = await Promise.all(
        files.slice(i, i + PART_READS_AT_ONCE).map((n) => readJson<PartRecord>(join(dir, n))),
      );
      for (const p of batch) if (p) out.push(p);
    }
    return out;
  }

  async listParts(bucket: string, uploadId: string): Promise<PartRecord[]> {
    return (await this.pageParts(bucket, uploadId, 0, Number.MAX_SAFE_INTEGER)).parts;
  }

  /** Parts numbered above `after`, at most `limit`, in order: from the part directory's names alone. */
  async pageParts(
    bucket: string,
    uploadId: string,
    after: number,
    limit: number,
  ): Promise<{ parts: PartRecord[]; truncated: boolean }> {
    const all = [...(await this.readParts(bucket, uploadId)).values()]
      .filter((p) => p.partNumber > after)
      .sort((a, b) => a.partNumber - b.partNumber);
    const parts = all.slice(0, limit).map(({ seq: _, ...rec }) => rec);
    return { parts, truncated: all.length > parts.length };
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
      if (!(await this.exists(bucket, uploadId))) return false;
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
      if (!(await this.exists(bucket, upload.uploadId))) throw new CompleteError('NoSuchUpload');
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

  /** Whether the manifest is on disk now (Abort and Complete do not trust what is remembered). */
  private async exists(bucket: string, uploadId: string): Promise<boolean> {
    return isUploadId(uploadId) && (await readJson(this.layout.uploadFile(bucket, uploadId))) !== undefined;
  }

  private async remove(bucket: string, uploadId: string): Promise<void> {
    // Rename away first: the upload disappears atomically even if the recursive delete is interrupted.
    const grave = join(this.layout.tmp, `upload-${randomName()}`);
    await rename(this.layout.upload(bucket, uploadId), grave);
    const s = this.states.acquire(bucket, uploadId);
    this.states.forget(s, true);
    this.states.release(s);
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
