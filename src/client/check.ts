// The "check" stage: a response is success (2xx, except 203 CallbackFailed) or becomes a typed ServiceError with
// status, code, message, requestId, hostId, ec and the operation. HEAD errors have no body: OSS puts the error
// document base64-encoded in x-oss-err.
import { HEADERS } from '../core/dialect.js';
import type { Readable } from 'node:stream';
import { serviceErrorFromResponse } from '../core/service-error.js';
import type { OssResponse } from './pipeline.js';
import { mapTransportError, type SendResponse } from './transport.js';

/** Error documents are small; a longer body is cut rather than buffered without bound. */
const MAX_ERROR_BODY = 64 * 1024;

export async function readAll(stream: Readable, limit = Infinity): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    if (size + b.length > limit) {
      chunks.push(b.subarray(0, limit - size));
      stream.destroy();
      break;
    }
    chunks.push(b);
    size += b.length;
  }
  return Buffer.concat(chunks);
}

export async function checkResponse(
  res: SendResponse,
  operation: string,
  method: string,
  stream: boolean,
  signal?: AbortSignal,
): Promise<OssResponse> {
  const requestId = res.headers[HEADERS.requestId] ?? '';
  const ok = res.status >= 200 && res.status < 300 && res.status !== 203;
  if (ok && stream)
    return { status: res.status, headers: res.headers, body: Buffer.alloc(0), stream: res.body, requestId };
  if (ok && res.headers['content-length'] === '0') {
    // Nothing to read (most writes' answers): let the empty body end without an iterator over it.
    if (!res.empty) res.body.resume();
    return { status: res.status, headers: res.headers, body: Buffer.alloc(0), requestId };
  }
  let body: Buffer;
  try {
    body = await readAll(res.body, ok ? Infinity : MAX_ERROR_BODY);
  } catch (err) {
    // The connection died while the body was arriving: as retryable as a failure before the headers.
    throw mapTransportError(err, signal);
  }
  if (ok) return { status: res.status, headers: res.headers, body, requestId };
  // HEAD errors carry no body; core decodes x-oss-err (base64 of the error document) instead.
  throw serviceErrorFromResponse(res.status, res.headers, method === 'HEAD' ? '' : body.toString('utf8'), operation);
}
