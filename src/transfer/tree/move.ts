// A move (`mv -r`): once a file's copy at the destination is verified, its source goes. Verified means a CRC-64
// matched: the download engine's check of the file against the object's; for an upload or a copy, a HEAD of the
// new object whose CRC-64 equals the bytes sent (or the source object's); for a skip, the comparison that found the
// two the same. Anything less keeps the source.
import { promises as fsp } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { crc64ToDecimal } from '../../core/crc64.js';
import { OssupError } from '../../core/errors.js';
import type { OssClient } from '../../client/index.js';
import type { RemoteEntry } from './listing.js';
import type { TreeFileResult, TreeOptions } from './types.js';
import type { LocalEntry } from './walk.js';

export interface MoveContext {
  client: OssClient;
  opts: TreeOptions;
  signal: AbortSignal;
}

/** Checks the copy `r` of `src`, then removes `src` (a local file, or an object of the source bucket). */
export async function removeSource(
  ctx: MoveContext,
  direction: 'upload' | 'download' | 'copy',
  src: LocalEntry | RemoteEntry,
  r: TreeFileResult,
  /** 'crc64' when a download's (DownloadResult.verified) or a skip's comparison was by CRC-64. */
  verified?: string,
): Promise<void> {
  const name =
    direction === 'upload'
      ? (src as LocalEntry).path
      : `oss://${sourceBucket(ctx, direction)}/${(src as RemoteEntry).key}`;
  let why: string | undefined;
  if (r.action === 'skip') {
    if (verified !== 'crc64') why = 'the two were compared without a CRC-64';
  } else if (direction === 'download') {
    if (verified !== 'crc64') why = 'the object has no CRC-64 to check the file against';
  } else {
    const head = await ctx.client.headObject(ctx.opts.bucket, r.key, { signal: ctx.signal });
    const got = head.crc64 === undefined ? '' : crc64ToDecimal(head.crc64);
    if (got === '' || r.crc64 === '') why = 'no CRC-64 to compare the new object with';
    else if (got !== r.crc64) why = `the new object's CRC-64 ${got} differs from ${r.crc64}`;
  }
  if (why !== undefined) throw new OssupError('NotVerified', `copied, but ${why}, so ${name} was kept (not moved)`);
  if (direction === 'upload') {
    const file = (src as LocalEntry).path;
    await fsp.unlink(file);
    await removeEmptyParents(dirname(file), resolve(ctx.opts.dir));
  } else {
    await ctx.client.deleteObject(sourceBucket(ctx, direction), (src as RemoteEntry).key, { signal: ctx.signal });
  }
}

function sourceBucket(ctx: MoveContext, direction: 'download' | 'copy' | 'upload'): string {
  return direction === 'copy' ? ctx.opts.sourceBucket! : ctx.opts.bucket;
}

/** Directories left empty go too (up to, not including, the tree's root); one still in use stops it. */
export async function removeEmptyParents(dir: string, root: string): Promise<void> {
  while (dir.startsWith(root + sep)) {
    try {
      await fsp.rmdir(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}
