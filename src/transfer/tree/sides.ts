// What differs between the three directions of a tree: where the pairs come from (a walk and a listing, or two
// listings), how a pair is compared and sent, and how what exists only at the destination is deleted.
import { promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { abortError } from '../../core/errors.js';
import type { DownloadResult, TransferEvent, UploadResult } from '../index.js';
import { compare, type Verdict } from './compare.js';
import { compareObjects } from './compare-objects.js';
import { copyTreeObject } from './copy-file.js';
import { deleteKeys } from './delete.js';
import { downloadTreeFile, uploadTreeFile, type FileContext } from './file-ops.js';
import type { PathFilter, TreeFilter } from './filter.js';
import { listRemote, type RemoteEntry } from './listing.js';
import { removeEmptyParents } from './move.js';
import { mergeSorted, type Paired } from './order.js';
import { deletedResult } from './results.js';
import { selectRemote, type Selector } from './select.js';
import type { SyncSnapshot } from './snapshot.js';
import type { TreeEvent, TreeFailure, TreeFileResult, TreeOptions } from './types.js';
import { walkLocal, type LocalEntry } from './walk.js';

export type Direction = 'upload' | 'download' | 'copy';

export type Entry = LocalEntry | RemoteEntry;
export type Pair = Paired<Entry, Entry>;

/** What the sides of one run share: set up once by runTree. */
export interface SideContext {
  direction: Direction;
  ctx: FileContext;
  opts: TreeOptions;
  /** The local directory (resolved); '' for a copy. */
  dir: string;
  /** The destination prefix (upload, copy) or the source prefix (download), ending in '/' or ''. */
  prefix: string;
  sourceBucket: string;
  sourcePrefix: string;
  filter: TreeFilter;
  sel: Selector;
  signal: AbortSignal;
  emit: (e: TreeEvent) => void;
  /** A download's temporary files met in the destination (removed at the end when left by a killed run). */
  temps: Array<{ file: string; rel: string }>;
  /** A sync's snapshot (snapshot.ts), when it keeps one. */
  snapshot?: SyncSnapshot;
}

/** Source and destination, paired by name in one ordered pass; neither side is held in memory. */
export function pairsFor(s: SideContext): AsyncIterable<Pair> {
  const { client } = s.ctx;
  const keep = s.filter.keep;
  // With no rule, the streams are not wrapped: each wrapper is a promise hop per entry (issue 27).
  const all = (s.opts.filters ?? []).length === 0 && s.sel.all;
  const local = async function* (): AsyncGenerator<LocalEntry> {
    for await (const e of localSide(s))
      if (e.error !== undefined || (keep(e.rel) && s.sel.keep(e.rel, e.size, e.mtimeMs))) yield e;
  };
  const remote = (bucket: string, prefix: string): AsyncIterable<RemoteEntry> => {
    const listed = listRemote(client, bucket, prefix, s.signal);
    return all ? listed : selectRemote(filtered(listed, keep), s.sel, client, bucket, s.signal);
  };
  const locals = all ? localSide(s) : local();
  if (s.direction === 'upload') return mergeSorted<LocalEntry, RemoteEntry>(locals, remote(s.opts.bucket, s.prefix));
  if (s.direction === 'download') return mergeSorted<RemoteEntry, LocalEntry>(remote(s.opts.bucket, s.prefix), locals);
  return mergeSorted<RemoteEntry, RemoteEntry>(remote(s.sourceBucket, s.sourcePrefix), remote(s.opts.bucket, s.prefix));
}

async function* filtered<T extends { rel: string; error?: unknown }>(
  items: AsyncIterable<T>,
  keep: PathFilter,
): AsyncGenerator<T> {
  for await (const item of items) if (item.error !== undefined || keep(item.rel)) yield item;
}

/** The local side: the source of an upload; for a download the destination, which need not exist yet. */
function localSide(s: SideContext): AsyncIterable<LocalEntry> {
  const { dir, direction } = s;
  return walkLocal(dir, {
    missingIsEmpty: direction === 'download',
    // A download never goes through a link in its destination (it would write or delete outside it).
    followSymlinks: direction === 'upload' && s.opts.followSymlinks,
    prune: (relDir) => s.filter.prune(relDir) || s.sel.prune(relDir),
    // Links in a download's destination are not sources: nothing to say about them.
    onSymlink: direction === 'upload' ? (file, reason) => s.emit({ type: 'symlink', path: file, reason }) : undefined,
    onTemp: direction === 'download' ? (file, rel) => s.temps.push({ file, rel }) : undefined,
    signal: s.signal,
  });
}

/** The local file of a pair (upload: its source; download: its destination, if it exists). */
export function localOf(s: SideContext, pair: Pair): LocalEntry | undefined {
  return (s.direction === 'upload' ? pair.src : s.direction === 'download' ? pair.dst : undefined) as
    | LocalEntry
    | undefined;
}

/** The object of a pair that a local file is compared with (upload: the destination; download: the source). */
function listedOf(s: SideContext, pair: Pair): RemoteEntry | undefined {
  return (s.direction === 'download' ? pair.src : pair.dst) as RemoteEntry | undefined;
}

/**
 * The snapshot stands in for sync's size-and-mtime comparison only, not for --checksum or a skip rule (and a move
 * removes a source found up to date only when a CRC-64 said so, never an mtime).
 */
function snapshotDecides(s: SideContext): boolean {
  const { opts } = s;
  const checksum = opts.checksum === true || opts.removeSource === true;
  const plain = opts.mode === 'sync' && !checksum && !opts.ignoreExisting && !opts.sizeOnly && !opts.update;
  return plain && s.direction !== 'copy';
}

/**
 * A pair the snapshot settles as it is read: file and object exactly as recorded, so the skip needs no request, no
 * read of the file and no new record. Its verdict, or undefined when it must be compared as usual.
 */
export function unchangedPair(s: SideContext, pair: Pair): Verdict | undefined {
  const local = s.snapshot && localOf(s, pair);
  const listed = local && listedOf(s, pair);
  if (!listed || local.error !== undefined || !pair.src || !snapshotDecides(s)) return undefined;
  const recorded = s.snapshot!.unchanged(pair.rel, local, listed);
  return recorded && { send: false, reason: 'same size and mtime', recorded, same: true };
}

/** Whether the pair's source must be sent (and why), by the rules of cp -r or sync (its snapshot first). */
export async function comparePair(s: SideContext, pair: Pair): Promise<Verdict> {
  const { opts, signal } = s;
  // A move removes a source found up to date only when a CRC-64 said so, never an mtime.
  const checksum = opts.checksum === true || opts.removeSource === true;
  const local = localOf(s, pair);
  const listed = listedOf(s, pair);
  if (s.snapshot && snapshotDecides(s) && local && listed) {
    const v = await s.snapshot.verdict(pair.rel, local, listed, signal);
    if (v) return v;
  }
  const cmp = { client: s.ctx.client, bucket: opts.bucket, mode: opts.mode ?? 'copy', checksum, signal };
  if (s.direction === 'copy')
    return compareObjects(pair.src as RemoteEntry, pair.dst as RemoteEntry | undefined, {
      ...cmp,
      sourceBucket: s.sourceBucket,
    });
  return compare(local, listed, {
    ...cmp,
    direction: s.direction,
    ignoreExisting: opts.ignoreExisting,
    sizeOnly: opts.sizeOnly,
    update: opts.update,
  });
}

/** Sends the pair's source to the destination, verified; `file` is the local path (download) it is written to. */
export function sendPair(
  s: SideContext,
  pair: Pair,
  key: string,
  file: string,
  verdict: Verdict,
  onEvent: (e: TransferEvent) => void,
): Promise<UploadResult | DownloadResult> {
  if (s.direction === 'upload') return uploadTreeFile(s.ctx, pair.src as LocalEntry, key, onEvent);
  if (s.direction === 'download') return downloadTreeFile(s.ctx, pair.src as RemoteEntry, file, onEvent);
  return copyTreeObject(s.ctx, pair.src as RemoteEntry, key, verdict.sourceHead, onEvent);
}

/** sync --delete: removes what exists only at the destination (objects in batches, or local files). */
export async function deleteOnlyAtDestination(
  s: SideContext,
  entries: Entry[],
  done: (r: TreeFileResult) => void,
  fail: (f: TreeFailure) => void,
): Promise<void> {
  const { opts, signal } = s;
  if (s.direction !== 'download') {
    const keys = (entries as RemoteEntry[]).map((e) => ({ rel: e.rel, key: e.key, size: e.size, etag: e.etag }));
    await deleteKeys(s.ctx.client, opts.bucket, keys, { dryRun: opts.dryRun, signal, onDone: done, onFailed: fail });
    return;
  }
  for (const e of entries as LocalEntry[]) {
    if (signal.aborted) throw abortError(signal);
    const started = performance.now();
    try {
      if (!opts.dryRun) {
        await fsp.unlink(e.path);
        await removeEmptyParents(dirname(e.path), resolve(opts.dir));
      }
      done(deletedResult({ rel: e.rel, key: s.prefix + e.rel, file: e.path, size: e.size }, opts, started));
    } catch (error) {
      fail({ rel: e.rel, name: e.path, error });
    }
  }
}
