/**
 * Turning a non-2xx OSS response into a ServiceError (client side). Kept apart from errors.ts because it
 * needs the XML parser, which itself throws errors from errors.ts; this way there is no import cycle.
 */
import { HEADERS } from './dialect.js';
import { SERVICE_ERRORS, isServiceErrorCode } from './error-codes.js';
import { ServiceError } from './errors.js';
import { parseErrorXml } from './xml.js';
import type { ErrorDocument } from './xml.js';

/** Response headers as node:http gives them, or a fetch-style Headers. */
export type HeaderSource = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function headerOf(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  let v = record[name];
  if (v === undefined) {
    const found = Object.keys(record).find((k) => k.toLowerCase() === name);
    v = found === undefined ? undefined : record[found];
  }
  return Array.isArray(v) ? v.join(',') : v;
}

const UPLOAD_OPERATIONS = new Set([
  'UploadPart',
  'UploadPartCopy',
  'ListParts',
  'AbortMultipartUpload',
  'CompleteMultipartUpload',
]);

/** The code OSS would have sent for a bodiless error, from the status and the operation. */
export function codeForStatus(status: number, operation: string): string {
  if (status === 404) {
    if (UPLOAD_OPERATIONS.has(operation)) return 'NoSuchUpload';
    if (/Bucket|ListObjects|ListMultipartUploads/.test(operation)) return 'NoSuchBucket';
    return 'NoSuchKey';
  }
  const byStatus: Record<number, string> = {
    304: 'NotModified',
    400: 'BadRequest',
    403: 'AccessDenied',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    411: 'MissingContentLength',
    412: 'PreconditionFailed',
    416: 'InvalidRange',
    429: 'TooManyRequests',
    500: 'InternalError',
    501: 'NotImplemented',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
  };
  return byStatus[status] ?? 'UnknownError';
}

/** UTF-8 text of base64 `s` with the platform's atob (Node and browsers alike); undefined when it is not base64. */
function fromBase64(s: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

function tryParse(text: string): { doc?: ErrorDocument; error?: unknown } {
  try {
    return { doc: parseErrorXml(text) };
  } catch (error) {
    return { error };
  }
}

/**
 * Builds the ServiceError for a failed response. Reads the <Error> body; for HEAD (no body) decodes
 * x-oss-err (base64 of the error XML); failing both, derives the code from the status and operation
 * (404 -> NoSuchKey / NoSuchBucket / NoSuchUpload). Request id and EC fall back to the headers.
 */
export function serviceErrorFromResponse(
  status: number,
  headers: HeaderSource,
  bodyText: string,
  operation: string,
): ServiceError {
  const requestIdHeader = headerOf(headers, HEADERS.requestId) ?? '';
  const ecHeader = headerOf(headers, HEADERS.ec) ?? '';
  let parsed = bodyText.trim() === '' ? {} : tryParse(bodyText);
  const firstError = parsed.error;
  if (!parsed.doc) {
    const encoded = headerOf(headers, HEADERS.err);
    const decoded = encoded ? fromBase64(encoded) : undefined;
    if (decoded !== undefined) parsed = tryParse(decoded);
  }
  const raw = bodyText === '' ? undefined : bodyText;
  if (parsed.doc) {
    const d = parsed.doc;
    return new ServiceError({
      status,
      code: d.code,
      message: d.message,
      requestId: d.requestId || requestIdHeader,
      hostId: d.hostId,
      ec: d.ec || ecHeader,
      operation,
      extra: d.extra,
      ...(raw !== undefined ? { raw } : {}),
    });
  }
  const code = codeForStatus(status, operation);
  const known = isServiceErrorCode(code) ? SERVICE_ERRORS[code].message : undefined;
  const snippet = raw === undefined ? '' : `: ${raw.slice(0, 200)}`;
  return new ServiceError({
    status,
    code,
    message: known ?? `${operation || 'request'} failed with HTTP ${status} and no OSS error document${snippet}`,
    requestId: requestIdHeader,
    ec: ecHeader,
    operation,
    ...(raw !== undefined ? { raw } : {}),
    ...(firstError !== undefined ? { cause: firstError } : {}),
  });
}
