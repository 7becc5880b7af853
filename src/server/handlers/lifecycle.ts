// Put/Get/DeleteBucketLifecycle. The rules are applied by lifecycle-sweep.ts on the server's timer.
import { createHash } from 'node:crypto';
import { ErrorReply } from '../errors.js';
import { buildLifecycle, parseLifecycle, type LifecycleRule } from '../lifecycle-config.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { expectedMd5, readSmallBody, type Ctx } from './context.js';

function owner(ctx: Ctx): void {
  if (!ctx.principal) throw new ErrorReply('AccessDenied');
}

export async function putBucketLifecycle(ctx: Ctx): Promise<void> {
  owner(ctx);
  const md5 = expectedMd5(ctx.req);
  const body = await readSmallBody(ctx);
  if (md5 && !md5.equals(createHash('md5').update(body).digest())) throw new ErrorReply('InvalidDigest');
  await ctx.store.configs.put(ctx.bucket.name, 'lifecycle', parseLifecycle(body));
  sendEmpty(ctx.res, 200);
}

export async function getBucketLifecycle(ctx: Ctx): Promise<void> {
  owner(ctx);
  const rules = await ctx.store.configs.get<LifecycleRule[]>(ctx.bucket.name, 'lifecycle');
  if (!rules) throw new ErrorReply('NoSuchLifecycle', { BucketName: ctx.bucket.name });
  sendXmlText(ctx.res, 200, buildLifecycle(rules));
}

export async function deleteBucketLifecycle(ctx: Ctx): Promise<void> {
  owner(ctx);
  await ctx.store.configs.delete(ctx.bucket.name, 'lifecycle');
  sendEmpty(ctx.res, 204);
}
