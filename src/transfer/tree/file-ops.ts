// One file of a tree, each way. Large files go through the checkpointed engines unchanged; small ones are one
// request with no checkpoint (a PutObject, or a GET written to a temporary file and renamed once its CRC-64 matches).
import { closeSync, fsync, futimesSync, openSync, promises as fsp, renameSync, write, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { join, resolve as pathResolve } from 'node:path';
import { Crc64, crc64ToDecimal } from '../../core/crc64.js';
import { IntegrityError, NetworkError, OssupError } from '../../core/errors.js';
import type { DeliverableBody, OssClient } from '../../client/index.js';
import {
  checkpointFileName,
  downloadFile,
  uploadFile,
  uploadSmallFile,
  type DownloadResult,
  type TransferEvent,
  type UploadResult,
} from '../index.js';
import { MTIME_META, mtimeMeta, remoteMtimeMs } from './compare.js';
import { checkObjectCrc } from '../download/download.js';
import { releaseBodyChunks } from '../io/client-bodies.js';
import { releaseTemp, tempPathFor } from '../download/temp-name.js';
import { finishTransfer, runTransfer, startProgress, type TransferContext } from '../engine/engine.js';
import { memoryCheckpoints } from '../checkpoint/memory.js';
import { prepareDestination } from './dest-path.js';
import type { RemoteEntry } from './listing.js';
import type { TreeOptions } from './types.js';
import { ladderPlanner } from '../engine/planner.js';
import type { PartPlanner } from '../engine/ports.js';
import type { LocalEntry } from './walk.js';

export interface FileContext {
  client: OssClient;
  opts: TreeOptions;
  bucket: string;
  parallel: number;
  partSize: (size: number) => number;
  endpointId: string;
  signal: AbortSignal;
  /** A download's directories already made or checked in this run (prepareDestination). */
  checkedDirs: Set<string>;
  /** A file started ahead of its turn (tree/jobs.ts): when its requests are let go. */
  turn?: Promise<void>;
}

export function checkpointFor(
  ctx: FileContext,
  file: string,
  key: string,
  suffix: '.ucp' | '.dcp' | '.ccp',
): string | false {
  const dir = ctx.opts.checkpointDir;
  if (dir === false || dir === undefined) return false;
  return join(dir, checkpointFileName({ file, endpoint: ctx.endpointId, bucket: ctx.bucket, key }, suffix));
}

export function uploadTreeFile(
  ctx: FileContext,
  local: LocalEntry,
  key: string,
  onEvent: (e: TransferEvent) => void,
): Promise<UploadResult> {
  const partSize = ctx.partSize(local.size);
  const single = local.size <= partSize;
  const common = {
    bucket: ctx.bucket,
    key,
    meta: { ...ctx.opts.meta, [MTIME_META]: mtimeMeta(local.mtimeMs) },
    contentType: ctx.opts.contentType,
    acl: ctx.opts.acl,
    storageClass: ctx.opts.storageClass,
    tagging: ctx.opts.tagging,
    headers: ctx.opts.headers,
    trafficLimit: ctx.opts.trafficLimit,
    contentMd5: ctx.opts.contentMd5,
    onProgress: metered(ctx, onEvent),
    signal: ctx.signal,
  };
  // One request, from the walk's stat: no checkpoint, planner or stat of its own (issue 27).
  if (single && local.snapshot) return uploadSmallFile(ctx.client, common, local.snapshot);
  return uploadFile(ctx.client, {
    ...common,
    file: local.path,
    ...sizing(ctx, single ? { partSize, concurrency: 1 } : { partSize, concurrency: ctx.parallel }),
    checkpoint: single ? false : checkpointFor(ctx, local.path, key, '.ucp'),
  });
}

/**
 * Part size and parts in flight of a large file: fixed, or, with a budget, what its planner picks (the budget's
 * options keep a --part-size or --parallel). A file of one part stays one request either way.
 */
function sizing(
  ctx: FileContext,
  fixed: { partSize: number; concurrency: number },
): { partSize?: number; concurrency?: number; planner?: PartPlanner } {
  const b = ctx.opts.budget;
  if (!b || fixed.concurrency === 1) return fixed;
  // Nothing fixed here: the budget's options carry the flags, and a resume keeps its checkpoint's part size.
  return { planner: b.planner(ladderPlanner) };
}

/** The file's progress listener, feeding the budget's controller too when there is one. */
function metered(ctx: FileContext, onEvent: (e: TransferEvent) => void): (e: TransferEvent) => void {
  const meter = ctx.opts.budget?.meter(ctx.turn);
  return meter
    ? (e) => {
        meter(e);
        onEvent(e);
      }
    : onEvent;
}

/** Local path for a key below the prefix; keys that would land outside the directory are refused. */
export function localPathFor(dir: string, rel: string): string {
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) {
    throw new OssupError(
      'UnsafeKey',
      `the key's path "${rel}" has an empty, "." or ".." segment; it cannot be written below ${dir}`,
    );
  }
  return join(dir, ...parts);
}

