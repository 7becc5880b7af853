// What "the same file" means. Across runs: path, size, mtime, inode and device (recorded in the checkpoint).
// Within one run the ctime is compared too: tools that restore an mtime cannot restore the ctime, so a rewrite
// during the upload is caught even when size and mtime are put back.
import { promises as fsp } from 'node:fs';
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
  /** Status-change time in ns; not persisted (a copy or restore changes it legitimately between runs). */
  ctimeNs: string;
};

export async function snapshotFile(absPath: string): Promise<FileSnapshot> {
  const st = await fsp.stat(absPath, { bigint: true });
  if (!st.isFile()) throw Object.assign(new Error(`${absPath} is not a regular file`), { code: 'EISDIR' });
  if (st.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${absPath} is too large`);
  return {
    path: absPath,
    size: Number(st.size),
    mtimeNs: st.mtimeNs.toString(),
    ino: st.ino.toString(),
    dev: st.dev.toString(),
    ctimeNs: st.ctimeNs.toString(),
  };
}

export function identityOf(s: FileSnapshot): FileIdentity {
  return { path: s.path, size: s.size, mtimeNs: s.mtimeNs, ino: s.ino, dev: s.dev };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.dev === b.dev;
}

/** Throw FileChangedError unless the file is exactly as it was when `before` was taken. */
export async function assertUnchanged(before: FileSnapshot): Promise<void> {
  const after = await snapshotFile(before.path).catch((err: unknown) => {
    throw new FileChangedError(before.path, `${before.path} disappeared during the upload`, { cause: err });
  });
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
