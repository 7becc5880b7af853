// Object tagging: GET/PUT/DELETE /<key>?tagging. Tags live in the object's record (`tagging`, header form);
// changing them rewrites the metadata only, so Last-Modified and the bytes stay as they were.
import { createHash } from 'node:crypto';
import { buildTagging, parseTagging, type TagSet } from '../../core/xml-tagging.js';
import { OssError } from '../errors.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { storedTags, validateTags } from '../tags.js';
import { formatTagHeader } from '../../core/xml-tagging.js';
import { expectedMd5, readSmallBody, type Ctx } from './context.js';
import { noSuchKey } from './object.js';

function owner(ctx: Ctx): void {
  if (!ctx.principal) throw new OssError('AccessDenied');
}

export async function getObjectTagging(ctx: Ctx): Promise<void> {
  owner(ctx);
  const rec = await ctx.store.getObject(ctx.bucket.name, ctx.key);
  if (!rec) throw noSuchKey(ctx);
  sendXmlText(ctx.res, 200, buildTagging(storedTags(rec.tagging)));
}

export async function putObjectTagging(ctx: Ctx): Promise<void> {
  owner(ctx);
  const md5 = expectedMd5(ctx.req);
  const body = await readSmallBody(ctx);
  if (md5 && !md5.equals(createHash('md5').update(body).digest())) throw new OssError('InvalidDigest');
  let tags: TagSet;
  try {
    tags = parseTagging(body);
  } catch {
    throw new OssError('MalformedXML');
  }
  const tagging = formatTagHeader(validateTags(tags));
  const found = await ctx.store.updateObject(ctx.bucket.name, ctx.key, (rec) => {
    const { tagging: _old, ...rest } = rec;
    return tagging ? { ...rest, tagging } : rest;
  });
  if (!found) throw noSuchKey(ctx);
  sendEmpty(ctx.res, 200);
}

export async function deleteObjectTagging(ctx: Ctx): Promise<void> {
  owner(ctx);
  const found = await ctx.store.updateObject(ctx.bucket.name, ctx.key, (rec) => {
    const { tagging: _old, ...rest } = rec;
    return rest;
  });
  if (!found) throw noSuchKey(ctx);
  sendEmpty(ctx.res, 204);
}
