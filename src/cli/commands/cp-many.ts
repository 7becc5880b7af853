// `ossup cp a b dir/ oss://bucket/dest/`: several sources, the last argument the destination, which must then be a
// directory or prefix. Every source is checked before the first byte moves (exit 2); then each is copied in turn as
// `cp` alone would copy it, a directory (-r) into its own name below the destination, as `cp -r a b dest/` does.
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { ActionFailed, EXIT_INTERRUPTED, EXIT_OK, exitCodeFor, renderError } from '../exit.js';
import { isOssUrl } from '../oss-url.js';
import type { Io } from '../session.js';
import { UsageError } from '../usage-error.js';
import type { TreeCommandFlags } from './tree.js';

/** What one source becomes: a single `cp` or a `cp -r` into `dst`. */
interface Step {
  src: string;
  dst: string;
  tree: boolean;
}

/** The last path segment of a local path or an oss:// URL, without trailing slashes. */
function baseName(p: string): string {
  return posix.basename(p.replace(/[\\/]+$/, ''));
}

async function plan(sources: string[], dest: string, flags: TreeCommandFlags): Promise<Step[]> {
  const destIsOss = isOssUrl(dest);
  const destDir = destIsOss
    ? /^oss:\/\/[^/]+\/?$/.test(dest) || dest.endsWith('/')
    : dest.endsWith('/') || (await stat(dest).catch(() => undefined))?.isDirectory() === true;
  if (!destDir) {
    throw new UsageError(
      `with several sources the destination ${dest} must be ${destIsOss ? 'a prefix' : 'a directory'}`,
      `end it with /, e.g. ${destIsOss ? `${dest}/` : `${dest}/ (it is created if missing)`}`,
    );
  }
  const into = dest.endsWith('/') ? dest : `${dest}/`;
  const steps: Step[] = [];
  for (const src of sources) {
    if (src === '-') throw new UsageError('- (standard input) cannot be one of several sources');
    if (isOssUrl(src)) {
      const prefix = src.endsWith('/');
      if (prefix && !flags.recursive)
        throw new UsageError(`${src} is a prefix`, 'add -r to copy every object under it');
      steps.push({ src, dst: prefix ? `${into}${baseName(src)}/` : into, tree: prefix });
      continue;
    }
    const st = await stat(src).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new UsageError(`${src}: no such file or directory`);
      throw new UsageError(`${src}: ${err.message}`);
    });
    if (st.isDirectory() && !flags.recursive)
      throw new UsageError(`${src} is a directory`, 'add -r to copy every file under it');
    if (!st.isDirectory() && !st.isFile()) throw new UsageError(`${src} is not a regular file`);
    steps.push({ src, dst: st.isDirectory() ? `${into}${baseName(src)}/` : into, tree: st.isDirectory() });
  }
  return steps;
}

/** Runs every source; a failed one is reported and the rest go on (exit 1 at the end), Ctrl-C stops them all. */
export async function cpManyCommand(paths: string[], flags: TreeCommandFlags, io: Io): Promise<number> {
  const dest = paths[paths.length - 1]!;
  const steps = await plan(paths.slice(0, -1), dest, flags);
  let worst = EXIT_OK;
  for (const step of steps) {
    let code: number;
    try {
      code = step.tree
        ? await (await import('./tree.js')).treeCommand(step.src, step.dst, 'cp -r', flags, io)
        : await (await import('./cp.js')).cpCommand(step.src, step.dst, { ...flags, recursive: undefined }, io);
    } catch (err) {
      const inner = err instanceof ActionFailed ? err.error : err;
      io.stderr.write(
        renderError(inner, {
          action: err instanceof ActionFailed ? err.action : undefined,
          bucket: err instanceof ActionFailed ? err.bucket : undefined,
          debug: flags.debug === true,
        }),
      );
      code = exitCodeFor(inner);
    }
    if (code === EXIT_INTERRUPTED) return code;
    worst = Math.max(worst, code);
  }
  return worst;
}
