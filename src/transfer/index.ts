export { uploadFile } from './upload.js';
export { abandonUpload, type AbandonUploadOptions } from './abandon.js';
export type { TransferEvent, TransferResult, UploadResult, DownloadResult, UploadFileOptions, UploadCallback } from './types.js';
export { planParts, MIN_PART_SIZE, MAX_PART_SIZE, MAX_PARTS, DEFAULT_PART_SIZE, type PartPlan, type PlannedPart } from './plan.js';
export { FileCheckpointStore, MemoryCheckpointStore, resolveCheckpointPath, checkpointFileName, type CheckpointStore, type LoadedCheckpoint, type CheckpointIdentity } from './checkpoint.js';
export { acquireLock, type HeldLock } from './lock.js';
export { ProgressTracker } from './progress.js';
export { downloadFile, resolveDownloadTarget, keyBaseName, ObjectChangedError, type DownloadFileOptions, type DownloadRange } from './download.js';
