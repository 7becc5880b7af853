// A tree transfer: walk and list side by side (or list both prefixes, for a copy between them), compare each pair,
// send what differs with `jobs` files in flight, then (sync --delete, only when everything succeeded) delete what
// exists only on the destination. What differs by direction is in sides.ts.
import { setMaxListeners } from 'node:events';
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AbortedError, ArgumentError, abortError } from '../../core/errors.js';
import type { HeldStart } from '../../core/request-gate.js';
import type { OssClient } from '../../client/index.js';
import { checkConcurrency } from '../engine/planner.js';
import type { TransferEvent } from '../index.js';
import { removeDebris } from './dest-path.js';
import { localPathFor, type FileContext } from './file-ops.js';
import { compileTreeFilter } from './filter.js';
import { folderPrefix } from './listing.js';
import { removeSource } from './move.js';
import { runJobs } from './jobs.js';
import { recordSame, recordSent, SyncSnapshot } from './snapshot.js';
import { plannedResult, sentResult, skipResult, type FileRef } from './results.js';
import { compileSelect } from './select.js';
import {
  comparePair,
  deleteOnlyAtDestination,
  localOf,
  pairsFor,
  sendPair,
  type Direction,
  type Entry,
  type Pair,
  type SideContext,
  unchangedPair,
} from './sides.js';
import type { TreeEvent, TreeFailure, TreeFileResult, TreeOptions, TreeResult } from './types.js';
import { DEFAULT_JOBS } from './types.js';

export { DEFAULT_JOBS };
export const DEFAULT_TREE_PARALLEL = 4;
/** Files up to this size go in one request when no `partSize` is given. */
const DEFAULT_SINGLE_LIMIT = 8 * 1024 * 1024;

/** One run: its sides, its running totals, and where files finish or fail. */
interface TreeRun {
  side: SideContext;
  result: TreeResult;
  done(r: TreeFileResult): void;
  fail(f: TreeFailure): void;
  /** Only what exists on the destination alone is kept in memory, and only when it is to be deleted. */
  onlyAtDestination: Entry[];
}

