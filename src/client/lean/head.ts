// The lean client's quick reading of a response head (connection.ts): the common answer, whole in the exchange's
// first read, HTTP/1.1, framed by Content-Length (or by having no body), every line plainly well-formed. Anything
// else (a head split over reads, chunked or close-delimited framing, a 1xx, an unusual line) is left to
// http-parser-js from the response's first byte, as before. http-parser-js's regular expressions over each line
// cost ~30 us per response in a fresh process against ~5 here: one a file in a tree of small files (issue 27).
import { MAX_RESPONSE_HEADER_BYTES } from '../transport.js';

/** A response head read quickly. */
export interface QuickHead {
  statusCode: number;
  /** Names (lower-cased) and values (without surrounding blanks), alternating, in the order received. */
  headers: string[];
  /** Bytes of the head, blank line included: the body (if any) starts there. */
  headLength: number;
  /** Body bytes that follow the head. */
  bodyLength: number;
  /** The connection may carry another exchange once this one is done. */
  keepAlive: boolean;
}

const STATUS_LINE = /^HTTP\/1\.1 ([2-5]\d\d)(?: [^\0\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CLOSE = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;

/**
 * The head at the start of `buf`'s first `n` bytes, or undefined when it must go to the full parser. `noBody`: the
 * request was a HEAD (its Content-Length describes the object, not a body).
 */
export function quickHead(buf: Buffer, n: number, noBody: boolean): QuickHead | undefined {
  const end = buf.subarray(0, n).indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0 || end + 4 > MAX_RESPONSE_HEADER_BYTES) return undefined;
  const text = buf.toString('latin1', 0, end);
  let eol = text.indexOf('\r\n');
  const status = STATUS_LINE.exec(eol < 0 ? text : text.slice(0, eol));
  if (!status) return undefined;
  const statusCode = Number(status[1]);
  const headers: string[] = [];
  let length: string | undefined;
  let keepAlive = true;
  while (eol >= 0) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    const line = eol < 0 ? text.slice(start) : text.slice(start, eol);
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (value.includes('\r') || value.includes('\n') || value.includes('\0')) return undefined;
    switch (name) {
      case 'content-length':
        if (length !== undefined || !/^\d{1,15}$/.test(value)) return undefined;
        length = value;
        break;
      case 'transfer-encoding':
        return undefined;
      case 'connection':
        if (CLOSE.test(value)) keepAlive = false;
        break;
    }
    headers.push(name, value);
  }
  const none = noBody || statusCode === 204 || statusCode === 304;
  if (!none && length === undefined) return undefined; // delimited by the connection's close
  return { statusCode, headers, headLength: end + 4, bodyLength: none ? 0 : Number(length), keepAlive };
}
