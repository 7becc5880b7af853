// Keys and file names are anyone's bytes: printed raw, an ESC or BEL sequence in one retitles the terminal, clears
// the screen or rewrites a line above, and a right-to-left override reverses what follows. Every human-readable
// line that carries a name goes through `shown`; --json keeps the exact key (JSON escapes control characters).

/** C0 controls, DEL, C1 controls, line and paragraph separators, and the bidirectional formatting characters. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control or bidi character written as an escape (`\x1b`, `\n`, `\u202e`): one line, inert. */
export function shown(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** The same for a message of several lines: its newlines stay (each line is then inert on its own). */
export function shownLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escapeChar);
}
