// Deciding where a download starts: resume what the checkpoint, a fresh HEAD of the object and the temporary file all
// agree on, or start over cleanly. The temporary file is re-read for every recorded range before it is trusted:
// reading local disk is far cheaper than fetching again, and a file edited, truncated or swapped since the last run
// must never end up under the destination name. Neither the ranges nor their records are synced as they are written
// (only the finished file is, before its rename), so after a power cut a record may outlive its bytes: a recorded
// range of the temporary file whose bytes no longer match is dropped and fetched again, the rest is kept.
import { promises as fsp } from 'node:fs';
import { Crc64, crc64ToDecimal, parseCrc64 } from '../../core/crc64.js';
import { abortError } from '../../core/errors.js';
import { createTemp, isTempFor } from './target.js';
import {
  DOWNLOAD_CHECKPOINT_VERSION, type DoneRange, type DownloadCheckpointHeader, type DownloadStore, type ObjectVersion,
  type RangeRecord,
} from './types.js';
import type { PartPlan } from '../engine/plan.js';

export interface DownloadSessionInput {
  store: DownloadStore;
  endpoint: string;
  bucket: string;
  key: string;
  object: ObjectVersion;
  /** Absolute inclusive range being downloaded. */
  range: { start: number; end: number };
  plan: PartPlan;
  file: string;
  temp: string;
  /** Ignore any checkpoint (a restart after the object changed). */
  fresh?: boolean;
  signal?: AbortSignal;
  /** Re-hashing the recorded ranges: `checked` of `total` so far (the 'verifying' event). */
  onVerify?: (checked: number, total: number) => void;
}

export interface DownloadSession {
  /**
   * The temporary file, open for positional writes. Absent when the destination already holds every range,
   * re-verified: an earlier run renamed its temporary file into place and died before deleting the checkpoint, so
   * nothing is left to fetch or rename.
   */
  handle?: fsp.FileHandle;
  /** Ranges already in the temporary file and re-verified. */
  done: Map<number, DoneRange>;
  resumedBytes: number;
  /** Why an old checkpoint was not used, if there was one. */
  discarded?: string;
}

export function expectedHeader(input: DownloadSessionInput): DownloadCheckpointHeader {
  return {
    kind: 'ossup-download', version: DOWNLOAD_CHECKPOINT_VERSION, endpoint: input.endpoint, bucket: input.bucket, key: input.key,
    object: input.object, range: input.range, partSize: input.plan.partSize, partCount: input.plan.parts.length,
    file: input.file, temp: input.temp,
  };
}

/** Why `h` cannot drive this download, or undefined when it can. */
export function headerMismatch(h: Partial<DownloadCheckpointHeader> | undefined, input: DownloadSessionInput): string | undefined {
  if (!h || typeof h !== 'object' || h.kind !== 'ossup-download') return 'not a download checkpoint';
  if (h.version !== DOWNLOAD_CHECKPOINT_VERSION) return `checkpoint version ${String(h.version)}`;
  if (h.endpoint !== input.endpoint) return 'another endpoint';
  if (h.bucket !== input.bucket) return 'another bucket';
  if (h.key !== input.key) return 'another key';
  if (h.file !== input.file) return 'another destination';
  if (h.temp !== input.temp) return 'another temporary file';
  const o = h.object;
  if (!o || typeof o !== 'object') return 'no object version';
  if (o.size !== input.object.size) return `the object's size changed (${o.size} -> ${input.object.size})`;
  if (o.etag !== input.object.etag) return `the object's ETag changed (${o.etag} -> ${input.object.etag})`;
  if (o.lastModified !== input.object.lastModified) return 'the object\'s Last-Modified changed';
  if (o.crc64 !== input.object.crc64) return 'the object\'s CRC-64 changed';
  if (h.range?.start !== input.range.start || h.range?.end !== input.range.end) return 'another range';
  if (h.partSize !== input.plan.partSize || h.partCount !== input.plan.parts.length) return 'another part size';
  return undefined;
}

export async function openDownloadSession(input: DownloadSessionInput): Promise<DownloadSession> {
  const total = input.range.end - input.range.start + 1;
  let discarded: string | undefined;
  const loaded = input.fresh ? undefined : await input.store.load();
  if (loaded) {
    discarded = headerMismatch(loaded.header, input);
    if (!discarded) {
      const resumed = await verifyFile(input, input.temp, total, loaded.records);
      if (typeof resumed !== 'string') return resumed;
      const placed = await verifyFile(input, input.file, total, loaded.records, { complete: true });
      if (typeof placed !== 'string') {
        await placed.handle?.close();
        return { done: placed.done, resumedBytes: placed.resumedBytes };
      }
      discarded = resumed;
    }
    // A temporary file named by an unusable checkpoint is debris of ours; never delete a path we did not make.
    const old = (loaded.header as Partial<DownloadCheckpointHeader> | undefined)?.temp;
    if (old !== input.temp && isTempFor(input.file, old)) await fsp.rm(old, { force: true });
  }
  await input.store.start(expectedHeader(input));
  const handle = await createTemp(input.temp, total);
  return { handle, done: new Map(), resumedBytes: 0, discarded };
}

