/**
 * Percent-encoding with OSS's unreserved set (A-Z a-z 0-9 - _ . ~), used by both signers, by the client to
 * build URLs, and by both ends for `encoding-type=url` fields. Encoding works on UTF-8 bytes, hex upper case.
 */
import { ArgumentError } from './errors.js';

/** Characters encodeURIComponent leaves alone but OSS's unreserved set does not. */
const EXTRA_RESERVED = /[!'()*]/g;

/** Strings that encode to themselves (every key, name and date of a typical request): one test, no new string. */
const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;
const UNRESERVED_OR_SLASH = /^[A-Za-z0-9\-_.~/]*$/;

/** Percent-encodes every UTF-8 byte outside A-Za-z0-9-_.~ (and outside `/` when keepSlash). */
export function percentEncode(value: string, keepSlash = false): string {
  if ((keepSlash ? UNRESERVED_OR_SLASH : UNRESERVED).test(value)) return value;
  let out: string;
  try {
    out = encodeURIComponent(value);
  } catch (err) {
    // encodeURIComponent throws on lone surrogates: the string has no UTF-8 form to send.
    throw new ArgumentError('value', `not valid UTF-16 (lone surrogate): ${JSON.stringify(value)}`, { cause: err });
  }
  out = out.replace(EXTRA_RESERVED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? out.replace(/%2F/g, '/') : out;
}

/** Encodes an object key for a URL path: like percentEncode but `/` stays literal. */
export function encodeKeyPath(key: string): string {
  return percentEncode(key, true);
}

/** Encodes a field of a response sent with encoding-type=url (Key, Prefix, Marker, ...): `/` becomes %2F. */
export function encodeUrlField(value: string): string {
  return percentEncode(value, false);
}

/** Decodes a field of a response sent with encoding-type=url. `+` stays literal: OSS encodes it as %2B. */
export function decodeUrlField(value: string): string {
  // Every key of a listing page comes through here (`/` is %2F, so nearly all have an escape): the engine's
  // decodeURIComponent is as strict about escapes and UTF-8 and several times cheaper. What it refuses, and a
  // leading U+FEFF (which percentDecode's TextDecoder drops), go the strict way, so results and errors are its.
  if (value.includes('%') && !hasLoneSurrogate(value)) {
    try {
      const decoded = decodeURIComponent(value);
      if (decoded.charCodeAt(0) !== 0xfeff) return decoded;
    } catch {
      // percentDecode names what is wrong
    }
  }
  return percentDecode(value, false);
}

/**
 * Strict percent-decoding into UTF-8. Throws ArgumentError on a malformed escape or invalid UTF-8 rather
 * than guessing, because a decoded key or query value that differs from what the client meant would be
 * signed, stored or compared under the wrong name.
 */
export function percentDecode(value: string, plusAsSpace: boolean): string {
  if (hasLoneSurrogate(value))
    throw new ArgumentError('value', `not valid UTF-16 (lone surrogate): ${JSON.stringify(value)}`);
  const literal = (s: string) => (plusAsSpace ? s.replace(/\+/g, ' ') : s);
  if (!value.includes('%')) return literal(value);
  const utf8 = new TextEncoder();
  const bytes: number[] = [];
  const add = (s: string) => {
    for (const b of utf8.encode(s)) bytes.push(b);
  };
  let litStart = 0;
  let i = 0;
  while (i < value.length) {
    if (value.charCodeAt(i) !== 0x25 /* % */) {
      i++;
      continue;
    }
    const hex = value.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex))
      throw new ArgumentError('value', `malformed percent-escape in ${JSON.stringify(value)}`);
    // Literal runs are converted whole so surrogate pairs stay together.
    add(literal(value.slice(litStart, i)));
    bytes.push(parseInt(hex, 16));
    i += 3;
    litStart = i;
  }
  add(literal(value.slice(litStart)));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch (err) {
    throw new ArgumentError('value', `percent-escapes are not valid UTF-8 in ${JSON.stringify(value)}`, { cause: err });
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` has an unpaired UTF-16 surrogate, i.e. no UTF-8 form. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/** Builds a query string (no leading `?`) from decoded pairs in order; an empty value gives a bare name. */
export function buildQueryString(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => (v === '' ? percentEncode(k) : `${percentEncode(k)}=${percentEncode(v)}`)).join('&');
}

/**
 * Parses a raw query string (with or without a leading `?`) into decoded pairs in the order sent.
 * `+` reads as a space (form encoding, as Go and ali-oss send it); a bare `acl` gives ['acl', ''].
 */
export function parseQueryString(raw: string): Array<[string, string]> {
  const text = raw.startsWith('?') ? raw.slice(1) : raw;
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([percentDecode(name, true), percentDecode(value, true)]);
  }
  return pairs;
}
