// The multipart operations: initiate, upload (or copy) parts, complete, and list parts and uploads.
import { HEADERS } from '../core/dialect.js';
import type { BodySource } from './body.js';
import { bufferBody } from './body.js';
import type { OssClient } from './client.js';
import * as docs from './docs.js';
import { collectParts, listUploadsQuery, partQuery } from './multipart-queries.js';
import type { ListUploadsOptions } from './options.js';
import { normalizeEtag, base, crcHeader, callbackBody, copySourceHeader } from './operations.js';
import type {
  CallOptions,
  CompleteMultipartUploadResult,
  InitiateMultipartUploadResult,
  ListMultipartUploadsResult,
  ListPartsResult,
  UploadPartResult,
} from './types.js';

export async function uploadPartCopy(
  c: OssClient,
  srcBucket: string,
  srcKey: string,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  opts: CallOptions & { range?: { start: number; end: number }; sourceIfMatch?: string; sourceVersionId?: string },
): Promise<UploadPartResult> {
  const headers: Record<string, string> = { [HEADERS.copySource]: copySourceHeader(srcBucket, srcKey, opts) };
  if (opts.range) headers[HEADERS.copySourceRange] = `bytes=${opts.range.start}-${opts.range.end}`;
  if (opts.sourceIfMatch) headers[HEADERS.copySourceIfMatch] = `"${opts.sourceIfMatch}"`;
  const res = await c.request({
    operation: 'UploadPartCopy',
    method: 'PUT',
    bucket,
    key,
    query: partQuery(uploadId, partNumber),
    headers,
    signal: opts.signal,
  });
  return {
    ...base(res),
    etag: normalizeEtag(docs.parseCopyResult(res.body.toString('utf8'), 'CopyPartResult') ?? res.headers.etag),
    crc64: crcHeader(res),
  };
}

export async function initiateMultipartUpload(
  c: OssClient,
  bucket: string,
  key: string,
  headers: Record<string, string>,
  opts: CallOptions,
): Promise<InitiateMultipartUploadResult> {
  const res = await c.request({
    operation: 'InitiateMultipartUpload',
    method: 'POST',
    bucket,
    key,
    query: [['uploads', '']],
    headers,
    signal: opts.signal,
  });
  return { ...base(res), uploadId: docs.parseInitiate(res.body.toString('utf8')) };
}

export async function uploadPart(
  c: OssClient,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  body: BodySource,
  headers: Record<string, string>,
  opts: CallOptions & { onProgress?: (n: number) => void },
): Promise<UploadPartResult> {
  const res = await c.request({
    operation: 'UploadPart',
    method: 'PUT',
    bucket,
    key,
    query: partQuery(uploadId, partNumber),
    headers,
    body,
    signal: opts.signal,
    onBodyProgress: opts.onProgress,
  });
  return { ...base(res), etag: normalizeEtag(res.headers.etag), crc64: crcHeader(res) };
}

export async function completeMultipartUpload(
  c: OssClient,
  bucket: string,
  key: string,
  uploadId: string,
  parts: Array<{ partNumber: number; etag: string }> | 'all',
  headers: Record<string, string>,
  opts: CallOptions,
): Promise<CompleteMultipartUploadResult> {
  const all = parts === 'all';
  const body = all ? undefined : bufferBody(docs.buildComplete(parts));
  const res = await c.request({
    operation: 'CompleteMultipartUpload',
    method: 'POST',
    bucket,
    key,
    query: [['uploadId', uploadId]],
    headers: { ...headers, ...(all ? { [HEADERS.completeAll]: 'yes' } : { 'content-type': 'application/xml' }) },
    body,
    signal: opts.signal,
  });
  const asked = HEADERS.callback in headers;
  const text = res.body.toString('utf8');
  const parsed = asked ? {} : docs.parseComplete(text);
  return {
    ...base(res),
    etag: normalizeEtag(res.headers.etag ?? parsed.etag),
    crc64: crcHeader(res),
    location: parsed.location,
    callbackBody: callbackBody(res, asked),
  };
}

export async function listParts(
  c: OssClient,
  bucket: string,
  key: string,
  uploadId: string,
  opts: CallOptions & { pageSize?: number; after?: number; onePage?: boolean },
): Promise<ListPartsResult> {
  const { last, parts } = await collectParts(uploadId, opts, async (query) => {
    const res = await c.request({ operation: 'ListParts', method: 'GET', bucket, key, query, signal: opts.signal });
    return { res, text: res.body.toString('utf8') };
  });
  return { ...base(last), parts };
}

export async function listMultipartUploads(
  c: OssClient,
  bucket: string,
  opts: ListUploadsOptions,
): Promise<ListMultipartUploadsResult> {
  const query = listUploadsQuery(opts);
  const res = await c.request({ operation: 'ListMultipartUploads', method: 'GET', bucket, query, signal: opts.signal });
  return { ...base(res), ...docs.parseListUploads(res.body.toString('utf8')) };
}
