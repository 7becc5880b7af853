// The public library surface of ossup: the OSS client, the resumable transfer engines, the embedded server, and the
// pieces of the core a caller may want on their own (errors to match on, CRC-64 to verify bytes).
export * from './client/index.js';
export * from './transfer/index.js';
export * from './transfer/tree/index.js';
export { startServer, type ServerOptions, type RunningServer } from './server/index.js';
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
export { Crc64, crc64, crc64Combine, crc64ToDecimal, parseCrc64 } from './core/crc64.js';
export type { Credentials } from './core/canonical.js';
