// The handler table of the API families added by issue 17, merged into dispatch.ts's table.
import type { OperationMore } from '../router.js';
import type { Ctx } from './context.js';
import { appendObject } from './append.js';
import * as configs from './bucket-configs.js';
import * as info from './bucket-info.js';
import * as cors from './cors.js';
import * as lifecycle from './lifecycle.js';
import { enforceBucketPolicy } from './policy.js';
import { postObject } from './post-object.js';
import { restoreObject } from './restore.js';
import * as symlink from './symlink.js';
import * as tagging from './tagging.js';
import * as versioning from './versioning.js';
import { refuseImmutable } from './worm.js';

export const MORE_HANDLERS: Record<OperationMore, (ctx: Ctx) => Promise<void>> = {
  GetObjectTagging: tagging.getObjectTagging,
  PutObjectTagging: tagging.putObjectTagging,
  DeleteObjectTagging: tagging.deleteObjectTagging,
  GetBucketInfo: info.getBucketInfo,
  HeadBucket: info.headBucket,
  GetBucketStat: info.getBucketStat,
  AppendObject: appendObject,
  PutBucketCors: cors.putBucketCors,
  GetBucketCors: cors.getBucketCors,
  DeleteBucketCors: cors.deleteBucketCors,
  OptionObject: cors.preflight,
  PostObject: postObject,
  PutBucketLifecycle: lifecycle.putBucketLifecycle,
  GetBucketLifecycle: lifecycle.getBucketLifecycle,
  DeleteBucketLifecycle: lifecycle.deleteBucketLifecycle,
  PutSymlink: symlink.putSymlink,
  GetSymlink: symlink.getSymlink,
  RestoreObject: restoreObject,
  PutBucketLogging: configs.putBucketLogging,
  GetBucketLogging: configs.getBucketLogging,
  DeleteBucketLogging: configs.deleteBucketLogging,
  PutBucketWebsite: configs.putBucketWebsite,
  GetBucketWebsite: configs.getBucketWebsite,
  DeleteBucketWebsite: configs.deleteBucketWebsite,
  PutBucketReferer: configs.putBucketReferer,
  GetBucketReferer: configs.getBucketReferer,
  PutBucketVersioning: versioning.putBucketVersioning,
  GetBucketVersioning: versioning.getBucketVersioning,
  ListObjectVersions: versioning.listObjectVersions,
};

/**
 * Runs before every bucket-level or object-level handler (the bucket exists): hotlink protection,
 * Block Public Access and the bucket policy, the retention policy (WORM), and static-website serving, which may replace the handler for
 * anonymous reads.
 */
export async function beforeHandler(ctx: Ctx, op: string): Promise<((ctx: Ctx) => Promise<void>) | undefined> {
  if (op === 'OptionObject' || op === 'PostObject') return undefined;
  await configs.checkReferer(ctx);
  await enforceBucketPolicy(ctx, op);
  await refuseImmutable(ctx, op);
  return configs.websiteHandler(ctx, op);
}
