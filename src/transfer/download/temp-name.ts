// The names of a download's temporary files, beside the destination, and which of them are debris. Two kinds, both
// recognisable by their suffix:
//   NAME.ossup-<12 hex>.tmp          named by the download's checkpoint: a later run with it resumes into the file;
//   NAME.ossup-<pid 8 hex>-<6 hex>.tmp  no checkpoint: only the process named in it can ever use the file.
// A name too long for the suffix (file names are at most 255 bytes) is cut to whole characters and tagged with a
// hash of the whole name (`NAME…~<8 hex>`), so two long names never share a temporary file.
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { isProcessAlive } from '../../io/fs.js';

/** Any temporary file of a download (either kind): never part of a tree, in either direction. */
export const TEMP_FILE = /\.ossup-(?:[0-9a-f]{12}|[0-9a-f]{8}-[0-9a-f]{6})\.tmp$/;
const PROCESS_TEMP = /\.ossup-([0-9a-f]{8})-[0-9a-f]{6}\.tmp$/;
/** Longest file name (bytes) on common file systems. */
export const NAME_MAX = 255;
/** Bytes the longest temporary suffix adds: `.ossup-<8 hex>-<6 hex>.tmp`. */
const TEMP_SUFFIX_BYTES = 26;
/** Bytes the hash tag of a shortened name adds: `~<8 hex>`. */
const HASH_TAG_BYTES = 9;
/** A checkpoint's temporary file untouched this long is no download's in progress (writes come every few seconds). */
export const STALE_TEMP_MS = 60_000;

/** The tag of this process's last temporary file without a checkpoint. */
let tempSeq = randomBytes(3).readUIntBE(0, 3);

/** This process's temporary files still in use: those of a dead process, or ours not in here, are debris. */
const live = new Set<string>();

/** The destination path, its name shortened (whole characters, plus a hash of the name) when the suffix would not fit. */
function tempPrefix(dest: string): string {
  const base = basename(dest);
  if (Buffer.byteLength(base) + TEMP_SUFFIX_BYTES <= NAME_MAX) return dest;
  let short = '';
  for (const ch of base) {
    if (Buffer.byteLength(short + ch) + TEMP_SUFFIX_BYTES + HASH_TAG_BYTES > NAME_MAX) break;
    short += ch;
  }
  const tag = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return join(dirname(dest), `${short}~${tag}`);
}

/**
 * The temporary file beside `dest`. With a checkpoint the name derives from the checkpoint's path, so even a
 * checkpoint too damaged to read still leads to the same temporary file (which a fresh start then replaces);
 * without one it names this process (so a later run knows it for debris once the process is gone) and a random tag
 * (so concurrent downloads cannot share it), and counts as in use until `releaseTemp`.
 */
export function tempPathFor(dest: string, checkpointPath: string | undefined): string {
  if (checkpointPath) {
    const tag = createHash('sha256').update(resolve(checkpointPath)).digest('hex').slice(0, 12);
    return `${tempPrefix(dest)}.ossup-${tag}.tmp`;
  }
  const pid = process.pid.toString(16).padStart(8, '0').slice(-8);
  // A counter from a random start: unique within the process (the pid tells processes apart) without asking the
  // random source once per file of a tree.
  tempSeq = (tempSeq + 1) & 0xffffff;
  const temp = `${tempPrefix(dest)}.ossup-${pid}-${tempSeq.toString(16).padStart(6, '0')}.tmp`;
  live.add(temp);
  return temp;
}

/** The temporary file is finished with (renamed into place or removed). */
export function releaseTemp(temp: string): void {
  live.delete(temp);
}

/** Whether `temp` is a temporary file this engine would have made for `dest` (so it may be deleted). */
export function isTempFor(dest: string, temp: unknown): temp is string {
  return (
    typeof temp === 'string' &&
    dirname(temp) === dirname(dest) &&
    temp.startsWith(`${tempPrefix(dest)}.ossup-`) &&
    TEMP_FILE.test(temp)
  );
}

/**
 * Whether a temporary file is debris no download can use: one named by a process that is gone (killed, say), or by
 * this one and no longer in use; one named by a checkpoint when nothing has written to it for a minute (a later
 * run with that checkpoint resumes from it before that, and a younger one may belong to a download still running).
 */
export function isAbandonedTemp(temp: string, mtimeMs: number, now = Date.now()): boolean {
  const m = PROCESS_TEMP.exec(temp);
  if (!m) return TEMP_FILE.test(temp) && now - mtimeMs > STALE_TEMP_MS;
  const pid = Number.parseInt(m[1]!, 16);
  if (pid === process.pid) return !live.has(temp);
  return !isProcessAlive(pid);
}
