// A tree download writes only inside its destination. Every directory between the destination's root and a file is
// checked as it is reached (created when missing, one level at a time), and the file's own name too: a symbolic link
// there, which this download did not make, would send the bytes (or a later delete) somewhere else. Such a file
// fails with a message naming the link; the link and what it points to are left as they are. The root itself may
// be a link: the user named it.
import { lstatSync, mkdirSync, promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { OssupError } from '../../core/errors.js';
import { isAbandonedTemp, TEMP_FILE } from '../download/temp-name.js';
import type { PathFilter } from './filter.js';

/** A tree file that cannot be written where it belongs: `blockedBy` (a file or a link) stands in the way. */
export class UnsafeDestinationError extends OssupError {
  constructor(
    /** The local path in the way; every file below it fails the same way. */
    readonly blockedBy: string,
    /** What it is: a file where a directory is needed, or a symbolic link. */
    readonly blocker: 'file' | 'link',
    message: string,
  ) {
    super('UnsafeDestination', message);
  }
}

/**
 * Makes the directories above `file` (below `root`) and checks that nothing on the way, nor `file`, is a link.
 * `checked` holds the directories this run has already made or checked (the root included): a tree of thousands of
 * files in a few folders checks each folder once, not once per file. The file's own name is checked every time.
 */
export async function prepareDestination(root: string, file: string, checked = new Set<string>()): Promise<void> {
  if (!checked.has(root)) {
    await fsp.mkdir(root, { recursive: true });
    checked.add(root);
  }
  const rel = relative(root, file);
  const parts = rel.split(sep);
  let at = root;
  for (let i = 0; i < parts.length; i++) {
    at = join(at, parts[i]!);
    const last = i === parts.length - 1;
    if (!last && checked.has(at)) continue;
    // On the event loop, and no error object for a name not there yet (the usual case for the file): a page-cache
    // lookup per downloaded file cost ~10x the CPU through the thread pool (issue 27).
    let st = lstatSync(at, { throwIfNoEntry: false });
    if (!st && !last) {
      try {
        mkdirSync(at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      st = lstatSync(at);
    }
    if (st?.isSymbolicLink()) throw linkError(at, root);
    if (st && !last && !st.isDirectory()) {
      throw new UnsafeDestinationError(
        at,
        'file',
        `${at} is a file, so nothing can be written below it; move it away or download elsewhere`,
      );
    }
    if (!last) checked.add(at);
  }
}

function linkError(at: string, root: string): OssupError {
  return new UnsafeDestinationError(
    at,
    'link',
    `${at} is a symbolic link; a download never writes through a link inside its destination ${root}. ` +
      'Remove the link (or download elsewhere) and run again',
  );
}

/**
 * Removes the temporary files a walk of the destination found that no download can still use (a run killed
 * outright leaves them; see isAbandonedTemp), unless the filter excludes the name they were made for.
 */
export async function removeDebris(
  temps: ReadonlyArray<{ file: string; rel: string }>,
  keep: PathFilter,
): Promise<void> {
  for (const t of temps) {
    if (!keep(t.rel.replace(TEMP_FILE, ''))) continue;
    const st = await fsp.lstat(t.file).catch(() => undefined);
    if (st?.isFile() && isAbandonedTemp(t.file, st.mtimeMs))
      await fsp.rm(t.file, { force: true }).catch(() => undefined);
  }
}
