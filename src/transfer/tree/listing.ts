// The OSS side of a tree as a stream: ListObjectsV2 page by page (1,000 keys at most in memory).
import type { OssClient } from '../../client/index.js';

export interface RemoteEntry {
  /** Key relative to the prefix. */
  rel: string;
  key: string;
  size: number;
  etag: string;
  /** Last-Modified in ms since the epoch (NaN when the listing had none). */
  lastModifiedMs: number;
  /** The object's type as listed (Normal, Multipart, Appendable, Symlink); '' or absent when unknown. */
  type?: string;
}

/** '' and 'a/' stay; 'a' becomes 'a/': a tree's prefix is a folder, so `oss://b/photos` never matches `photos2/`. */
export function folderPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/**
 * Every object under `prefix`, in key order. Keys ending in '/' (the "folder" markers consoles create) are not files
 * and are left out unless `markers` is set (a prefix delete removes them too).
 */
export async function* listRemote(
  client: OssClient,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
  markers = false,
): AsyncGenerator<RemoteEntry> {
  // A page at a time: through listObjectsAll, a second async generator and its async-from-sync `yield*` cost every
  // listed file ~7 promises of a tree's download (issue 27).
  for await (const objects of client.listObjectPages(bucket, { prefix, v2: true, maxKeys: 1000, signal })) {
    for (const o of objects) {
      if (o.key.endsWith('/') && !markers) continue;
      yield {
        rel: o.key.slice(prefix.length),
        key: o.key,
        size: o.size,
        etag: o.etag,
        lastModifiedMs: o.lastModified ? Date.parse(o.lastModified) : NaN,
        type: o.type,
      };
    }
  }
}
