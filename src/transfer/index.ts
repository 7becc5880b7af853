export { uploadFile, uploadSmallFile } from './upload/upload-file.js';
export { abandonUpload, type AbandonUploadOptions } from './upload/abandon.js';
export type {
  TransferEvent,
  TransferOptions,
  TransferResult,
  UploadResult,
  DownloadResult,
  UploadFileOptions,
  UploadCallback,
} from './types.js';
export { MIN_PART_SIZE, MAX_PART_SIZE, MAX_PARTS } from '../core/limits.js';
export { planParts, DEFAULT_PART_SIZE, type PartPlan, type PlannedPart } from './engine/plan.js';
export {
  FileCheckpointStore,
  MemoryCheckpointStore,
  resolveCheckpointPath,
  checkpointFileName,
  type CheckpointStore,
  type LoadedCheckpoint,
  type CheckpointIdentity,
} from './checkpoint/store.js';
export { acquireLock } from './checkpoint/lock.js';
export { memoryCheckpoints } from './checkpoint/memory.js';
export type {
  CheckpointPorts,
  HeldLock,
  PartBody,
  PartBytes,
  PartFeed,
  PartPlanner,
  PartSink,
  PartSource,
  PlanRequest,
  RangeResponse,
  ReadOptions,
  SinkWrite,
  SourceIdentity,
  StartInfo,
  TransferClient,
} from './engine/ports.js';
export {
  seedPlanner,
  ladderPlanner,
  fixedFeed,
  streamFeed,
  planStream,
  streamPartSize,
  checkConcurrency,
  checkPartSize,
  defaultPartSize,
  defaultRangeSize,
  defaultParallel,
  DEFAULT_PARALLEL,
  MIN_DEFAULT_PART_SIZE,
  MIN_DEFAULT_RANGE_SIZE,
  STREAM_BASE_PART_SIZE,
  STREAM_CONCURRENCY,
  STREAM_RANGE_SIZE,
  type StreamPlan,
} from './engine/planner.js';
export { runParts, type PartRun } from './engine/part-pool.js';
export {
  AdaptiveController,
  type AdaptiveOptions,
  type Tuning,
  type TunedValue,
  type TuningSource,
} from './engine/adaptive.js';
export { ConnectionBudget, type BudgetOptions, type RetrySignal } from './engine/budget.js';
export { fileCheckpoints, lockCheckpoint } from './checkpoint/files.js';
export { ProgressTracker } from './engine/progress.js';
export {
  downloadFile,
  resolveDownloadTarget,
  keyBaseName,
  type DownloadFileOptions,
  type DownloadRange,
} from './download/download-file.js';
export { uploadStream, type UploadStreamOptions } from './upload/upload-stream.js';
export { downloadStream, type DownloadStreamOptions } from './download/download-stream.js';
export {
  copyObject,
  defaultCopyPartSize,
  COPY_OBJECT_LIMIT,
  type CopyObjectOptions,
  type CopyResult,
} from './copy/copy.js';
