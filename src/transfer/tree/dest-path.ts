// A tree download writes only inside its destination. Every directory between the destination's root and a file is
// checked as it is reached (created when missing, one level at a time), and the file's own name too: a symbolic link
// there, which this download did not make, would send the bytes (or a later delete) somewhere else. Such a file
// fails with a message naming the link; the link and what it points to are left as they are. The root itself may
// be a link: the user named it.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { OssupError } from '../../core/errors.js';
import { isAbandonedTemp, TEMP_FILE } from '../download/temp-name.js';
import type { PathFilter } from './filter.js';

/** Makes the directories above `file` (below `root`) and checks that nothing on the way, nor `file`, is a link. */
export async function prepareDestination(root: string, file: string): Promise<void> {
  await fsp.mkdir(root, { recursive: true });
  const rel = path.relative(root, file);
  const parts = rel.split(path.sep);
  let at = root;
  for (let i = 0; i < parts.length; i++) {
    at = path.join(at, parts[i]!);
    const last = i === parts.length - 1;
    let st = await fsp.lstat(at).catch(() => undefined);
    if (!st && !last) {
      await fsp.mkdir(at).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      st = await fsp.lstat(at);
    }
    if (st?.isSymbolicLink()) throw linkError(at, root);
    if (st && !last && !st.isDirectory()) {
      throw new OssupError(
        'UnsafeDestination',
        `${at} is a file, so nothing can be written below it; move it away or download elsewhere`,
      );
    }
  }
}

function linkError(at: string, root: string): OssupError {
  return new OssupError(
    'UnsafeDestination',
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
