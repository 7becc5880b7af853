// The multipart requests' queries and the ListParts paging loop, written once for the Node client
// (operations-multipart.ts) and the browser's fetch transport (browser/transport.ts). Portable: no Node I/O.
import * as docs from './docs.js';
import type { PartInfo } from './types.js';

export type Query = Array<[string, string]>;

/** UploadPart and UploadPartCopy: `?partNumber=N&uploadId=ID`. */
export function partQuery(uploadId: string, partNumber: number): Query {
  return [
    ['partNumber', String(partNumber)],
    ['uploadId', uploadId],
  ];
}

/** One ListMultipartUploads page; keys come back URL-encoded (safe for any byte) and are decoded by the parser. */
export function listUploadsQuery(opts: {
  prefix?: string;
  delimiter?: string;
  maxUploads?: number;
  keyMarker?: string;
  uploadIdMarker?: string;
}): Query {
  const query: Query = [['uploads', '']];
  if (opts.prefix) query.push(['prefix', opts.prefix]);
  if (opts.delimiter) query.push(['delimiter', opts.delimiter]);
  if (opts.maxUploads) query.push(['max-uploads', String(opts.maxUploads)]);
  if (opts.keyMarker) query.push(['key-marker', opts.keyMarker]);
  if (opts.uploadIdMarker) query.push(['upload-id-marker', opts.uploadIdMarker]);
  query.push(['encoding-type', 'url']);
  return query;
}

/**
 * Every part of an upload, ListParts page after page (`after`: start past this part number; `onePage`: stop after
 * the first). `page` sends one request and gives its response and body text; the last response is returned with
 * the parts, for its request id.
 */
export async function collectParts<R>(
  uploadId: string,
  opts: { pageSize?: number; after?: number; onePage?: boolean },
  page: (query: Query) => Promise<{ res: R; text: string }>,
): Promise<{ last: R; parts: PartInfo[] }> {
  const parts: PartInfo[] = [];
  let marker = opts.after ? String(opts.after) : '';
  for (;;) {
    const query: Query = [
      ['uploadId', uploadId],
      ['max-parts', String(opts.pageSize ?? 1000)],
    ];
    if (marker) query.push(['part-number-marker', marker]);
    const { res, text } = await page(query);
    const got = docs.parseListParts(text);
    parts.push(...got.parts);
    if (opts.onePage || !got.isTruncated || !got.nextMarker || got.nextMarker === marker) return { last: res, parts };
    marker = got.nextMarker;
  }
}
