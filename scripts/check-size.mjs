#!/usr/bin/env node
// The size gate (npm run check:size; part of npm test): no source file under src/ over MAX_LINES lines, tables and
// generated code included. A file that grows past it is split along a seam, not allowed here.
// Usage: node scripts/check-size.mjs [root]   (root defaults to src; paths below are relative to the current dir)
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const MAX_LINES = 350;

/** Lines as `wc -l` would see them in a file that ends with a newline (a last line without one still counts). */
export function countLines(text) {
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/** The files under `root` over the limit, as `path: N lines`. No file is exempt. */
export function oversized(root) {
  const found = [];
  for (const path of files(root)) {
    const name = relative(process.cwd(), path).split(sep).join('/');
    const lines = countLines(readFileSync(path, 'utf8'));
    if (lines > MAX_LINES) found.push(`${name}: ${lines} lines`);
  }
  return found.sort();
}

const root = process.argv[2] ?? 'src';
const found = oversized(root);
if (found.length > 0) {
  process.stderr.write(
    `check:size: ${found.length} file(s) over ${MAX_LINES} lines; split each along a seam:\n  ${found.join('\n  ')}\n`,
  );
  process.exit(1);
}
process.stdout.write(`check:size: every file under ${root} is at most ${MAX_LINES} lines\n`);
