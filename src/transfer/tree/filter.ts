// --include / --exclude: rules tried in the order given, the first that matches decides. A path no rule matches is
// included, unless some rule is an include: then it is excluded (rclone's reading: "--include *.jpg" means only
// those). Patterns are picomatch globs against the path relative to the tree's root, '/'-separated; a pattern
// without '/' matches the file name at any depth ("*.tmp"), one with '/' matches from the root ("logs/**"; a
// leading '/' is the same as none).
import picomatch from 'picomatch';
import { ArgumentError } from '../../core/errors.js';
import type { FilterRule } from './types.js';

export type PathFilter = (rel: string) => boolean;

/** Whether nothing under a directory (its path relative to the root, no trailing '/') can be selected. */
export type DirPruner = (relDir: string) => boolean;

interface CompiledRule {
  include: boolean;
  test: (s: string) => boolean;
  /** For `<prefix>/**` rules: whether a directory is the prefix (so every path under it matches). */
  coversDir?: (relDir: string) => boolean;
}

/** Compiles the rules; a glob that cannot be parsed (unbalanced brackets, empty) is an ArgumentError naming it. */
export function compileFilter(rules: readonly FilterRule[] = []): PathFilter {
  if (rules.length === 0) return () => true;
  const compiled = compileRules(rules);
  const fallback = !compiled.some((c) => c.include);
  return (rel) => {
    for (const c of compiled) if (c.test(rel)) return c.include;
    return fallback;
  };
}

/**
 * Which directories a walk need not enter: those an exclude rule `<prefix>/**` covers whole, with no include rule
 * before it (an earlier include could select a file inside, as first match wins). So `--exclude 'node_modules/**'`
 * or `--exclude '**\/.git/**'` skips those trees instead of reading every name in them to throw it away. Only what
 * compileFilter would exclude anyway is skipped (a probe of two paths below the directory must match the rule too).
 */
export function compileDirPruner(rules: readonly FilterRule[] = []): DirPruner {
  const compiled = compileRules(rules);
  const upTo = compiled.findIndex((c) => c.include);
  const excluders = (upTo < 0 ? compiled : compiled.slice(0, upTo)).filter((c) => c.coversDir);
  if (excluders.length === 0) return () => false;
  return (relDir) =>
    excluders.some(
      (c) => c.coversDir!(relDir) && c.test(`${relDir}/ossup-probe`) && c.test(`${relDir}/a/.ossup-probe`),
    );
}

function compileRules(rules: readonly FilterRule[]): CompiledRule[] {
  return rules.map((r) => {
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
    const prefix = glob.endsWith('/**') ? glob.slice(0, -3) : undefined;
    const coversDir =
      r.kind === 'exclude' && prefix
        ? picomatch(prefix, { dot: true, basename: !prefix.includes('/'), strictBrackets: true })
        : undefined;
    return { include: r.kind === 'include', test, coversDir };
  });
}
