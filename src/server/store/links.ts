// The store never makes a symbolic link, so one inside the root was planted (or the directory is not an ossup
// root): following it would read or write outside the root. A root holding one is refused at start; store files
// are opened with O_NOFOLLOW (fsutil.ts) so a link planted later is never followed at the last component either.
import { readdir, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { OssupError } from '../../core/errors.js';

/** The root holds a symbolic link: the server refuses to serve it (code ForeignLink). */
export class ForeignLinkError extends OssupError {
  constructor(message: string) {
    super('ForeignLink', message);
  }
}

/**
 * Walks the root (names only, no stat per file) and throws ForeignLinkError at the first symbolic link. A root of
 * a million objects is ~2 million names: about a second, once per start.
 */
export async function checkNoLinks(root: string): Promise<void> {
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isSymbolicLink()) {
        const target = await readlink(path).catch(() => '?');
        throw new ForeignLinkError(
          `the data root ${root} contains a symbolic link ${relative(root, path)} -> ${target}; ossup never makes links, so it will not ` +
            'serve this root (a link could send reads and writes outside it). Remove the link, or start with another --root.',
        );
      }
      if (e.isDirectory()) pending.push(path);
    }
  }
}
