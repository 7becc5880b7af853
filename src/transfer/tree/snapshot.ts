// A sync's snapshot: for each file that a sync sent or found up to date, the local file as it was then (size, mtime,
// ctime, inode) and the object it matched (ETag, CRC-64). The next sync skips a file whose stat and listed ETag are
// the recorded ones with no request at all; a file whose ctime or inode moved but size, mtime and ETag did not (rewritten
// with its mtime put back, restored from a backup) is read and its CRC-64 compared with the recorded one, still with
// no request. Anything else gets the usual comparison. The idea is ossutil's --snapshot-path, with the remote side
// checked too (ossutil trusts the local record alone, so an object overwritten by someone else stays overwritten).
//
// One file per (endpoint, bucket, prefix, local directory), both directions alike (a record says "this file and this
// object hold the same bytes", whichever way they went). Written whole at the end of a run that changed a record,
// through a temporary file renamed into place, so a reader sees the old or the new one; two syncs at once: the last
// to finish wins, and what the other recorded only costs a HEAD next time. A file that is damaged (its SHA-256 line
// does not match), of another format or for another sync is ignored with one warning: a record is never trusted on
// faith.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc64ToDecimal } from '../../core/crc64.js';
import { unquoteEtag } from '../../core/etag.js';
import { writeFileAtomic } from '../../io/fs.js';
import { crc64OfFile, type Verdict } from './compare.js';
import type { RemoteEntry } from './listing.js';
import type { LocalEntry } from './walk.js';

const MAGIC = 'ossup-sync-snapshot 1';

/** What one record says about a file and its object. */
export interface SnapshotRecord {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  /** The object's ETag as listed (upper case, unquoted). */
  etag: string;
  /** The object's CRC-64, decimal ('' when unknown). */
  crc64: string;
}

type Row = [rel: string, size: number, mtimeMs: number, ctimeMs: number, ino: number, etag: string, crc64: string];

/** Which sync a snapshot belongs to. */
export interface SnapshotId {
  endpoint: string;
  bucket: string;
  prefix: string;
  /** The local directory, resolved. */
  dir: string;
}

export class SyncSnapshot {
  /** Records to write: loaded ones, updated as the run goes. */
  private readonly records: Map<string, SnapshotRecord>;
  /** Paths this run met on either side (records of others are dropped when the run saw everything). */
  private readonly met = new Set<string>();
  /** Whether the file on disk no longer says what the records do (none was read, or a record changed since). */
  private changed: boolean;

  private constructor(
    readonly file: string,
    private readonly id: SnapshotId,
    loaded: Map<string, SnapshotRecord> | undefined,
  ) {
    this.records = loaded ?? new Map();
    this.changed = loaded === undefined;
  }

  /** The snapshot for `id` in `dir`: its records, or none (with one warning) when the file cannot be trusted. */
  static async open(dir: string, id: SnapshotId, warn: (message: string) => void): Promise<SyncSnapshot> {
    const file = join(dir, snapshotName(id));
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        warn(`cannot read the sync snapshot ${file} (${(err as Error).message}); comparing every file instead`);
      return new SyncSnapshot(file, id, undefined);
    }
    const records = parseSnapshot(text, id);
    if (typeof records === 'string') {
      warn(`ignored the sync snapshot ${file}: ${records}; comparing every file instead (it is rewritten at the end)`);
      return new SyncSnapshot(file, id, undefined);
    }
    return new SyncSnapshot(file, id, records);
  }

  get size(): number {
    return this.records.size;
  }

  /** The pair was seen by this run. */
  meet(rel: string): void {
    this.met.add(rel);
  }

  /**
   * What the record for `rel` decides about a local file and its listed object, or undefined: compare as usual. The
   * reasons are the usual comparison's (`--json` lines read as they did): what was found is the same.
   */
  async verdict(
    rel: string,
    local: LocalEntry,
    remote: RemoteEntry,
    signal?: AbortSignal,
  ): Promise<Verdict | undefined> {
    const r = this.matching(rel, local, remote);
    if (!r) return undefined;
    if (r.ctimeMs === local.ctimeMs && r.ino === local.ino)
      return { send: false, reason: 'same size and mtime', recorded: r, same: true };
    // Size and mtime as recorded, yet the file was touched (rewritten with its mtime put back, copied back, chmod):
    // its bytes decide, read here with no request.
    if (r.crc64 === '') return undefined;
    const crc = crc64ToDecimal(await crc64OfFile(local.path, signal));
    if (crc !== r.crc64) return { send: true, reason: 'CRC-64 differs', localCrc: crc };
    return { send: false, reason: 'same size and CRC-64', recorded: r, same: true };
  }

  /**
   * The record of `rel` when the file and the object are exactly as it says (same stat, same ETag): a skip decided
   * with no request, no read and no promise (issue 27), its record already what the run would write.
   */
  unchanged(rel: string, local: LocalEntry, remote: RemoteEntry): SnapshotRecord | undefined {
    const r = this.matching(rel, local, remote);
    return r && r.ctimeMs === local.ctimeMs && r.ino === local.ino ? r : undefined;
  }

  private matching(rel: string, local: LocalEntry, remote: RemoteEntry): SnapshotRecord | undefined {
    const r = this.records.get(rel);
    if (!r || r.size !== local.size || r.size !== remote.size || r.mtimeMs !== local.mtimeMs || r.etag !== remote.etag)
      return undefined;
    return r;
  }

  /** `local` and the object with `etag` hold the same bytes now. */
  record(rel: string, local: LocalEntry, etag: string, crc64: string): void {
    if (local.ctimeMs === undefined || local.ino === undefined || etag === '') {
      this.forget(rel);
      return;
    }
    const { size, mtimeMs, ctimeMs, ino } = local;
    const r = { size, mtimeMs, ctimeMs, ino, etag: unquoteEtag(etag).toUpperCase(), crc64 };
    if (!this.changed && !sameRecord(this.records.get(rel), r)) this.changed = true;
    this.records.set(rel, r);
  }

  forget(rel: string): void {
    if (this.records.delete(rel)) this.changed = true;
  }

  /**
   * Writes the records, atomically. `complete`: the run met every file on both sides (no filter, no selection),
   * so a record it did not meet is of a file gone from both and is dropped. Nothing is written when the file already
   * holds exactly these records (a sync that found everything as recorded: issue 27).
   */
  async save(complete: boolean): Promise<void> {
    if (!this.changed && !(complete && this.unmet())) return;
    const rows: Row[] = [];
    for (const [rel, r] of this.records) {
      if (complete && !this.met.has(rel)) continue;
      rows.push([rel, r.size, r.mtimeMs, r.ctimeMs, r.ino, r.etag, r.crc64]);
    }
    const body = JSON.stringify({ id: this.id, rows });
    const text = `${MAGIC} ${createHash('sha256').update(body).digest('hex')}\n${body}`;
    const dir = dirname(this.file);
    await fsp.mkdir(dir, { recursive: true });
    await writeFileAtomic(dir, this.file, text, dir, 0o600);
    this.changed = false;
  }

  /** Whether a record is of a path this run did not meet. */
  private unmet(): boolean {
    for (const rel of this.records.keys()) if (!this.met.has(rel)) return true;
    return false;
  }
}

