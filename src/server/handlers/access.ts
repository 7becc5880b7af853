// Who may read or write an object, and committing one: shared by every object handler (object, restore, symlink,
// append, multipart...), kept apart from object.ts so those handlers do not import each other.
import { ErrorReply } from '../errors.js';
import { ObjectExistsError } from '../store/metadata-store.js';
import type { ObjectRecord } from '../store/types.js';
import type { Ctx } from './context.js';

export function canRead(ctx: Ctx, rec: ObjectRecord): boolean {
  if (ctx.principal) return true;
  const acl = rec.acl === 'default' ? ctx.bucket.acl : rec.acl;
  return acl === 'public-read' || acl === 'public-read-write';
}

/**
 * Anonymous reads of a bucket that is not public-readable: a missing key must look exactly like an unreadable one
 * (403), or anyone could probe which keys exist. Only a public object in it is served.
 */
function bucketHidesKeys(ctx: Ctx): boolean {
  return !ctx.principal && ctx.bucket.acl === 'private';
}

/** The record if the caller may read it; AccessDenied or NoSuchKey otherwise, without telling which to a stranger. */
export function readable(ctx: Ctx, rec: ObjectRecord | undefined): ObjectRecord {
  if (!rec) throw bucketHidesKeys(ctx) ? denied() : noSuchKey(ctx);
  if (!canRead(ctx, rec)) throw denied();
  return rec;
}

export function canWrite(ctx: Ctx): boolean {
  return ctx.principal !== null || ctx.bucket.acl === 'public-read-write';
}

export function denied(): ErrorReply {
  return new ErrorReply('AccessDenied');
}

export function noSuchKey(ctx: Ctx): ErrorReply {
  return new ErrorReply('NoSuchKey', { Key: ctx.key });
}

/** Commits, mapping a lost forbid-overwrite race to FileAlreadyExists. */
export async function commit(ctx: Ctx, rec: ObjectRecord, forbid: boolean): Promise<void> {
  try {
    await ctx.store.commitObject(ctx.bucket.name, rec, { forbidOverwrite: forbid });
  } catch (err) {
    if (err instanceof ObjectExistsError) throw new ErrorReply('FileAlreadyExists', { Key: rec.key });
    throw err;
  }
}
