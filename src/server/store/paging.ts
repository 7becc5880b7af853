// The one pagination rule every listing follows (ListObjects V1/V2 over the key index, ListMultipartUploads over
// the bucket's sorted uploads): keys under `prefix` strictly after `after`, keys sharing a delimiter-cut prefix
// rolled into one CommonPrefix, at most `max` entries (keys + prefixes), and the marker to resume after.
import { compareUtf8 } from '../../core/key-order.js';

/** Keys in UTF-8 byte order, addressed by position. */
export interface SortedKeys {
  keyAt(i: number): string | undefined;
  /** First position at or after `from` whose key does not start with `prefix` (the end of a contiguous run). */
  endOfPrefix(prefix: string, from: number): number;
}

export interface PageOptions {
  prefix: string;
  delimiter: string;
  /** Exclusive start: marker / start-after / continuation / key-marker. */
  after: string;
  max: number;
}

export interface KeyPage {
  /** Positions of the keys listed, in order. */
  keys: number[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned ('' when none). */
  nextMarker: string;
  /** Whether `nextMarker` is a common prefix rather than a key. */
  nextIsPrefix: boolean;
}

/** One page of `src` starting at position `start` (the first candidate, already past `after` for keys). */
export function pageKeys(src: SortedKeys, start: number, o: PageOptions): KeyPage {
  const page: KeyPage = { keys: [], commonPrefixes: [], isTruncated: false, nextMarker: '', nextIsPrefix: false };
  for (let i = start; ; ) {
    const key = src.keyAt(i);
    if (key === undefined || !key.startsWith(o.prefix)) break;
    if (page.keys.length + page.commonPrefixes.length >= o.max) {
      page.isTruncated = true;
      break;
    }
    const cut = o.delimiter ? key.indexOf(o.delimiter, o.prefix.length) : -1;
    if (cut >= 0) {
      const cp = key.slice(0, cut + o.delimiter.length);
      // Every key under this common prefix is contiguous: report it once (unless the marker is inside it), then
      // jump past them all.
      if (compareUtf8(cp, o.after) > 0) {
        page.commonPrefixes.push(cp);
        page.nextMarker = cp;
        page.nextIsPrefix = true;
      }
      i = src.endOfPrefix(cp, i);
      continue;
    }
    page.keys.push(i);
    page.nextMarker = key;
    page.nextIsPrefix = false;
    i++;
  }
  return page;
}

/** `endOfPrefix` by binary search, for any sorted keys with a length. */
export function searchEndOfPrefix(
  keyAt: (i: number) => string | undefined,
  size: number,
  prefix: string,
  from: number,
): number {
  let lo = from;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyAt(mid)!.startsWith(prefix)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
