// rclone's skip rules, decided before the usual comparison: --ignore-existing (also --no-clobber), --size-only and
// --update (skip what is newer at the destination). Each skip says which rule made it.
import type { HeadObjectResult, OssClient } from '../../client/index.js';
import type { RemoteEntry } from './listing.js';
import type { LocalEntry } from './walk.js';

/** The skip rules of a tree run (TreeOptions and the comparison both carry them). */
export interface SkipRules {
  /** Skip every file the destination already has, whatever its content (--ignore-existing, --no-clobber). */
  ignoreExisting?: boolean;
  /** Compare sizes only: a file of the same size is skipped (--size-only). */
  sizeOnly?: boolean;
  /**
   * Skip a file whose destination copy is newer (--update, rclone's rules): a newer destination is skipped; an equal
   * mtime sends only when the sizes differ (or the CRC-64s, with `checksum`); an older destination sends unless size
   * and CRC-64 are the same.
   */
  update?: boolean;
}

/** What the rules need to know (compare.ts's context extends it). */
export interface SkipContext extends SkipRules {
  client: OssClient;
  bucket: string;
  /** --checksum: with --update, equal mtimes compare CRC-64 too. */
  checksum: boolean;
  /** Which side is the source (the rules need to know which copy is the destination's). */
  direction?: 'upload' | 'download';
  signal?: AbortSignal;
}

interface RuleVerdict {
  send: boolean;
  reason: string;
  head?: HeadObjectResult;
}

/** mtimes closer than this are equal: ms when the object records the file's mtime, else a second (Last-Modified). */
const WINDOW_MS_META = 1;
const WINDOW_MS_SERVER = 1000;

export type RuleOutcome =
  /** The rule decided. */
  | { verdict: RuleVerdict }
  /** Go on with the comparison of `mode` 'copy' (size and CRC-64) or 'size' (size only). */
  | { compare: 'copy' | 'size'; head?: HeadObjectResult };

/** For a file present on both sides: what the skip rules decide, or undefined when none is set. */
export async function applySkipRules(
  local: LocalEntry,
  remote: RemoteEntry,
  ctx: SkipContext,
): Promise<RuleOutcome | undefined> {
  if (ctx.ignoreExisting) return { verdict: { send: false, reason: 'exists at the destination (ignore-existing)' } };
  if (ctx.sizeOnly) {
    return {
      verdict:
        local.size === remote.size
          ? { send: false, reason: 'same size (size-only)' }
          : { send: true, reason: 'size differs' },
    };
  }
  if (!ctx.update) return undefined;
  const head = await ctx.client.headObject(ctx.bucket, remote.key, { signal: ctx.signal });
  // The file's mtime as uploads record it (x-oss-meta-mtime, compare.ts), else when the object was stored.
  const metaMtime = head.meta.mtime !== undefined && /^\d+(\.\d+)?$/.test(head.meta.mtime);
  const remoteMs = metaMtime ? Number(head.meta.mtime) * 1000 : (head.lastModified?.getTime() ?? NaN);
  const window = metaMtime ? WINDOW_MS_META : WINDOW_MS_SERVER;
  const [srcMs, dstMs] = ctx.direction === 'upload' ? [local.mtimeMs, remoteMs] : [remoteMs, local.mtimeMs];
  const newer = dstMs - srcMs;
  if (newer >= window) return { verdict: { send: false, reason: 'newer on the destination (update)', head } };
  if (newer <= -window) return { compare: 'copy', head };
  return { compare: ctx.checksum ? 'copy' : 'size', head };
}
