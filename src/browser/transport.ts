// The transfer client of a page: the requests an upload makes, over fetch (request.ts). Request shapes and result
// documents are the Node client's: headers from client/headers.ts, XML through client/docs.ts and core's parsers.
// Only what an upload needs is here; the rest of the TransferClient port answers NotImplemented.
import { parseCrc64 } from '../core/crc64.js';
import { OssupError } from '../core/errors.js';
import { unquoteEtag } from '../core/etag.js';
import * as docs from '../client/docs.js';
import { aclHeaders, bodyHeaders, writeHeaders, type ObjectWriteOptions } from '../client/headers.js';
import { collectParts, listUploadsQuery, partQuery } from '../client/multipart-queries.js';
import type {
  CompleteMultipartUploadResult,
  HeadObjectResult,
  InitiateMultipartUploadResult,
  ListPartsResult,
  OssResult,
  PutObjectResult,
  UploadPartResult,
  UploadSummary,
} from '../client/types.js';
import type { PartBody, TransferClient } from '../transfer/engine/ports.js';
import { requireExposedHeaders } from './cors.js';
import { execute, type BrowserRequest, type BrowserResponse, type PipelineState } from './request.js';

interface Call {
  signal?: AbortSignal;
}

function bytesOf(body: PartBody): Uint8Array | string {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new OssupError('NotImplemented', 'the browser transport sends parts from memory only');
}

function result(res: BrowserResponse): OssResult {
  const headers: Record<string, string> = {};
  (res.headers as unknown as { forEach(f: (v: string, k: string) => void): void }).forEach?.((v, k) => {
    headers[k] = v;
  });
  return { requestId: res.headers.get('x-oss-request-id') ?? '', status: res.status, headers };
}

function etagOf(res: BrowserResponse): string {
  return unquoteEtag(res.headers.get('etag') ?? '').toUpperCase();
}

function crcOf(res: BrowserResponse): bigint | undefined {
  const v = res.headers.get('x-oss-hash-crc64ecma');
  return v ? parseCrc64(v) : undefined;
}

/** Content-MD5 when the engine has one (a page has no MD5: the digest is empty and the CRC-64 checks the part). */
function notInBrowser(what: string): never {
  throw new OssupError('NotImplemented', `${what} is not part of ossup/browser`);
}

/** The upload requests over fetch, shaped as the engine's TransferClient port. */
export class FetchTransferClient implements TransferClient {
  constructor(
    /** Normalised endpoint, recorded in checkpoints. */
    readonly endpoint: { readonly url: string },
    private readonly state: PipelineState,
  ) {}

  get retryPolicy() {
    return this.state.retry;
  }

  private send(req: Omit<BrowserRequest, 'query' | 'headers'> & Partial<BrowserRequest>): Promise<BrowserResponse> {
    return execute(this.state, { query: [], headers: {}, ...req });
  }

  async headObject(bucket: string, key: string, opts: Call = {}): Promise<HeadObjectResult> {
    const res = await this.send({ operation: 'HeadObject', method: 'HEAD', bucket, key, signal: opts.signal });
    const base = result(res);
    const meta: Record<string, string> = {};
    for (const [name, value] of Object.entries(base.headers))
      if (name.startsWith('x-oss-meta-')) meta[name.slice(11)] = value;
    return {
      ...base,
      etag: etagOf(res),
      crc64: crcOf(res),
      size: Number(res.headers.get('content-length') ?? 0),
      contentType: res.headers.get('content-type') ?? undefined,
      meta,
    };
  }

  async putObject(
    bucket: string,
    key: string,
    body: PartBody,
    opts: ObjectWriteOptions & Call & { contentMd5?: string; onProgress?: (sent: number) => void } = {},
  ): Promise<PutObjectResult> {
    const bytes = bytesOf(body);
    const headers = { ...writeHeaders(opts), ...bodyHeaders(opts) };
    const res = await this.send({
      operation: 'PutObject',
      method: 'PUT',
      bucket,
      key,
      headers,
      body: bytes,
      signal: opts.signal,
    });
    requireExposedHeaders(res.headers, bucket);
    opts.onProgress?.(bytes.length);
    return { ...result(res), etag: etagOf(res), crc64: crcOf(res) };
  }

