// A tree transfer: walk and list side by side (or list both prefixes, for a copy between them), compare each pair,
// send what differs with `jobs` files in flight, then (sync --delete, only when everything succeeded) delete what
// exists only on the destination.
import { setMaxListeners } from 'node:events';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc64ToDecimal } from '../../core/crc64.js';
import { AbortedError, ArgumentError, abortError } from '../../core/errors.js';
import type { OssClient } from '../../client/index.js';
import { checkConcurrency } from '../engine/planner.js';
import type { DownloadResult, TransferEvent, UploadResult } from '../index.js';
import { compare, type Verdict } from './compare.js';
import { compareObjects } from './compare-objects.js';
import { copyTreeObject } from './copy-file.js';
import { deleteKeys } from './delete.js';
import { removeDebris } from './dest-path.js';
import { downloadTreeFile, localPathFor, uploadTreeFile, type FileContext } from './file-ops.js';
import { compileTreeFilter, type PathFilter, type TreeFilter } from './filter.js';
import { folderPrefix, listRemote, type RemoteEntry } from './listing.js';
import { removeEmptyParents, removeSource } from './move.js';
import { mergeSorted, type Paired } from './order.js';
import { runJobs } from './jobs.js';
import { compileSelect, selectRemote, type Selector } from './select.js';
import type { TreeEvent, TreeFailure, TreeFileResult, TreeOptions, TreeResult } from './types.js';
import { walkLocal, type LocalEntry } from './walk.js';

import { DEFAULT_JOBS } from './types.js';

export { DEFAULT_JOBS };
export const DEFAULT_TREE_PARALLEL = 4;
/** Files up to this size go in one request when no `partSize` is given. */
const DEFAULT_SINGLE_LIMIT = 8 * 1024 * 1024;

type Direction = 'upload' | 'download' | 'copy';

async function* filtered<T extends { rel: string; error?: unknown }>(
  items: AsyncIterable<T>,
  keep: PathFilter,
): AsyncGenerator<T> {
  for await (const item of items) if (item.error !== undefined || keep(item.rel)) yield item;
}

function checkOptions(opts: TreeOptions): void {
  if (!opts || typeof opts !== 'object')
    throw new ArgumentError('options', 'the tree functions need an options object');
  for (const field of ['bucket', opts.sourceBucket !== undefined ? 'sourceBucket' : 'dir'] as const) {
    if (typeof opts[field] !== 'string' || opts[field] === '') throw new ArgumentError(field, `${field} is required`);
  }
  for (const field of ['jobs', 'parallel'] as const)
    if (opts[field] !== undefined) checkConcurrency(opts[field], field);
}

