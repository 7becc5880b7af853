// The `versionId` of object requests (GET, HEAD, DELETE, ACL, tagging, objectMeta, copy source) and the version
// headers of their responses. Shared by the object handlers; the bucket-level APIs are in versioning.ts.
import { HEADERS } from '../../core/dialect.js';
import { ErrorReply, invalidArgument } from '../errors.js';
import { q } from '../request.js';
import type { DeleteOutcome } from '../store/metadata-store.js';
import type { ObjectReader } from '../store/segments.js';
import type { ObjectRecord } from '../store/types.js';
import { isMarker, versionIdOf, type DeleteMarker, type VersionRecord } from '../store/versions.js';
import type { Ctx } from './context.js';

/** The request's `versionId` query parameter, if any ('null' names the unversioned version). */
export function versionParam(ctx: Ctx): string | undefined {
  const v = q(ctx.req, 'versionId');
  if (v === '') throw invalidArgument('versionId', v, 'versionId must not be empty.');
  return v;
}

/** `x-oss-version-id` of a record written or read in a versioned bucket (none for a never-versioned object). */
export function versionHeader(rec: { versionId?: string }): Record<string, string> {
  return rec.versionId === undefined ? {} : { [HEADERS.versionId]: rec.versionId };
}

function markerHeaders(m: DeleteMarker): Record<string, string> {
  return { [HEADERS.deleteMarker]: 'true', [HEADERS.versionId]: versionIdOf(m) };
}

function noSuchVersion(ctx: Ctx, versionId: string): ErrorReply {
  return new ErrorReply('NoSuchVersion', { Key: ctx.key, VersionId: versionId });
}

/** A version that is a delete marker cannot be read: 405 with the marker's headers. */
function markerRead(m: DeleteMarker): ErrorReply {
  return new ErrorReply(
    'MethodNotAllowed',
    { Method: 'GET', ResourceType: 'DeleteMarker' },
    { headers: markerHeaders(m) },
  );
}

/** The record of `versionId` of the addressed key: NoSuchVersion, or MethodNotAllowed for a delete marker. */
export async function readVersion(
  ctx: Ctx,
  versionId: string,
  key = ctx.key,
  bucket = ctx.bucket.name,
): Promise<ObjectRecord> {
  const v: VersionRecord | undefined = await ctx.store.versioned.get(bucket, key, versionId);
  if (!v) throw noSuchVersion(ctx, versionId);
  if (isMarker(v)) throw markerRead(v);
  return v;
}

/** The current record, or the named version of the key (readVersion's errors). */
export async function lookup(ctx: Ctx, versionId: string | undefined): Promise<ObjectRecord | undefined> {
  return versionId === undefined ? ctx.store.getObject(ctx.bucket.name, ctx.key) : readVersion(ctx, versionId);
}

/** openObject of the named version (readVersion's errors). */
export async function openVersioned(
  ctx: Ctx,
  versionId: string,
  key = ctx.key,
  bucket = ctx.bucket.name,
): Promise<ObjectReader> {
  const v = await ctx.store.versioned.open(bucket, key, versionId);
  if (!v) throw noSuchVersion(ctx, versionId);
  if ('deleteMarker' in v) throw markerRead(v);
  return v;
}

/** The bytes of a copy source: its current version, or the one x-oss-copy-source's `?versionId=` names. */
export function openSource(
  ctx: Ctx,
  bucket: string,
  key: string,
  versionId: string | undefined,
): Promise<ObjectReader | undefined> {
  return versionId === undefined ? ctx.store.openObject(bucket, key) : openVersioned(ctx, versionId, key, bucket);
}

/**
 * A key with no current record whose latest version is a delete marker answers NoSuchKey with the marker's
 * headers, as OSS does. Not to a caller the bucket hides its keys from (anonymous, private bucket).
 */
export async function refuseDeleted(ctx: Ctx): Promise<void> {
  if (!ctx.principal && ctx.bucket.acl === 'private') return;
  const m = await ctx.store.versioned.latestMarker(ctx.bucket.name, ctx.key);
  if (m) throw new ErrorReply('NoSuchKey', { Key: ctx.key }, { headers: markerHeaders(m) });
}

/** updateObject of the current version, or of the one `?versionId=` names; the headers to answer with. */
export async function updateVersioned(
  ctx: Ctx,
  change: (rec: ObjectRecord) => ObjectRecord,
): Promise<Record<string, string>> {
  const vid = versionParam(ctx);
  const found =
    vid === undefined
      ? await ctx.store.updateObject(ctx.bucket.name, ctx.key, change)
      : await ctx.store.versioned.update(ctx.bucket.name, ctx.key, vid, change);
  if (!found) throw vid === undefined ? new ErrorReply('NoSuchKey', { Key: ctx.key }) : noSuchVersion(ctx, vid);
  return vid === undefined ? {} : { [HEADERS.versionId]: vid };
}

/** Response headers of a DeleteObject. */
export function deleteHeaders(out: DeleteOutcome): Record<string, string> {
  return {
    ...(out.versionId !== undefined ? { [HEADERS.versionId]: out.versionId } : {}),
    ...(out.deleteMarker ? { [HEADERS.deleteMarker]: 'true' } : {}),
  };
}