export async function downloadTreeFile(
  ctx: FileContext,
  remote: RemoteEntry,
  file: string,
  onEvent: (e: TransferEvent) => void,
): Promise<DownloadResult> {
  await prepareDestination(pathResolve(ctx.opts.dir), file, ctx.checkedDirs);
  onEvent = metered(ctx, onEvent);
  const partSize = ctx.partSize(remote.size);
  if (remote.size <= partSize) return getSmall(ctx, remote, file, onEvent);
  const result = await downloadFile(ctx.client, {
    bucket: ctx.bucket,
    key: remote.key,
    file,
    ...sizing(ctx, { partSize, concurrency: ctx.parallel }),
    checkpoint: checkpointFor(ctx, file, remote.key, '.dcp'),
    trafficLimit: ctx.opts.trafficLimit,
    onProgress: onEvent,
    signal: ctx.signal,
  });
  // The engine's HEAD is its own; one more reads the recorded mtime (a request against a large transfer).
  const head = await ctx.client.headObject(ctx.bucket, remote.key, { signal: ctx.signal });
  await setMtime(file, remoteMtimeMs(head, remote));
  return result;
}

async function setMtime(file: string, ms: number): Promise<void> {
  if (Number.isFinite(ms)) await fsp.utimes(file, ms / 1000, ms / 1000);
}

const SMALL_ATTEMPTS = 3;

/** One GET into a temporary file beside `file` (temp-name.ts), checked against the object's size and CRC-64, then renamed into place. */
async function getSmall(
  ctx: FileContext,
  remote: RemoteEntry,
  file: string,
  onEvent: (e: TransferEvent) => void,
): Promise<DownloadResult> {
  for (let attempt = 1; ; attempt++) {
    const temp = tempPathFor(file, undefined);
    try {
      // Through the engine (memory checkpoint), which emits the one 'start' and 'complete'.
      return await runTransfer(
        ctx.client,
        { bucket: ctx.bucket, key: remote.key, onProgress: onEvent, signal: ctx.signal },
        { checkpointFile: file, checkpointSuffix: '.dcp', run: (t) => getOnce(t, ctx, remote, file, temp) },
        memoryCheckpoints,
      );
    } catch (err) {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      // A broken body or bytes that do not match are fetched again (the pipeline retries only up to the headers).
      const again = err instanceof NetworkError || err instanceof IntegrityError;
      if (!again || attempt >= SMALL_ATTEMPTS || ctx.signal.aborted) throw err;
    } finally {
      releaseTemp(temp);
    }
  }
}

