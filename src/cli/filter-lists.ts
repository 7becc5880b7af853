// --exclude-from, --include-from and --files-from: patterns and paths read from files, one a line, as rclone reads
// them. The pattern files feed the same include/exclude rules as --include/--exclude, in command-line order.
import { readFileSync } from 'node:fs';
import type { FilterRule } from '../transfer/tree/types.js';
import { UsageError } from './usage-error.js';

let ruleSeq = 0;
/** The next number in command-line order, shared by --include, --exclude and the pattern files. */
export const nextRuleSeq = () => ruleSeq++;

interface ListFile {
  file: string;
  seq: number;
}

export interface ListFlags {
  excludeFrom?: ListFile[];
  includeFrom?: ListFile[];
  filesFrom?: string[];
}

/** commander's collector for a repeatable list-file flag: the file and its place on the command line. */
export const listFile = (file: string, prev: ListFile[] = []): ListFile[] => [...prev, { file, seq: nextRuleSeq() }];

/** A file's lines, `-` for standard input; a file that cannot be read is a usage error naming the flag. */
function readLines(flag: string, file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new UsageError(`${flag} ${file}: ${why}`);
  }
  // Blank lines and comments (# or ;, at the start of a line) are skipped; surrounding whitespace is dropped.
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
}

/** The rules the pattern files hold, numbered with their flag's place on the command line. */
export function listRules(flags: ListFlags): Array<FilterRule & { seq: number }> {
  const out: Array<FilterRule & { seq: number }> = [];
  for (const [kind, lists] of [
    ['exclude', flags.excludeFrom],
    ['include', flags.includeFrom],
  ] as const) {
    for (const { file, seq } of lists ?? []) {
      // Rules of one file keep their order between the flags around it: seq + a fraction below 1.
      const lines = readLines(`--${kind}-from`, file);
      for (const [i, glob] of lines.entries()) out.push({ kind, glob, seq: seq + i / (lines.length + 1) });
    }
  }
  return out;
}

/** The paths of every --files-from file, relative to the tree's root ('/'-separated, a leading '/' dropped). */
export function filesFrom(flags: ListFlags): string[] | undefined {
  if (!flags.filesFrom) return undefined;
  return flags.filesFrom.flatMap((f) => readLines('--files-from', f).map((l) => l.replace(/^\/+/, '')));
}
