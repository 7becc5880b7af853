// Which files of a tree take part beyond the --include/--exclude globs: by size, by age, by an exact list of paths
// (--files-from) and by depth. Like the globs they apply to both sides, so `sync --delete` never deletes at the
// destination what the source side leaves out.
import type { OssClient } from '../../client/index.js';
import { remoteMtimeMs } from './compare.js';
import type { RemoteEntry } from './listing.js';

/** Selection rules of a tree; every field optional, each narrows what the tree moves. */
export interface TreeSelect {
  /** Only files of at least this many bytes (--min-size). */
  minSize?: number;
  /** Only files of at most this many bytes (--max-size). */
  maxSize?: number;
  /** Only files modified at or after this time, in ms since the epoch (--max-age). */
  modifiedAfterMs?: number;
  /** Only files modified at or before this time, in ms since the epoch (--min-age). */
  modifiedBeforeMs?: number;
  /** Only these relative paths, `/`-separated (--files-from). */
  files?: readonly string[];
  /** Only files at most this many levels down: 1 is the files directly in the root (--max-depth). */
  maxDepth?: number;
}

export interface Selector {
  /** Whether a file of this path, size and mtime is selected. */
  keep(rel: string, size: number, mtimeMs: number): boolean;
  /** Everything but the age: for entries whose mtime is not known yet. */
  keepIgnoringAge(rel: string, size: number): boolean;
  /** Whether the age rules say anything. */
  hasAge: boolean;
  /** No rule at all: every file is selected. */
  all: boolean;
  /**
   * The age rules for a file whose mtime is at most `upperMs` (an object's Last-Modified): true or false when that
   * settles it, undefined when only the mtime itself can tell.
   */
  ageByUpperBound(upperMs: number): boolean | undefined;
  /** Directories (relative, no trailing '/') that hold nothing selectable. */
  prune(relDir: string): boolean;
}

const depthOf = (rel: string) => rel.split('/').length;

export function compileSelect(s: TreeSelect = {}): Selector {
  const files = s.files ? new Set(s.files) : undefined;
  // Every directory above a listed file: the walk need not enter any other.
  const dirs = files
    ? new Set(
        [...files].flatMap((f) =>
          f
            .split('/')
            .slice(0, -1)
            .map((_, i, p) => p.slice(0, i + 1).join('/')),
        ),
      )
    : undefined;
  const keepIgnoringAge = (rel: string, size: number) =>
    (s.minSize === undefined || size >= s.minSize) &&
    (s.maxSize === undefined || size <= s.maxSize) &&
    (s.maxDepth === undefined || depthOf(rel) <= s.maxDepth) &&
    (files === undefined || files.has(rel));
  const ageOk = (mtimeMs: number) =>
    (s.modifiedAfterMs === undefined || mtimeMs >= s.modifiedAfterMs) &&
    (s.modifiedBeforeMs === undefined || mtimeMs <= s.modifiedBeforeMs);
  const ageByUpperBound = (upperMs: number): boolean | undefined => {
    if (!Number.isFinite(upperMs)) return undefined;
    // mtime <= upper: an upper bound before --max-age's limit rules the file out; one within --min-age's settles it.
    if (s.modifiedAfterMs !== undefined && upperMs < s.modifiedAfterMs) return false;
    if (s.modifiedAfterMs !== undefined) return undefined;
    return upperMs <= s.modifiedBeforeMs! ? true : undefined;
  };
  return {
    keepIgnoringAge,
    ageByUpperBound,
    keep: (rel, size, mtimeMs) => keepIgnoringAge(rel, size) && ageOk(mtimeMs),
    hasAge: s.modifiedAfterMs !== undefined || s.modifiedBeforeMs !== undefined,
    all: Object.values(s).every((v) => v === undefined),
    prune: (relDir) =>
      (s.maxDepth !== undefined && depthOf(relDir) >= s.maxDepth) || (dirs !== undefined && !dirs.has(relDir)),
  };
}

/**
 * The objects of a listing that the selection keeps. An object's age is its file's mtime (x-oss-meta-mtime), which
 * the listing does not carry; its Last-Modified (when it was stored) is an upper bound of that mtime, so it settles
 * most objects at once, and a HEAD reads the mtime of the rest (objects stored within the age limit).
 */
export async function* selectRemote(
  items: AsyncIterable<RemoteEntry>,
  sel: Selector,
  client: OssClient,
  bucket: string,
  signal?: AbortSignal,
): AsyncGenerator<RemoteEntry> {
  for await (const e of items) {
    if (!sel.keepIgnoringAge(e.rel, e.size)) continue;
    const settled = sel.hasAge ? sel.ageByUpperBound(e.lastModifiedMs) : true;
    if (settled === false) continue;
    if (settled === undefined) {
      const head = await client.headObject(bucket, e.key, { signal });
      if (!sel.keep(e.rel, e.size, remoteMtimeMs(head, e))) continue;
    }
    yield e;
  }
}
