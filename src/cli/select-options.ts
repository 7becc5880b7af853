// rclone's selection and skip flags for the tree commands: which files take part (size, age, a list of paths,
// depth, patterns from files) and which present at the destination are left alone (--size-only, --update,
// --ignore-existing / --no-clobber).
import type { Command } from 'commander';
import type { TreeSelect } from '../transfer/tree/select.js';
import type { SkipRules } from '../transfer/tree/skip-rules.js';
import { filesFrom, listFile, type ListFlags } from './filter-lists.js';
import { sizeFlag, wholeNumberFlag } from './options.js';
import { ParseError, parseDuration } from './size.js';
import { UsageError } from './usage-error.js';

export interface SelectFlags extends ListFlags {
  maxAge?: string;
  minAge?: string;
  maxSize?: string;
  minSize?: string;
  maxDepth?: string;
}

export interface SkipFlags {
  sizeOnly?: boolean;
  update?: boolean;
  ignoreExisting?: boolean;
  noClobber?: boolean;
}

/** The flags that choose files of a tree: `cp -r`, `sync` and `rm -r`. */
export function addSelectOptions(cmd: Command): Command {
  return cmd
    .option(
      '--exclude-from <file>',
      'read --exclude patterns from a file, one a line (# comments; - for stdin)',
      listFile,
    )
    .option(
      '--include-from <file>',
      'read --include patterns from a file, one a line (# comments; - for stdin)',
      listFile,
    )
    .option(
      '--files-from <file>',
      'only the paths listed in a file, one a line, relative to the tree (# comments; repeatable)',
      (f: string, prev: string[] = []) => [...prev, f],
    )
    .option('--max-depth <n>', 'only files at most n levels down (1: the files directly in the directory or prefix)')
    .option('--max-age <age>', 'only files modified within this age (10m, 2h, 7d) or since a date (2024-05-01)')
    .option('--min-age <age>', 'only files older than this age (10m, 2h, 7d) or modified before a date')
    .option('--max-size <size>', 'only files of at most this size (e.g. 10MiB, 1GiB; a unit is required)')
    .option('--min-size <size>', 'only files of at least this size (e.g. 100KiB; a unit is required)');
}

/** The flags that leave files present at the destination alone: `cp` (-r) and `sync`. */
export function addSkipOptions(cmd: Command): Command {
  return cmd
    .option('--size-only', 'skip files whose destination copy has the same size (no mtime or CRC-64 check)')
    .option('-u, --update', 'skip files whose destination copy is newer (by mtime) than the source')
    .option('--ignore-existing', 'skip every file the destination already has, changed or not')
    .option('--no-clobber', 'never replace anything at the destination: the same as --ignore-existing');
}

function age(flag: string, text: string, now: number): number {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(t)) {
    // A date alone is local midnight (as rclone reads it), not UTC midnight as Date.parse would have it.
    const ms = Date.parse(t.length === 10 ? `${t}T00:00:00` : t.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  }
  try {
    return now - parseDuration(t);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    throw new UsageError(
      `${flag} "${text}" is neither an age nor a date`,
      'write an age with s, m, h, d or w (e.g. 7d) or a date (2024-05-01 or 2024-05-01T12:00:00)',
    );
  }
}

function size(flag: string, text: string): number {
  // rclone reads a bare number as KiB, a byte count elsewhere in ossup: neither guess is safe, so a unit is asked for.
  if (/^\s*\d+(\.\d+)?\s*$/.test(text))
    throw new UsageError(
      `${flag} ${text} has no unit`,
      `write ${text.trim()}B for bytes or ${text.trim()}KiB, MiB, GiB`,
    );
  return sizeFlag(flag, text);
}

/** Checked selection; undefined when no flag asks for one. Every bad value is a usage error (exit 2). */
export function selectSettings(flags: SelectFlags, now = Date.now()): TreeSelect | undefined {
  const s: TreeSelect = {};
  if (flags.maxAge !== undefined) s.modifiedAfterMs = age('--max-age', flags.maxAge, now);
  if (flags.minAge !== undefined) s.modifiedBeforeMs = age('--min-age', flags.minAge, now);
  if (flags.maxSize !== undefined) s.maxSize = size('--max-size', flags.maxSize);
  if (flags.minSize !== undefined) s.minSize = size('--min-size', flags.minSize);
  if (s.minSize !== undefined && s.maxSize !== undefined && s.minSize > s.maxSize)
    throw new UsageError(`--min-size ${flags.minSize} is larger than --max-size ${flags.maxSize}: nothing would match`);
  if (flags.maxDepth !== undefined) s.maxDepth = wholeNumberFlag('--max-depth', flags.maxDepth, 1);
  const files = filesFrom(flags);
  if (files) s.files = files;
  return Object.keys(s).length > 0 ? s : undefined;
}

/** The skip rules; --no-clobber and --ignore-existing are one rule under two names. */
export function skipSettings(flags: SkipFlags): SkipRules {
  // commander's --no-clobber sets `clobber: false`; read both spellings.
  const noClobber = flags.noClobber === true || (flags as { clobber?: boolean }).clobber === false;
  const rules: SkipRules = {};
  if (flags.ignoreExisting || noClobber) rules.ignoreExisting = true;
  if (flags.sizeOnly) rules.sizeOnly = true;
  if (flags.update) rules.update = true;
  const given = [
    flags.sizeOnly && '--size-only',
    flags.update && '--update',
    rules.ignoreExisting && (noClobber ? '--no-clobber' : '--ignore-existing'),
  ].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} are different skip rules; give one of them`);
  return rules;
}

/** Selection flags given to a command that moves or deletes one object: refused, so nobody thinks they applied. */
export function refuseSelectFlags(flags: SelectFlags & SkipFlags, hint: string): void {
  const given: Array<[unknown, string]> = [
    [flags.excludeFrom, '--exclude-from'],
    [flags.includeFrom, '--include-from'],
    [flags.filesFrom, '--files-from'],
    [flags.maxDepth, '--max-depth'],
    [flags.maxAge, '--max-age'],
    [flags.minAge, '--min-age'],
    [flags.maxSize, '--max-size'],
    [flags.minSize, '--min-size'],
    [flags.sizeOnly, '--size-only'],
    [flags.update, '--update'],
  ];
  for (const [value, flag] of given)
    if (value !== undefined) throw new UsageError(`${flag} applies to whole trees`, hint);
}
