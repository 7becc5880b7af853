// Where things live under the storage root. Object keys are never used as path components: a key maps to the
// sha256 of its UTF-8 bytes, so no key ('..', '//', NUL, 1023 bytes of anything) can name a file outside root.
//
//   <root>/tmp/<pid>-<random>/                    this process's temp files (same filesystem, so renames are
//                                                 atomic); dirs of dead processes are swept at start
//   <root>/server/callback-key.pem                RSA key that signs upload callbacks
//   <root>/buckets/<bucket>/bucket.json           bucket record (bucket names are [a-z0-9-] only)
//   <root>/buckets/<bucket>/index-snapshot.json   listing index saved at close (see index-snapshot.ts)
//   <root>/buckets/<bucket>/meta/<hh>/<sha256>.json   object metadata; renaming it into place is the commit point
//   <root>/buckets/<bucket>/blobs/<hh>/<random>       immutable object bytes
//   <root>/buckets/<bucket>/uploads/<uploadId>/upload.json        multipart manifest
//   <root>/buckets/<bucket>/uploads/<uploadId>/blobs/<n>.<seq>...  part bytes, named by their record (part-names.ts);
//                                                                 renaming one in is the part's commit point
//   <root>/buckets/<bucket>/uploads/<uploadId>/parts/<n>.json     part record of roots written before that (read only)
//   <root>/buckets/<bucket>/config/<name>.json                    CORS, lifecycle, logging, website, referer,
//                                                                 versioning
//   <root>/buckets/<bucket>/versions/<hh>/<sha256>.json  a key's noncurrent versions and delete markers
//                                                         (versioned buckets only; see versions.ts)
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';

export class Layout {
  /** This process's temp dir: two processes on one root (the CLI's embedded server) never sweep each other's. */
  readonly tmp: string;

  constructor(readonly root: string) {
    this.tmp = join(this.tmpRoot, `${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  get tmpRoot(): string {
    return join(this.root, 'tmp');
  }
  get serverDir(): string {
    return join(this.root, 'server');
  }
  get buckets(): string {
    return join(this.root, 'buckets');
  }
  bucket(bucket: string): string {
    return join(this.buckets, bucket);
  }
  bucketFile(bucket: string): string {
    return join(this.bucket(bucket), 'bucket.json');
  }
  indexSnapshot(bucket: string): string {
    return join(this.bucket(bucket), 'index-snapshot.json');
  }
  metaRoot(bucket: string): string {
    return join(this.bucket(bucket), 'meta');
  }
  metaDir(bucket: string, key: string): string {
    return join(this.metaRoot(bucket), keyHash(key).slice(0, 2));
  }
  metaFile(bucket: string, key: string): string {
    const h = keyHash(key);
    return join(this.metaRoot(bucket), h.slice(0, 2), `${h}.json`);
  }
  versionsRoot(bucket: string): string {
    return join(this.bucket(bucket), 'versions');
  }
  versionsFile(bucket: string, key: string): string {
    const h = keyHash(key);
    return join(this.versionsRoot(bucket), h.slice(0, 2), `${h}.json`);
  }
  blobRoot(bucket: string): string {
    return join(this.bucket(bucket), 'blobs');
  }
  blobDir(bucket: string, blob: string): string {
    return join(this.blobRoot(bucket), blob.slice(0, 2));
  }
  blobFile(bucket: string, blob: string): string {
    return join(this.blobDir(bucket, blob), blob);
  }
  uploadsRoot(bucket: string): string {
    return join(this.bucket(bucket), 'uploads');
  }
  /** uploadId must already be validated as 32 hex chars (see isUploadId). */
  upload(bucket: string, uploadId: string): string {
    return join(this.uploadsRoot(bucket), uploadId);
  }
  uploadFile(bucket: string, uploadId: string): string {
    return join(this.upload(bucket, uploadId), 'upload.json');
  }
  partsDir(bucket: string, uploadId: string): string {
    return join(this.upload(bucket, uploadId), 'parts');
  }
  /** Legacy part records (roots written before parts were named by their records). */
  partFile(bucket: string, uploadId: string, partNumber: number): string {
    return join(this.partsDir(bucket, uploadId), `${partNumber}.json`);
  }
  partBlobDir(bucket: string, uploadId: string): string {
    return join(this.upload(bucket, uploadId), 'blobs');
  }
}

export function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function isUploadId(id: string): boolean {
  return /^[0-9A-F]{32}$/.test(id);
}
