// One function per OSS operation: shape the request, read the result. Kept apart from the OssClient class so the
// class stays a readable table of the public API.
import { HEADERS, USER_META_PREFIX } from '../core/dialect.js';
import { createHash } from 'node:crypto';
import { parseCrc64 } from '../core/crc64.js';
import { encodeKeyPath } from '../core/encode.js';
import { unquoteEtag } from '../core/etag.js';
import type { BodySource } from './body.js';
import { bufferBody } from './body.js';
import type { OssClient } from './client.js';
import type { GetObjectOptions, ListObjectsOptions } from './options.js';
import * as docs from './docs.js';
import type { OssResponse } from './pipeline.js';
import type {
  CallOptions,
  GetObjectResult,
  HeadObjectResult,
  ListBucketsResult,
  ListObjectsResult,
  OssResult,
  PutObjectResult,
  VersionOptions,
} from './types.js';

/** "5EB6..." from `"5EB6..."`: ETags travel quoted; results carry them bare and upper case. */
export function normalizeEtag(etag: string | undefined): string {
  return unquoteEtag(etag ?? '').toUpperCase();
}

/** The fields every result carries. */
export function base(res: OssResponse): OssResult {
  return { requestId: res.requestId, status: res.status, headers: res.headers };
}

export function crcHeader(res: OssResponse): bigint | undefined {
  const v = res.headers[HEADERS.hashCrc64ecma];
  return v ? parseCrc64(v) : undefined;
}

/** A callback answer is the callback server's body; without a callback the body is empty. */
export function callbackBody(res: OssResponse, asked: boolean): string | undefined {
  return asked ? res.body.toString('utf8') : undefined;
}

export async function simple(
  c: OssClient,
  operation: string,
  method: string,
  bucket: string,
  key: string | undefined,
  opts: CallOptions,
  query: Array<[string, string]> = [],
): Promise<OssResult> {
  return base(await c.request({ operation, method, bucket, key, query, signal: opts.signal }));
}

export async function listBuckets(
  c: OssClient,
  opts: CallOptions & { prefix?: string; marker?: string; maxKeys?: number },
): Promise<ListBucketsResult> {
  // With maxKeys the caller pages; without it every page is fetched (OSS answers at most 1000 buckets a page).
  const buckets: ListBucketsResult['buckets'] = [];
  let marker = opts.marker;
  for (;;) {
    const query: Array<[string, string]> = [];
    if (opts.prefix) query.push(['prefix', opts.prefix]);
    if (marker) query.push(['marker', marker]);
    query.push(['max-keys', String(opts.maxKeys ?? 1000)]);
    const res = await c.request({ operation: 'ListBuckets', method: 'GET', query, signal: opts.signal });
    const page = docs.parseListBuckets(res.body.toString('utf8'));
    buckets.push(...page.buckets);
    const next = page.nextMarker ?? page.buckets[page.buckets.length - 1]?.name;
    if (opts.maxKeys || !page.isTruncated || !next || next === marker) {
      return {
        ...base(res),
        buckets,
        isTruncated: page.isTruncated,
        ...(page.nextMarker ? { nextMarker: page.nextMarker } : {}),
      };
    }
    marker = next;
  }
}

export async function putBucket(
  c: OssClient,
  bucket: string,
  opts: CallOptions & { acl?: string; storageClass?: string },
): Promise<OssResult> {
  const headers: Record<string, string> = {};
  if (opts.acl) headers[HEADERS.acl] = opts.acl;
  const body = opts.storageClass ? bufferBody(docs.buildCreateBucket(opts.storageClass)) : undefined;
  return base(await c.request({ operation: 'PutBucket', method: 'PUT', bucket, headers, body, signal: opts.signal }));
}

export async function listObjects(c: OssClient, bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
  const query: Array<[string, string]> = [];
  if (opts.v2) query.push(['list-type', '2']);
  if (opts.prefix) query.push(['prefix', opts.prefix]);
  if (opts.delimiter) query.push(['delimiter', opts.delimiter]);
  if (opts.maxKeys) query.push(['max-keys', String(opts.maxKeys)]);
  if (!opts.v2 && opts.marker) query.push(['marker', opts.marker]);
  if (opts.v2 && opts.continuationToken) query.push(['continuation-token', opts.continuationToken]);
  if (opts.v2 && opts.startAfter) query.push(['start-after', opts.startAfter]);
  query.push(['encoding-type', 'url']);
  const res = await c.request({
    operation: opts.v2 ? 'ListObjectsV2' : 'ListObjects',
    method: 'GET',
    bucket,
    query,
    signal: opts.signal,
  });
  return { ...base(res), ...docs.parseListObjects(res.body.toString('utf8')) };
}

export async function putObject(
  c: OssClient,
  bucket: string,
  key: string,
  body: BodySource,
  headers: Record<string, string>,
  opts: CallOptions & { onProgress?: (n: number) => void },
): Promise<PutObjectResult> {
  const res = await c.request({
    operation: 'PutObject',
    method: 'PUT',
    bucket,
    key,
    headers,
    body,
    signal: opts.signal,
    onBodyProgress: opts.onProgress,
  });
  return {
    ...base(res),
    etag: normalizeEtag(res.headers.etag),
    crc64: crcHeader(res),
    callbackBody: callbackBody(res, HEADERS.callback in headers),
  };
}

