// Deciding where a download starts: resume what the checkpoint, a fresh HEAD of the object and the temporary file all
// agree on, or start over cleanly. A file edited, truncated or swapped since the last run must never end up under
// the destination name. Whether the recorded ranges still hold what was recorded (no reboot lost unsynced bytes, no
// one wrote to the file since) is read from the file's identity against the journal's lease and closing records
// (lease.ts). When that cannot be vouched for, every recorded range is re-read on the hashing threads while the
// missing ranges are fetched (download.ts waits for it before the final check); a range whose bytes no longer match
// is fetched again, the rest is kept.
import { promises as fsp } from 'node:fs';
import { crc64ToDecimal, parseCrc64 } from '../../core/crc64.js';
import { hashPool } from '../hash/pool.js';
import { rereadReason } from './lease.js';
import { createTemp } from './target.js';
import { isTempFor } from './temp-name.js';
import {
  DOWNLOAD_CHECKPOINT_VERSION,
  DOWNLOAD_CHECKPOINT_VERSIONS,
  type DoneRange,
  type DownloadCheckpointHeader,
  type DownloadRecord,
  type DownloadStore,
} from './types.js';
import type { SinkOpen } from './sink.js';

/** What the file sink opens a download with: the attempt (sink.ts SinkOpen) and where its bytes go. */
export interface DownloadSessionInput extends Omit<SinkOpen, 'concurrency' | 'fresh'> {
  store: DownloadStore;
  file: string;
  temp: string;
  /** Ignore any checkpoint (a restart after the object changed). */
  fresh?: boolean;
  signal?: AbortSignal;
}

export interface DownloadSession {
  /**
   * The temporary file, open for positional writes. Absent when the destination already holds every range,
   * re-verified: an earlier run renamed its temporary file into place and died before deleting the checkpoint, so
   * nothing is left to fetch or rename.
   */
  handle?: fsp.FileHandle;
  /** Ranges already in the temporary file (those in `unverified` still to be re-read) or in the destination. */
  done: Map<number, DoneRange>;
  /**
   * Ranges of `done` whose bytes in the temporary file are still to be checked against their recorded CRC-64: all of
   * them, unless the journal vouches that nothing wrote to the file since they were recorded (lease.ts).
   */
  unverified: DoneRange[];
  /** Why the recorded ranges are re-read (undefined: trusted, or nothing was resumed). */
  reread?: string;
  resumedBytes: number;
  /** Why an old checkpoint was not used, if there was one. */
  discarded?: string;
}

export function expectedHeader(input: DownloadSessionInput): DownloadCheckpointHeader {
  return {
    kind: 'ossup-download',
    version: DOWNLOAD_CHECKPOINT_VERSION,
    endpoint: input.endpoint,
    bucket: input.bucket,
    key: input.key,
    object: input.object,
    range: input.range,
    file: input.file,
    temp: input.temp,
  };
}

/** Why `h` cannot drive this download, or undefined when it can. */
export function headerMismatch(
  h: Partial<DownloadCheckpointHeader> | undefined,
  input: DownloadSessionInput,
): string | undefined {
  if (!h || typeof h !== 'object' || h.kind !== 'ossup-download') return 'not a download checkpoint';
  if (!DOWNLOAD_CHECKPOINT_VERSIONS.includes(h.version as number)) return `checkpoint version ${String(h.version)}`;
  if (h.endpoint !== input.endpoint) return 'another endpoint';
  if (h.bucket !== input.bucket) return 'another bucket';
  if (h.key !== input.key) return 'another key';
  if (h.file !== input.file) return 'another destination';
  if (h.temp !== input.temp) return 'another temporary file';
  const o = h.object;
  if (!o || typeof o !== 'object') return 'no object version';
  if (o.size !== input.object.size) return `the object's size changed (${o.size} -> ${input.object.size})`;
  if (o.etag !== input.object.etag) return `the object's ETag changed (${o.etag} -> ${input.object.etag})`;
  if (o.lastModified !== input.object.lastModified) return "the object's Last-Modified changed";
  if (o.crc64 !== input.object.crc64) return "the object's CRC-64 changed";
  if (h.range?.start !== input.range.start || h.range?.end !== input.range.end) return 'another range';
  // No part size to match: each record says which bytes it holds, and what is left is planned around them.
  return undefined;
}

export async function openDownloadSession(input: DownloadSessionInput): Promise<DownloadSession> {
  const total = input.range.end - input.range.start + 1;
  let discarded: string | undefined;
  const loaded = input.fresh ? undefined : await input.store.load();
  if (loaded) {
    discarded = headerMismatch(loaded.header, input);
    if (!discarded) {
      const resumed = await adoptTemp(input, total, loaded.records);
      if (typeof resumed !== 'string') return resumed;
      const placed = await verifyPlaced(input, total, loaded.records);
      if (typeof placed !== 'string') return placed;
      discarded = resumed;
    }
    // A temporary file named by an unusable checkpoint is debris of ours; never delete a path we did not make.
    const old = (loaded.header as Partial<DownloadCheckpointHeader> | undefined)?.temp;
    if (old !== input.temp && isTempFor(input.file, old)) await fsp.rm(old, { force: true });
  }
  await input.store.start(expectedHeader(input));
  const handle = await createTemp(input.temp, total);
  return { handle, done: new Map(), unverified: [], resumedBytes: 0, discarded };
}

