// What "the same file" means. Across runs: path, size, mtime, inode and device (recorded in the checkpoint).
// Within one run the ctime is compared too: tools that restore an mtime cannot restore the ctime, so a rewrite
// during the upload is caught even when size and mtime are put back.
import { type BigIntStats, promises as fsp, statSync } from 'node:fs';
import { FileChangedError } from '../../core/errors.js';

// A type, not an interface: it is a SourceIdentity (engine/ports.ts), a record of strings and numbers.
export type FileIdentity = {
  /** Absolute path. */
  path: string;
  size: number;
  /** Modification time in ns, as a decimal string (BigInt stat; ms floats lose precision). */
  mtimeNs: string;
  /** Inode and device as decimal strings (may exceed 2^53). */
  ino: string;
  dev: string;
};

export type FileSnapshot = FileIdentity & {
  /** Status-change time in ns; not in the identity (a copy or restore changes it legitimately between runs). */
  ctimeNs: string;
  /** The wall clock (ms) when the stat was taken. */
  atMs: number;
};

/** How long a ctime must have stood when it was read for no later write to leave it as it was (settledCtime). */
export const SETTLE_MS = 1000;

/**
 * The snapshot's ctime when it had stood for SETTLE_MS when the stat was taken, else undefined. Every write moves a
 * file's ctime to the clock's time and nothing can set it back, but the clock it takes is coarse (a few ms), so a write
 * in the same tick as a stat could leave a fresh ctime as it was read; one a second old cannot be left so. An upload's
 * checkpoint records it (upload/session.ts): a resume that finds it unchanged knows no byte of the file was written
 * since the first run opened it.
 */
export function settledCtime(s: FileSnapshot): string | undefined {
  return BigInt(Math.floor(s.atMs - SETTLE_MS)) * 1_000_000n >= BigInt(s.ctimeNs) ? s.ctimeNs : undefined;
}

export async function snapshotFile(absPath: string): Promise<FileSnapshot> {
  return snapshotOf(absPath, await fsp.stat(absPath, { bigint: true }));
}

/**
 * snapshotFile on the event loop: for a file read whole in one request (a stat of a file just read or listed is a
 * page-cache lookup; through the thread pool it cost ~10x the CPU; issue 27).
 */
export function snapshotFileSync(absPath: string): FileSnapshot {
  return snapshotOf(absPath, statSync(absPath, { bigint: true }));
}

/** The snapshot of `absPath` from its (BigInt) stat. */
export function snapshotOf(absPath: string, st: BigIntStats): FileSnapshot {
  if (!st.isFile()) throw Object.assign(new Error(`${absPath} is not a regular file`), { code: 'EISDIR' });
  if (st.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${absPath} is too large`);
  return {
    path: absPath,
    size: Number(st.size),
    mtimeNs: st.mtimeNs.toString(),
    ino: st.ino.toString(),
    dev: st.dev.toString(),
    ctimeNs: st.ctimeNs.toString(),
    atMs: Date.now(),
  };
}

/** Milliseconds since the epoch of a stat's nanoseconds, exactly as node's non-BigInt stat gives them (`mtimeMs`). */
export function msOfNs(ns: bigint): number {
  const sec = ns >= 0n ? ns / NS_PER_S : -((-ns + NS_PER_S - 1n) / NS_PER_S);
  return Number(sec) * 1000 + Number(ns - sec * NS_PER_S) / 1e6;
}

const NS_PER_S = 1_000_000_000n;

export function identityOf(s: FileSnapshot): FileIdentity {
  return { path: s.path, size: s.size, mtimeNs: s.mtimeNs, ino: s.ino, dev: s.dev };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.dev === b.dev;
}

/**
 * Throw FileChangedError unless the file is exactly as it was when `before` was taken. `sync`: stat on the event
 * loop (snapshotFileSync).
 */
export async function assertUnchanged(before: FileSnapshot, sync = false): Promise<void> {
  let after: FileSnapshot;
  try {
    after = sync ? snapshotFileSync(before.path) : await snapshotFile(before.path);
  } catch (err) {
    throw new FileChangedError(before.path, `${before.path} disappeared during the upload`, { cause: err });
  }
  if (!sameIdentity(before, after) || before.ctimeNs !== after.ctimeNs) {
    throw new FileChangedError(
      before.path,
      `${before.path} was modified during the upload (${whatChanged(before, after)}); the object was not completed. ` +
        'Run the upload again to send the new content.',
    );
  }
}

/** Names what differs between two snapshots of one path, most telling first. */
export function whatChanged(before: FileSnapshot, after: FileSnapshot): string {
  if (before.ino !== after.ino || before.dev !== after.dev) return 'replaced by another file: its inode changed';
  if (before.size !== after.size) return `size ${before.size} -> ${after.size} bytes`;
  if (before.mtimeNs !== after.mtimeNs) {
    const at = (ns: string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
    return `modification time ${at(before.mtimeNs)} -> ${at(after.mtimeNs)}, size unchanged`;
  }
  return 'rewritten with its size and modification time put back: its change time moved';
}
