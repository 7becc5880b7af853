// The table of OSS service error codes (status, message, EC) the embedded server answers with and the client
// recognises: part of the wire dialect, kept apart from the error classes in errors.ts.
import { CONFIG_ERRORS } from './errors-configs.js';
import { THROTTLE_ERRORS } from './errors-throttle.js';

/** One row of the service error table. */
export interface ServiceErrorSpec {
  /** HTTP status OSS answers with. */
  status: number;
  /** Default message (OSS's own wording where known). */
  message: string;
  /** OSS detailed error code; '' where no EC is documented (the server then omits <EC> and x-oss-ec). */
  ec: string;
}

/*
 * ECs and messages come from OSS's documentation (help.aliyun.com/…/user-guide/<EC>) and the Go v2 SDK's
 * captured responses. Where we found no documented EC we leave it empty rather than invent one.
 */
/** Every OSS error code the embedded server uses (OSS-PROTOCOL.md §4). */
export const SERVICE_ERRORS = {
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist.', ec: '0015-00000101' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.', ec: '0026-00000001' },
  NoSuchVersion: { status: 404, message: 'The specified version does not exist.', ec: '' },
  MethodNotAllowed: {
    status: 405,
    message: 'The specified method is not allowed against this resource.',
    ec: '',
  },
  NoSuchUpload: {
    status: 404,
    message:
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    ec: '0042-00000002',
  },
  InvalidAccessKeyId: {
    status: 403,
    message: 'The OSS Access Key Id you provided does not exist in our records.',
    ec: '0002-00000902',
  },
  SignatureDoesNotMatch: {
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ec: '0002-00000040',
  },
  AccessDenied: { status: 403, message: 'You have no right to access this object.', ec: '' },
  RequestTimeTooSkewed: {
    status: 403,
    message: 'The difference between the request time and the current time is too large.',
    ec: '0002-00000504',
  },
  InvalidArgument: { status: 400, message: 'Invalid argument.', ec: '' },
  MalformedXML: {
    status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema.',
    ec: '0015-00000231',
  },
  InvalidPart: {
    status: 400,
    message:
      "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
    ec: '',
  },
  InvalidPartOrder: {
    status: 400,
    message: 'The list of parts was not in ascending order. Parts list must specified in order by part number.',
    ec: '0042-00000209',
  },
  EntityTooSmall: {
    status: 400,
    message: 'Your proposed upload is smaller than the minimum allowed size.',
    ec: '0042-00000213',
  },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed size.', ec: '' },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified was invalid.', ec: '0017-00000503' },
  InvalidBucketName: { status: 400, message: 'The specified bucket is not valid.', ec: '' },
  InvalidObjectName: { status: 400, message: 'The specified object is not valid.', ec: '' },
  MissingContentLength: { status: 411, message: 'You must provide the Content-Length HTTP header.', ec: '' },
  BucketAlreadyExists: {
    status: 409,
    message:
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
    ec: '0015-00000104',
  },
  BucketNotEmpty: { status: 409, message: 'The bucket has objects. Please delete them first.', ec: '0015-00000301' },
  FileAlreadyExists: {
    status: 409,
    message: 'The object you specified already exists and can not be overwritten.',
    ec: '0026-00000002',
  },
  PreconditionFailed: {
    status: 412,
    message: 'At least one of the pre-conditions you specified did not hold.',
    ec: '',
  },
  InvalidRange: { status: 416, message: 'The requested range cannot be satisfied.', ec: '' },
  NotImplemented: {
    status: 501,
    message: 'A header you provided implies functionality that is not implemented.',
    ec: '',
  },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.', ec: '' },
  InsufficientStorage: {
    status: 507,
    message: 'The server has no space left to store this request. Free space on its storage and retry.',
    ec: '',
  },
  RequestTimeout: {
    status: 400,
    message: 'Your socket connection to the server was not read from or written to within the timeout period.',
    ec: '',
  },
  CallbackFailed: { status: 203, message: 'The callback failed.', ec: '0007-00000203' },
  // Added with the OSS API families of issue 17 (tagging, append, CORS, form upload, bucket configs, STS, SSE).
  InvalidSecurityToken: { status: 403, message: 'The security token you provided is invalid.', ec: '' },
  SecurityTokenExpired: { status: 403, message: 'The security token you provided has expired.', ec: '' },
  InvalidEncryptionAlgorithmError: {
    status: 400,
    message: 'The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4.',
    ec: '',
  },
  InvalidDataEncryptionAlgorithmError: {
    status: 400,
    message: 'The Encryption request you specified is not valid. Supported value: SM4.',
    ec: '',
  },
  InvalidTag: { status: 400, message: 'The tag provided was not a valid tag.', ec: '0010-00000217' },
  BadRequest: { status: 400, message: 'Bad request.', ec: '' },
  PositionNotEqualToLength: { status: 409, message: 'Position is not equal to file length', ec: '0026-00000016' },
  ObjectNotAppendable: { status: 409, message: 'The object is not appendable', ec: '0026-00000017' },
  AccessForbidden: {
    status: 403,
    message:
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec.",
    ec: '',
  },
  CORSRuleBeyondLimit: { status: 400, message: 'The number of CORS rules exceeds the limit of 10.', ec: '' },
  NoSuchCORSConfiguration: { status: 404, message: 'The CORS Configuration does not exist.', ec: '' },
  NoSuchLifecycle: { status: 404, message: 'No Row found in Lifecycle Table.', ec: '' },
  NoSuchWebsiteConfiguration: {
    status: 404,
    message: 'The specified bucket does not have a website configuration.',
    ec: '',
  },
  InvalidPolicyDocument: {
    status: 400,
    message: 'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
    ec: '',
  },
  IncorrectNumberOfFilesInPOSTRequest: {
    status: 400,
    message: 'POST requires exactly one file upload per request.',
    ec: '',
  },
  MalformedPOSTRequest: {
    status: 400,
    message: 'The body of your POST request is not well-formed multipart/form-data.',
    ec: '',
  },
  InvalidObjectState: { status: 403, message: "The operation is not valid for the object's state.", ec: '' },
  RestoreAlreadyInProgress: { status: 409, message: 'The restore operation is in progress.', ec: '' },
  OperationNotSupported: { status: 400, message: 'The operation is not supported for this resource.', ec: '' },
  SymlinkTargetNotExist: { status: 404, message: 'The symlink target object does not exist.', ec: '' },
  InvalidTargetBucketForLogging: { status: 400, message: 'The target bucket for logging does not exist.', ec: '' },
  NotSymlink: { status: 400, message: 'The specified object is not a symlink.', ec: '' },
  ...CONFIG_ERRORS,
  ...THROTTLE_ERRORS,
} as const satisfies Record<string, ServiceErrorSpec>;

/** An OSS error code the embedded server knows. */
export type ServiceErrorCode = keyof typeof SERVICE_ERRORS;

/** True when `code` is in SERVICE_ERRORS. */
export function isServiceErrorCode(code: string): code is ServiceErrorCode {
  return Object.hasOwn(SERVICE_ERRORS, code);
}

/**
 * The EC for `code` as raised by `operation`. OSS distinguishes some codes by operation: NoSuchUpload is
 * 0042-00000104 from UploadPart but 0042-00000002 from AbortMultipartUpload and ListParts; a malformed
 * Content-MD5 is 0017-00000502 rather than the mismatch EC.
 */
export function serviceErrorEc(code: ServiceErrorCode, operation?: string): string {
  if (code === 'NoSuchUpload' && operation === 'UploadPart') return '0042-00000104';
  return SERVICE_ERRORS[code].ec;
}

/** EC of an InvalidDigest whose Content-MD5 could not even be decoded (as opposed to one that mismatched). */
export const EC_MALFORMED_CONTENT_MD5 = '0017-00000502';
/** EC of InvalidArgument for a partNumber outside 1..10000. */
export const EC_INVALID_PART_NUMBER = '0017-00000220';