async function getOnce(
  t: TransferContext<unknown, unknown>,
  ctx: FileContext,
  remote: RemoteEntry,
  file: string,
  temp: string,
): Promise<DownloadResult> {
  const res = await ctx.client.getObject(ctx.bucket, remote.key, { signal: ctx.signal });
  const info = { totalBytes: res.size, resumedBytes: 0, totalParts: 1, partsDone: 0, partSize: res.size };
  const progress = startProgress(t, { ...info, concurrency: 1 });
  const crc = new Crc64();
  let got = 0;
  // File calls on the event loop (page-cache work, ~10x cheaper than through the thread pool; issue 27), the
  // writes too for an object within SYNC_WRITE_LIMIT; the fsync always on the thread pool.
  let fd: number | undefined = openSync(temp, 'wx');
  const syncWrites = res.size <= SYNC_WRITE_LIMIT;
  try {
    try {
      if (syncWrites) {
        // The whole body first (without an async iterator: its promises and stream plumbing cost more than a
        // small object's bytes), then hashed and written on the event loop.
        const chunks = await wholeBody(res.body);
        for (const buf of chunks) {
          crc.update(buf);
          writeAllSync(fd, buf);
          got += buf.length;
        }
        // Hashed and written: the socket's slab may take later reads (left to the GC, a fresh 1 MiB slab faulted
        // in afresh every ~14 files per connection).
        releaseBodyChunks(chunks);
        progress.partBytes(1, got);
      } else {
        for await (const chunk of res.body) {
          const buf = chunk as Buffer;
          crc.update(buf);
          await writeAll(fd, buf);
          releaseBodyChunks([buf]);
          got += buf.length;
          progress.partBytes(1, got);
        }
      }
    } catch (err) {
      if (err instanceof OssupError) throw err;
      throw new NetworkError(
        `the body of oss://${ctx.bucket}/${remote.key} broke off after ${got} bytes: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (got !== res.size) {
      throw new IntegrityError(
        'size',
        String(res.size),
        String(got),
        `oss://${ctx.bucket}/${remote.key}: got ${got} of ${res.size} bytes`,
      );
    }
    const digest = crc.digest();
    checkObjectCrc(ctx.bucket, remote.key, res.crc64, digest);
    // The mtime before the fsync, so it is made durable with the bytes; the file is renamed into place only then.
    const ms = remoteMtimeMs(res, remote);
    if (Number.isFinite(ms)) futimesSync(fd, ms / 1000, ms / 1000);
    await fsyncFd(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
    t.emit({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1, size: got });
    return await finishTransfer(t, progress, {
      bucket: ctx.bucket,
      key: remote.key,
      file,
      etag: res.etag,
      crc64: crc64ToDecimal(digest),
      size: got,
      parts: 1,
      resumedBytes: 0,
      transferredBytes: got,
      verified: res.crc64 !== undefined ? 'crc64' : 'length-only',
    } satisfies DownloadResult);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Objects up to this size are written to their temporary file on the event loop (a few page-cache copies). */
const SYNC_WRITE_LIMIT = 256 * 1024;

const fsyncFd = promisify(fsync);
const writeFd = promisify(write);

/** Every chunk of a (small) response body, once it has ended; rejects if it fails or closes before its end. */
function wholeBody(body: Readable & Pick<DeliverableBody, 'deliver'>): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    if (body.deliver) {
      // The lean client's bodies hand their chunks over as they are parsed: no stream flowing (its ticks to resume,
      // read and end: ~6 per small GET, issue 27).
      body.deliver({
        push: (chunk) => void chunks.push(chunk as Buffer),
        end: () => resolve(chunks),
        fail: reject,
      });
      return;
    }
    let ended = false;
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.once('end', () => {
      ended = true;
      resolve(chunks);
    });
    body.once('error', reject);
    body.once('close', () => {
      if (!ended) reject(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}

function writeAllSync(fd: number, buf: Buffer): void {
  for (let at = 0; at < buf.length; ) at += writeSync(fd, buf, at, buf.length - at);
}

async function writeAll(fd: number, buf: Buffer): Promise<void> {
  for (let at = 0; at < buf.length; ) at += (await writeFd(fd, buf, at, buf.length - at)).bytesWritten;
}
