// copyObject: a server-side copy; no object byte passes through the client. Up to `multipartThreshold` (1 GiB, the
// most one CopyObject may copy) one CopyObject; beyond, a multipart upload whose parts are UploadPartCopy ranges,
// sent in parallel, journaled and resumable like an upload. Every request carries x-oss-copy-source-if-match with
// the ETag the copy started from, so a source replaced meanwhile fails the copy (ObjectChanged) instead of mixing
// two versions. The result's CRC-64 must equal the source's.
import { ArgumentError } from '../../core/errors.js';
import { validateBucketName, validateObjectKey } from '../../core/names.js';
import { fileCheckpoints } from '../checkpoint/files.js';
import { runTransfer } from '../engine/engine.js';
import { checkConcurrency } from '../engine/planner.js';
import { memoryCheckpoints } from '../checkpoint/memory.js';
import type { TransferClient } from '../engine/ports.js';
import { replacesMetadata, type CopyObjectOptions, type CopyResult } from './options.js';
import { CopyStrategy } from './strategy.js';

export { COPY_OBJECT_LIMIT, MIN_COPY_PART_SIZE, defaultCopyPartSize } from '../engine/planner.js';
export type { CopyObjectOptions, CopyResult } from './options.js';

export async function copyObject(client: TransferClient, opts: CopyObjectOptions): Promise<CopyResult> {
  validate(opts);
  const head = await client.headObject(opts.sourceBucket, opts.sourceKey, {
    signal: opts.signal,
    versionId: opts.sourceVersionId,
  });
  const strategy = new CopyStrategy(opts, head);
  // `checkpoint: true` names the file after a local path; a copy has none, so it goes in the current directory. A
  // copy in one CopyObject keeps none.
  const checkpoint = strategy.single ? false : opts.checkpoint === true ? process.cwd() : opts.checkpoint;
  return runTransfer(
    client,
    { ...opts, checkpoint },
    strategy,
    strategy.single ? memoryCheckpoints : (opts.checkpoints ?? fileCheckpoints),
  );
}

function validate(opts: CopyObjectOptions): void {
  if (!opts || typeof opts !== 'object') throw new ArgumentError('options', 'copyObject needs an options object');
  for (const [field, bucket] of [
    ['sourceBucket', opts.sourceBucket],
    ['bucket', opts.bucket],
  ] as const) {
    const bad = validateBucketName(bucket);
    if (bad) throw new ArgumentError(field, `invalid bucket name ${JSON.stringify(bucket)}: ${bad}`);
  }
  for (const [field, key] of [
    ['sourceKey', opts.sourceKey],
    ['key', opts.key],
  ] as const) {
    const bad = validateObjectKey(key);
    if (bad) throw new ArgumentError(field, `invalid object key ${JSON.stringify(key)}: ${bad}`);
  }
  if (opts.concurrency !== undefined) checkConcurrency(opts.concurrency);
  if (
    opts.multipartThreshold !== undefined &&
    (!Number.isSafeInteger(opts.multipartThreshold) || opts.multipartThreshold < 0)
  ) {
    throw new ArgumentError(
      'multipartThreshold',
      `multipartThreshold must be a non-negative integer, got ${opts.multipartThreshold}`,
    );
  }
  if (isSelfCopy(opts) && !replacesMetadata(opts) && opts.sourceVersionId === undefined) {
    throw new ArgumentError(
      'key',
      'copying an object onto itself without new metadata would change nothing, and OSS refuses it; ' +
        'give meta or contentType to rewrite its metadata in place',
    );
  }
}

export function isSelfCopy(o: { sourceBucket: string; sourceKey: string; bucket: string; key: string }): boolean {
  return o.sourceBucket === o.bucket && o.sourceKey === o.key;
}
