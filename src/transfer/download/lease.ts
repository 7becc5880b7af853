// When a resumed download may trust the bytes of its temporary file without re-reading them (DESIGN.md, "Resuming a
// download without re-reading it"). A range is recorded only once its bytes are durable (file-sink.ts), so what a
// rerun must rule out is a write to the file after the run that recorded them stopped. The file's own metadata
// tells: every write sets its change time (ctime) to the clock's time, and no user can set a ctime back.
// - While a run writes, it keeps a lease in the journal: "no write of mine after `until`", renewed every RENEW_MS.
//   After a kill or a crash, a file whose ctime is at or before the last lease's `until` was written by no one after.
// - A run that stops cleanly (an error, an abort) records the file's identity once every write has settled, its
//   mtime first stamped to a value a later write cannot produce (one second in the past, to the nanosecond).
// Anything else (another inode, a later ctime, another mtime, no record at all) and every recorded range is re-read.
import type { promises as fsp } from 'node:fs';
import type { ClosedRecord, DownloadRecord, DownloadStore, LeaseRecord } from './types.js';

/** How long a lease runs, and how often it is renewed while the run lives. */
const LEASE_MS = 1000;
const RENEW_MS = 250;

interface Stat {
  dev: bigint;
  ino: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** Renews the lease on the temporary file while a run may write to it. */
export class TempLease {
  private timer: NodeJS.Timeout | undefined;
  private appending: Promise<void> = Promise.resolve();
  private id: { dev: string; ino: string } | undefined;

  constructor(
    private readonly store: DownloadStore,
    private readonly handle: fsp.FileHandle,
  ) {}

  /** The first lease, before any write; then one every RENEW_MS until stop(). */
  async start(): Promise<void> {
    const st = (await this.handle.stat({ bigint: true })) as Stat;
    this.id = { dev: st.dev.toString(), ino: st.ino.toString() };
    await this.renew();
    this.timer = setInterval(() => {
      // A renewal that fails or lags only shortens the lease: the next run then re-reads, never trusts more.
      this.renew().catch(() => undefined);
    }, RENEW_MS);
    this.timer.unref();
  }

  private renew(): Promise<void> {
    const lease: LeaseRecord = { kind: 'lease', ...this.id!, until: Date.now() + LEASE_MS };
    this.appending = this.appending.then(() => this.store.append(lease));
    return this.appending;
  }

  /** No more renewals (the appends in flight finish first). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.appending.catch(() => undefined);
  }

  /** Every write has settled and the run stops without committing: record how it leaves the file. */
  async closed(): Promise<void> {
    await this.stop();
    if (!this.id) return;
    const now = Date.now();
    // A fractional second, so the stamp has digits below the clock's tick; a later write sets the current time.
    const stamp = (now - 1000) / 1000 + 0.000123;
    await this.handle.utimes(now / 1000, stamp);
    const st = (await this.handle.stat({ bigint: true })) as Stat;
    const rec: ClosedRecord = {
      kind: 'closed',
      dev: st.dev.toString(),
      ino: st.ino.toString(),
      mtimeNs: st.mtimeNs.toString(),
      ctimeNs: st.ctimeNs.toString(),
    };
    await this.store.append(rec);
  }
}

/**
 * Why the recorded ranges of a temporary file with stat `st` must be re-read, or undefined when the journal vouches
 * that nothing wrote to it since the run that recorded them: its last word is a closed record matching the file
 * exactly, or a lease whose `until` is at or after the file's change time, on the same inode.
 */
export function rereadReason(records: readonly DownloadRecord[], st: Stat): string | undefined {
  let last: LeaseRecord | ClosedRecord | undefined;
  for (const r of records) if (r && (r.kind === 'lease' || r.kind === 'closed')) last = r;
  if (!last) return 'no lease or closing record';
  if (last.dev !== st.dev.toString() || last.ino !== st.ino.toString()) return 'another file (inode changed)';
  if (last.kind === 'closed') {
    if (last.mtimeNs !== st.mtimeNs.toString()) return 'modified after the last run stopped (mtime)';
    if (last.ctimeNs !== st.ctimeNs.toString()) return 'changed after the last run stopped (ctime)';
    return undefined;
  }
  if (typeof last.until !== 'number' || st.ctimeNs > BigInt(Math.floor(last.until)) * 1_000_000n)
    return 'changed after the last run ended (ctime past its lease)';
  return undefined;
}
