// --include / --exclude: rules tried in the order given, the first that matches decides. A path no rule matches is
// included, unless some rule is an include: then it is excluded (rclone's reading: "--include *.jpg" means only
// those). Patterns are picomatch globs against the path relative to the tree's root, '/'-separated; a pattern
// without '/' matches the file name at any depth ("*.tmp"), one with '/' matches from the root ("logs/**"; a
// leading '/' is the same as none).
import picomatch from 'picomatch';
import { ArgumentError } from '../../core/errors.js';
import type { FilterRule } from './types.js';

export type PathFilter = (rel: string) => boolean;

/** Compiles the rules; a glob that cannot be parsed (unbalanced brackets, empty) is an ArgumentError naming it. */
export function compileFilter(rules: readonly FilterRule[] = []): PathFilter {
  if (rules.length === 0) return () => true;
  const compiled = rules.map((r) => {
    const glob = r.glob.startsWith('/') ? r.glob.slice(1) : r.glob;
    if (glob.trim() === '') throw new ArgumentError('filters', `--${r.kind} "${r.glob}" is an empty pattern`);
    let test: (s: string) => boolean;
    try {
      test = picomatch(glob, { dot: true, basename: !glob.includes('/'), strictBrackets: true });
    } catch (err) {
      throw new ArgumentError('filters', `--${r.kind} "${r.glob}" is not a valid glob: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { include: r.kind === 'include', test };
  });
  const fallback = !compiled.some((c) => c.include);
  return (rel) => {
    for (const c of compiled) if (c.test(rel)) return c.include;
    return fallback;
  };
}
