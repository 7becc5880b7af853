// When a resumed download may trust the bytes of its temporary file without re-reading them (DESIGN.md, "Downloads:
// resuming without re-reading"). Two things could make a recorded range's bytes differ from what was recorded:
// - A power cut or an OS crash dropping written bytes the page cache still held. Either means a reboot, so every
//   lease and closing record names the boot it was written in (bootId below); another boot, and all is re-read.
//   Within one boot the page cache is the file: a killed process loses nothing it wrote.
// - A write to the file after the run that recorded the ranges stopped. The file's metadata tells: every write sets
//   its change time (ctime) to the clock's time, and no user can set a ctime back.
//   - While a run writes, it keeps a lease in the journal: "no write of mine after `until`", renewed every RENEW_MS.
//     After a kill, a file whose ctime is at or before the last lease's `until` was written by no one since.
//   - A run that stops cleanly (an error, an abort) records the file's identity once every write has settled, its
//     mtime first stamped to a value a later write cannot produce (one second in the past, below the clock's tick).
// Anything else (another inode, another boot, a later ctime, another mtime, no record at all): every recorded range
// is re-read (session.ts).
import { readFileSync, type promises as fsp } from 'node:fs';
import { uptime } from 'node:os';
import type { ClosedRecord, DownloadRecord, DownloadStore, LeaseRecord } from './types.js';

/** How long a lease runs, and how often it is renewed while the run lives. */
const LEASE_MS = 1000;
const RENEW_MS = 250;

/**
 * This boot of the machine: Linux's boot_id, elsewhere the boot time in seconds (`up:`, from the uptime; a clock
 * stepped since only makes it differ, which re-reads).
 */
export function bootId(): string {
  try {
    return `linux:${readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim()}`;
  } catch {
    return `up:${Math.round(Date.now() / 1000 - uptime())}`;
  }
}

function sameBoot(recorded: unknown, now: string): boolean {
  if (typeof recorded !== 'string') return false;
  if (recorded.startsWith('up:') && now.startsWith('up:'))
    return Math.abs(Number(recorded.slice(3)) - Number(now.slice(3))) <= 2;
  return recorded === now;
}

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
  private id: { dev: string; ino: string; boot: string } | undefined;

  constructor(
    private readonly store: DownloadStore,
    private readonly handle: fsp.FileHandle,
  ) {}

  /** The first lease, before any write; then one every RENEW_MS until stop(). */
  async start(): Promise<void> {
    const st = (await this.handle.stat({ bigint: true })) as Stat;
    this.id = { dev: st.dev.toString(), ino: st.ino.toString(), boot: bootId() };
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
      boot: this.id.boot,
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
 * that nothing wrote to it since the run that recorded them: its last word, written in this boot, is a closed record
 * matching the file exactly, or a lease whose `until` is at or after the file's change time, on the same inode.
 */
export function rereadReason(records: readonly DownloadRecord[], st: Stat, boot = bootId()): string | undefined {
  let last: LeaseRecord | ClosedRecord | undefined;
  for (const r of records) if (r && (r.kind === 'lease' || r.kind === 'closed')) last = r;
  if (!last) return 'no lease or closing record';
  if (!sameBoot(last.boot, boot)) return 'the machine restarted since the last run';
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
