/**
 * The client-side error hierarchy (every error has a stable string `code`). The table of OSS service errors the
 * embedded server answers with is in error-codes.ts; parsing a service error response lives in service-error.ts.
 */

/** Options shared by every ossup error. */
export interface OssupErrorOptions {
  /** The underlying error, kept so nothing is stringified away. */
  cause?: unknown;
}

/** Base class of every error ossup throws. */
export class OssupError extends Error {
  /** Stable machine-readable code; for ServiceError it is the OSS error code. */
  code: string;

  constructor(code: string, message: string, options?: OssupErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** What OSS (or the embedded server) said when it refused a request. */
export interface ServiceErrorInit {
  /** HTTP status of the response. */
  status: number;
  /** OSS error code, e.g. NoSuchKey. */
  code: string;
  /** OSS error message. */
  message: string;
  /** x-oss-request-id (or <RequestId>); '' when absent. */
  requestId?: string;
  /** <HostId>; '' when absent. */
  hostId?: string;
  /** OSS detailed error code (<EC> / x-oss-ec), e.g. 0026-00000001; '' when absent. */
  ec?: string;
  /** The operation that failed, e.g. UploadPart. */
  operation?: string;
  /** Further elements of the error document (Key, UploadId, StringToSign, ArgumentName, ...). */
  extra?: Record<string, string>;
  /** The raw response body, when there was one. */
  raw?: string;
  /** Underlying error (e.g. an XML parse failure of the body). */
  cause?: unknown;
}

/** An error response from the service. `code` is the OSS code. */
export class ServiceError extends OssupError {
  /** HTTP status. */
  readonly status: number;
  /** x-oss-request-id; quote it when asking for support. */
  readonly requestId: string;
  /** <HostId> of the error document. */
  readonly hostId: string;
  /** OSS detailed error code (EC). */
  readonly ec: string;
  /** The operation that failed. */
  readonly operation: string;
  /** Further elements of the error document, by element name (e.g. StringToSign). */
  readonly extra: Record<string, string>;
  /** The raw response body, if any. */
  readonly raw?: string;

  constructor(init: ServiceErrorInit) {
    super(init.code, init.message, { cause: init.cause });
    this.status = init.status;
    this.requestId = init.requestId ?? '';
    this.hostId = init.hostId ?? '';
    this.ec = init.ec ?? '';
    this.operation = init.operation ?? '';
    this.extra = init.extra ?? {};
    if (init.raw !== undefined) this.raw = init.raw;
  }

  /** The StringToSign the server computed, sent back with SignatureDoesNotMatch. */
  get stringToSign(): string | undefined {
    return this.extra.StringToSign;
  }
}

/** The request did not get a complete response (connection reset, timeout, DNS, ...). Retryable. */
export class NetworkError extends OssupError {
  constructor(message: string, options?: OssupErrorOptions) {
    super('NetworkError', message, options);
  }
}

/** A caller-supplied argument is invalid; `field` names it. */
export class ArgumentError extends OssupError {
  /** The offending option or parameter. */
  readonly field: string;

  constructor(field: string, message: string, options?: OssupErrorOptions) {
    super('InvalidArgument', message, options);
    this.field = field;
  }
}

/** Which check failed in an IntegrityError. */
export type IntegrityCheck = 'crc64' | 'md5' | 'size' | 'etag';

/** Data did not match its checksum (CRC-64, MD5, size). */
export class IntegrityError extends OssupError {
  /** Which check failed. */
  readonly check: IntegrityCheck;
  /** The value we expected (e.g. the server's CRC-64, decimal). */
  readonly expected: string;
  /** The value we computed. */
  readonly actual: string;

  constructor(check: IntegrityCheck, expected: string, actual: string, message?: string, options?: OssupErrorOptions) {
    super('IntegrityMismatch', message ?? `${check} mismatch: expected ${expected}, got ${actual}`, options);
    this.check = check;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The local file changed (size or mtime) while or since it was being transferred. */
export class FileChangedError extends OssupError {
  /** The file concerned. */
  readonly path: string;

  constructor(path: string, message: string, options?: OssupErrorOptions) {
    super('FileChanged', message, options);
    this.path = path;
  }
}

/** Another process holds the checkpoint's lock. */
export class CheckpointLockedError extends OssupError {
  /** The checkpoint (or lock) path. */
  readonly path: string;

  constructor(path: string, message: string, options?: OssupErrorOptions) {
    super('CheckpointLocked', message, options);
    this.path = path;
  }
}

/** The checkpoint cannot be used (unreadable directory, corrupt journal, ...). */
export class CheckpointError extends OssupError {
  /** The checkpoint path. */
  readonly path: string;

  constructor(path: string, message: string, options?: OssupErrorOptions) {
    super('CheckpointUnusable', message, options);
    this.path = path;
  }
}

/** The operation was cancelled through its AbortSignal. Never retried. */
export class AbortedError extends OssupError {
  constructor(message = 'The operation was aborted', options?: OssupErrorOptions) {
    super('Aborted', message, options);
  }
}

/**
 * The object changed while it was being downloaded (If-Match failed, or a response carried another ETag). The engine
 * restarts once from scratch on its own; this error reaches the caller when the object changed again.
 */
export class ObjectChangedError extends OssupError {
  /** Bucket of the object that changed. */
  readonly bucket: string;
  /** Key of the object that changed. */
  readonly key: string;

  constructor(bucket: string, key: string, message: string, options?: OssupErrorOptions) {
    super('ObjectChanged', message, options);
    this.bucket = bucket;
    this.key = key;
  }
}

/** The disk cannot hold a download (too little free space up front, or ENOSPC / EDQUOT while writing). */
export class InsufficientDiskSpaceError extends OssupError {
  /** The directory or file that ran out of space. */
  readonly path: string;

  constructor(path: string, message: string, options?: OssupErrorOptions) {
    super('InsufficientDiskSpace', message, options);
    this.path = path;
  }
}

/** The AbortedError for an aborted `signal`, its reason kept as the cause. */
export function abortError(signal: AbortSignal): AbortedError {
  return new AbortedError('the operation was aborted', { cause: signal.reason });
}

/** An XML document could not be parsed or lacks a required element. The server answers MalformedXML. */
export class XmlError extends OssupError {
  constructor(message: string, options?: OssupErrorOptions) {
    super('MalformedXML', message, options);
  }
}
