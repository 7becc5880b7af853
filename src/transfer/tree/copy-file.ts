// One object of a tree copied between prefixes, on the server: one CopyObject, or the resumable multipart copy
// (UploadPartCopy parts, checkpointed) for objects larger than the part size or than 1 GiB.
import type { HeadObjectResult } from '../../client/index.js';
import { COPY_OBJECT_LIMIT, copyObject, defaultCopyPartSize, type CopyResult, type TransferEvent } from '../index.js';
import { MTIME_META, mtimeMeta, remoteMtimeMs } from './compare.js';
import { checkpointFor, type FileContext } from './file-ops.js';
import type { RemoteEntry } from './listing.js';

/**
 * Copies `src` (in `opts.sourceBucket`) to `key`. The copy keeps the source's metadata; when the source has no
 * `mtime` metadata its Last-Modified is recorded as one, so a later `sync` finds the two the same (a copy's own
 * Last-Modified is the time of the copy).
 */
export async function copyTreeObject(
  ctx: FileContext,
  src: RemoteEntry,
  key: string,
  sourceHead: HeadObjectResult | undefined,
  onEvent: (e: TransferEvent) => void,
): Promise<CopyResult> {
  const sourceBucket = ctx.opts.sourceBucket!;
  const head = sourceHead ?? (await ctx.client.headObject(sourceBucket, src.key, { signal: ctx.signal }));
  const meta =
    head.meta[MTIME_META] !== undefined
      ? undefined
      : { ...head.meta, [MTIME_META]: mtimeMeta(remoteMtimeMs(head, src)) };
  const given = ctx.opts.partSize?.(head.size);
  return copyObject(ctx.client, {
    sourceBucket,
    sourceKey: src.key,
    bucket: ctx.bucket,
    key,
    multipartThreshold: given ?? COPY_OBJECT_LIMIT,
    partSize: given ?? defaultCopyPartSize(head.size),
    concurrency: ctx.parallel,
    checkpoint: checkpointFor(ctx, `oss://${sourceBucket}/${src.key}`, key, '.ccp'),
    meta,
    acl: ctx.opts.acl,
    storageClass: ctx.opts.storageClass,
    onProgress: onEvent,
    signal: ctx.signal,
  });
}