export async function runTree(client: OssClient, direction: Direction, opts: TreeOptions): Promise<TreeResult> {
  checkOptions(direction, opts);
  const started = performance.now();
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const inner = new AbortController();
  // Every file in flight and every request of each adds a listener: dozens at once is the design, not a leak.
  setMaxListeners(0, inner.signal);
  const onAbort = () => inner.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (typeof opts.checkpointDir === 'string' && !opts.dryRun)
      await fsp.mkdir(opts.checkpointDir, { recursive: true });
    const run = startRun(client, direction, opts, inner.signal);
    const snapshot = await openSnapshot(run);
    let complete = false;
    try {
      await transferAll(run);
      complete = !run.side.signal.aborted && (opts.filters ?? []).length === 0 && opts.select === undefined;
      await deleteAfter(run);
    } finally {
      if (snapshot && !opts.dryRun)
        await snapshot.save(complete).catch((err: Error) => {
          run.side.emit({
            type: 'warning',
            message: `could not write the sync snapshot ${snapshot.file}: ${err.message}`,
          });
        });
    }
    if (run.side.signal.aborted) throw abortError(run.side.signal);
    if (!opts.dryRun) await removeDebris(run.side.temps, run.side.filter.keep);
    run.result.seconds = (performance.now() - started) / 1000;
    return run.result;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** A sync up or down keeps a snapshot when given a directory for it; a copy between prefixes does not. */
async function openSnapshot(run: TreeRun): Promise<SyncSnapshot | undefined> {
  const { side } = run;
  const dir = side.opts.snapshotDir;
  if (side.opts.mode !== 'sync' || side.direction === 'copy' || typeof dir !== 'string') return undefined;
  const id = { endpoint: side.ctx.endpointId, bucket: side.opts.bucket, prefix: side.prefix, dir: side.dir };
  side.snapshot = await SyncSnapshot.open(dir, id, (message) => side.emit({ type: 'warning', message }));
  return side.snapshot;
}

function checkOptions(direction: Direction, opts: TreeOptions): void {
  if (direction === 'copy' && opts?.sourceBucket === undefined)
    throw new ArgumentError('sourceBucket', 'a copy between prefixes needs sourceBucket');
  if (!opts || typeof opts !== 'object')
    throw new ArgumentError('options', 'the tree functions need an options object');
  for (const field of ['bucket', opts.sourceBucket !== undefined ? 'sourceBucket' : 'dir'] as const) {
    if (typeof opts[field] !== 'string' || opts[field] === '') throw new ArgumentError(field, `${field} is required`);
  }
  for (const field of ['jobs', 'parallel'] as const)
    if (opts[field] !== undefined) checkConcurrency(opts[field], field);
}

/** The run's sides, totals and sinks, from the options. */
function startRun(client: OssClient, direction: Direction, opts: TreeOptions, signal: AbortSignal): TreeRun {
  const emit = (e: TreeEvent) => opts.onEvent?.(e);
  const ctx: FileContext = {
    client,
    opts,
    bucket: opts.bucket,
    signal,
    parallel: opts.parallel ?? DEFAULT_TREE_PARALLEL,
    partSize: opts.partSize ?? (() => DEFAULT_SINGLE_LIMIT),
    endpointId: opts.endpointId ?? client.endpoint.url,
    checkedDirs: new Set(),
  };
  const side: SideContext = {
    direction,
    ctx,
    opts,
    dir: direction === 'copy' ? '' : resolve(opts.dir),
    prefix: folderPrefix(opts.prefix),
    sourceBucket: opts.sourceBucket ?? '',
    sourcePrefix: folderPrefix(opts.sourcePrefix ?? ''),
    filter: compileTreeFilter(opts.filters),
    sel: compileSelect(opts.select),
    signal,
    emit,
    temps: [],
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
  return {
    side,
    result,
    onlyAtDestination: [],
    fail(failure) {
      result.failed.push(failure);
      emit({ type: 'failed', failure });
    },
    done(r) {
      if (r.action === 'skip') result.skipped++;
      else if (r.action === 'delete') result.deleted++;
      else result.transferred++;
      result.transferredBytes += r.transferredBytes;
      emit({ type: 'done', result: r });
    },
  };
}

/** Every pair through `transferPair`, `jobs` at a time, counting the sources as they are found. */
async function transferAll(run: TreeRun): Promise<void> {
  const { side, result } = run;
  let files = 0;
  const b = side.opts.budget; // files in flight follow the budget unless `jobs` fixes them
  const jobs = b && side.opts.jobs === undefined ? (n: number) => b.files(n) : (side.opts.jobs ?? DEFAULT_JOBS);
  const one = (pair: Pair, held?: HeldStart) => transferPair(run, pair, held && heldSide(side, held));
  const work = b ? (pair: Pair, held?: HeldStart) => b.holding(() => one(pair, held), held?.opened) : one;
  await runJobs(pairsFor(side), jobs, side.signal, work, {
    // Prepared ahead only where the link's round trip is long against a file's own work (budget.prepareAhead).
    ahead: (pair) => oneRequest(side, pair) && (b?.prepareAhead() ?? true),
    onRead: (pair) => {
      if (!pair.src || (pair.src as { error?: unknown }).error !== undefined) return;
      files++;
      result.totalBytes += pair.src.size;
      side.emit({ type: 'found', rel: pair.rel, size: pair.src.size });
    },
    settle: (pair) => skipUnchanged(run, pair),
    onEnd: () => side.emit({ type: 'scanned', files, bytes: result.totalBytes }),
  });
}

/**
 * A pair whose transfer is one request (a file within one part, up or down): its job may start it ahead, its
 * request held until its turn. A large file is not: its reads ahead are the part engine's, and its parts' own
 * signals carry no gate.
 */
function oneRequest(side: SideContext, pair: Pair): boolean {
  const src = pair.src as { size?: number; error?: unknown } | undefined;
  if (side.direction === 'copy' || !src || src.error !== undefined || src.size === undefined) return false;
  return src.size <= side.ctx.partSize(src.size);
}

/** The sides as one file started ahead sees them: every request of it carries the held signal. */
function heldSide(side: SideContext, { signal, opened }: HeldStart): SideContext {
  return { ...side, signal, ctx: { ...side.ctx, signal, turn: opened } };
}

/** A sync's pair that its snapshot skips as is (sides.ts, unchangedPair): done at once, on the reader. */
function skipUnchanged(run: TreeRun, pair: Pair): boolean {
  const { side } = run;
  const verdict = unchangedPair(side, pair);
  if (!verdict) return false;
  side.snapshot!.meet(pair.rel);
  const key = side.prefix + pair.rel;
  const file = localOf(side, pair)!.path;
  run.done(skipResult({ rel: pair.rel, key, file, size: pair.src!.size }, verdict, side.opts, performance.now()));
  return true;
}

/**
 * One pair: compared, then skipped, planned (dry run) or sent; a move then removes its source. `side`: the run's,
 * or a file started ahead's (heldSide).
 */
async function transferPair(run: TreeRun, pair: Pair, side = run.side): Promise<void> {
  const { opts, direction, signal } = side;
  const local = localOf(side, pair);
  const key = side.prefix + pair.rel;
  const sourceUrl = direction === 'copy' ? `oss://${side.sourceBucket}/${side.sourcePrefix}${pair.rel}` : '';
  const name =
    direction === 'upload' ? (local?.path ?? key) : direction === 'copy' ? sourceUrl : `oss://${opts.bucket}/${key}`;
  const snap = side.snapshot;
  snap?.meet(pair.rel);
  if (local?.error !== undefined || !pair.src) snap?.forget(pair.rel);
  if (local?.error !== undefined) return run.fail({ rel: pair.rel, name: local.path, error: local.error });
  if (!pair.src) {
    if (opts.delete) run.onlyAtDestination.push(pair.dst!);
    return;
  }
  const started = performance.now();
  try {
    const file = direction === 'copy' ? sourceUrl : (local?.path ?? localPathFor(side.dir, pair.rel));
    const ref: FileRef = { rel: pair.rel, key, file, size: pair.src.size };
    const verdict = await comparePair(side, pair);
    if (snap && !opts.dryRun) {
      // A skip by a rule (--size-only...) says nothing of the bytes: its record, if any, stays as it was.
      if (verdict.same) recordSame(snap, pair.rel, local, verdict);
      else if (verdict.send) snap.forget(pair.rel);
    }
    if (!verdict.send) {
      const skipped = skipResult(ref, verdict, opts, started);
      return run.done(await moved(run, pair, skipped, verdict.localCrc !== undefined ? 'crc64' : undefined));
    }
    if (opts.dryRun) return run.done(plannedResult(direction, ref, verdict, opts));
    side.emit({ type: 'file-start', rel: pair.rel, size: pair.src.size });
    const onEvent = (event: TransferEvent) => side.emit({ type: 'file-progress', rel: pair.rel, event });
    const r = await sendPair(side, pair, key, file, verdict, onEvent);
    if (snap && direction !== 'copy')
      await recordSent(snap, pair.rel, local, direction === 'download' ? file : undefined, r);
    run.done(
      await moved(
        run,
        pair,
        sentResult(direction, ref, r, verdict, opts, started),
        'verified' in r ? r.verified : undefined,
      ),
    );
  } catch (error) {
    snap?.forget(pair.rel);
    if (signal.aborted && error instanceof AbortedError) return;
    run.fail({ rel: pair.rel, name, error });
  }
}

/** A move (`removeSource`) removes the source once its copy is verified; `verified` says how it was. */
function moved(
  run: TreeRun,
  pair: Pair,
  r: TreeFileResult,
  verified?: string,
): TreeFileResult | Promise<TreeFileResult> {
  const { side } = run;
  if (!side.opts.removeSource) return r; // a copy: no promise of its own per file (issue 27)
  const ctx = { client: side.ctx.client, opts: side.opts, signal: side.signal };
  return removeSource(ctx, side.direction, pair.src!, r, verified).then(() => r);
}

/** sync --delete, only when every transfer succeeded. */
async function deleteAfter(run: TreeRun): Promise<void> {
  const { side } = run;
  if (!side.opts.delete || run.result.failed.length > 0 || run.onlyAtDestination.length === 0) return;
  await deleteOnlyAtDestination(side, run.onlyAtDestination, run.done, run.fail);
}
