// AppendObject: `POST /<key>?append&position=N` (OSS-PROTOCOL-2.md §1). The object is its earlier segments plus
// one new blob per append, so an append never rewrites bytes; the CRC-64 runs as combine(previous, body).
// Attributes (metadata, storage class, SSE, tags) come from the creating append; a later one only changes the ACL.
import { HEADERS } from '../../core/dialect.js';
import { createHash } from 'node:crypto';
import { crc64Combine, crc64ToDecimal, parseCrc64 } from '../../core/crc64.js';
import { MAX_OBJECT_SIZE } from '../../core/limits.js';
import { ErrorReply } from '../errors.js';
import { q } from '../request.js';
import { sendEmpty } from '../respond.js';
import { unlinkQuiet } from '../../io/fs.js';
import { ObjectChangedError } from '../store/metadata-store.js';
import { bytesFields, segmentsOf } from '../store/segments.js';
import type { ObjectRecord } from '../store/types.js';
import { attributesFrom, forbidOverwrite, parseObjectAcl, quoted, receiveBody, type Ctx } from './context.js';
import { canWrite } from './access.js';
import { sseHeaders } from './sse.js';

function positionOf(ctx: Ctx): number {
  const raw = q(ctx.req, 'position');
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: 'position', ArgumentValue: raw ?? '' },
      { message: 'position must be a non-negative integer.' },
    );
  }
  return Number(raw);
}

function checkTarget(ctx: Ctx, old: ObjectRecord | undefined, position: number): void {
  if (old && old.type !== 'Appendable') throw new ErrorReply('ObjectNotAppendable', { Key: ctx.key });
  const length = old?.size ?? 0;
  if (position !== length) {
    throw new ErrorReply(
      'PositionNotEqualToLength',
      { Key: ctx.key },
      { headers: { [HEADERS.nextAppendPosition]: String(length) } },
    );
  }
}

/** Appendable ETags are not a content MD5 (clients must not check them as one): MD5 of previous ETag + body MD5. */
function nextEtag(prev: string, bodyMd5: Buffer): string {
  return createHash('md5')
    .update(`${prev}${bodyMd5.toString('hex')}`)
    .digest('hex')
    .toUpperCase();
}

export async function appendObject(ctx: Ctx): Promise<void> {
  if (!canWrite(ctx)) throw new ErrorReply('AccessDenied');
  const { req, store, bucket, key } = ctx;
  const position = positionOf(ctx);
  // Refuse before reading the body what can be refused; the check is repeated under the key's lock at commit.
  const before = await store.getObject(bucket.name, key);
  if (before && forbidOverwrite(req) && position === 0) throw new ErrorReply('FileAlreadyExists', { Key: key });
  checkTarget(ctx, before, position);
  const creating = attributesFrom(req, bucket.storageClass);
  const written = await receiveBody(ctx, MAX_OBJECT_SIZE - position);
  const blob = written.size > 0 ? await ctx.blobs.adoptBlob(bucket.name, written) : undefined;
  if (blob === undefined) await unlinkQuiet(written.tmpPath);
  const old = await store.getObject(bucket.name, key);
  try {
    checkTarget(ctx, old, position);
  } catch (err) {
    if (blob !== undefined) await ctx.blobs.removeBytes(bucket.name, { blob, size: written.size });
    throw err;
  }
  if (old && blob === undefined && req.headers[HEADERS.objectAcl] === undefined) {
    return reply(ctx, old); // appending nothing leaves the object as it was
  }
  const segments = [...(old ? segmentsOf(old) : []), ...(blob !== undefined ? [{ blob, size: written.size }] : [])];
  const base = old ?? { ...creating, key, size: 0, crc64: '0', etag: '', type: 'Appendable' as const, lastModified: 0 };
  const { blob: _b, segments: _s, contentMd5: _m, ...attrs } = base;
  const rec: ObjectRecord = {
    ...attrs,
    ...(old ? { acl: parseObjectAcl(req.headers[HEADERS.objectAcl], old.acl) } : {}),
    ...bytesFields(segments),
    size: base.size + written.size,
    crc64: crc64ToDecimal(crc64Combine(parseCrc64(base.crc64), written.crc64, written.size)),
    etag: blob === undefined && old ? old.etag : nextEtag(base.etag, written.md5),
    lastModified: ctx.config.now(),
  };
  try {
    // Commits only over the record checked above; the store removes the new blob if it refuses.
    await store.commitObject(bucket.name, rec, { expect: old ?? null });
  } catch (err) {
    if (!(err instanceof ObjectChangedError)) throw err;
    // Another write to the key landed between the check and the commit: the client's position is stale.
    const now = await store.getObject(bucket.name, key);
    checkTarget(ctx, now, position);
    throw new ErrorReply(
      'PositionNotEqualToLength',
      { Key: key },
      {
        headers: { [HEADERS.nextAppendPosition]: String(now?.size ?? 0) },
        message: 'The object changed during the append; retry at x-oss-next-append-position.',
      },
    );
  }
  return reply(ctx, rec);
}

function reply(ctx: Ctx, rec: ObjectRecord): void {
  sendEmpty(ctx.res, 200, {
    ETag: quoted(rec.etag),
    [HEADERS.nextAppendPosition]: String(rec.size),
    [HEADERS.hashCrc64ecma]: rec.crc64,
    ...sseHeaders(rec.sse),
  });
}
