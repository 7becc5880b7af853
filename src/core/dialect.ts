// The OSS wire dialect in one place: header names, the user-metadata prefix, the error document and the signers'
// constants. Client and server both speak it through these tables, so another dialect (S3's x-amz-*, AWS4-HMAC-SHA256)
// would be a second table of the same type, not an edit of every handler and operation.
import { buildErrorXml, parseErrorXml } from './xml.js';

/**
 * The x-oss-* headers ossup sends or answers, by a dialect-neutral name (OSS-PROTOCOL.md §3). Lower case, as Node
 * hands them to a server and as the signers canonicalise them.
 */
export const HEADERS = {
  accessPointName: 'x-oss-access-point-name',
  acl: 'x-oss-acl',
  additionalHeaders: 'x-oss-additional-headers',
  bucketRegion: 'x-oss-bucket-region',
  callback: 'x-oss-callback',
  callbackVar: 'x-oss-callback-var',
  completeAll: 'x-oss-complete-all',
  contentSha256: 'x-oss-content-sha256',
  contentType: 'x-oss-content-type',
  copySource: 'x-oss-copy-source',
  copySourceIfMatch: 'x-oss-copy-source-if-match',
  copySourceIfModifiedSince: 'x-oss-copy-source-if-modified-since',
  copySourceIfNoneMatch: 'x-oss-copy-source-if-none-match',
  copySourceIfUnmodifiedSince: 'x-oss-copy-source-if-unmodified-since',
  copySourceRange: 'x-oss-copy-source-range',
  copySourceVersionId: 'x-oss-copy-source-version-id',
  credential: 'x-oss-credential',
  date: 'x-oss-date',
  deleteMarker: 'x-oss-delete-marker',
  ec: 'x-oss-ec',
  err: 'x-oss-err',
  expires: 'x-oss-expires',
  forbidOverwrite: 'x-oss-forbid-overwrite',
  hashCrc64ecma: 'x-oss-hash-crc64ecma',
  metadataDirective: 'x-oss-metadata-directive',
  nextAppendPosition: 'x-oss-next-append-position',
  objectAcl: 'x-oss-object-acl',
  objectContentLength: 'x-oss-object-content-length',
  objectRestorePriority: 'x-oss-object-restore-priority',
  objectType: 'x-oss-object-type',
  process: 'x-oss-process',
  pubKeyUrl: 'x-oss-pub-key-url',
  rangeBehavior: 'x-oss-range-behavior',
  replicationRuleId: 'x-oss-replication-rule-id',
  requestId: 'x-oss-request-id',
  requestPayer: 'x-oss-request-payer',
  restore: 'x-oss-restore',
  securityToken: 'x-oss-security-token',
  serverSideDataEncryption: 'x-oss-server-side-data-encryption',
  serverSideEncryption: 'x-oss-server-side-encryption',
  serverSideEncryptionKeyId: 'x-oss-server-side-encryption-key-id',
  signature: 'x-oss-signature',
  signatureVersion: 'x-oss-signature-version',
  storageClass: 'x-oss-storage-class',
  styleCategory: 'x-oss-style-category',
  symlinkTarget: 'x-oss-symlink-target',
  tagging: 'x-oss-tagging',
  taggingCount: 'x-oss-tagging-count',
  taggingDirective: 'x-oss-tagging-directive',
  trafficLimit: 'x-oss-traffic-limit',
  versionId: 'x-oss-version-id',
  wormId: 'x-oss-worm-id',
} as const;

/** A header ossup knows by name; another dialect's table maps the same names. */
export type HeaderKey = keyof typeof HEADERS;

/** Every header of the dialect starts with this; V1 and V4 sign all of them. */
export const HEADER_PREFIX = 'x-oss-';
/** User metadata travels as `x-oss-meta-<name>`. */
export const USER_META_PREFIX = 'x-oss-meta-';

/** The user-metadata header for `name`. */
export function userMetaHeader(name: string): string {
  return `${USER_META_PREFIX}${name}`;
}

/** Whether a (lower-case) header name belongs to the dialect, so a signer includes it. */
export function isDialectHeader(lowerName: string): boolean {
  return lowerName.startsWith(HEADER_PREFIX);
}

/** The signers' fixed strings (OSS-PROTOCOL.md §5). */
export const SIGNING = {
  /** V1 Authorization scheme: `OSS <AccessKeyId>:<signature>`. */
  v1Scheme: 'OSS',
  /** V4 algorithm, in Authorization and x-oss-signature-version. */
  v4Algorithm: 'OSS4-HMAC-SHA256',
  /** Prefix of the secret that seeds the V4 signing-key chain. */
  v4KeyPrefix: 'aliyun_v4',
  /** The service in a V4 credential scope. */
  v4Service: 'oss',
  /** The last element of a V4 credential scope and of the signing-key chain. */
  v4Terminator: 'aliyun_v4_request',
} as const;

/** The error document (`<Error>`: Code, Message, RequestId, HostId, EC...), built by the server, read by the client. */
export const ERROR_DOCUMENT = { build: buildErrorXml, parse: parseErrorXml } as const;

/** Everything that makes a wire dialect, as one typed value. */
export interface WireDialect {
  /** Header names by key. */
  headers: Readonly<Record<HeaderKey, string>>;
  /** Prefix of every dialect header. */
  headerPrefix: string;
  /** Prefix of user-metadata headers. */
  userMetaPrefix: string;
  /** Signer constants. */
  signing: Readonly<Record<keyof typeof SIGNING, string>>;
  /** Building and parsing the error document. */
  errorDocument: typeof ERROR_DOCUMENT;
}

/** The OSS dialect, the only one today. */
export const OSS_DIALECT: WireDialect = {
  headers: HEADERS,
  headerPrefix: HEADER_PREFIX,
  userMetaPrefix: USER_META_PREFIX,
  signing: SIGNING,
  errorDocument: ERROR_DOCUMENT,
};