/**
 * Trust a file (the temporary file, or with `complete` the destination) only if it is a regular file of exactly the
 * planned size. Of the temporary file, only the recorded ranges that still hash to their recorded CRC-64 are kept;
 * the others are left out of `done`, to be fetched again. The destination is all or nothing: every planned range must
 * be recorded and match. Returns the session, or the reason to start over.
 */
async function verifyFile(input: DownloadSessionInput, file: string, total: number, records: RangeRecord[], opts: { complete?: boolean } = {}): Promise<DownloadSession | string> {
  const st = await fsp.lstat(file).catch(() => undefined);
  if (!st) return 'the temporary file is gone';
  if (!st.isFile()) return 'the temporary file is not a regular file';
  if (st.size !== total) return `the temporary file has ${st.size} bytes, expected ${total}`;
  if (opts.complete && !input.plan.parts.every((p) => p.size === 0 || records.some((r) => r?.kind === 'range' && r.partNumber === p.number))) {
    return 'not every range was recorded';
  }
  const planned = new Map(input.plan.parts.map((p) => [p.number, p]));
  const done = new Map<number, DoneRange>();
  let resumedBytes = 0;
  let buffers: [Buffer, Buffer] | undefined;
  const toCheck = new Set(records.map((r) => r?.partNumber)).size;
  let checked = 0;
  if (toCheck > 0) input.onVerify?.(0, toCheck);
  const handle = await fsp.open(file, opts.complete ? 'r' : 'r+');
  try {
    const fail = async (why: string) => { await handle.close(); return why; };
    for (const r of records) {
      const part = r && typeof r === 'object' && r.kind === 'range' ? planned.get(r.partNumber) : undefined;
      if (!part || r.offset !== part.start || r.size !== part.size) return fail(`a recorded range (${JSON.stringify(r)}) is not in the plan`);
      const recorded = safeParse(r.crc64);
      if (recorded === undefined) return fail(`range ${r.partNumber} has no valid CRC-64`);
      if (done.has(part.number)) continue; // recorded twice (fetched again after an earlier resume dropped it)
      buffers ??= readBuffers();
      const actual = await crcOfRange(handle, part.start, part.size, input.signal, buffers);
      input.onVerify?.(Math.min(toCheck, ++checked), toCheck);
      if (actual !== recorded) {
        if (!opts.complete) continue; // lost or damaged since: refetched like a range never recorded
        return fail(`range ${r.partNumber} of the destination no longer matches (CRC-64 ${actual === undefined ? 'short read' : crc64ToDecimal(actual)}, recorded ${r.crc64})`);
      }
      resumedBytes += part.size;
      done.set(part.number, { partNumber: part.number, offset: part.start, size: part.size, crc64: actual });
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  return { handle, done, resumedBytes };
}

const CHUNK = 1024 * 1024;

/** Two read buffers for crcOfRange: one being read into while the other is hashed. */
export function readBuffers(length = CHUNK): [Buffer, Buffer] {
  const size = Math.min(CHUNK, Math.max(1, length));
  return [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
}

/**
 * CRC-64 of `length` bytes at `start`, read in bounded chunks; undefined when the file ends first. The next chunk is
 * read while the current one is hashed. Pass `buffers` to reuse them over many ranges (a resume re-reads thousands).
 */
export async function crcOfRange(
  handle: fsp.FileHandle, start: number, length: number, signal?: AbortSignal, buffers: [Buffer, Buffer] = readBuffers(length),
): Promise<bigint | undefined> {
  const crc = new Crc64();
  const read = async (into: Buffer, at: number) => {
    const { bytesRead } = await handle.read(into, 0, Math.min(into.length, length - at), start + at);
    return into.subarray(0, bytesRead);
  };
  let done = 0;
  let turn: 0 | 1 = 0;
  let next = length > 0 ? read(buffers[0], 0) : undefined;
  while (next) {
    const chunk = await next;
    next = undefined;
    if (chunk.length === 0) break;
    if (signal?.aborted) throw abortError(signal);
    turn = turn === 0 ? 1 : 0;
    if (done + chunk.length < length) next = read(buffers[turn], done + chunk.length);
    crc.update(chunk);
    done += chunk.length;
  }
  return done === length ? crc.digest() : undefined;
}

function safeParse(decimal: unknown): bigint | undefined {
  try {
    return typeof decimal === 'string' ? parseCrc64(decimal) : undefined;
  } catch {
    return undefined;
  }
}
