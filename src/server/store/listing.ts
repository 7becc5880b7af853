// ListObjects over a bucket's key index: a binary search to the first candidate, then the shared page rule.
import { compareUtf8, type IndexEntry, type KeyIndex } from './key-index.js';
import { pageKeys } from './paging.js';

export interface ListOptions {
  prefix: string;
  after: string; // exclusive start: marker / start-after / continuation
  delimiter: string;
  maxKeys: number;
}
export interface ListPage {
  contents: IndexEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextMarker: string; // last key or prefix returned
}

export function listIndex(index: KeyIndex, o: ListOptions): ListPage {
  const afterPrefix = o.after !== '' && compareUtf8(o.after, o.prefix) >= 0;
  const start = afterPrefix ? index.lowerBound(o.after, true) : index.lowerBound(o.prefix);
  const page = pageKeys(index, start, { prefix: o.prefix, delimiter: o.delimiter, after: o.after, max: o.maxKeys });
  return {
    contents: page.keys.map((i) => index.get(index.keyAt(i)!)!),
    commonPrefixes: page.commonPrefixes,
    isTruncated: page.isTruncated,
    nextMarker: page.nextMarker,
  };
}
