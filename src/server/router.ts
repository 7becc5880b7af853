// Which operation a request names: its level (service, bucket, object), its method, and the operation-selecting
// sub-resources in its query. Anything not in the table is NotImplemented, loudly, rather than half-served.
import { isV1SubResource } from '../core/canonical.js';
import { ossApi } from './oss-apis.js';
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
  | OperationMore
  | OperationConfig;

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
  | 'GetBucketReferer';

/** Bucket configurations added with issue 26 (handlers/config-table.ts). */
export type OperationConfig =
  | 'PutBucketTags'
  | 'GetBucketTags'
  | 'DeleteBucketTags'
  | 'PutBucketPolicy'
  | 'GetBucketPolicy'
  | 'DeleteBucketPolicy'
  | 'GetBucketPolicyStatus'
  | 'PutBucketEncryption'
  | 'GetBucketEncryption'
  | 'DeleteBucketEncryption'
  | 'PutBucketRequestPayment'
  | 'GetBucketRequestPayment'
  | 'PutBucketResourceGroup'
  | 'GetBucketResourceGroup'
  | 'PutBucketTransferAcceleration'
  | 'GetBucketTransferAcceleration'
  | 'PutBucketPublicAccessBlock'
  | 'GetBucketPublicAccessBlock'
  | 'DeleteBucketPublicAccessBlock'
  | 'ListStyle'
  | 'PutStyle'
  | 'GetStyle'
  | 'DeleteStyle'
  | 'ListBucketInventory'
  | 'PutBucketInventory'
  | 'GetBucketInventory'
  | 'DeleteBucketInventory'
  | 'ListCname'
  | 'PutCname'
  | 'DeleteCname'
  | 'PutBucketReplication'
  | 'GetBucketReplication'
  | 'DeleteBucketReplication';

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

/** An API chosen by the `comp` parameter (cname, replication); another comp value is NotImplemented. */
const byComp =
  (ops: Record<string, Operation>) =>
  (r: OssRequest): Operation | undefined =>
    ops[q(r, 'comp') ?? ''];

// The implemented subset of oss-apis.ts's OSS_APIS, under the same keys and names (a test holds them equal).
// Implementing an API is one line here and one in the dispatcher's handler table.
const TABLE: Record<string, Operation | ((r: OssRequest) => Operation | undefined)> = {
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
  'bucket PUT tagging': 'PutBucketTags',
  'bucket GET tagging': 'GetBucketTags',
  'bucket DELETE tagging': 'DeleteBucketTags',
  'bucket PUT policy': 'PutBucketPolicy',
  'bucket GET policy': 'GetBucketPolicy',
  'bucket DELETE policy': 'DeleteBucketPolicy',
  'bucket GET policyStatus': 'GetBucketPolicyStatus',
  'bucket PUT encryption': 'PutBucketEncryption',
  'bucket GET encryption': 'GetBucketEncryption',
  'bucket DELETE encryption': 'DeleteBucketEncryption',
  'bucket PUT requestPayment': 'PutBucketRequestPayment',
  'bucket GET requestPayment': 'GetBucketRequestPayment',
  'bucket PUT resourceGroup': 'PutBucketResourceGroup',
  'bucket GET resourceGroup': 'GetBucketResourceGroup',
  'bucket PUT transferAcceleration': 'PutBucketTransferAcceleration',
  'bucket GET transferAcceleration': 'GetBucketTransferAcceleration',
  'bucket PUT publicAccessBlock': 'PutBucketPublicAccessBlock',
  'bucket GET publicAccessBlock': 'GetBucketPublicAccessBlock',
  'bucket DELETE publicAccessBlock': 'DeleteBucketPublicAccessBlock',
  'bucket GET style': 'ListStyle',
  'bucket PUT style&styleName': 'PutStyle',
  'bucket GET style&styleName': 'GetStyle',
  'bucket DELETE style&styleName': 'DeleteStyle',
  'bucket GET inventory': 'ListBucketInventory',
  'bucket PUT inventory&inventoryId': 'PutBucketInventory',
  'bucket GET inventory&inventoryId': 'GetBucketInventory',
  'bucket DELETE inventory&inventoryId': 'DeleteBucketInventory',
  'bucket GET cname': 'ListCname',
  'bucket POST cname&comp': byComp({ add: 'PutCname', delete: 'DeleteCname' }),
  'bucket POST comp&replication': byComp({ add: 'PutBucketReplication', delete: 'DeleteBucketReplication' }),
  'bucket GET replication': 'GetBucketReplication',
};

/** Level, method and the sorted operation-selecting sub-resources: the key of TABLE and of OSS_APIS. */
export function selectorKey(req: OssRequest): string {
  const level = req.bucket === undefined ? 'service' : req.key === undefined ? 'bucket' : 'object';
  return `${level} ${req.method} ${selectors(req).join('&')}`;
}

function selectors(req: OssRequest): string[] {
  const sel = [...new Set(req.query.map(([k]) => k).filter((k) => isV1SubResource(k) && !isModifier(k)))].sort();
  // ali-oss sends versionId only when asked; the unversioned "null" version is the object itself.
  return sel.filter((k) => !(k === 'versionId' && q(req, 'versionId') === 'null'));
}

/** The OSS name of an API the table does not serve, for the NotImplemented message: `PutBucketAccessMonitor`. */
export function apiName(req: OssRequest): string {
  const key = selectorKey(req);
  const known = ossApi(key, req);
  if (known !== undefined) return known;
  // An object API asked for one version: the API's own name, qualified.
  const unversioned = ossApi(key.replace(/(?<=[ &])versionId(&|$)/, '').replace(/&$/, ''), req);
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

/** The operation, or undefined for NotImplemented. */
export function route(req: OssRequest): Operation | undefined {
  const entry = TABLE[selectorKey(req)];
  if (entry === undefined) return undefined;
  return typeof entry === 'function' ? entry(req) : entry;
}

/** TABLE's keys and names, for the test that holds them equal to OSS_APIS. */
export const IMPLEMENTED_KEYS: readonly string[] = Object.keys(TABLE);

export { hasQ };
