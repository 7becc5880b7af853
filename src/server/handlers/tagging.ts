// Object tagging: GET/PUT/DELETE /<key>?tagging. Tags live in the object's record (`tagging`, header form);
// changing them rewrites the metadata only, so Last-Modified and the bytes stay as they were.
import { createHash } from 'node:crypto';
import { buildTagging, parseTagging, type TagSet } from '../../core/xml-tagging.js';
import { ErrorReply } from '../errors.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { storedTags, validateTags } from '../tags.js';
import { formatTagHeader } from '../../core/xml-tagging.js';
import { expectedMd5, readSmallBody, requireOwner, type Ctx } from './context.js';
import { noSuchKey } from './access.js';
import { lookup, updateVersioned as update, versionHeader, versionParam } from './versions.js';

export async function getObjectTagging(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const rec = await lookup(ctx, versionParam(ctx));
  if (!rec) throw noSuchKey(ctx);
  sendXmlText(ctx.res, 200, buildTagging(storedTags(rec.tagging)), versionHeader(rec));
}

export async function putObjectTagging(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const md5 = expectedMd5(ctx.req);
  const body = await readSmallBody(ctx);
  if (md5 && !md5.equals(createHash('md5').update(body).digest())) throw new ErrorReply('InvalidDigest');
  let tags: TagSet;
  try {
    tags = parseTagging(body);
  } catch {
    throw new ErrorReply('MalformedXML');
  }
  const tagging = formatTagHeader(validateTags(tags));
  const headers = await update(ctx, (rec) => {
    const { tagging: _old, ...rest } = rec;
    return tagging ? { ...rest, tagging } : rest;
  });
  sendEmpty(ctx.res, 200, headers);
}

export async function deleteObjectTagging(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const headers = await update(ctx, (rec) => {
    const { tagging: _old, ...rest } = rec;
    return rest;
  });
  sendEmpty(ctx.res, 204, headers);
}
