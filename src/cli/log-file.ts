// --log-file FILE: everything ossup says on stderr (notes, warnings, -v lines, errors) is also appended to FILE, one
// timestamped line each; the live progress line is not (its frames are cut at the carriage returns that redraw it).
import { appendFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

// CSI sequences (cursor moves, colours, line clears) of the progress line.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** A stream that writes through to `stream` and appends each complete line to `file`. */
export function teeToLog(stream: NodeJS.WriteStream, file: string): NodeJS.WriteStream {
  try {
    appendFileSync(file, '');
  } catch (err) {
    throw new UsageError(`--log-file ${file}: ${(err as Error).message}`);
  }
  let pending = '';
  const log = (chunk: unknown) => {
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const end = pending.lastIndexOf('\n');
    if (end < 0) {
      // A bar frame with no newline: only what follows its last carriage return can still become a line.
      pending = pending.slice(pending.lastIndexOf('\r') + 1);
      return;
    }
    const lines = pending.slice(0, end).split('\n');
    pending = pending.slice(end + 1);
    const stamp = new Date().toISOString();
    const text = lines
      .map((l) => l.replace(ANSI, ''))
      .map((l) => l.slice(l.lastIndexOf('\r') + 1))
      .filter((l) => l.trim() !== '')
      .map((l) => `${stamp} ${l}\n`)
      .join('');
    if (text) appendFileSync(file, text);
  };
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write')
        return (chunk: unknown, ...rest: unknown[]) => {
          log(chunk);
          return (target.write as (...a: unknown[]) => boolean)(chunk, ...rest);
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
