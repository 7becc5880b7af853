import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortedError,
  ArgumentError,
  CheckpointError,
  CheckpointLockedError,
  FileChangedError,
  IntegrityError,
  NetworkError,
  OssupError,
  ServiceError,
} from '../../src/core/errors.js';
import { SERVICE_ERRORS, serviceErrorEc } from '../../src/core/error-codes.js';
import { codeForStatus, serviceErrorFromResponse } from '../../src/core/service-error.js';
import { buildErrorXml } from '../../src/core/xml.js';

test('every error class has its stable code, a name, and keeps its cause', () => {
  const cause = new Error('socket hang up');
  const cases: Array<[OssupError, string]> = [
    [new NetworkError('reset', { cause }), 'NetworkError'],
    [new ArgumentError('partSize', 'too small', { cause }), 'InvalidArgument'],
    [new IntegrityError('crc64', '1', '2', undefined, { cause }), 'IntegrityMismatch'],
    [new FileChangedError('/f', 'changed', { cause }), 'FileChanged'],
    [new CheckpointLockedError('/c', 'locked', { cause }), 'CheckpointLocked'],
    [new CheckpointError('/c', 'unreadable', { cause }), 'CheckpointUnusable'],
    [new AbortedError(undefined, { cause }), 'Aborted'],
  ];
  for (const [err, code] of cases) {
    assert.ok(err instanceof OssupError && err instanceof Error);
    assert.equal(err.code, code);
    assert.equal(err.cause, cause);
    assert.equal(err.name, err.constructor.name);
  }
  assert.equal(new ArgumentError('partSize', 'x').field, 'partSize');
  assert.equal(new NetworkError('x').cause, undefined);
  const integrity = new IntegrityError('crc64', '11', '22');
  assert.deepEqual([integrity.check, integrity.expected, integrity.actual], ['crc64', '11', '22']);
  assert.match(integrity.message, /crc64 mismatch/);
});

test('ServiceError carries every field', () => {
  const e = new ServiceError({
    status: 403,
    code: 'SignatureDoesNotMatch',
    message: 'm',
    requestId: 'R',
    hostId: 'H',
    ec: '0002-00000040',
    operation: 'PutObject',
    extra: { StringToSign: 'sts' },
    raw: '<Error/>',
  });
  assert.deepEqual(
    [e.status, e.code, e.message, e.requestId, e.hostId, e.ec, e.operation, e.stringToSign, e.raw],
    [403, 'SignatureDoesNotMatch', 'm', 'R', 'H', '0002-00000040', 'PutObject', 'sts', '<Error/>'],
  );
  assert.ok(e instanceof OssupError);
});

test('SERVICE_ERRORS covers every code of protocol §4 with its status', () => {
  const expected: Record<string, number> = {
    NoSuchBucket: 404,
    NoSuchKey: 404,
    NoSuchUpload: 404,
    InvalidAccessKeyId: 403,
    SignatureDoesNotMatch: 403,
    AccessDenied: 403,
    RequestTimeTooSkewed: 403,
    InvalidArgument: 400,
    MalformedXML: 400,
    InvalidPart: 400,
    InvalidPartOrder: 400,
    EntityTooSmall: 400,
    EntityTooLarge: 400,
    InvalidDigest: 400,
    InvalidBucketName: 400,
    InvalidObjectName: 400,
    MissingContentLength: 411,
    BucketAlreadyExists: 409,
    BucketNotEmpty: 409,
    FileAlreadyExists: 409,
    PreconditionFailed: 412,
    InvalidRange: 416,
    NotImplemented: 501,
    InternalError: 500,
    CallbackFailed: 203,
    RequestTimeout: 400,
    InsufficientStorage: 507,
    InvalidSecurityToken: 403,
    SecurityTokenExpired: 403,
    InvalidEncryptionAlgorithmError: 400,
    InvalidDataEncryptionAlgorithmError: 400,
    InvalidTag: 400,
    BadRequest: 400,
    PositionNotEqualToLength: 409,
    ObjectNotAppendable: 409,
    AccessForbidden: 403,
    CORSRuleBeyondLimit: 400,
    NoSuchCORSConfiguration: 404,
    NoSuchLifecycle: 404,
    NoSuchWebsiteConfiguration: 404,
    InvalidPolicyDocument: 400,
    IncorrectNumberOfFilesInPOSTRequest: 400,
    MalformedPOSTRequest: 400,
    InvalidObjectState: 403,
    RestoreAlreadyInProgress: 409,
    OperationNotSupported: 400,
    SymlinkTargetNotExist: 404,
    InvalidTargetBucketForLogging: 400,
    NotSymlink: 400,
    NoSuchVersion: 404,
    MethodNotAllowed: 405,
    NoSuchBucketPolicy: 404,
    NoSuchServerSideEncryptionRule: 404,
    NoSuchTransferAccelerationConfiguration: 404,
    NoSuchStyle: 404,
    NoSuchInventory: 404,
    NoSuchReplicationConfiguration: 404,
    NoSuchCname: 404,
    NoSuchWORMConfiguration: 404,
    WORMConfigurationLocked: 403,
    InvalidWORMConfiguration: 400,
    FileImmutable: 409,
    UploadTrafficRateLimitExceeded: 503,
    DownloadTrafficRateLimitExceeded: 503,
    TotalQpsLimitExceeded: 503,
  };
  assert.deepEqual(Object.keys(SERVICE_ERRORS).sort(), Object.keys(expected).sort());
  for (const [code, status] of Object.entries(expected)) {
    const spec = SERVICE_ERRORS[code as keyof typeof SERVICE_ERRORS];
    assert.equal(spec.status, status, code);
    assert.ok(spec.message.length > 0, code);
    assert.match(spec.ec, /^$|^\d{4}-\d{8}$/, code);
  }
  assert.equal(SERVICE_ERRORS.NoSuchKey.message, 'The specified key does not exist.');
  assert.equal(SERVICE_ERRORS.NoSuchBucket.ec, '0015-00000101');
  assert.equal(SERVICE_ERRORS.MalformedXML.ec, '0015-00000231');
  assert.equal(SERVICE_ERRORS.CallbackFailed.ec, '0007-00000203');
  assert.equal(serviceErrorEc('NoSuchUpload', 'UploadPart'), '0042-00000104');
  assert.equal(serviceErrorEc('NoSuchUpload', 'ListParts'), '0042-00000002');
});

