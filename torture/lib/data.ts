// Source files and independent readers. A result is checked by SHA-256 against bytes read without the ossup client:
// the server's own files under its root (metadata record -> blob), or a raw signed GET over node:http.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../test/helpers/fault-proxy.js';
import { call, type Target } from '../../test/server/lib.js';

/** Writes `size` seeded pseudo-random bytes to `file` (64 KiB at a time); returns their SHA-256 (hex). */
export async function writeRandomFile(file: string, size: number, seed: number): Promise<string> {
  const next = seededRandom(seed);
  const hash = createHash('sha256');
  const fh = await open(file, 'w');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    for (let done = 0; done < size;) {
      const n = Math.min(chunk.length, size - done);
      for (let i = 0; i < n; i += 4) chunk.writeUInt32LE(Math.floor(next() * 0x100000000) >>> 0, Math.min(i, chunk.length - 4));
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
    createReadStream(file).on('data', (c) => hash.update(c)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/**
 * The stored bytes' file for bucket/key, read from the server's on-disk format (layout.ts, written out again here
 * on purpose: metadata at meta/<hh>/<sha256(key)>.json names the blob), or undefined when no object is committed.
 */
export async function storedBlob(root: string, bucket: string, key: string): Promise<{ path: string; size: number } | undefined> {
  const h = createHash('sha256').update(key, 'utf8').digest('hex');
  const meta = join(root, 'buckets', bucket, 'meta', h.slice(0, 2), `${h}.json`);
  let rec: { blob: string; size: number };
  try {
    rec = JSON.parse(await readFile(meta, 'utf8')) as { blob: string; size: number };
  } catch {
    return undefined;
  }
  return { path: join(root, 'buckets', bucket, 'blobs', rec.blob.slice(0, 2), rec.blob), size: rec.size };
}

/** SHA-256 of the committed object's bytes on the server's disk, or undefined when there is none. */
export async function storedSha(root: string, bucket: string, key: string): Promise<{ sha: string; size: number } | undefined> {
  const blob = await storedBlob(root, bucket, key);
  if (!blob) return undefined;
  const st = await stat(blob.path);
  if (st.size !== blob.size) return { sha: `size-mismatch:${st.size}/${blob.size}`, size: st.size };
  return { sha: await sha256File(blob.path), size: st.size };
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
export async function rawGet(t: Target, bucket: string, key: string): Promise<{ status: number; sha?: string; size: number }> {
  const r = await call(t, { method: 'GET', bucket, key });
  return r.status === 200 ? { status: 200, sha: sha256(r.body), size: r.body.length } : { status: r.status, size: 0 };
}