/** Why `file` cannot hold the download, or undefined when it is a regular file of exactly `total` bytes. */
async function unusable(file: string, total: number): Promise<string | undefined> {
  const st = await fsp.lstat(file).catch(() => undefined);
  if (!st) return 'the temporary file is gone';
  if (!st.isFile()) return 'the temporary file is not a regular file';
  if (st.size !== total) return `the temporary file has ${st.size} bytes, expected ${total}`;
  return undefined;
}

/**
 * The recorded ranges (the last record of each number; a drop cancels it), each checked to lie within the download
 * and to overlap no other; a reason to start over if one does not.
 */
function recordedRanges(input: DownloadSessionInput, records: DownloadRecord[]): DoneRange[] | string {
  const total = input.range.end - input.range.start + 1;
  const ranges = new Map<number, DoneRange>();
  for (const r of records) {
    if (r && typeof r === 'object' && (r.kind === 'lease' || r.kind === 'closed')) continue;
    if (r && typeof r === 'object' && r.kind === 'drop') {
      ranges.delete(r.partNumber); // about to be rewritten: its bytes are no longer those recorded
      continue;
    }
    const ok =
      r?.kind === 'range' &&
      Number.isSafeInteger(r.partNumber) &&
      r.partNumber > 0 &&
      Number.isSafeInteger(r.offset) &&
      Number.isSafeInteger(r.size) &&
      r.offset >= 0 &&
      r.size > 0 &&
      r.offset + r.size <= total;
    if (!ok) return `a recorded range (${JSON.stringify(r)}) is not within the download`;
    const crc64 = safeParse(r.crc64);
    if (crc64 === undefined) return `range ${r.partNumber} has no valid CRC-64`;
    // Recorded twice (fetched again after an earlier resume dropped it): the later record describes the bytes.
    ranges.set(r.partNumber, { partNumber: r.partNumber, offset: r.offset, size: r.size, crc64 });
  }
  const sorted = [...ranges.values()].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.offset + a.size > b.offset) return `recorded ranges ${a.partNumber} and ${b.partNumber} overlap`;
  }
  return sorted;
}

/**
 * Resume from the temporary file if it is a regular file of exactly the planned size: its recorded ranges are
 * adopted now, trusted when the journal vouches for the file (lease.ts), else re-read in the background
 * (`unverified`); one whose bytes no longer match is fetched again. Returns the session, or the reason to start over.
 */
async function adoptTemp(
  input: DownloadSessionInput,
  total: number,
  records: DownloadRecord[],
): Promise<DownloadSession | string> {
  const why = await unusable(input.temp, total);
  if (why) return why;
  const ranges = recordedRanges(input, records);
  if (typeof ranges === 'string') return ranges;
  const handle = await fsp.open(input.temp, 'r+');
  // Stat through the handle opened: the file checked is the file written.
  const reread = ranges.length > 0 ? rereadReason(records, await handle.stat({ bigint: true })) : undefined;
  const done = new Map(ranges.map((r) => [r.partNumber, r]));
  const unverified = reread ? ranges : [];
  return { handle, done, unverified, reread, resumedBytes: ranges.reduce((a, r) => a + r.size, 0) };
}

/**
 * The destination is all or nothing (an earlier run renamed its temporary file into place and died before deleting
 * the checkpoint): every planned range must be recorded and match, checked now on the hashing threads.
 */
async function verifyPlaced(
  input: DownloadSessionInput,
  total: number,
  records: DownloadRecord[],
): Promise<DownloadSession | string> {
  const why = await unusable(input.file, total);
  if (why) return why;
  const ranges = recordedRanges(input, records);
  if (typeof ranges === 'string') return ranges;
  if (ranges.reduce((a, r) => a + r.size, 0) !== total) return 'not every range was recorded';
  input.onVerify?.(0, ranges.length);
  const { mismatched } = await checkRanges(input.file, ranges, input.signal ?? new AbortController().signal);
  input.onVerify?.(ranges.length, ranges.length);
  if (mismatched.length > 0) {
    const r = mismatched[0]!;
    return `range ${r.partNumber} of the destination no longer matches its recorded CRC-64 ${crc64ToDecimal(r.crc64)}`;
  }
  return {
    done: new Map(ranges.map((r) => [r.partNumber, r])),
    unverified: [],
    resumedBytes: ranges.reduce((a, r) => a + r.size, 0),
  };
}

/** Ranges queued at a time: one each for the pool's thread and one burst thread (hash/pool.ts), few enough to interleave. */
const IN_FLIGHT = 2;

/**
 * Re-read `ranges` of `file` on the hashing threads and compare each with its recorded CRC-64. A range the file is
 * too short for counts as mismatched.
 */
export async function checkRanges(
  file: string,
  ranges: DoneRange[],
  signal: AbortSignal,
): Promise<{ mismatched: DoneRange[] }> {
  const mismatched: DoneRange[] = [];
  let next = 0;
  const lane = async () => {
    while (next < ranges.length) {
      const r = ranges[next++]!;
      try {
        const { crc64 } = await hashPool().hash(file, r.offset, r.size, { crcOnly: true, signal, burst: true });
        if (crc64 !== r.crc64) mismatched.push(r);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ESHORTFILE') throw err;
        mismatched.push(r);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, ranges.length) }, lane));
  return { mismatched: mismatched.sort((a, b) => a.partNumber - b.partNumber) };
}

function safeParse(decimal: unknown): bigint | undefined {
  try {
    return typeof decimal === 'string' ? parseCrc64(decimal) : undefined;
  } catch {
    return undefined;
  }
}
