// Bucket retention policy (WORM): InitiateBucketWorm / GetBucketWorm / AbortBucketWorm (`?worm`),
// CompleteBucketWorm (`?wormId`), ExtendBucketWorm (`?wormExtend&wormId`), stored in the bucket's config store,
// and its enforcement on the object APIs that delete or overwrite (docs/OSS-PROTOCOL.md, "WORM").
import { HEADERS } from '../../core/dialect.js';
import { randomBytes } from 'node:crypto';
import { buildXml } from '../../core/xml-core.js';
import { ErrorReply } from '../errors.js';
import { q } from '../request.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { isMarker } from '../store/versions.js';
import { activeWorm, isRetained, type WormPolicy } from '../worm-policy.js';
import { rootElement, text as textField } from './config-docs.js';
import { readVerifiedBody, requireOwner, type Ctx } from './context.js';
import { lookup, versionParam } from './versions.js';

const MAX_DAYS = 25550;

function noSuch(ctx: Ctx): ErrorReply {
  return new ErrorReply('NoSuchWORMConfiguration', { BucketName: ctx.bucket.name });
}

async function readDays(ctx: Ctx, root: string): Promise<number> {
  const text = textField(rootElement(await readVerifiedBody(ctx), root), 'RetentionPeriodInDays');
  if (text === undefined)
    throw new ErrorReply('MalformedXML', {}, { message: `${root} needs <RetentionPeriodInDays>.` });
  const days = /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(days >= 1 && days <= MAX_DAYS))
    throw new ErrorReply(
      'InvalidWORMConfiguration',
      {},
      { message: `RetentionPeriodInDays must be a whole number of days from 1 to ${MAX_DAYS}, not "${text}".` },
    );
  return days;
}

/** The policy `?wormId=` names: 404 NoSuchWORMConfiguration when there is none in force or the ID differs. */
async function named(ctx: Ctx): Promise<WormPolicy> {
  const p = await activeWorm(ctx.store.configs, ctx.bucket.name, ctx.config.now());
  if (!p || p.id !== q(ctx.req, 'wormId')) throw noSuch(ctx);
  return p;
}

export async function initiateBucketWorm(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const days = await readDays(ctx, 'InitiateWormConfiguration');
  const now = ctx.config.now();
  const existing = await activeWorm(ctx.store.configs, ctx.bucket.name, now);
  if (existing?.state === 'Locked') throw new ErrorReply('WORMConfigurationLocked');
  if (existing)
    throw new ErrorReply(
      'InvalidWORMConfiguration',
      {},
      { message: `The bucket already has retention policy ${existing.id} in progress; abort or complete it first.` },
    );
  const policy: WormPolicy = {
    id: randomBytes(8).toString('hex').toUpperCase(),
    state: 'InProgress',
    days,
    created: now,
  };
  await ctx.store.configs.put(ctx.bucket.name, 'worm', policy);
  ctx.res.setHeader(HEADERS.wormId, policy.id);
  sendEmpty(ctx.res, 200);
}

export async function getBucketWorm(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const p = await activeWorm(ctx.store.configs, ctx.bucket.name, ctx.config.now());
  if (!p) throw noSuch(ctx);
  sendXmlText(
    ctx.res,
    200,
    buildXml('WormConfiguration', {
      WormId: p.id,
      State: p.state,
      RetentionPeriodInDays: p.days,
      // OSS's form: 2020-10-15T15:50:32 (UTC, no fraction, no zone).
      CreationDate: new Date(p.created).toISOString().slice(0, 19),
    }),
  );
}

export async function abortBucketWorm(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const p = await activeWorm(ctx.store.configs, ctx.bucket.name, ctx.config.now());
  if (!p) throw noSuch(ctx);
  if (p.state === 'Locked') throw new ErrorReply('WORMConfigurationLocked');
  await ctx.store.configs.delete(ctx.bucket.name, 'worm');
  sendEmpty(ctx.res, 204);
}

export async function completeBucketWorm(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const p = await named(ctx);
  if (p.state !== 'Locked') await ctx.store.configs.put(ctx.bucket.name, 'worm', { ...p, state: 'Locked' });
  sendEmpty(ctx.res, 200);
}

export async function extendBucketWorm(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const p = await named(ctx);
  const days = await readDays(ctx, 'ExtendWormConfiguration');
  if (p.state !== 'Locked')
    throw new ErrorReply('InvalidWORMConfiguration', {}, { message: 'Only a locked retention policy is extended.' });
  if (days <= p.days)
    throw new ErrorReply(
      'InvalidWORMConfiguration',
      {},
      { message: `A retention period can only grow: ${days} days is not longer than ${p.days}.` },
    );
  await ctx.store.configs.put(ctx.bucket.name, 'worm', { ...p, days });
  sendEmpty(ctx.res, 200);
}

/** The object APIs that delete or replace the addressed key (PostObject names its key in the form: not covered). */
const WRITES: ReadonlySet<string> = new Set([
  'DeleteObject',
  'PutObject',
  'CopyObject',
  'CompleteMultipartUpload',
  'AppendObject',
  'PutSymlink',
]);

/**
 * 409 FileImmutable when `op` would delete or overwrite a record the bucket's policy still retains. With
 * versioning enabled a write or a plain delete keeps the old version (a new version or a delete marker), so only
 * deleting a named version is refused.
 */
export async function refuseImmutable(ctx: Ctx, op: string): Promise<void> {
  if (!WRITES.has(op)) return;
  const now = ctx.config.now();
  const policy = await activeWorm(ctx.store.configs, ctx.bucket.name, now);
  if (!policy) return;
  const versionId = op === 'DeleteObject' ? versionParam(ctx) : undefined;
  if (versionId === undefined && (await ctx.store.versioned.status(ctx.bucket.name)) === 'Enabled') return;
  const rec = await lookup(ctx, versionId).catch(() => undefined);
  if (rec && isRetained(policy, rec.lastModified, now)) throw new ErrorReply('FileImmutable', { Key: ctx.key });
}

/**
 * DeleteMultipleObjects: 409 FileImmutable for the whole request, nothing deleted, when an entry names a retained
 * object (or, with versioning enabled, a retained version); plain entries in a versioned bucket only add markers.
 */
export async function refuseImmutableEntries(
  ctx: Ctx,
  objects: ReadonlyArray<{ key: string; versionId?: string }>,
): Promise<void> {
  const now = ctx.config.now();
  const policy = await activeWorm(ctx.store.configs, ctx.bucket.name, now);
  if (!policy) return;
  const versioned = (await ctx.store.versioned.status(ctx.bucket.name)) === 'Enabled';
  for (const o of objects) {
    if (o.versionId === undefined && versioned) continue;
    const rec =
      o.versionId === undefined
        ? await ctx.store.getObject(ctx.bucket.name, o.key)
        : await ctx.store.versioned.get(ctx.bucket.name, o.key, o.versionId);
    // A delete marker holds no data: removing one is always allowed.
    if (rec && !isMarker(rec) && isRetained(policy, rec.lastModified, now))
      throw new ErrorReply('FileImmutable', { Key: o.key });
  }
}