export async function runTree(client: OssClient, direction: Direction, opts: TreeOptions): Promise<TreeResult> {
  if (direction === 'copy' && opts?.sourceBucket === undefined)
    throw new ArgumentError('sourceBucket', 'a copy between prefixes needs sourceBucket');
  checkOptions(opts);
  const started = performance.now();
  const emit = (e: TreeEvent) => opts.onEvent?.(e);
  const filter = compileTreeFilter(opts.filters);
  const keep = filter.keep;
  const prefix = folderPrefix(opts.prefix);
  const dir = direction === 'copy' ? '' : path.resolve(opts.dir);
  const sourceBucket = opts.sourceBucket ?? '';
  const sourcePrefix = folderPrefix(opts.sourcePrefix ?? '');
  const mode = opts.mode ?? 'copy';
  const inner = new AbortController();
  // Every file in flight and every request of each adds a listener: dozens at once is the design, not a leak.
  setMaxListeners(0, inner.signal);
  const onAbort = () => inner.abort(opts.signal?.reason);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = inner.signal;
  if (typeof opts.checkpointDir === 'string' && !opts.dryRun) await fsp.mkdir(opts.checkpointDir, { recursive: true });

  const ctx: FileContext = {
    client,
    opts,
    bucket: opts.bucket,
    signal,
    parallel: opts.parallel ?? DEFAULT_TREE_PARALLEL,
    partSize: opts.partSize ?? (() => DEFAULT_SINGLE_LIMIT),
    endpointId: opts.endpointId ?? client.endpoint.url,
  };
  const result: TreeResult = {
    transferred: 0,
    skipped: 0,
    deleted: 0,
    failed: [],
    transferredBytes: 0,
    totalBytes: 0,
    seconds: 0,
  };
  const fail = (failure: TreeFailure) => {
    result.failed.push(failure);
    emit({ type: 'failed', failure });
  };
  const done = (r: TreeFileResult) => {
    if (r.action === 'skip') result.skipped++;
    else if (r.action === 'delete') result.deleted++;
    else result.transferred++;
    result.transferredBytes += r.transferredBytes;
    emit({ type: 'done', result: r });
  };
  // A download's temporary files in the destination: those left by a run that was killed are removed at the end.
  const temps: Array<{ file: string; rel: string }> = [];
  const sel = compileSelect(opts.select);
  const walk = async function* (): AsyncGenerator<LocalEntry> {
    for await (const e of localSide(dir, opts, filter, emit, signal, direction, temps, sel))
      if (e.error !== undefined || (keep(e.rel) && sel.keep(e.rel, e.size, e.mtimeMs))) yield e;
  };
  const list = (): AsyncIterable<RemoteEntry> =>
    selectRemote(filtered(listRemote(client, opts.bucket, prefix, signal), keep), sel, client, opts.bucket, signal);
  const listSource = (): AsyncIterable<RemoteEntry> =>
    selectRemote(
      filtered(listRemote(client, sourceBucket, sourcePrefix, signal), keep),
      sel,
      client,
      sourceBucket,
      signal,
    );
  const pairs =
    direction === 'upload'
      ? mergeSorted<LocalEntry, RemoteEntry>(walk(), list())
      : direction === 'download'
        ? mergeSorted<RemoteEntry, LocalEntry>(list(), walk())
        : mergeSorted<RemoteEntry, RemoteEntry>(listSource(), list());
  // Only what exists on the destination alone is kept in memory, and only when it is to be deleted.
  const onlyAtDestination: Array<LocalEntry | RemoteEntry> = [];
  let files = 0;

  const one = async (pair: Paired<LocalEntry | RemoteEntry, LocalEntry | RemoteEntry>): Promise<void> => {
    const copy = direction === 'copy';
    const local = (direction === 'upload' ? pair.src : copy ? undefined : pair.dst) as LocalEntry | undefined;
    // For a copy: the destination object (the source is pair.src).
    const remote = (direction === 'download' ? pair.src : pair.dst) as RemoteEntry | undefined;
    const key = prefix + pair.rel;
    const sourceUrl = `oss://${sourceBucket}/${sourcePrefix}${pair.rel}`;
    const name = direction === 'upload' ? (local?.path ?? key) : copy ? sourceUrl : `oss://${opts.bucket}/${key}`;
    if (local?.error !== undefined) return fail({ rel: pair.rel, name: local.path, error: local.error });
    if (!pair.src) {
      if (opts.delete) onlyAtDestination.push(pair.dst!);
      return;
    }
    const fileStarted = performance.now();
    try {
      const file = copy ? sourceUrl : (local?.path ?? localPathFor(dir, pair.rel));
      // A move removes a source found up to date only when a CRC-64 said so, never an mtime.
      const checksum = opts.checksum === true || opts.removeSource === true;
      const cmp = { client, bucket: opts.bucket, mode, checksum, signal };
      const verdict = copy
        ? await compareObjects(pair.src as RemoteEntry, remote, { ...cmp, sourceBucket })
        : await compare(local, remote, {
            ...cmp,
            direction,
            ignoreExisting: opts.ignoreExisting,
            sizeOnly: opts.sizeOnly,
            update: opts.update,
          });
      const moved = async (r: TreeFileResult, verified?: string): Promise<TreeFileResult> => {
        if (opts.removeSource) await removeSource({ client, opts, signal }, direction, pair.src!, r, verified);
        return r;
      };
      if (!verdict.send)
        return done(
          await moved(
            skipResult(pair.rel, key, file, pair.src.size, verdict, opts, fileStarted),
            verdict.localCrc !== undefined ? 'crc64' : undefined,
          ),
        );
      if (opts.dryRun) return done(plannedResult(direction, pair.rel, key, file, pair.src.size, verdict, opts));
      emit({ type: 'file-start', rel: pair.rel, size: pair.src.size });
      const onEvent = (event: TransferEvent) => emit({ type: 'file-progress', rel: pair.rel, event });
      const r: UploadResult | DownloadResult =
        direction === 'upload'
          ? await uploadTreeFile(ctx, local!, key, onEvent)
          : direction === 'download'
            ? await downloadTreeFile(ctx, remote!, file, onEvent)
            : await copyTreeObject(ctx, pair.src as RemoteEntry, key, verdict.sourceHead, onEvent);
      const result: TreeFileResult = {
        action: direction,
        rel: pair.rel,
        bucket: opts.bucket,
        key,
        file: r.file,
        size: r.size,
        etag: r.etag,
        crc64: r.crc64,
        parts: r.parts,
        resumedBytes: r.resumedBytes,
        transferredBytes: r.transferredBytes,
        seconds: (performance.now() - fileStarted) / 1000,
        reason: verdict.reason,
        dryRun: false,
      };
      done(await moved(result, 'verified' in r ? r.verified : undefined));
    } catch (error) {
      if (signal.aborted && error instanceof AbortedError) return;
      fail({ rel: pair.rel, name, error });
    }
  };

  try {
    await runJobs(pairs, opts.jobs ?? DEFAULT_JOBS, signal, one, {
      onRead: (pair) => {
        if (!pair.src || (pair.src as LocalEntry).error !== undefined) return;
        files++;
        result.totalBytes += pair.src.size;
        emit({ type: 'found', rel: pair.rel, size: pair.src.size });
      },
      onEnd: () => emit({ type: 'scanned', files, bytes: result.totalBytes }),
    });
    if (opts.delete && result.failed.length === 0 && onlyAtDestination.length > 0) {
      if (direction !== 'download') {
        await deleteKeys(
          client,
          opts.bucket,
          (onlyAtDestination as RemoteEntry[]).map((e) => ({ rel: e.rel, key: e.key, size: e.size, etag: e.etag })),
          {
            dryRun: opts.dryRun,
            signal,
            onDone: done,
            onFailed: fail,
          },
        );
      } else {
        for (const e of onlyAtDestination as LocalEntry[]) {
          if (signal.aborted) throw abortError(signal);
          await deleteLocal(e, opts, prefix, done, fail);
        }
      }
    }
    if (signal.aborted) throw abortError(signal);
    if (!opts.dryRun) await removeDebris(temps, keep);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** The local side: the source of an upload; for a download the destination, which need not exist yet. */
async function* localSide(
  dir: string,
  opts: TreeOptions,
  filter: TreeFilter,
  emit: (e: TreeEvent) => void,
  signal: AbortSignal,
  direction: Direction,
  temps: Array<{ file: string; rel: string }>,
  sel: Selector,
): AsyncGenerator<LocalEntry> {
  if (direction === 'download' && !(await fsp.stat(dir).catch(() => undefined))) return;
  yield* walkLocal(dir, {
    // A download never goes through a link in its destination (it would write or delete outside it).
    followSymlinks: direction === 'upload' && opts.followSymlinks,
    prune: (relDir) => filter.prune(relDir) || sel.prune(relDir),
    // Links in a download's destination are not sources: nothing to say about them.
    onSymlink: direction === 'upload' ? (file, reason) => emit({ type: 'symlink', path: file, reason }) : undefined,
    onTemp: direction === 'download' ? (file, rel) => temps.push({ file, rel }) : undefined,
    signal,
  });
}

async function deleteLocal(
  e: LocalEntry,
  opts: TreeOptions,
  prefix: string,
  done: (r: TreeFileResult) => void,
  fail: (f: TreeFailure) => void,
): Promise<void> {
  const started = performance.now();
  try {
    if (!opts.dryRun) {
      await fsp.unlink(e.path);
      await removeEmptyParents(path.dirname(e.path), path.resolve(opts.dir));
    }
    done({
      action: 'delete',
      rel: e.rel,
      bucket: opts.bucket,
      key: prefix + e.rel,
      file: e.path,
      size: e.size,
      etag: '',
      crc64: '',
      parts: 0,
      resumedBytes: 0,
      transferredBytes: 0,
      seconds: (performance.now() - started) / 1000,
      reason: 'only at the destination',
      dryRun: opts.dryRun === true,
    });
  } catch (error) {
    fail({ rel: e.rel, name: e.path, error });
  }
}

function skipResult(
  rel: string,
  key: string,
  file: string,
  size: number,
  v: Verdict,
  opts: TreeOptions,
  started: number,
): TreeFileResult {
  return {
    action: 'skip',
    rel,
    bucket: opts.bucket,
    key,
    file,
    size,
    etag: v.head?.etag ?? '',
    crc64: v.localCrc ?? (v.head?.crc64 !== undefined ? crc64ToDecimal(v.head.crc64) : ''),
    parts: 0,
    resumedBytes: 0,
    transferredBytes: 0,
    seconds: (performance.now() - started) / 1000,
    reason: v.reason,
    dryRun: opts.dryRun === true,
  };
}

function plannedResult(
  direction: Direction,
  rel: string,
  key: string,
  file: string,
  size: number,
  v: Verdict,
  opts: TreeOptions,
): TreeFileResult {
  return {
    action: direction,
    rel,
    bucket: opts.bucket,
    key,
    file,
    size,
    etag: '',
    crc64: '',
    parts: 0,
    resumedBytes: 0,
    transferredBytes: 0,
    seconds: 0,
    reason: v.reason,
    dryRun: true,
  };
}
