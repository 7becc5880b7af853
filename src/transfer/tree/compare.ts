// Whether a file must be sent: the rules of `cp -r` (size and CRC-64) and `sync` (size and mtime, or CRC-64).
import { createReadStream } from 'node:fs';
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
  const crc = await crc64OfFile(local.path, ctx.signal);
  const localCrc = crc64ToDecimal(crc);
  if (crc !== head.crc64) return { send: true, reason: 'CRC-64 differs', head, localCrc };
  return { send: false, reason: 'same size and CRC-64', head, localCrc, same: true };
}

/** CRC-64 of a whole file, read in 1 MiB chunks. */
export async function crc64OfFile(file: string, signal?: AbortSignal): Promise<bigint> {
  const crc = new Crc64();
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  try {
    for await (const chunk of stream) {
      if (signal?.aborted) throw abortError(signal);
      crc.update(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return crc.digest();
}
