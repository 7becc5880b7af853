// Which operation a request names: its level (service, bucket, object), its method, and the operation-selecting
// sub-resources in its query, looked up in oss-apis.ts. An API not implemented is NotImplemented, loudly, naming it.
import { HEADERS } from '../core/dialect.js';
import { isV1SubResource } from '../core/canonical.js';
import { ossApi } from './oss-apis.js';
import { hasQ, q, type OssRequest } from './request.js';

/** The APIs ossup serve implements, named as in oss-apis.ts; every other OSS API is answered 501 naming it. */
const CORE_OPERATIONS = [
  'ListBuckets',
  'PutBucket',
  'DeleteBucket',
  'GetBucketAcl',
  'PutBucketAcl',
  'GetBucketLocation',
  'ListObjects',
  'ListObjectsV2',
  'ListMultipartUploads',
  'DeleteMultipleObjects',
  'PutObject',
  'CopyObject',
  'GetObject',
  'HeadObject',
  'GetObjectMeta',
  'DeleteObject',
  'GetObjectAcl',
  'PutObjectAcl',
  'InitiateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
] as const;

/** Operations added with issue 17 (handlers in their own files, one per API family). */
const MORE_OPERATIONS = [
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetBucketInfo',
  'HeadBucket',
  'GetBucketStat',
  'AppendObject',
  'PutBucketCors',
  'GetBucketCors',
  'DeleteBucketCors',
  'OptionObject',
  'PostObject',
  'PutBucketLifecycle',
  'GetBucketLifecycle',
  'DeleteBucketLifecycle',
  'PutSymlink',
  'GetSymlink',
  'RestoreObject',
  'PutBucketLogging',
  'GetBucketLogging',
  'DeleteBucketLogging',
  'PutBucketWebsite',
  'GetBucketWebsite',
  'DeleteBucketWebsite',
  'PutBucketReferer',
  'GetBucketReferer',
  // issue 26: versioning (handlers/versioning.ts; versionId on object APIs: VERSIONED below)
  'PutBucketVersioning',
  'GetBucketVersioning',
  'ListObjectVersions',
] as const;

/** Bucket configurations added with issue 26 (handlers/config-table.ts). */
const CONFIG_OPERATIONS = [
  'PutBucketTags',
  'GetBucketTags',
  'DeleteBucketTags',
  'PutBucketPolicy',
  'GetBucketPolicy',
  'DeleteBucketPolicy',
  'GetBucketPolicyStatus',
  'PutBucketEncryption',
  'GetBucketEncryption',
  'DeleteBucketEncryption',
  'PutBucketRequestPayment',
  'GetBucketRequestPayment',
  'PutBucketResourceGroup',
  'GetBucketResourceGroup',
  'PutBucketTransferAcceleration',
  'GetBucketTransferAcceleration',
  'PutBucketPublicAccessBlock',
  'GetBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  'ListStyle',
  'PutStyle',
  'GetStyle',
  'DeleteStyle',
  'ListBucketInventory',
  'PutBucketInventory',
  'GetBucketInventory',
  'DeleteBucketInventory',
  'ListCname',
  'PutCname',
  'DeleteCname',
  'PutBucketReplication',
  'GetBucketReplication',
  'DeleteBucketReplication',
  // WORM (handlers/worm.ts; enforced on deletes and overwrites)
  'InitiateBucketWorm',
  'GetBucketWorm',
  'AbortBucketWorm',
  'CompleteBucketWorm',
  'ExtendBucketWorm',
] as const;

export type OperationMore = (typeof MORE_OPERATIONS)[number];
export type OperationConfig = (typeof CONFIG_OPERATIONS)[number];
export type Operation = (typeof CORE_OPERATIONS)[number] | OperationMore | OperationConfig;

// Implementing an API: its name in one of the lists above and its handler in the dispatcher's table.
const IMPLEMENTED: ReadonlySet<string> = new Set<string>([
  ...CORE_OPERATIONS,
  ...MORE_OPERATIONS,
  ...CONFIG_OPERATIONS,
]);