test('serviceErrorFromResponse parses the error body; header values fill gaps', () => {
  const body = buildErrorXml({
    code: 'NoSuchKey',
    message: 'The specified key does not exist.',
    requestId: '6556E3AED11E553933CCDEDF',
    hostId: 'bucket.oss-cn-hangzhou.aliyuncs.com',
    ec: '0026-00000001',
    extra: { Key: 'k' },
  });
  const e = serviceErrorFromResponse(404, { 'x-oss-request-id': 'HEADERID' }, body, 'GetObject');
  assert.equal(e.code, 'NoSuchKey');
  assert.equal(e.requestId, '6556E3AED11E553933CCDEDF');
  assert.equal(e.hostId, 'bucket.oss-cn-hangzhou.aliyuncs.com');
  assert.equal(e.ec, '0026-00000001');
  assert.equal(e.operation, 'GetObject');
  assert.deepEqual(e.extra, { Key: 'k' });
  assert.equal(e.raw, body);
  const noId = serviceErrorFromResponse(
    403,
    new Headers({ 'x-oss-request-id': 'HID', 'x-oss-ec': '0002-00000040' }),
    '<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><StringToSign>a\nb</StringToSign></Error>',
    'PutObject',
  );
  assert.equal(noId.requestId, 'HID');
  assert.equal(noId.ec, '0002-00000040');
  assert.equal(noId.stringToSign, 'a\nb');
});

test('HEAD errors: x-oss-err is decoded', () => {
  const xml = buildErrorXml({
    code: 'NoSuchBucket',
    message: 'The specified bucket does not exist.',
    requestId: 'R1',
    ec: '0015-00000101',
  });
  const e = serviceErrorFromResponse(
    404,
    { 'x-oss-err': Buffer.from(xml).toString('base64'), 'X-Oss-Request-Id': 'R1' },
    '',
    'HeadObject',
  );
  assert.equal(e.code, 'NoSuchBucket');
  assert.equal(e.ec, '0015-00000101');
  assert.equal(e.requestId, 'R1');
});

test('bodiless errors without x-oss-err fall back to status-derived codes', () => {
  assert.equal(serviceErrorFromResponse(404, {}, '', 'HeadObject').code, 'NoSuchKey');
  assert.equal(serviceErrorFromResponse(404, {}, '', 'GetBucketInfo').code, 'NoSuchBucket');
  assert.equal(serviceErrorFromResponse(404, {}, '', 'ListObjects').code, 'NoSuchBucket');
  assert.equal(serviceErrorFromResponse(404, {}, '', 'ListParts').code, 'NoSuchUpload');
  assert.equal(serviceErrorFromResponse(404, {}, '', 'AbortMultipartUpload').code, 'NoSuchUpload');
  const e = serviceErrorFromResponse(403, { 'x-oss-request-id': ['R9'] }, '', 'HeadObject');
  assert.equal(e.code, 'AccessDenied');
  assert.equal(e.requestId, 'R9');
  assert.equal(e.message, SERVICE_ERRORS.AccessDenied.message);
  assert.equal(codeForStatus(503, 'PutObject'), 'ServiceUnavailable');
  assert.equal(codeForStatus(418, 'PutObject'), 'UnknownError');
});

test('a non-XML body (proxy page) keeps the raw text and the parse failure as cause', () => {
  const e = serviceErrorFromResponse(502, {}, '<html>Bad Gateway</html>', 'UploadPart');
  assert.equal(e.code, 'BadGateway');
  assert.equal(e.status, 502);
  assert.equal(e.raw, '<html>Bad Gateway</html>');
  assert.ok(e.cause instanceof Error);
  assert.match(e.message, /HTTP 502/);
});