function sameRecord(a: SnapshotRecord | undefined, b: SnapshotRecord): boolean {
  return (
    a !== undefined &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs &&
    a.ino === b.ino &&
    a.etag === b.etag &&
    a.crc64 === b.crc64
  );
}

/** The snapshot's file name: a digest of what it is for, so one directory holds the snapshots of many syncs. */
export function snapshotName(id: SnapshotId): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([id.endpoint, id.bucket, id.prefix, id.dir]))
    .digest('hex');
  return `sync-${digest.slice(0, 32)}.snap`;
}

/** The records of a snapshot file, or why it cannot be trusted. */
export function parseSnapshot(text: string, id: SnapshotId): Map<string, SnapshotRecord> | string {
  const nl = text.indexOf('\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  if (!head.startsWith(`${MAGIC} `)) return 'not an ossup sync snapshot of this version';
  const body = text.slice(nl + 1);
  if (createHash('sha256').update(body).digest('hex') !== head.slice(MAGIC.length + 1)) return 'damaged (checksum)';
  let doc: { id?: SnapshotId; rows?: unknown };
  try {
    doc = JSON.parse(body) as typeof doc;
  } catch {
    return 'damaged (not JSON)';
  }
  const d = doc.id;
  if (!d || d.endpoint !== id.endpoint || d.bucket !== id.bucket || d.prefix !== id.prefix || d.dir !== id.dir)
    return 'it belongs to another sync';
  if (!Array.isArray(doc.rows)) return 'damaged (no records)';
  const records = new Map<string, SnapshotRecord>();
  for (const row of doc.rows as unknown[]) {
    if (!isRow(row)) return 'damaged (a malformed record)';
    const [rel, size, mtimeMs, ctimeMs, ino, etag, crc64] = row;
    records.set(rel, { size, mtimeMs, ctimeMs, ino, etag, crc64 });
  }
  return records;
}

function isRow(x: unknown): x is Row {
  if (!Array.isArray(x) || x.length !== 7) return false;
  const [rel, size, mtimeMs, ctimeMs, ino, etag, crc64] = x as unknown[];
  const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);
  return (
    typeof rel === 'string' &&
    finite(size) &&
    finite(mtimeMs) &&
    finite(ctimeMs) &&
    finite(ino) &&
    typeof etag === 'string' &&
    typeof crc64 === 'string' &&
    /^\d*$/.test(crc64)
  );
}

/** After a skip that found both sides the same: the file as walked and the object as the verdict saw it. */
export function recordSame(s: SyncSnapshot, rel: string, local: LocalEntry | undefined, v: Verdict): void {
  const etag = v.head?.etag ?? v.recorded?.etag;
  if (!local || etag === undefined) {
    s.forget(rel);
    return;
  }
  const crc64 = v.head?.crc64 !== undefined ? crc64ToDecimal(v.head.crc64) : (v.localCrc ?? v.recorded?.crc64 ?? '');
  s.record(rel, local, etag, crc64);
}

/** After a transfer: an upload's source as walked (its mtime is the one the object records), a download as written. */
export async function recordSent(
  s: SyncSnapshot,
  rel: string,
  local: LocalEntry | undefined,
  written: string | undefined,
  r: { etag: string; crc64: string; size: number },
): Promise<void> {
  if (written === undefined) {
    if (local) s.record(rel, local, r.etag, r.crc64);
    else s.forget(rel);
    return;
  }
  const st = await fsp.stat(written).catch(() => undefined);
  if (!st || st.size !== r.size) {
    s.forget(rel);
    return;
  }
  const now = { rel, path: written, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
  s.record(rel, now, r.etag, r.crc64);
}
