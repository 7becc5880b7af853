// --include / --exclude: rules tried in the order given, the first that matches decides. A path no rule matches is
// included, unless some rule is an include: then it is excluded (rclone's reading: "--include *.jpg" means only
// those). Patterns are picomatch globs against the path relative to the tree's root, '/'-separated; a pattern
// without '/' matches the file name at any depth ("*.tmp"), one with '/' matches from the root ("logs/**"; a
// leading '/' is the same as none).
//
// One decision for every name: `*` and `**` cross any character but '/' (newlines, CR, U+2028 and leading dots
// included), and the walk skips a directory only when the same rules provably exclude everything below it. So
// what a filter excludes on one side of a tree is excluded on the other: never sent, never deleted.
import { createRequire } from 'node:module';
import type picomatch from 'picomatch';
import { ArgumentError } from '../../core/errors.js';
import type { FilterRule } from './types.js';

export type PathFilter = (rel: string) => boolean;

/** Whether nothing under a directory (its path relative to the root, no trailing '/') can be selected. */
export type DirPruner = (relDir: string) => boolean;

/** The one filter decision: for names (files, keys) and for the directories a walk may skip. */
export interface TreeFilter {
  /** Whether a path relative to the root is selected. */
  keep: PathFilter;
  /** Whether a directory need not be entered: `keep` is false for every path below it. */
  prune: DirPruner;
}

interface CompiledRule {
  include: boolean;
  test: (s: string) => boolean;
  /** For `<prefix>/**` rules: whether a directory is the prefix (so every path under it matches the rule). */
  coversDir?: (relDir: string) => boolean;
}

/** Compiles the rules once for both decisions; a glob that cannot be parsed is an ArgumentError naming it. */
export function compileTreeFilter(rules: readonly FilterRule[] = []): TreeFilter {
  if (rules.length === 0) return { keep: () => true, prune: () => false };
  const compiled = compileRules(rules);
  const fallback = !compiled.some((c) => c.include);
  const keep: PathFilter = (rel) => {
    for (const c of compiled) if (c.test(rel)) return c.include;
    return fallback;
  };
  // Only excludes before the first include can prune: an earlier include could select a file inside (first match
  // wins). An exclude `<prefix>/**` whose prefix matches the directory matches every path below it, as `**`
  // crosses every character but '/'.
  const upTo = compiled.findIndex((c) => c.include);
  const excluders = (upTo < 0 ? compiled : compiled.slice(0, upTo)).filter((c) => c.coversDir);
  const prune: DirPruner =
    excluders.length === 0 ? () => false : (relDir) => excluders.some((c) => c.coversDir!(relDir));
  return { keep, prune };
}

/** The name decision alone; see compileTreeFilter. */
export function compileFilter(rules: readonly FilterRule[] = []): PathFilter {
  return compileTreeFilter(rules).keep;
}

/**
 * Which directories a walk need not enter: those an exclude rule `<prefix>/**` covers whole, with no include rule
 * before it. So `--exclude 'node_modules/**'` or `--exclude '**\/.git/**'` skips those trees instead of reading
 * every name in them to throw it away.
 */
export function compileDirPruner(rules: readonly FilterRule[] = []): DirPruner {
  return compileTreeFilter(rules).prune;
}

function compileRules(rules: readonly FilterRule[]): CompiledRule[] {
  return rules.map((r) => {
    const glob = r.glob.startsWith('/') ? r.glob.slice(1) : r.glob;
    if (glob.trim() === '') throw new ArgumentError('filters', `--${r.kind} "${r.glob}" is an empty pattern`);
    let test: (s: string) => boolean;
    try {
      test = matcher(glob);
    } catch (err) {
      throw new ArgumentError('filters', `--${r.kind} "${r.glob}" is not a valid glob: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const prefix = glob.endsWith('/**') ? glob.slice(0, -3) : undefined;
    // The prefix is anchored like the whole rule (which holds a '/'): 'a/**' covers 'a', not 'x/a'.
    const coversDir = r.kind === 'exclude' && prefix ? matcher(prefix, true) : undefined;
    return { include: r.kind === 'include', test, coversDir };
  });
}

/**
 * A glob as a test on any string. picomatch's regex uses `.`, which stops at line terminators: compiled again with
 * the `s` flag (and `u` where the source allows, so `?` is one code point) it matches every name the same way.
 * A glob without '/' matches the last segment (the file name at any depth).
 */
function matcher(glob: string, anchored = glob.includes('/')): (s: string) => boolean {
  // Loaded with the first pattern: a command without filters never pays for it.
  const { makeRe } = createRequire(import.meta.url)('picomatch') as typeof picomatch;
  const source = makeRe(glob, { dot: true, strictBrackets: true }).source;
  let re: RegExp;
  try {
    re = new RegExp(source, 'su');
  } catch {
    re = new RegExp(source, 's');
  }
  if (anchored) return (s) => re.test(s);
  return (s) => re.test(lastSegment(s));
}

/** The file name of a path; a folder marker's ('a/b/') is its folder's ('b'), as picomatch's basename. */
function lastSegment(s: string): string {
  const end = s.endsWith('/') ? s.length - 1 : s.length;
  return s.slice(s.lastIndexOf('/', end - 1) + 1, end);
}
