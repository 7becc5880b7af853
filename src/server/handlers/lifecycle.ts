// Put/Get/DeleteBucketLifecycle. The rules are applied by lifecycle-sweep.ts on the server's timer.
import { createHash } from 'node:crypto';
import { OssError } from '../errors.js';
import { buildLifecycle, parseLifecycle, type LifecycleRule } from '../lifecycle-config.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { configsOf } from '../store/bucket-config.js';
import { expectedMd5, readSmallBody, type Ctx } from './context.js';

function owner(ctx: Ctx): void {
  if (!ctx.principal) throw new OssError('AccessDenied');
}

export async function putBucketLifecycle(ctx: Ctx): Promise<void> {
  owner(ctx);
  const md5 = expectedMd5(ctx.req);
  const body = await readSmallBody(ctx);
  if (md5 && !md5.equals(createHash('md5').update(body).digest())) throw new OssError('InvalidDigest');
  await configsOf(ctx.store).put(ctx.bucket.name, 'lifecycle', parseLifecycle(body));
  sendEmpty(ctx.res, 200);
}

export async function getBucketLifecycle(ctx: Ctx): Promise<void> {
  owner(ctx);
  const rules = await configsOf(ctx.store).get<LifecycleRule[]>(ctx.bucket.name, 'lifecycle');
  if (!rules) throw new OssError('NoSuchLifecycle', { BucketName: ctx.bucket.name });
  sendXmlText(ctx.res, 200, buildLifecycle(rules));
}

export async function deleteBucketLifecycle(ctx: Ctx): Promise<void> {
  owner(ctx);
  await configsOf(ctx.store).delete(ctx.bucket.name, 'lifecycle');
  sendEmpty(ctx.res, 204);
}