  async deleteObject(bucket: string, key: string, opts: Call = {}): Promise<OssResult> {
    return result(await this.send({ operation: 'DeleteObject', method: 'DELETE', bucket, key, signal: opts.signal }));
  }

  async initiateMultipartUpload(
    bucket: string,
    key: string,
    opts: ObjectWriteOptions & Call = {},
  ): Promise<InitiateMultipartUploadResult> {
    const res = await this.send({
      operation: 'InitiateMultipartUpload',
      method: 'POST',
      bucket,
      key,
      query: [['uploads', '']],
      headers: writeHeaders(opts),
      signal: opts.signal,
    });
    return { ...result(res), uploadId: docs.parseInitiate(res.text) };
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: PartBody,
    opts: Call & { contentMd5?: string; onProgress?: (sent: number) => void } = {},
  ): Promise<UploadPartResult> {
    const bytes = bytesOf(body);
    const res = await this.send({
      operation: 'UploadPart',
      method: 'PUT',
      bucket,
      key,
      query: partQuery(uploadId, partNumber),
      headers: bodyHeaders(opts),
      body: bytes,
      signal: opts.signal,
    });
    // A part is useless without its ETag and unverifiable without its CRC-64: a CORS rule that hides them is the
    // first thing to fix, named here on the first part rather than discovered at Complete.
    requireExposedHeaders(res.headers, bucket);
    opts.onProgress?.(bytes.length);
    return { ...result(res), etag: etagOf(res), crc64: crcOf(res) };
  }

  async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    opts: Call & { acl?: string; forbidOverwrite?: boolean } = {},
  ): Promise<CompleteMultipartUploadResult> {
    const res = await this.send({
      operation: 'CompleteMultipartUpload',
      method: 'POST',
      bucket,
      key,
      query: [['uploadId', uploadId]],
      headers: { ...aclHeaders(opts), 'content-type': 'application/xml' },
      body: docs.buildComplete(parts),
      signal: opts.signal,
    });
    const parsed = docs.parseComplete(res.text);
    return {
      ...result(res),
      etag: unquoteEtag(res.headers.get('etag') ?? parsed.etag ?? '').toUpperCase(),
      crc64: crcOf(res),
      location: parsed.location,
    };
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string, opts: Call = {}): Promise<OssResult> {
    const query: Array<[string, string]> = [['uploadId', uploadId]];
    return result(
      await this.send({ operation: 'AbortMultipartUpload', method: 'DELETE', bucket, key, query, signal: opts.signal }),
    );
  }

  async listParts(bucket: string, key: string, uploadId: string, opts: Call = {}): Promise<ListPartsResult> {
    const { last, parts } = await collectParts(uploadId, {}, async (query) => {
      const res = await this.send({ operation: 'ListParts', method: 'GET', bucket, key, query, signal: opts.signal });
      return { res, text: res.text };
    });
    return { ...result(last), parts };
  }

  async *listMultipartUploadsAll(bucket: string, opts: Call & { prefix?: string } = {}): AsyncGenerator<UploadSummary> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const query = listUploadsQuery({ prefix: opts.prefix, keyMarker, uploadIdMarker });
      const res = await this.send({
        operation: 'ListMultipartUploads',
        method: 'GET',
        bucket,
        query,
        signal: opts.signal,
      });
      const page = docs.parseListUploads(res.text);
      yield* page.uploads;
      if (!page.isTruncated) return;
      keyMarker = page.nextKeyMarker;
      uploadIdMarker = page.nextUploadIdMarker;
    }
  }

  getObject(): never {
    return notInBrowser('getObject');
  }

  copyObject(): never {
    return notInBrowser('copyObject');
  }

  uploadPartCopy(): never {
    return notInBrowser('uploadPartCopy');
  }
}
