/**
 * The request shape both signers read, built by the server from the incoming request and by the client from
 * the outgoing one, plus the V1 sub-resource list and a timing-safe comparison for signatures.
 */
import { HEADERS, HEADER_PREFIX } from './dialect.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ArgumentError } from './errors.js';

/** An access key pair, with an STS token when the keys are temporary. */
export interface Credentials {
  /** AccessKey ID. */
  accessKeyId: string;
  /** AccessKey secret. */
  accessKeySecret: string;
  /** STS security token; sent as x-oss-security-token (header) or security-token (V1 presigned). */
  securityToken?: string;
}

/** What both signers read. The server builds it from the incoming request, the client from the outgoing one. */
export interface SignableRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Bucket name; undefined for service-level requests (ListBuckets). */
  bucket?: string;
  /** Decoded object key; undefined for bucket-level requests. */
  key?: string;
  /** Decoded name/value pairs in the order sent; a bare `?acl` is ['acl', '']. */
  query: Array<[string, string]>;
  /** Lower-case header names, values as sent (joined with ',' if repeated). */
  headers: Record<string, string>;
}

/**
 * Query parameters that are part of the V1 CanonicalizedResource (OSS-PROTOCOL.md §5): the union of every list
 * the official SDKs sign — aliyun-oss-go-sdk `conn.go` signKeyList, alibabacloud-oss-go-sdk-v2
 * `signer/v1.go` requiredSignedParametersMap plus each operation's SubResource, alibabacloud-oss-python-sdk-v2
 * `signer/v1.py` plus each operation's `sub-resource`, and ali-oss's `subres` — so every sub-resource an
 * operation is selected by is signed. Names are case-sensitive, as OSS matches them.
 */
export const V1_SUB_RESOURCES: ReadonlySet<string> = new Set([
  // the classic list (Go SDK v1 signKeyList)
  'acl',
  'uploads',
  'location',
  'cors',
  'logging',
  'website',
  'referer',
  'lifecycle',
  'delete',
  'append',
  'tagging',
  'objectMeta',
  'uploadId',
  'partNumber',
  'security-token',
  'position',
  'img',
  'style',
  'styleName',
  'replication',
  'replicationProgress',
  'replicationLocation',
  'cname',
  'bucketInfo',
  'comp',
  'qos',
  'live',
  'status',
  'vod',
  'startTime',
  'endTime',
  'symlink',
  HEADERS.process,
  'response-content-type',
  'response-content-language',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-expires',
  HEADERS.trafficLimit,
  'udf',
  'udfName',
  'udfImage',
  'udfId',
  'udfImageDesc',
  'udfApplication',
  'udfApplicationLog',
  'restore',
  'callback',
  'callback-var',
  'qosInfo',
  'policy',
  'stat',
  'encryption',
  'versions',
  'versioning',
  'versionId',
  'requestPayment',
  HEADERS.requestPayer,
  'sequential',
  'inventory',
  'inventoryId',
  'continuation-token',
  'asyncFetch',
  'worm',
  'wormId',
  'wormExtend',
  'withHashContext',
  'transferAcceleration',
  'regionList',
  'cloudboxes',
  'metaQuery',
  'resourceGroup',
  'rtc',
  'responseHeader',
  // the sub-resources of the newer APIs (Go SDK v2 / Python SDK v2 operations)
  'accessmonitor',
  'accessPoint',
  'accessPointPolicy',
  'accessPointForObjectProcess',
  'accessPointPolicyForObjectProcess',
  'accessPointConfigForObjectProcess',
  'bucketArchiveDirectRead',
  'cleanRestoredObject',
  'dataPipeline',
  'httpsConfig',
  'legalHold',
  'MetaQuery',
  'objectWorm',
  'overwriteConfig',
  'policyStatus',
  'publicAccessBlock',
  'redundancyTransition',
  'regions',
  'retention',
  'seal',
  'userDefinedLogFieldsConfig',
]);

/** True when a query parameter is signed by V1: the §5 list (case-sensitive, as OSS matches it) or any x-oss-* name. */
export function isV1SubResource(name: string): boolean {
  return V1_SUB_RESOURCES.has(name) || name.toLowerCase().startsWith(HEADER_PREFIX);
}

/**
 * Timing-safe string equality for signatures. Both sides are hashed first so that inputs of different
 * lengths take the same time and timingSafeEqual never throws on a length mismatch.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a === b;
}

/** With STS credentials the token must travel in the signed x-oss-security-token header. */
export function requireTokenHeader(req: SignableRequest, creds: Credentials): void {
  if (creds.securityToken && req.headers[HEADERS.securityToken] !== creds.securityToken) {
    throw new ArgumentError(
      HEADERS.securityToken,
      'STS credentials need the x-oss-security-token header set to the token before signing',
    );
  }
}
