// Whether a file must be sent: the rules of `cp -r` (size and CRC-64) and `sync` (size and mtime, or CRC-64).
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Crc64, crc64ToDecimal } from '../../core/crc64.js';
import { abortError } from '../../core/errors.js';
import type { HeadObjectResult } from '../../client/index.js';
import type { RemoteEntry } from './listing.js';
import { applySkipRules, type SkipContext } from './skip-rules.js';
import type { LocalEntry } from './walk.js';

/** The object metadata that carries the file's mtime (`x-oss-meta-mtime`, as rclone writes it): Unix seconds. */
export const MTIME_META = 'mtime';

/** mtimes closer than this are the same (file systems keep ns, the metadata ms). */
export const MTIME_WINDOW_MS = 1;

export function mtimeMeta(mtimeMs: number): string {
  return (mtimeMs / 1000).toFixed(3);
}

/** The object's mtime: its `mtime` metadata, else its Last-Modified. NaN when neither is known. */
export function remoteMtimeMs(
  head: Pick<HeadObjectResult, 'meta' | 'lastModified'> | undefined,
  listed?: RemoteEntry,
): number {
  const meta = head?.meta[MTIME_META];
  if (meta !== undefined && /^\d+(\.\d+)?$/.test(meta)) return Number(meta) * 1000;
  return head?.lastModified?.getTime() ?? listed?.lastModifiedMs ?? NaN;
}

export interface Verdict {
  send: boolean;
  /** Why: "new", "size differs", "mtime differs", "CRC-64 differs", "same size and CRC-64", "same size and mtime". */
  reason: string;
  /** The HEAD done to decide, when one was (its ETag and CRC-64 describe a skipped file). */
  head?: HeadObjectResult;
  /** The local file's CRC-64 when it was computed (a copy: the source object's). */
  localCrc?: string;
  /** A copy between prefixes: the source's HEAD, when one was done to decide (the copy reuses it). */
  sourceHead?: HeadObjectResult;
  /** Set when the two sides were found to hold the same bytes (a sync's snapshot records them). */
  same?: boolean;
  /** Decided by the sync's snapshot: the object's ETag and CRC-64 (decimal, or '') it recorded. */
  recorded?: { etag: string; crc64: string };
  /** Decided from the listing (no HEAD): the object's listed ETag, the MD5 of the file's bytes. */
  listedEtag?: string;
}

export interface CompareContext extends SkipContext {
  mode: 'copy' | 'sync';
}

/** Decides for a local file and the object of the same relative path (either may be absent: then it is "new"). */
export async function compare(
  local: LocalEntry | undefined,
  remote: RemoteEntry | undefined,
  ctx: CompareContext,
): Promise<Verdict> {
  if (!local || !remote) return { send: true, reason: 'new' };
  const rule = await applySkipRules(local, remote, ctx);
  if (rule && 'verdict' in rule) return rule.verdict;
  if (local.size !== remote.size) return { send: true, reason: 'size differs', head: rule?.head };
  // cp -r's rule, decided from the listing where its ETag is the MD5 of the object's bytes (no HEAD per file).
  const read = ctx.mode === 'copy' && !ctx.checksum && !rule ? await byListedMd5(local, remote, ctx.signal) : undefined;
  if (read?.skip) return read.skip;
  const head = rule?.head ?? (await ctx.client.headObject(ctx.bucket, remote.key, { signal: ctx.signal }));
  if (head.size !== local.size) return { send: true, reason: 'size differs', head };
  if (rule?.compare === 'size') return { send: false, reason: 'same size and mtime', head, same: true };
  if (ctx.mode === 'sync' && !ctx.checksum && !rule) {
    const remoteMs = remoteMtimeMs(head, remote);
    const same = Math.abs(remoteMs - local.mtimeMs) <= MTIME_WINDOW_MS;
    return same
      ? { send: false, reason: 'same size and mtime', head, same: true }
      : { send: true, reason: 'mtime differs', head };
  }
  if (head.crc64 === undefined) return { send: true, reason: 'the object has no CRC-64 to compare', head };
  const crc = read?.crc ?? (await crc64OfFile(local.path, ctx.signal));
  const localCrc = crc64ToDecimal(crc);
  if (crc !== head.crc64) return { send: true, reason: 'CRC-64 differs', head, localCrc };
  return { send: false, reason: 'same size and CRC-64', head, localCrc, same: true };
}

/**
 * Files up to this size are decided from the listing: reading one costs less than a HEAD's round trip (MD5 runs at
 * ~500 MB/s, so 16 MiB is ~30 ms); a larger one whose ETag is an MD5 (a PutObject by another tool) costs a HEAD.
 */
export const LISTED_MD5_MAX = 16 * 1024 * 1024;

/** An ETag that is an MD5 of the object's bytes: a Normal object's (PutObject, CopyObject) 32 hex digits. */
const MD5_ETAG = /^[0-9a-f]{32}$/i;

/**
 * cp -r's comparison from the listing alone: a Normal object's ETag is the MD5 of its bytes, so a file whose MD5 is
 * that ETag holds the same bytes (and so the same CRC-64, which the skip reports). Any other outcome (another type,
 * a multipart ETag, an MD5 that differs: the ETag of an object stored encrypted need not be its MD5) decides
 * nothing; the file's CRC-64, computed in the same read, then goes to the usual HEAD comparison.
 */
async function byListedMd5(
  local: LocalEntry,
  remote: RemoteEntry,
  signal?: AbortSignal,
): Promise<{ skip?: Verdict; crc: bigint } | undefined> {
  if (remote.type !== 'Normal' || !MD5_ETAG.test(remote.etag) || local.size > LISTED_MD5_MAX) return undefined;
  const md5 = md5Hash();
  if (!md5) return undefined;
  const crc = await crc64OfFile(local.path, signal, (chunk) => md5.update(chunk));
  const etag = remote.etag.toUpperCase();
  if (md5.digest('hex').toUpperCase() !== etag) return { crc };
  const localCrc = crc64ToDecimal(crc);
  return { skip: { send: false, reason: 'same size and CRC-64', localCrc, listedEtag: etag, same: true }, crc };
}

/** A new MD5, or undefined where OpenSSL refuses MD5 (a FIPS build): the HEAD then decides. */
function md5Hash(): Hash | undefined {
  try {
    return createHash('md5');
  } catch {
    return undefined;
  }
}

/** Read buffers of crc64OfFile, reused: a 1 MiB buffer per file read was most of a rerun's CPU (in GC). */
const CHUNK = 1024 * 1024;
const spare: Buffer[] = [];
const SPARE_MAX = 16;

/** CRC-64 of a whole file, read in 1 MiB chunks (each also handed to `also`, which must use it at once). */
export async function crc64OfFile(file: string, signal?: AbortSignal, also?: (chunk: Buffer) => void): Promise<bigint> {
  const crc = new Crc64();
  const fh = await fsp.open(file, 'r');
  const buf = spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      crc.update(chunk);
      also?.(chunk);
    }
  } finally {
    if (spare.length < SPARE_MAX) spare.push(buf);
    await fh.close();
  }
  return crc.digest();
}
