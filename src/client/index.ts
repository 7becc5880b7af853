export { OssClient } from './client.js';
export type {
  OssClientOptions,
  PutObjectOptions,
  UploadPartOptions,
  CompleteOptions,
  GetObjectOptions,
  ListObjectsOptions,
  ListUploadsOptions,
} from './options.js';
export { MAX_PRESIGN_V4_SECONDS, type PresignOptions } from './presign.js';
export { fileRange, bufferBody, readRange, type BodySource } from './body.js';
export { EnvCredentialsProvider, StaticCredentialsProvider, type CredentialsProvider } from './credentials.js';
export { parseEndpoint, regionFromHost, type Endpoint } from './endpoint.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export {
  type ChunkReceiver,
  type DeliverableBody,
  deliverResumable,
  pumpChunks,
  resumableBody,
  type ResumableBodyOptions,
  type ResumableDeliveryOptions,
} from './resume.js';
export { releaseBodyChunks } from './lean/slabs.js';
export type { CallbackOptions, ObjectWriteOptions } from './headers.js';
export type { SignatureVersion } from './sign.js';
export type * from './types.js';
export type {
  ObjectTaggingResult,
  AclResult,
  BucketInfoResult,
  AppendObjectResult,
  SymlinkResult,
} from './operations-more.js';
export type {
  BucketVersioningResult,
  DeleteObjectResult,
  ListVersionsOptions,
  ListVersionsResult,
  ObjectVersionSummary,
} from './operations-versions.js';
export type { BucketCorsResult } from './operations-cors.js';
export { type CorsConfig, type CorsRule, uploaderCorsRule, UPLOADER_EXPOSE_HEADERS } from '../core/xml-cors.js';
