// RestoreObject for archive-class objects and the x-oss-restore states. An archived object cannot be read
// (403 InvalidObjectState) until a restore completes; the restored copy lasts `Days`. Restores take
// RESTORE_DELAY_MS of the server clock (`now`, injectable), so clients see the ongoing state once.
import { HEADERS } from '../../core/dialect.js';
import { parseXml, rootOf, objectOf, textOf } from '../../core/xml-core.js';
import { ErrorReply } from '../errors.js';
import { sendEmpty } from '../respond.js';
import type { ObjectRecord } from '../store/types.js';
import { readSmallBody, type Ctx } from './context.js';
import { canWrite, noSuchKey } from './access.js';

const ARCHIVE_CLASSES = new Set(['Archive', 'ColdArchive', 'DeepColdArchive']);
export const RESTORE_DELAY_MS = 1000;

export function isArchived(rec: ObjectRecord): boolean {
  return ARCHIVE_CLASSES.has(rec.storageClass);
}

/** The x-oss-restore header of an archived object, when a restore was asked for. */
export function restoreHeader(rec: ObjectRecord, now: number): Record<string, string> {
  if (!isArchived(rec) || !rec.restore || now >= rec.restore.expiresAt) return {};
  if (now < rec.restore.completesAt) return { [HEADERS.restore]: 'ongoing-request="true"' };
  return {
    [HEADERS.restore]: `ongoing-request="false", expiry-date="${new Date(rec.restore.expiresAt).toUTCString()}"`,
  };
}

/** GET of an archived object needs a completed, unexpired restore. */
export function checkReadable(rec: ObjectRecord, now: number): void {
  if (!isArchived(rec)) return;
  if (rec.restore && now >= rec.restore.completesAt && now < rec.restore.expiresAt) return;
  throw new ErrorReply(
    'InvalidObjectState',
    { Key: rec.key },
    {
      message: `The operation is not valid for the object's state: ${rec.storageClass} objects must be restored first.`,
    },
  );
}

function parseRestore(body: string, storageClass: string): { days: number; tier?: string } {
  if (body.trim() === '') return { days: 1 };
  let days: string | undefined;
  let tier: string | undefined;
  try {
    const root = rootOf(parseXml(body), 'RestoreRequest');
    days = textOf(root, 'Days');
    const job = objectOf(root, 'JobParameters');
    tier = job ? textOf(job, 'Tier') : undefined;
  } catch {
    throw new ErrorReply('MalformedXML');
  }
  const max = storageClass === 'Archive' ? 7 : 365;
  if (days !== undefined && (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > max)) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: 'Days', ArgumentValue: days },
      { message: `Days must be 1 to ${max} for ${storageClass}.` },
    );
  }
  if (tier !== undefined && !['Expedited', 'Standard', 'Bulk'].includes(tier)) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: 'Tier', ArgumentValue: tier },
      { message: 'Tier must be Expedited, Standard or Bulk.' },
    );
  }
  return { days: days === undefined ? 1 : Number(days), ...(tier !== undefined ? { tier } : {}) };
}

/** 202 for a new restore, 409 RestoreAlreadyInProgress while one runs, 200 (expiry extended) after it completed. */
export async function restoreObject(ctx: Ctx): Promise<void> {
  if (!canWrite(ctx) || !ctx.principal) throw new ErrorReply('AccessDenied');
  const rec = await ctx.store.getObject(ctx.bucket.name, ctx.key);
  if (!rec) throw noSuchKey(ctx);
  if (!isArchived(rec))
    throw new ErrorReply(
      'OperationNotSupported',
      { Key: ctx.key },
      {
        message: `Only Archive, ColdArchive and DeepColdArchive objects can be restored; this one is ${rec.storageClass}.`,
      },
    );
  const { days, tier } = parseRestore(await readSmallBody(ctx), rec.storageClass);
  const now = ctx.config.now();
  const current = rec.restore && now < rec.restore.expiresAt ? rec.restore : undefined;
  if (current && now < current.completesAt) throw new ErrorReply('RestoreAlreadyInProgress', { Key: ctx.key });
  const completesAt = current ? current.completesAt : now + RESTORE_DELAY_MS;
  const restore = { completesAt, expiresAt: Math.max(now, completesAt) + days * 86_400_000 };
  if (!(await ctx.store.updateObject(ctx.bucket.name, ctx.key, (old) => ({ ...old, restore })))) throw noSuchKey(ctx);
  // The restore priority is echoed for the classes that have one (Go SDK v2 RestoreObjectResult.RestorePriority).
  const priority: Record<string, string> =
    rec.storageClass === 'Archive' ? {} : { [HEADERS.objectRestorePriority]: tier ?? 'Standard' };
  sendEmpty(ctx.res, current ? 200 : 202, priority);
}
