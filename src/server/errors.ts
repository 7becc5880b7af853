// What a handler throws to answer with an OSS error document (named apart from core's OssupError, which is what
// the client side throws to its callers). The code must be one of core's SERVICE_ERRORS,
// so status, message and EC come from one table shared with the client.
import { SERVICE_ERRORS, serviceErrorEc, type ServiceErrorCode } from '../core/error-codes.js';

export class ErrorReply extends Error {
  readonly status: number;
  readonly ec: string;
  /** Response headers the error carries (x-oss-next-append-position on PositionNotEqualToLength). */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ServiceErrorCode,
    /** Extra elements of the error document, in order (Key, UploadId, ArgumentName, StringToSign ...). */
    readonly extra: Record<string, string> = {},
    opts: { message?: string; ec?: string; operation?: string; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(opts.message ?? SERVICE_ERRORS[code].message);
    // A few codes answer with another status by context (NotImplemented is 400 for an unsupported header).
    this.status = opts.status ?? SERVICE_ERRORS[code].status;
    this.ec = opts.ec ?? serviceErrorEc(code, opts.operation);
    this.headers = opts.headers ?? {};
  }
}

export function invalidArgument(name: string, value: string, message: string): ErrorReply {
  return new ErrorReply('InvalidArgument', { ArgumentName: name, ArgumentValue: value }, { message });
}
