// Whole listings as async iterations: page after page until the server says the listing is complete.
import type { OssClient } from './client.js';
import type { ListObjectsOptions, ListUploadsOptions } from './options.js';
import type { ObjectSummary, UploadSummary } from './types.js';

/** Every object under the options' prefix (V1 markers, or V2 continuation tokens with `v2`). */
export async function* listObjectsAll(
  c: OssClient,
  bucket: string,
  opts: ListObjectsOptions,
): AsyncGenerator<ObjectSummary> {
  for await (const objects of listObjectPages(c, bucket, opts)) yield* objects;
}

/**
 * The same listing a page at a time: a caller that walks each page's objects in a plain loop saves an async
 * generator's promises per object (a tree's download, issue 27).
 */
export async function* listObjectPages(
  c: OssClient,
  bucket: string,
  opts: ListObjectsOptions,
): AsyncGenerator<ObjectSummary[]> {
  let page: ListObjectsOptions = { ...opts };
  for (;;) {
    const res = await c.listObjects(bucket, page);
    yield res.objects;
    if (!res.isTruncated) return;
    page = opts.v2 ? { ...page, continuationToken: res.nextContinuationToken } : { ...page, marker: res.nextMarker };
  }
}

/** Every multipart upload in progress under the options' prefix. */
export async function* listMultipartUploadsAll(
  c: OssClient,
  bucket: string,
  opts: ListUploadsOptions,
): AsyncGenerator<UploadSummary> {
  let page = { ...opts };
  for (;;) {
    const res = await c.listMultipartUploads(bucket, page);
    yield* res.uploads;
    if (!res.isTruncated) return;
    page = { ...page, keyMarker: res.nextKeyMarker, uploadIdMarker: res.nextUploadIdMarker };
  }
}