/** The last Last-Modified parsed: a tree's objects mostly share a second, and Date's text parse is slow (issue 27). */
let lastHttpDate = { text: '', ms: Number.NaN };

/** `new Date(text)`, its parse kept for the last text seen (a new Date each time: a Date is mutable). */
function httpDate(text: string): Date {
  if (text !== lastHttpDate.text) lastHttpDate = { text, ms: Date.parse(text) };
  return new Date(lastHttpDate.ms);
}

function headResult(res: OssResponse): HeadObjectResult {
  const meta: Record<string, string> = {};
  const headers = res.headers;
  // for-in, not Object.entries: an array per header per object was a visible share of a tree's download (issue 27).
  for (const name in headers) if (name.startsWith(USER_META_PREFIX)) meta[name.slice(11)] = headers[name]!;
  const lm = headers['last-modified'];
  // Built whole, not spread from base() (a GET's result, one a downloaded file, gets its body added to this one).
  const result: HeadObjectResult = {
    requestId: res.requestId,
    status: res.status,
    headers,
    etag: normalizeEtag(headers.etag),
    crc64: crcHeader(res),
    size: Number(headers['content-length'] ?? 0),
    contentType: headers['content-type'],
    lastModified: lm ? httpDate(lm) : undefined,
    meta,
    objectType: headers[HEADERS.objectType],
    storageClass: headers[HEADERS.storageClass],
  };
  const versionId = headers[HEADERS.versionId];
  if (versionId !== undefined) result.versionId = versionId;
  return result;
}

/** x-oss-copy-source: `/bucket/key`, with `?versionId=` to copy one version. */
export function copySourceHeader(bucket: string, key: string, opts: { sourceVersionId?: string }): string {
  const version = opts.sourceVersionId === undefined ? '' : `?versionId=${encodeURIComponent(opts.sourceVersionId)}`;
  return `/${bucket}/${encodeKeyPath(key)}${version}`;
}

/** The `?versionId=` of a request that addresses one version. */
export function versionQuery(opts: VersionOptions): Array<[string, string]> {
  return opts.versionId === undefined ? [] : [['versionId', opts.versionId]];
}

export async function headObject(
  c: OssClient,
  bucket: string,
  key: string,
  opts: CallOptions & VersionOptions,
): Promise<HeadObjectResult> {
  const query = versionQuery(opts);
  return headResult(
    await c.request({ operation: 'HeadObject', method: 'HEAD', bucket, key, query, signal: opts.signal }),
  );
}

export async function getObject(
  c: OssClient,
  bucket: string,
  key: string,
  opts: GetObjectOptions,
): Promise<GetObjectResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.range) headers.range = `bytes=${opts.range.start}-${opts.range.end ?? ''}`;
  if (opts.ifMatch) headers['if-match'] = `"${opts.ifMatch}"`;
  const res = await c.request({
    operation: 'GetObject',
    method: 'GET',
    bucket,
    key,
    query: versionQuery(opts),
    headers,
    signal: opts.signal,
    stream: true,
  });
  const result = headResult(res) as GetObjectResult;
  result.body = res.stream!;
  result.contentRange = res.headers['content-range'];
  return result;
}

export async function copyObject(
  c: OssClient,
  srcBucket: string,
  srcKey: string,
  bucket: string,
  key: string,
  headers: Record<string, string>,
  opts: CallOptions & { sourceIfMatch?: string; sourceVersionId?: string },
): Promise<PutObjectResult> {
  const copyHeaders: Record<string, string> = {
    ...headers,
    [HEADERS.copySource]: copySourceHeader(srcBucket, srcKey, opts),
  };
  if (Object.keys(headers).some((h) => h.startsWith(USER_META_PREFIX) || h === 'content-type'))
    copyHeaders[HEADERS.metadataDirective] = 'REPLACE';
  if (opts.sourceIfMatch) copyHeaders[HEADERS.copySourceIfMatch] = `"${opts.sourceIfMatch}"`;
  const res = await c.request({
    operation: 'CopyObject',
    method: 'PUT',
    bucket,
    key,
    headers: copyHeaders,
    signal: opts.signal,
  });
  return {
    ...base(res),
    etag: normalizeEtag(docs.parseCopyResult(res.body.toString('utf8')) ?? res.headers.etag),
    crc64: crcHeader(res),
  };
}

/**
 * DeleteMultipleObjects (`POST /?delete`), quiet mode: up to 1,000 keys a request, Content-MD5 as OSS requires. Keys
 * the answer reports as not deleted (`<Error>` entries) come back as `failed`.
 */
export async function deleteObjects(
  c: OssClient,
  bucket: string,
  keys: readonly string[],
  opts: CallOptions,
): Promise<OssResult & { failed: string[] }> {
  const text = docs.buildDelete(keys);
  const res = await c.request({
    operation: 'DeleteMultipleObjects',
    method: 'POST',
    bucket,
    query: [
      ['delete', ''],
      ['encoding-type', 'url'],
    ],
    headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(text).digest('base64') },
    body: bufferBody(text),
    signal: opts.signal,
  });
  return { ...base(res), failed: docs.parseDeleteResult(res.body.toString('utf8')) };
}
