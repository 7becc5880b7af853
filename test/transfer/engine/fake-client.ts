// A TransferClient kept in memory (engine/transfer-client.ts): the engine's port, with no HTTP and no server. What it
// stores is what the strategies sent, so a test asserts the bytes; each part's Content-MD5 is checked as OSS would.
import { createHash } from 'node:crypto';
import { crc64 } from '../../../src/core/crc64.js';
import { ServiceError } from '../../../src/core/errors.js';
import { multipartEtag } from '../../../src/core/etag.js';
import { DEFAULT_RETRY_POLICY } from '../../../src/client/index.js';
import type { PartBody, RangeResponse, TransferClient } from '../../../src/transfer/index.js';

async function bytesOf(body: PartBody): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  const opened = body.open() as Uint8Array | AsyncIterable<Uint8Array>;
  if (opened instanceof Uint8Array) return Buffer.from(opened);
  const chunks: Buffer[] = [];
  for await (const c of opened) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest();
const result = { requestId: 'fake', status: 200, headers: {} };

function notFound(code: string): ServiceError {
  return new ServiceError({ status: 404, code, message: code, requestId: 'fake', operation: 'fake' });
}

export class FakeClient implements TransferClient {
  readonly endpoint = { url: 'fake://oss' };
  readonly retryPolicy = DEFAULT_RETRY_POLICY;
  readonly objects = new Map<string, Buffer>();
  private readonly uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  private nextId = 1;
  /** Parts being received right now, and the most at once. */
  inFlight = 0;
  mostInFlight = 0;
  /** Milliseconds each part takes to arrive. */
  partDelayMs = 0;

  private object(bucket: string, key: string): Buffer {
    const o = this.objects.get(`${bucket}/${key}`);
    if (!o) throw notFound('NoSuchKey');
    return o;
  }

  async headObject(bucket: string, key: string) {
    const o = this.object(bucket, key);
    return { ...result, etag: md5(o).toString('hex').toUpperCase(), crc64: crc64(o), size: o.length, meta: {} };
  }

  async putObject(bucket: string, key: string, body: PartBody, opts: { contentMd5?: string } = {}) {
    const data = await bytesOf(body);
    if (opts.contentMd5 !== undefined && opts.contentMd5 !== md5(data).toString('base64'))
      throw new Error('Content-MD5');
    this.objects.set(`${bucket}/${key}`, data);
    return { ...result, etag: md5(data).toString('hex').toUpperCase(), crc64: crc64(data) };
  }

  async deleteObject(bucket: string, key: string) {
    this.objects.delete(`${bucket}/${key}`);
    return result;
  }

  async getObject(bucket: string, key: string, opts: { range?: { start: number; end: number } } = {}) {
    const o = this.object(bucket, key);
    const { start, end } = opts.range ?? { start: 0, end: o.length - 1 };
    const slice = o.subarray(start, end + 1);
    const head = await this.headObject(bucket, key);
    const body = Object.assign(
      (async function* () {
        for (let at = 0; at < slice.length; at += 4096) yield slice.subarray(at, at + 4096);
      })(),
      { destroy: () => undefined },
    );
    const res: RangeResponse = {
      ...head,
      status: opts.range ? 206 : 200,
      contentRange: `bytes ${start}-${end}/${o.length}`,
      body,
    };
    return res;
  }

  async initiateMultipartUpload(_bucket: string, key: string) {
    const uploadId = `u${this.nextId++}`;
    this.uploads.set(uploadId, { key, parts: new Map() });
    return { ...result, uploadId };
  }

  private upload(uploadId: string) {
    const u = this.uploads.get(uploadId);
    if (!u) throw notFound('NoSuchUpload');
    return u;
  }

  async uploadPart(
    _bucket: string,
    _key: string,
    uploadId: string,
    partNumber: number,
    body: PartBody,
    opts: { contentMd5?: string } = {},
  ) {
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      const data = await bytesOf(body);
      if (this.partDelayMs) await new Promise((r) => setTimeout(r, this.partDelayMs));
      if (opts.contentMd5 !== md5(data).toString('base64')) throw new Error(`part ${partNumber}: no Content-MD5`);
      this.upload(uploadId).parts.set(partNumber, data);
      return { ...result, etag: md5(data).toString('hex').toUpperCase(), crc64: crc64(data) };
    } finally {
      this.inFlight--;
    }
  }

  async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
  ) {
    const u = this.upload(uploadId);
    const data = Buffer.concat(parts.map((p) => u.parts.get(p.partNumber)!));
    this.objects.set(`${bucket}/${key}`, data);
    this.uploads.delete(uploadId);
    return { ...result, etag: multipartEtag(parts.map((p) => p.etag)), crc64: crc64(data) };
  }

  async abortMultipartUpload(_bucket: string, _key: string, uploadId: string) {
    this.uploads.delete(uploadId);
    return result;
  }

  async listParts(_bucket: string, _key: string, uploadId: string) {
    const u = this.upload(uploadId);
    const parts = [...u.parts].map(([partNumber, data]) => ({
      partNumber,
      etag: md5(data).toString('hex').toUpperCase(),
      size: data.length,
      crc64: crc64(data),
    }));
    return { ...result, parts };
  }

  async *listMultipartUploadsAll() {
    for (const [uploadId, u] of this.uploads) yield { key: u.key, uploadId };
  }

  async copyObject(sourceBucket: string, sourceKey: string, bucket: string, key: string) {
    return this.putObject(bucket, key, this.object(sourceBucket, sourceKey));
  }

  async uploadPartCopy(
    sourceBucket: string,
    sourceKey: string,
    _bucket: string,
    _key: string,
    uploadId: string,
    partNumber: number,
    opts: { range?: { start: number; end: number } } = {},
  ) {
    const o = this.object(sourceBucket, sourceKey);
    const data = opts.range ? o.subarray(opts.range.start, opts.range.end + 1) : o;
    this.upload(uploadId).parts.set(partNumber, data);
    return { ...result, etag: md5(data).toString('hex').toUpperCase(), crc64: crc64(data) };
  }
}
