// The "check" stage: a response is success (2xx, except 203 CallbackFailed) or becomes a typed ServiceError with
// status, code, message, requestId, hostId, ec and the operation. HEAD errors have no body: OSS puts the error
// document base64-encoded in x-oss-err.
import type { Readable } from 'node:stream';
import { ServiceError } from '../core/errors.js';
import { parseXml, rootOf, textOf, type XmlObject } from '../core/xml-core.js';
import type { OssResponse } from './pipeline.js';
import { abortError } from './retry.js';
import type { SendResponse } from './transport.js';

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

export async function checkResponse(res: SendResponse, operation: string, method: string, stream: boolean, signal?: AbortSignal): Promise<OssResponse> {
  const requestId = res.headers['x-oss-request-id'] ?? '';
  const ok = res.status >= 200 && res.status < 300 && res.status !== 203;
  if (ok && stream) return { status: res.status, headers: res.headers, body: Buffer.alloc(0), stream: res.body, requestId };
  let body: Buffer;
  try {
    body = await readAll(res.body, ok ? Infinity : MAX_ERROR_BODY);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
  if (ok) return { status: res.status, headers: res.headers, body, requestId };
  throw decodeServiceError(res.status, res.headers, method === 'HEAD' || body.length === 0 ? undefined : body.toString('utf8'), operation);
}

/** Build the ServiceError for a failed response; never throws itself, whatever the body holds. */
export function decodeServiceError(status: number, headers: Record<string, string>, bodyText: string | undefined, operation: string): ServiceError {
  let text = bodyText;
  if (!text && headers['x-oss-err']) {
    try {
      text = Buffer.from(headers['x-oss-err'], 'base64').toString('utf8');
    } catch { /* fall through to the status-only error */ }
  }
  let fields: Record<string, string> = {};
  let cause: unknown;
  if (text) {
    try {
      fields = flatten(rootOf(parseXml(text), 'Error'));
    } catch (err) {
      cause = err;
    }
  }
  const { Code, Message, RequestId, HostId, EC, ...extra } = fields;
  return new ServiceError({
    status,
    code: Code || fallbackCode(status),
    message: Message || `${operation} failed with HTTP ${status}`,
    requestId: headers['x-oss-request-id'] || RequestId || '',
    hostId: HostId ?? '',
    ec: headers['x-oss-ec'] || EC || '',
    operation,
    extra,
    raw: text,
    cause,
  });
}

function flatten(obj: XmlObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(obj)) {
    try {
      const v = textOf(obj, name);
      if (v !== undefined) out[name] = v;
    } catch { /* nested elements are not part of an error's fields */ }
  }
  return out;
}

/** A code for errors without a document (HEAD without x-oss-err, proxies, load balancers). */
function fallbackCode(status: number): string {
  switch (status) {
    case 304: return 'NotModified';
    case 400: return 'BadRequest';
    case 403: return 'AccessDenied';
    case 404: return 'NotFound';
    case 412: return 'PreconditionFailed';
    case 429: return 'TooManyRequests';
    case 503: return 'ServiceUnavailable';
    default: return status >= 500 ? 'InternalError' : 'UnknownError';
  }
}
