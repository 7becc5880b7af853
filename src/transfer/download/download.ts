// downloadFile: HEAD -> plan -> lock -> open or resume a session -> fetch ranges into a temporary file -> verify the
// whole-object CRC-64 -> rename into place. The destination name never holds partial or unverified bytes: they live
// in `<dest>.ossup-<tag>.tmp` until the last check passes. The object changing mid-download (If-Match fails) or a
// CRC-64 mismatch restarts from scratch once; the second time the error reaches the caller.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { crc64Combine, crc64ToDecimal } from '../../core/crc64.js';
import { ArgumentError, CheckpointError, CheckpointLockedError, IntegrityError, ObjectChangedError } from '../../core/errors.js';
import type { OssClient } from '../../client/client.js';
import { FileCheckpointStore, MemoryCheckpointStore, resolveCheckpointPath } from '../checkpoint/store.js';
import { fetchRanges } from './parts.js';
import { openDownloadSession } from './session.js';
import { checkDestination, checkFreeSpace, commitTemp, resolveDownloadTarget, tempPathFor } from './target.js';
import { type DoneRange, type DownloadFileOptions, type DownloadStore, type ObjectVersion } from './types.js';
import { acquireLock, type HeldLock } from '../checkpoint/lock.js';
import { planParts } from '../engine/plan.js';
import { ProgressTracker } from '../engine/progress.js';
import type { DownloadResult, TransferEvent } from '../types.js';

export { resolveDownloadTarget, keyBaseName } from './target.js';
export { type DownloadFileOptions, type DownloadRange } from './types.js';

function validate(opts: DownloadFileOptions): void {
  if (!opts || typeof opts !== 'object') throw new ArgumentError('options', 'downloadFile needs an options object');
  for (const field of ['bucket', 'key', 'file'] as const) {
    if (typeof opts[field] !== 'string' || opts[field] === '') throw new ArgumentError(field, `${field} is required`);
  }
  const c = opts.concurrency ?? 1;
  if (!Number.isInteger(c) || c < 1 || c > 1000) throw new ArgumentError('concurrency', `concurrency must be an integer in 1..1000, got ${c}`);
  planParts(0, opts.partSize); // checks partSize against the OSS bounds before any request
  const r = opts.range;
  if (r !== undefined) {
    if (!r || typeof r !== 'object' || !Number.isSafeInteger(r.start) || r.start < 0) {
      throw new ArgumentError('range', `range.start must be a non-negative integer, got ${JSON.stringify(r?.start)}`);
    }
    if (r.end !== undefined && (!Number.isSafeInteger(r.end) || r.end < r.start)) {
      throw new ArgumentError('range', `range.end must be an integer >= range.start (${r.start}), got ${JSON.stringify(r.end)}`);
    }
  }
  const t = opts.trafficLimit;
  if (t !== undefined && (!Number.isInteger(t) || t <= 0)) {
    throw new ArgumentError('trafficLimit', `trafficLimit must be a positive integer (bits/s), got ${t}`);
  }
}

/**
 * Download `bucket/key` to `file`, resumably when `checkpoint` is set. Resolves with the verified result once the
 * file is in place; rejects with a typed error otherwise (ServiceError, NetworkError, ArgumentError, IntegrityError,
 * ObjectChangedError, CheckpointLockedError, AbortedError, or an OssupError with code InsufficientDiskSpace).
 */
export async function downloadFile(client: OssClient, opts: DownloadFileOptions): Promise<DownloadResult> {
  validate(opts);
  const dest = await resolveDownloadTarget(opts.file, opts.key);
  await checkDestination(dest);
  const cpPath = await resolveCheckpointPath(opts.checkpoint, { file: dest, endpoint: client.endpoint.url, bucket: opts.bucket, key: opts.key }, '.dcp');
  const temp = tempPathFor(dest, cpPath);
  const lock = cpPath ? await lockCheckpoint(cpPath) : undefined;
  // Records are not synced one by one: resume re-hashes every recorded range of the temporary file and refetches any
  // whose bytes did not survive (a power cut), so a record that outlived its bytes costs a refetch, never a wrong file.
  const store: DownloadStore = cpPath ? new FileCheckpointStore(cpPath, { syncRecords: false }) : new MemoryCheckpointStore();
  try {
    for (let restart = 0; ; restart++) {
      try {
        return await downloadOnce(client, opts, { dest, temp, store, fresh: restart > 0 });
      } catch (err) {
        const startOver = err instanceof ObjectChangedError || (err instanceof IntegrityError && err.check === 'crc64');
        if (!startOver) throw err;
        // The bytes in the temporary file are of another version, or wrong: nothing of them may be resumed.
        await store.remove();
        await fsp.rm(temp, { force: true });
        if (restart > 0) throw err instanceof ObjectChangedError ? changedAgain(opts, dest, err) : err;
      }
    }
  } catch (err) {
    // Without a checkpoint nothing can ever resume from the temporary file: do not leave it behind.
    if (!cpPath) await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  } finally {
    await store.close();
    await lock?.release();
  }
}

