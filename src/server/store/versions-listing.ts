// ListObjectVersions: the keys of the current index and of the version area merged in UTF-8 byte order, each key's
// versions newest first. Unlike ListObjects, max-keys counts versions, so a page may stop inside a key and resume
// there from (key-marker, version-id-marker).
import { compareUtf8, type KeyIndex } from './key-index.js';
import type { ObjectRecord } from './types.js';
import { noncurrent, versionIdOf, type VersionRecord } from './versions.js';

export interface VersionListOptions {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
}

export interface VersionListPage {
  versions: Array<{ rec: VersionRecord; isLatest: boolean }>;
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker: string;
  nextVersionIdMarker: string;
}

/** What the listing reads per key. */
export interface VersionSource {
  current: KeyIndex;
  /** Keys with a version file. */
  noncurrent: KeyIndex;
  getObject(key: string): Promise<ObjectRecord | undefined>;
  readVersions(key: string): Promise<VersionRecord[]>;
}

export async function listVersions(src: VersionSource, o: VersionListOptions): Promise<VersionListPage> {
  const page: VersionListPage = {
    versions: [],
    commonPrefixes: [],
    isTruncated: false,
    nextKeyMarker: '',
    nextVersionIdMarker: '',
  };
  const fromMarker = o.keyMarker !== '' && compareUtf8(o.keyMarker, o.prefix) >= 0;
  // With a version-id-marker the page resumes inside key-marker's versions; without, after all of them.
  const from = fromMarker ? o.keyMarker : o.prefix;
  const exclusive = fromMarker && o.versionIdMarker === '';
  let i = src.current.lowerBound(from, exclusive);
  let j = src.noncurrent.lowerBound(from, exclusive);
  let count = 0;
  const full = (): boolean => {
    if (count < o.maxKeys) return false;
    page.isTruncated = true;
    return true;
  };
  for (;;) {
    const a = src.current.keyAt(i);
    const b = src.noncurrent.keyAt(j);
    const key = a === undefined ? b : b === undefined ? a : compareUtf8(a, b) <= 0 ? a : b;
    if (key === undefined || !key.startsWith(o.prefix)) break;
    const cut = o.delimiter ? key.indexOf(o.delimiter, o.prefix.length) : -1;
    if (cut >= 0) {
      const cp = key.slice(0, cut + o.delimiter.length);
      if (compareUtf8(cp, o.keyMarker) > 0) {
        if (full()) break;
        page.commonPrefixes.push(cp);
        count++;
        page.nextKeyMarker = cp;
        page.nextVersionIdMarker = '';
      }
      i = src.current.endOfPrefix(cp, i);
      j = src.noncurrent.endOfPrefix(cp, j);
      continue;
    }
    if (a === key) i++;
    if (b === key) j++;
    const cur = await src.getObject(key);
    let versions: VersionRecord[] = cur ? [cur] : [];
    if (b === key) versions.push(...noncurrent(await src.readVersions(key), cur));
    const latest = versions[0];
    if (key === o.keyMarker && o.versionIdMarker !== '') {
      const at = versions.findIndex((v) => versionIdOf(v) === o.versionIdMarker);
      versions = versions.slice(at + 1);
    }
    let stopped = false;
    for (const rec of versions) {
      if (full()) {
        stopped = true;
        break;
      }
      page.versions.push({ rec, isLatest: rec === latest });
      count++;
      page.nextKeyMarker = key;
      page.nextVersionIdMarker = versionIdOf(rec);
    }
    if (stopped) break;
  }
  if (!page.isTruncated) {
    page.nextKeyMarker = '';
    page.nextVersionIdMarker = '';
  }
  return page;
}
