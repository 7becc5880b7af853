// PutSymlink / GetSymlink, and reading through a symlink: GET and HEAD of a link serve its target's bytes and
// content headers, with the link's own type (Symlink) and user metadata. Links are one level deep.
import { HEADERS } from '../../core/dialect.js';
import { createHash } from 'node:crypto';
import { percentDecode } from '../../core/encode.js';
import { ErrorReply } from '../errors.js';
import { requireValidKey } from '../names-check.js';
import { sendEmpty } from '../respond.js';
import type { ObjectReader } from '../store/segments.js';
import type { ObjectRecord } from '../store/types.js';
import { attributesFrom, forbidOverwrite, quoted, type Ctx } from './context.js';
import { canRead, canWrite, commit, readable } from './access.js';

export async function putSymlink(ctx: Ctx): Promise<void> {
  if (!canWrite(ctx)) throw new ErrorReply('AccessDenied');
  const raw = ctx.req.headers[HEADERS.symlinkTarget];
  if (!raw)
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: HEADERS.symlinkTarget, ArgumentValue: '' },
      { message: 'PutSymlink needs the x-oss-symlink-target header.' },
    );
  let target: string;
  try {
    target = percentDecode(raw, false);
  } catch {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: HEADERS.symlinkTarget, ArgumentValue: raw },
      { message: 'x-oss-symlink-target is not valid percent-encoding.' },
    );
  }
  requireValidKey(target);
  const rec: ObjectRecord = {
    ...attributesFrom(ctx.req, ctx.bucket.storageClass),
    key: ctx.key,
    segments: [],
    size: 0,
    etag: createHash('md5').update(target).digest('hex').toUpperCase(),
    crc64: '0',
    lastModified: ctx.config.now(),
    type: 'Symlink',
    symlinkTarget: target,
  };
  await commit(ctx, rec, forbidOverwrite(ctx.req));
  sendEmpty(ctx.res, 200, { ETag: quoted(rec.etag) });
}

export async function getSymlink(ctx: Ctx): Promise<void> {
  const rec = readable(ctx, await ctx.store.getObject(ctx.bucket.name, ctx.key));
  if (rec.type !== 'Symlink' || rec.symlinkTarget === undefined) throw new ErrorReply('NotSymlink', { Key: ctx.key });
  sendEmpty(ctx.res, 200, {
    [HEADERS.symlinkTarget]: encodeURIComponent(rec.symlinkTarget),
    ETag: quoted(rec.etag),
    'Last-Modified': new Date(rec.lastModified).toUTCString(),
  });
}

/**
 * What a GET/HEAD of `link` reads: the target's bytes (opened for GET) under a record that keeps the link's
 * type, ACL and user metadata. A missing target (or a link to a link) is 404 SymlinkTargetNotExist. The caller
 * must be allowed to read both the link and the target, by the rules of a direct GET of each: anyone may create
 * a link in a public-read-write bucket, and a public link must not publish a private target.
 */
export async function throughSymlink(
  ctx: Ctx,
  link: ObjectRecord,
  head: boolean,
): Promise<{ rec: ObjectRecord; opened?: ObjectReader }> {
  if (!canRead(ctx, link)) throw new ErrorReply('AccessDenied');
  const targetKey = link.symlinkTarget ?? '';
  const opened = head ? undefined : await ctx.store.openObject(ctx.bucket.name, targetKey);
  const target = head ? await ctx.store.getObject(ctx.bucket.name, targetKey) : opened?.rec;
  if (!target || target.type === 'Symlink') {
    await opened?.close();
    throw new ErrorReply('SymlinkTargetNotExist', { Key: ctx.key, SymlinkTarget: targetKey });
  }
  if (!canRead(ctx, target)) {
    await opened?.close();
    throw new ErrorReply('AccessDenied');
  }
  const rec: ObjectRecord = {
    ...target,
    key: link.key,
    type: 'Symlink',
    acl: link.acl,
    userMeta: link.userMeta,
    lastModified: Math.max(link.lastModified, target.lastModified),
  };
  return opened ? { rec, opened } : { rec };
}
