// ossup/browser: resumable, verified uploads from a page (dist/browser/ossup.js, one ES module). The Node library's
// names where they apply: OssClient, uploadFile, the error classes and codes.
export { OssClient, type OssClientOptions, type Signer, type SignerRequest, type CredentialsSource } from './client.js';
export { CorsHeadersHiddenError, EXPOSED_HEADERS } from './cors.js';
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
} from '../core/errors.js';
export { crc64, crc64ToDecimal, Crc64 } from '../core/crc64.js';
export type { Credentials } from '../core/canonical.js';
export { uploadFile, BROWSER_CONCURRENCY, type UploadFileOptions } from './upload.js';
export type { TransferEvent, UploadResult } from '../transfer/types.js';
export { pendingUploads, type PendingUpload, type FileHandle } from './pending.js';
