// --stats DURATION: one line of a tree's totals on stderr every DURATION, for runs off a terminal (a log, CI) where
// no live line is drawn.
import { ParseError, formatBytes, formatSeconds, parseDuration } from './size.js';
import type { TreeTracker } from './tree-progress.js';
import { UsageError } from './usage-error.js';

/** --stats in ms; undefined when not given. */
export function statsInterval(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const ms = parseDuration(text);
    if (ms > 0) return ms;
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  throw new UsageError(`--stats "${text}" is not a duration above 0`, 'write e.g. --stats 30s or --stats 5m');
}

/** `ossup: stats: files 3/10, 1.2 MiB/5.0 MiB, 600.0 KiB/s, ETA 5.0 s, 2 up to date, 0 failed` */
export function statsLine(t: TreeTracker): string {
  const more = t.scanned ? '' : '+';
  return (
    `ossup: stats: files ${t.filesDone()}/${t.files}${more}, ` +
    `${formatBytes(t.bytesDone)}/${formatBytes(t.bytes)}${more}, ${formatBytes(Math.round(t.rate()))}/s, ` +
    `ETA ${formatSeconds(t.eta())}, ${t.skipped} up to date, ${t.failed} failed\n`
  );
}

/** Writes a stats line every `ms` until the returned function is called. */
export function startStats(ms: number | undefined, t: TreeTracker, write: (line: string) => void): () => void {
  if (ms === undefined) return () => {};
  const timer = setInterval(() => write(statsLine(t)), ms);
  timer.unref();
  return () => clearInterval(timer);
}
