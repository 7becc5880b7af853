// Source files and independent readers. A result is checked by SHA-256 against bytes read without the ossup client:
// the server's own files under its root (metadata record -> blob), or a raw signed GET over node:http.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../harness/fault-proxy.js';
import { call, type Target } from '../../harness/oss-http.js';

/** Writes `size` seeded pseudo-random bytes to `file` (64 KiB at a time); returns their SHA-256 (hex). */
export async function writeRandomFile(file: string, size: number, seed: number): Promise<string> {
  const next = seededRandom(seed);
  const hash = createHash('sha256');
  const fh = await open(file, 'w');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    for (let done = 0; done < size; ) {
      const n = Math.min(chunk.length, size - done);
      for (let i = 0; i < n; i += 4)
        chunk.writeUInt32LE(Math.floor(next() * 0x100000000) >>> 0, Math.min(i, chunk.length - 4));
      await fh.write(chunk, 0, n);
      hash.update(chunk.subarray(0, n));
      done += n;
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * The stored bytes' files for bucket/key, in order, read from the server's on-disk format (layout.ts and types.ts,
 * written out again here on purpose: metadata at meta/<hh>/<sha256(key)>.json names either one `blob` or, for a
 * completed multipart upload, `segments: [{blob, size}]`), or undefined when no object is committed.
 */
export async function storedBlobs(
  root: string,
  bucket: string,
  key: string,
): Promise<Array<{ path: string; size: number }> | undefined> {
  const h = createHash('sha256').update(key, 'utf8').digest('hex');
  const meta = join(root, 'buckets', bucket, 'meta', h.slice(0, 2), `${h}.json`);
  let rec: { blob?: string; segments?: Array<{ blob: string; size: number }>; size: number };
  try {
    rec = JSON.parse(await readFile(meta, 'utf8')) as typeof rec;
  } catch {
    return undefined;
  }
  const segs = rec.segments ?? [{ blob: rec.blob!, size: rec.size }];
  return segs.map((s) => ({ path: join(root, 'buckets', bucket, 'blobs', s.blob.slice(0, 2), s.blob), size: s.size }));
}

/** SHA-256 of the committed object's bytes on the server's disk (its segments in order), or undefined when there is none. */
export async function storedSha(
  root: string,
  bucket: string,
  key: string,
): Promise<{ sha: string; size: number } | undefined> {
  const blobs = await storedBlobs(root, bucket, key);
  if (!blobs) return undefined;
  const hash = createHash('sha256');
  let size = 0;
  for (const b of blobs) {
    const st = await stat(b.path);
    if (st.size !== b.size) return { sha: `size-mismatch:${st.size}/${b.size}`, size: st.size };
    await new Promise<void>((resolve, reject) => {
      createReadStream(b.path)
        .on('data', (c) => hash.update(c))
        .on('error', reject)
        .on('end', () => resolve());
    });
    size += st.size;
  }
  return { sha: hash.digest('hex'), size };
}

/** Committed object records in a bucket (0 when the bucket does not exist). */
export async function storedCount(root: string, bucket: string): Promise<number> {
  const metaRoot = join(root, 'buckets', bucket, 'meta');
  let n = 0;
  for (const d of await readdir(metaRoot).catch(() => [] as string[])) {
    n += (await readdir(join(metaRoot, d)).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).length;
  }
  return n;
}

/** A raw signed GET (node:http, core signer): status and body SHA-256. */
export async function rawGet(
  t: Target,
  bucket: string,
  key: string,
): Promise<{ status: number; sha?: string; size: number }> {
  const r = await call(t, { method: 'GET', bucket, key });
  return r.status === 200 ? { status: 200, sha: sha256(r.body), size: r.body.length } : { status: r.status, size: 0 };
}
