// Flags of the commands that move whole trees (`cp -r`, `sync`, `rm -r`) and their checks.
import type { Command } from 'commander';
import { ArgumentError } from '../core/errors.js';
// The light modules, not transfer/tree/index.js: building the command line must not load the whole engine.
import { compileFilter } from '../transfer/tree/filter.js';
import { DEFAULT_JOBS, type FilterRule } from '../transfer/tree/types.js';
import { listRules, nextRuleSeq, type ListFlags } from './filter-lists.js';
import { wholeNumberFlag, type CpFlags } from './options.js';
import { UsageError } from './usage-error.js';

/** Connections open at once, all files together, by default (the client agent's cap). */
export const DEFAULT_CONNECTIONS = 64;
const MAX_JOBS = 1000;

/**
 * --include and --exclude keep their command-line order across both flags (the first rule that matches decides),
 * which commander's per-option values lose: each value is numbered as it is parsed and the two lists merged.
 */
type NumberedRule = FilterRule & { seq: number };
const rule =
  (kind: FilterRule['kind']) =>
  (glob: string, prev: NumberedRule[] = []): NumberedRule[] => [...prev, { kind, glob, seq: nextRuleSeq() }];

export interface FilterFlags extends ListFlags {
  include?: NumberedRule[];
  exclude?: NumberedRule[];
  dryRun?: boolean;
}

export interface TreeFlags extends FilterFlags {
  jobs?: string;
  connections?: string;
  followSymlinks?: boolean;
  delete?: boolean;
  checksum?: boolean;
  /** sync: false with --no-snapshot. */
  snapshot?: boolean;
  snapshotPath?: string;
}

export function addFilterOptions(cmd: Command): Command {
  return cmd
    .option(
      '--include <glob>',
      'only paths matching (repeatable; first matching --include/--exclude wins)',
      rule('include'),
    )
    .option(
      '--exclude <glob>',
      'leave out paths matching (repeatable; first matching --include/--exclude wins)',
      rule('exclude'),
    )
    .option('--dry-run', 'print what would be sent, skipped and deleted; change nothing');
}

/** `cp` flags that only make sense for one object (refused for a tree): kept out of `sync`'s help. */
export const SINGLE_OBJECT_FLAGS = [
  '--checkpoint',
  '--expected-size',
  '--range',
  '--version-id',
  '--forbid-overwrite',
  '--callback-url',
  '--callback-body',
  '--callback-body-type',
  '--callback-host',
  '--callback-var',
];

/**
 * `sync`'s own words for flags it shares with `cp`: `-r` is accepted and does nothing (sync always works on a whole
 * tree; people who type `cp -r` type `sync -r` too, and refusing it would teach nothing).
 */
export const SYNC_FLAG_TEXT: Record<string, string> = {
  '--recursive': 'accepted and ignored: sync is always recursive',
};

export function addTreeOptions(
  cmd: Command,
  opts: { hide?: string[]; describe?: Record<string, string> } = {},
): Command {
  for (const o of cmd.options) {
    if (o.long && opts.hide?.includes(o.long)) o.hidden = true;
    if (o.long && opts.describe?.[o.long] !== undefined) o.description = opts.describe[o.long]!;
  }
  return addFilterOptions(cmd)
    .option('-j, --jobs <n>', `files in flight with -r / sync, 1..${MAX_JOBS} (default: ${DEFAULT_JOBS})`)
    .option('--connections <n>', `most connections open at once, all files together (default: ${DEFAULT_CONNECTIONS})`)
    .option(
      '--follow-symlinks',
      'follow symbolic links when walking a directory (loops are cut); default: skip them with a note',
    );
}

/** The rules in command-line order; a glob that cannot be parsed is a usage error. */
export function filterRules(flags: FilterFlags): FilterRule[] {
  const rules = [...(flags.include ?? []), ...(flags.exclude ?? []), ...listRules(flags)]
    .sort((a, b) => a.seq - b.seq)
    .map(({ kind, glob }) => ({ kind, glob }));
  try {
    compileFilter(rules);
  } catch (err) {
    if (err instanceof ArgumentError)
      throw new UsageError(err.message, 'quote globs so the shell does not expand them, e.g. --exclude "*.tmp"');
    throw err;
  }
  return rules;
}

function count(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  return wholeNumberFlag(flag, text, 1, MAX_JOBS);
}

export interface TreeSettings {
  jobs: number;
  connections: number;
  filters: FilterRule[];
}

/** Flags of `cp` that make no sense for a tree: refused, not silently dropped. */
const SINGLE_ONLY: Array<[keyof CpFlags, string, string]> = [
  ['callbackUrl', '--callback-url', 'a callback is for one object'],
  ['callbackBody', '--callback-body', 'a callback is for one object'],
  ['callbackBodyType', '--callback-body-type', 'a callback is for one object'],
  ['callbackHost', '--callback-host', 'a callback is for one object'],
  ['callbackVar', '--callback-var', 'a callback is for one object'],
  ['range', '--range', 'a range is part of one object'],
  ['versionId', '--version-id', 'a version is one of one object'],
  ['forbidOverwrite', '--forbid-overwrite', 'rerunning a tree must be able to replace what changed'],
  ['expectedSize', '--expected-size', 'it sizes the parts of a stream from standard input'],
];

export function checkTreeOptions(flags: CpFlags & TreeFlags): TreeSettings {
  for (const [field, flag, why] of SINGLE_ONLY) {
    if (flags[field] !== undefined) throw new UsageError(`${flag} does not apply to a whole tree: ${why}`);
  }
  if (typeof flags.checkpoint === 'string') {
    throw new UsageError(
      "--checkpoint names one file's checkpoint; a tree keeps one per large file",
      'use --checkpoint-dir <dir> instead',
    );
  }
  return {
    jobs: count('--jobs', flags.jobs, DEFAULT_JOBS),
    connections: count('--connections', flags.connections, DEFAULT_CONNECTIONS),
    filters: filterRules(flags),
  };
}

/** The tree flags given to a command that moves one file: an error, so nobody thinks they took effect. */
export function refuseTreeFlags(flags: TreeFlags): void {
  const given: Array<[unknown, string]> = [
    [flags.include, '--include'],
    [flags.exclude, '--exclude'],
    [flags.dryRun, '--dry-run'],
    [flags.jobs, '--jobs'],
    [flags.connections, '--connections'],
    [flags.followSymlinks, '--follow-symlinks'],
  ];
  for (const [value, flag] of given) {
    if (value !== undefined) throw new UsageError(`${flag} applies to whole trees`, 'add -r (or use ossup sync)');
  }
}