/** Take the checkpoint's lock; a location that cannot hold one is CheckpointUnusable, not a raw file-system error. */
async function lockCheckpoint(cpPath: string): Promise<HeldLock> {
  try {
    return await acquireLock(`${cpPath}.lock`);
  } catch (err) {
    if (err instanceof CheckpointLockedError || err instanceof CheckpointError) throw err;
    throw new CheckpointError(cpPath, `cannot use the checkpoint ${cpPath}: ${(err as Error).message}`, { cause: err });
  }
}

function changedAgain(opts: DownloadFileOptions, dest: string, cause: ObjectChangedError): ObjectChangedError {
  return new ObjectChangedError(opts.bucket, opts.key,
    `oss://${opts.bucket}/${opts.key} changed during the download, and again after restarting; ${dest} was not written. ` +
    'Run the download again once the object is no longer being rewritten.', { cause });
}

interface RunContext {
  dest: string;
  temp: string;
  store: DownloadStore;
  /** Ignore any checkpoint. */
  fresh: boolean;
}

async function downloadOnce(client: OssClient, opts: DownloadFileOptions, run: RunContext): Promise<DownloadResult> {
  const emit = (e: TransferEvent) => opts.onProgress?.(e);
  const { bucket, key, signal } = opts;
  const head = await client.headObject(bucket, key, { signal });
  const object: ObjectVersion = {
    size: head.size, etag: head.etag, lastModified: head.headers['last-modified'] ?? '',
    crc64: head.crc64 !== undefined ? crc64ToDecimal(head.crc64) : '',
  };
  const range = absoluteRange(opts, head.size);
  const total = range.end - range.start + 1;
  const plan = planParts(total, opts.partSize);
  const session = await openDownloadSession({
    store: run.store, endpoint: client.endpoint.url, bucket, key, object, range, plan, file: run.dest, temp: run.temp, fresh: run.fresh, signal,
  });
  const { handle, done } = session;
  let committed = false;
  try {
    const totalParts = plan.parts.length;
    emit({ type: 'start', totalBytes: total, resumedBytes: session.resumedBytes, totalParts, partsDone: done.size });
    const progress = new ProgressTracker(total, session.resumedBytes, emit);
    for (const p of plan.parts) if (p.size === 0) done.set(p.number, { partNumber: p.number, offset: p.start, size: 0, crc64: 0n });
    if (handle) {
      await checkFreeSpace(path.dirname(run.dest), total - session.resumedBytes);
      // Journal appends are chained: records stay whole even with several workers finishing at once.
      let journal = Promise.resolve();
      const record = async (r: DoneRange) => {
        journal = journal.then(() =>
          run.store.append({ kind: 'range', partNumber: r.partNumber, offset: r.offset, size: r.size, crc64: crc64ToDecimal(r.crc64) }));
        await journal;
        done.set(r.partNumber, r);
        emit({ type: 'part', partNumber: r.partNumber, partsDone: done.size, totalParts });
      };
      await fetchRanges({
        client, bucket, key, object, base: range.start, handle, temp: run.temp, concurrency: opts.concurrency ?? 1, trafficLimit: opts.trafficLimit,
        parts: plan.parts.filter((p) => !done.has(p.number)), progress, onRangeDone: record, signal,
      });
    }

    let crc = 0n;
    for (const p of plan.parts) crc = crc64Combine(crc, done.get(p.number)!.crc64, p.size);
    emit({ type: 'completing' });
    const whole = range.start === 0 && total === head.size;
    if (whole && head.crc64 !== undefined && crc !== head.crc64) {
      throw new IntegrityError('crc64', crc64ToDecimal(head.crc64), crc64ToDecimal(crc),
        `the downloaded bytes' CRC-64 ${crc64ToDecimal(crc)} differs from the server's ${crc64ToDecimal(head.crc64)} for oss://${bucket}/${key}`);
    }
    if (handle) await commitTemp(handle, run.temp, run.dest);
    committed = true;
    await run.store.remove();
    progress.finish();
    const result: DownloadResult = {
      bucket, key, file: run.dest, etag: head.etag, crc64: crc64ToDecimal(crc), size: total, parts: totalParts,
      resumedBytes: session.resumedBytes, transferredBytes: total - session.resumedBytes,
      verified: whole && head.crc64 !== undefined ? 'crc64' : 'length-only',
      ...(opts.range ? { range } : {}),
    };
    emit({ type: 'complete', result });
    return result;
  } finally {
    if (!committed) await handle?.close().catch(() => undefined);
  }
}

/** The absolute inclusive range to fetch: the whole object, or the option's range with its end clamped to the object. */
function absoluteRange(opts: DownloadFileOptions, size: number): { start: number; end: number } {
  const r = opts.range;
  if (!r) return { start: 0, end: size - 1 };
  if (r.start >= size) {
    throw new ArgumentError('range', `the range starts at byte ${r.start} but oss://${opts.bucket}/${opts.key} has only ${size} bytes`);
  }
  return { start: r.start, end: Math.min(r.end ?? size - 1, size - 1) };
}
