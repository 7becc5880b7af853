// The public library surface of ossup, name by name (README "Library API"): the OSS client, the resumable transfers,
// whole trees, the embedded server, the errors to match on and CRC-64 to verify bytes. Anything not listed here is
// internal and may change; tests reach internals through their own modules.

import { offerNativeCrc64 } from './io/crc64-native.js';

// The OSS client: its options, call options and results.
export {
  OssClient,
  MAX_PRESIGN_V4_SECONDS,
  fileRange,
  bufferBody,
  EnvCredentialsProvider,
  StaticCredentialsProvider,
  DEFAULT_RETRY_POLICY,
  uploaderCorsRule,
  UPLOADER_EXPOSE_HEADERS,
} from './client/index.js';
export type {
  CorsConfig,
  CorsRule,
  OssClientOptions,
  PutObjectOptions,
  UploadPartOptions,
  CompleteOptions,
  GetObjectOptions,
  ListObjectsOptions,
  ListUploadsOptions,
  PresignOptions,
  BodySource,
  CredentialsProvider,
  Endpoint,
  RetryPolicy,
  CallbackOptions,
  ObjectWriteOptions,
  SignatureVersion,
  CallOptions,
  VersionOptions,
  OssResult,
  PutObjectResult,
  HeadObjectResult,
  GetObjectResult,
  InitiateMultipartUploadResult,
  UploadPartResult,
  CompleteMultipartUploadResult,
  PartInfo,
  ListPartsResult,
  ObjectSummary,
  ListObjectsResult,
  UploadSummary,
  ListMultipartUploadsResult,
  BucketSummary,
  ListBucketsResult,
  ObjectTaggingResult,
  AclResult,
  BucketInfoResult,
  AppendObjectResult,
  SymlinkResult,
  BucketVersioningResult,
  DeleteObjectResult,
  ListVersionsOptions,
  ListVersionsResult,
  ObjectVersionSummary,
} from './client/index.js';
export type { Credentials } from './core/canonical.js';

// Resumable transfers of one object: functions, their options, results and events.
export {
  uploadFile,
  downloadFile,
  uploadStream,
  downloadStream,
  copyObject,
  abandonUpload,
  COPY_OBJECT_LIMIT,
  MIN_PART_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
} from './transfer/index.js';
export type {
  TransferOptions,
  UploadFileOptions,
  DownloadFileOptions,
  DownloadRange,
  UploadStreamOptions,
  DownloadStreamOptions,
  CopyObjectOptions,
  AbandonUploadOptions,
  UploadCallback,
  TransferResult,
  UploadResult,
  DownloadResult,
  CopyResult,
  TransferEvent,
} from './transfer/index.js';
// Ports of the transfer engine (checkpoint stores, part sources, planners) are appended here as they become public.
// The engine's ports (README "Library API: the engine's ports"): plug a checkpoint store, a planner, a client.
export {
  seedPlanner,
  ladderPlanner,
  fixedFeed,
  streamFeed,
  memoryCheckpoints,
  MemoryCheckpointStore,
  fileCheckpoints,
} from './transfer/index.js';
export type {
  CheckpointPorts,
  CheckpointStore,
  LoadedCheckpoint,
  CheckpointIdentity,
  HeldLock,
  PartPlanner,
  PartFeed,
  PlanRequest,
  PlannedPart,
  PartSource,
  PartSink,
  PartBytes,
  PartBody,
  SourceIdentity,
  TransferClient,
  RangeResponse,
  StartInfo,
} from './transfer/index.js';

// Whole trees: a directory to a prefix, a prefix to a directory, a server-side copy, a sync, a delete.
export {
  uploadDirectory,
  downloadPrefix,
  copyPrefix,
  syncTree,
  deletePrefix,
  deleteKeys,
  UnsafeDestinationError,
} from './transfer/tree/index.js';
export type {
  TreeOptions,
  TreeResult,
  TreeEvent,
  TreeAction,
  TreeFailure,
  TreeFileResult,
  FilterRule,
  TreeSelect,
  SkipRules,
  DeletePrefixOptions,
  DeleteKeysOptions,
  DeleteTarget,
} from './transfer/tree/index.js';

// The embedded OSS-compatible server.
export { startServer, type ServerOptions, type RunningServer } from './server/index.js';

// Errors: every one is an OssupError with a stable `code`.
export {
  OssupError,
  ServiceError,
  NetworkError,
  ArgumentError,
  IntegrityError,
  FileChangedError,
  CheckpointLockedError,
  CheckpointError,
  AbortedError,
  ObjectChangedError,
  InsufficientDiskSpaceError,
  type IntegrityCheck,
} from './core/errors.js';

// CRC-64 (ECMA, as OSS computes it): whole buffers, streaming, combining parts, and the header's decimal form.
export { Crc64, crc64, crc64Combine, crc64ToDecimal, parseCrc64 } from './core/crc64.js';

// In Node the CRC-64 goes through the native kernel where it was built (io/crc64-native.ts).
offerNativeCrc64();