/** The V4 presigned-URL query parameters besides the signature itself. */
const SIGNATURE_QUERY = new Set<string>([
  HEADERS.credential,
  HEADERS.date,
  HEADERS.expires,
  HEADERS.additionalHeaders,
  HEADERS.securityToken,
]);

/** Query names that modify an operation rather than select one (auth, response overrides, listing params). */
function isModifier(name: string): boolean {
  return (
    name.startsWith('response-') ||
    name === 'security-token' ||
    name === 'continuation-token' ||
    name === HEADERS.trafficLimit ||
    name === HEADERS.requestPayer ||
    name.startsWith(HEADERS.signature) ||
    SIGNATURE_QUERY.has(name)
  );
}

/** Object operations that take `?versionId=` (any other with it is NotImplemented rather than the current version). */
const VERSIONED: ReadonlySet<string> = new Set<string>([
  'GetObject',
  'HeadObject',
  'GetObjectMeta',
  'DeleteObject',
  'GetObjectAcl',
  'PutObjectAcl',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
]);

/** Level, method and the sorted operation-selecting sub-resources: the key of OSS_APIS. */
export function selectorKey(req: OssRequest): string {
  const level = req.bucket === undefined ? 'service' : req.key === undefined ? 'bucket' : 'object';
  return `${level} ${req.method} ${selectors(req).join('&')}`;
}

function selectors(req: OssRequest): string[] {
  const sel = [...new Set(req.query.map(([k]) => k).filter((k) => isV1SubResource(k) && !isModifier(k)))].sort();
  // ali-oss sends versionId only when asked; the unversioned "null" version is the object itself.
  return sel.filter((k) => !(k === 'versionId' && q(req, 'versionId') === 'null'));
}

/** A selector key without its versionId: the API the request names, of one version. */
function withoutVersionId(key: string): string {
  return key.replace(/(?<=[ &])versionId(&|$)/, '').replace(/&$/, '');
}

/** The OSS name of an API the table does not serve, for the NotImplemented message: `PutBucketAccessMonitor`. */
export function apiName(req: OssRequest): string {
  const key = selectorKey(req);
  const known = ossApi(key, req);
  if (known !== undefined) return known;
  // An object API asked for one version: the API's own name, qualified.
  const unversioned = ossApi(withoutVersionId(key), req);
  if (unversioned !== undefined) return `${unversioned} (versionId)`;
  const level = req.bucket === undefined ? 'Service' : req.key === undefined ? 'Bucket' : 'Object';
  const verb =
    { GET: 'Get', PUT: 'Put', DELETE: 'Delete', POST: 'Post', HEAD: 'Head', OPTIONS: 'Options' }[req.method] ??
    req.method;
  const what = selectors(req)
    .map((k) =>
      k
        .replace(/^x-oss-/, '')
        .split('-')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(''),
    )
    .join('');
  // A form upload sent to an object path: OSS takes PostObject on the bucket URL only.
  if (level === 'Object' && req.method === 'POST' && what === '')
    return 'PostObject (to an object path; post the form to the bucket URL)';
  return `${verb}${level}${what}`;
}

/** The operation: the OSS API the request selects (oss-apis.ts) when implemented, else undefined (501). */
export function route(req: OssRequest): Operation | undefined {
  // A preflight names no API: the browser sends it to the URL of the request to come, whatever its query
  // (?uploads, ?uploadId=..&partNumber=.., a presigned URL's signature), and the bucket's CORS rules answer it.
  if (req.method === 'OPTIONS' && req.bucket !== undefined) return 'OptionObject';
  const key = selectorKey(req);
  let api = ossApi(key, req);
  // versionId names a version of the object an operation addresses (handlers/versions.ts), not an operation.
  if (api === undefined && req.key !== undefined) {
    const unversioned = ossApi(withoutVersionId(key), req);
    if (unversioned !== undefined && VERSIONED.has(unversioned)) api = unversioned;
  }
  return api !== undefined && IMPLEMENTED.has(api) ? (api as Operation) : undefined;
}

/** Every implemented operation, for the test that holds each to an API of oss-apis.ts. */
export const IMPLEMENTED_OPERATIONS: readonly string[] = [...IMPLEMENTED];

export { hasQ };
