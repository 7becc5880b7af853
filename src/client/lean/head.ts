// The lean client's quick reading of a response head (connection.ts): the common answer, whole in the exchange's
// first read, HTTP/1.1, framed by Content-Length (or by having no body), every line plainly well-formed. Anything
// else (a head split over reads, chunked or close-delimited framing, a 1xx, an unusual line) is left to
// http-parser-js from the response's first byte, as before. http-parser-js's regular expressions over each line
// cost ~30 us per response in a fresh process against ~5 here: one a file in a tree of small files (issue 27).
import { MAX_RESPONSE_HEADER_BYTES } from '../transport.js';

/** A response head read quickly. */
export interface QuickHead {
  statusCode: number;
  /** Lower-case names; values without surrounding blanks (a repeated name's values joined by `, `). */
  headers: Record<string, string>;
  /** Bytes of the head, blank line included: the body (if any) starts there. */
  headLength: number;
  /** Body bytes that follow the head. */
  bodyLength: number;
  /** The connection may carry another exchange once this one is done. */
  keepAlive: boolean;
}

const STATUS_LINE = /^HTTP\/1\.1 [2-5]\d\d(?: [^\0\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CLOSE = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;
const DIGITS = /^\d{1,15}$/;

/**
 * The head at the start of `buf`'s first `n` bytes, or undefined when it must go to the full parser. `noBody`: the
 * request was a HEAD (its Content-Length describes the object, not a body). One string for the head, one per name
 * and value: it runs once per request.
 */
export function quickHead(buf: Buffer, n: number, noBody: boolean): QuickHead | undefined {
  const end = buf.subarray(0, n).indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0 || end + 4 > MAX_RESPONSE_HEADER_BYTES) return undefined;
  // Latin-1: one byte a character, so a CR, LF or NUL byte is that character wherever it is.
  const text = buf.toString('latin1', 0, end);
  let eol = text.indexOf('\r\n');
  if (!STATUS_LINE.test(eol < 0 ? text : text.slice(0, eol))) return undefined;
  const statusCode = Number(text.slice(9, 12));
  const headers: Record<string, string> = {};
  let length: string | undefined;
  let keepAlive = true;
  while (eol >= 0) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    const stop = eol < 0 ? end : eol;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon >= stop) return undefined;
    const name = text.slice(start, colon).toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    let from = colon + 1;
    let to = stop;
    while (from < to && isBlank(text.charCodeAt(from))) from++;
    while (to > from && isBlank(text.charCodeAt(to - 1))) to--;
    const value = text.slice(from, to);
    if (value.includes('\n') || value.includes('\r') || value.includes('\0')) return undefined;
    if (name === 'content-length') {
      if (length !== undefined || !DIGITS.test(value)) return undefined;
      length = value;
    } else if (name === 'transfer-encoding') return undefined;
    else if (name === 'connection' && CLOSE.test(value)) keepAlive = false;
    const had = headers[name];
    headers[name] = had === undefined ? value : `${had}, ${value}`;
  }
  const none = noBody || statusCode === 204 || statusCode === 304;
  if (!none && length === undefined) return undefined; // delimited by the connection's close
  return { statusCode, headers, headLength: end + 4, bodyLength: none ? 0 : Number(length), keepAlive };
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}
