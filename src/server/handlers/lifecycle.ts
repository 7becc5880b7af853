// Put/Get/DeleteBucketLifecycle. The rules are applied by lifecycle-sweep.ts on the server's timer.
import { ErrorReply } from '../errors.js';
import { buildLifecycle, parseLifecycle, type LifecycleRule } from '../lifecycle-config.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { readVerifiedBody, requireOwner, type Ctx } from './context.js';

export async function putBucketLifecycle(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const body = await readVerifiedBody(ctx);
  await ctx.store.configs.put(ctx.bucket.name, 'lifecycle', parseLifecycle(body));
  sendEmpty(ctx.res, 200);
}

export async function getBucketLifecycle(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const rules = await ctx.store.configs.get<LifecycleRule[]>(ctx.bucket.name, 'lifecycle');
  if (!rules) throw new ErrorReply('NoSuchLifecycle', { BucketName: ctx.bucket.name });
  sendXmlText(ctx.res, 200, buildLifecycle(rules));
}

export async function deleteBucketLifecycle(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  await ctx.store.configs.delete(ctx.bucket.name, 'lifecycle');
  sendEmpty(ctx.res, 204);
}
