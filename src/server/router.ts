// Which operation a request names: its level (service, bucket, object), its method, and the operation-selecting
// sub-resources in its query. Anything not in the table is NotImplemented, loudly, rather than half-served.
import { isV1SubResource } from '../core/canonical.js';
import { hasQ, q, type OssRequest } from './request.js';

export type Operation =
  | 'ListBuckets'
  | 'PutBucket'
  | 'DeleteBucket'
  | 'GetBucketAcl'
  | 'PutBucketAcl'
  | 'GetBucketLocation'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'DeleteMultipleObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'GetObjectMeta'
  | 'DeleteObject'
  | 'GetObjectAcl'
  | 'PutObjectAcl'
  | 'InitiateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | OperationMore;

/** Operations added with issue 17 (handlers in their own files, one per API family). */
export type OperationMore =
  | 'GetObjectTagging'
  | 'PutObjectTagging'
  | 'DeleteObjectTagging'
  | 'GetBucketInfo'
  | 'HeadBucket'
  | 'GetBucketStat'
  | 'AppendObject'
  | 'PutBucketCors'
  | 'GetBucketCors'
  | 'DeleteBucketCors'
  | 'OptionObject'
  | 'PostObject'
  | 'PutBucketLifecycle'
  | 'GetBucketLifecycle'
  | 'DeleteBucketLifecycle'
  | 'PutSymlink'
  | 'GetSymlink'
  | 'RestoreObject'
  | 'PutBucketLogging'
  | 'GetBucketLogging'
  | 'DeleteBucketLogging'
  | 'PutBucketWebsite'
  | 'GetBucketWebsite'
  | 'DeleteBucketWebsite'
  | 'PutBucketReferer'
  | 'GetBucketReferer'
  | 'PutBucketVersioning'
  | 'GetBucketVersioning'
  | 'ListObjectVersions';

/** Query names that modify an operation rather than select one (auth, response overrides, listing params). */
function isModifier(name: string): boolean {
  return (
    name.startsWith('response-') ||
    name === 'security-token' ||
    name === 'continuation-token' ||
    name === 'x-oss-traffic-limit' ||
    name === 'x-oss-request-payer' ||
    name.startsWith('x-oss-signature') ||
    ['x-oss-credential', 'x-oss-date', 'x-oss-expires', 'x-oss-additional-headers', 'x-oss-security-token'].includes(
      name,
    )
  );
}

const TABLE: Record<string, Operation | ((r: OssRequest) => Operation)> = {
  'service GET ': 'ListBuckets',
  'bucket PUT ': 'PutBucket',
  'bucket PUT acl': 'PutBucketAcl',
  'bucket GET ': (r) => (q(r, 'list-type') === '2' ? 'ListObjectsV2' : 'ListObjects'),
  'bucket GET acl': 'GetBucketAcl',
  'bucket GET location': 'GetBucketLocation',
  'bucket GET uploads': 'ListMultipartUploads',
  'bucket DELETE ': 'DeleteBucket',
  'bucket POST delete': 'DeleteMultipleObjects',
  'object PUT ': (r) => (r.headers['x-oss-copy-source'] !== undefined ? 'CopyObject' : 'PutObject'),
  'object PUT partNumber&uploadId': (r) =>
    r.headers['x-oss-copy-source'] !== undefined ? 'UploadPartCopy' : 'UploadPart',
  'object PUT acl': 'PutObjectAcl',
  'object GET ': 'GetObject',
  'object GET acl': 'GetObjectAcl',
  'object GET uploadId': 'ListParts',
  'object GET objectMeta': 'GetObjectMeta',
  'object HEAD ': 'HeadObject',
  'object HEAD objectMeta': 'GetObjectMeta',
  'object DELETE ': 'DeleteObject',
  'object DELETE uploadId': 'AbortMultipartUpload',
  'object POST uploads': 'InitiateMultipartUpload',
  'object POST uploadId': 'CompleteMultipartUpload',
  'object GET tagging': 'GetObjectTagging',
  'object PUT tagging': 'PutObjectTagging',
  'object DELETE tagging': 'DeleteObjectTagging',
  'bucket GET bucketInfo': 'GetBucketInfo',
  'bucket HEAD ': 'HeadBucket',
  'bucket GET stat': 'GetBucketStat',
  'object POST append&position': 'AppendObject',
  'object POST append': 'AppendObject', // answers InvalidArgument naming the missing position
  'bucket PUT cors': 'PutBucketCors',
  'bucket GET cors': 'GetBucketCors',
  'bucket DELETE cors': 'DeleteBucketCors',
  'bucket OPTIONS ': 'OptionObject',
  'object OPTIONS ': 'OptionObject',
  'bucket POST ': 'PostObject',
  'bucket PUT lifecycle': 'PutBucketLifecycle',
  'bucket GET lifecycle': 'GetBucketLifecycle',
  'bucket DELETE lifecycle': 'DeleteBucketLifecycle',
  'object PUT symlink': 'PutSymlink',
  'object GET symlink': 'GetSymlink',
  'object POST restore': 'RestoreObject',
  'bucket PUT logging': 'PutBucketLogging',
  'bucket GET logging': 'GetBucketLogging',
  'bucket DELETE logging': 'DeleteBucketLogging',
  'bucket PUT website': 'PutBucketWebsite',
  'bucket GET website': 'GetBucketWebsite',
  'bucket DELETE website': 'DeleteBucketWebsite',
  'bucket PUT referer': 'PutBucketReferer',
  'bucket GET referer': 'GetBucketReferer',
  'bucket PUT versioning': 'PutBucketVersioning',
  'bucket GET versioning': 'GetBucketVersioning',
  'bucket GET versions': 'ListObjectVersions',
};

/** Object operations that take `?versionId=` (any other with it is NotImplemented rather than the current version). */
const VERSIONED: ReadonlySet<Operation> = new Set<Operation>([
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

/** The OSS name of an API the table does not serve, for the NotImplemented message: `PutBucketLifecycle`. */
export function apiName(req: OssRequest): string {
  const level = req.bucket === undefined ? 'Service' : req.key === undefined ? 'Bucket' : 'Object';
  const sel = req.query.map(([k]) => k).filter((k) => isV1SubResource(k) && !isModifier(k));
  const verb =
    { GET: 'Get', PUT: 'Put', DELETE: 'Delete', POST: 'Post', HEAD: 'Head', OPTIONS: 'Options' }[req.method] ??
    req.method;
  const what = sel
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

/** The operation, or undefined for NotImplemented. */
export function route(req: OssRequest): Operation | undefined {
  const level = req.bucket === undefined ? 'service' : req.key === undefined ? 'bucket' : 'object';
  const selectors = [...new Set(req.query.map(([k]) => k).filter((k) => isV1SubResource(k) && !isModifier(k)))].sort();
  // versionId names a version of the object an operation addresses (handlers/versions.ts), not an operation.
  const sel = selectors.filter((k) => !(k === 'versionId' && level === 'object'));
  const entry = TABLE[`${level} ${req.method} ${sel.join('&')}`];
  if (entry === undefined) return undefined;
  const op = typeof entry === 'function' ? entry(req) : entry;
  const versioned = sel.length < selectors.length && q(req, 'versionId') !== 'null';
  return versioned && !VERSIONED.has(op) ? undefined : op;
}

export { hasQ };
