// Bucket versioning: PutBucketVersioning / GetBucketVersioning (`?versioning`) and ListObjectVersions
// (`GET /?versions`). The store keeps the versions (store/versions.ts); object requests read `versionId`
// through versions.ts.
import { buildListVersionsResult, buildVersioningConfiguration, parseVersioningConfiguration } from '../../core/xml.js';
import { XmlError } from '../../core/errors.js';
import { ErrorReply } from '../errors.js';
import { q } from '../request.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { isMarker, versionIdOf } from '../store/versions.js';
import { isoDate, OWNER, readSmallBody, requireOwner, type Ctx } from './context.js';
import { maxKeysOf } from './bucket.js';
import { encodingType } from './multipart.js';

export async function putBucketVersioning(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  let status;
  try {
    status = parseVersioningConfiguration(await readSmallBody(ctx));
  } catch (err) {
    if (err instanceof XmlError)
      throw new ErrorReply('MalformedXML', {}, { message: `VersioningConfiguration: ${err.message}.` });
    throw err;
  }
  if (!status)
    throw new ErrorReply(
      'MalformedXML',
      {},
      { message: 'VersioningConfiguration needs <Status> Enabled or Suspended.' },
    );
  await ctx.store.versioned.setStatus(ctx.bucket.name, status);
  sendEmpty(ctx.res, 200);
}

export async function getBucketVersioning(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  sendXmlText(ctx.res, 200, buildVersioningConfiguration(await ctx.store.versioned.status(ctx.bucket.name)));
}

export async function listObjectVersions(ctx: Ctx): Promise<void> {
  if (!ctx.principal && ctx.bucket.acl === 'private') throw new ErrorReply('AccessDenied');
  const prefix = q(ctx.req, 'prefix') ?? '';
  const delimiter = q(ctx.req, 'delimiter') ?? '';
  const keyMarker = q(ctx.req, 'key-marker') ?? '';
  const versionIdMarker = q(ctx.req, 'version-id-marker') ?? '';
  const maxKeys = maxKeysOf(ctx, 'max-keys');
  const page = await ctx.store.versioned.list(ctx.bucket.name, {
    prefix,
    delimiter,
    keyMarker,
    versionIdMarker,
    maxKeys,
  });
  const owner = { id: OWNER.ID, displayName: OWNER.DisplayName };
  sendXmlText(
    ctx.res,
    200,
    buildListVersionsResult({
      name: ctx.bucket.name,
      prefix,
      keyMarker,
      versionIdMarker,
      maxKeys,
      delimiter,
      isTruncated: page.isTruncated,
      ...encodingType(ctx),
      ...(page.isTruncated ? { nextKeyMarker: page.nextKeyMarker, nextVersionIdMarker: page.nextVersionIdMarker } : {}),
      versions: page.versions.map(({ rec, isLatest }) =>
        isMarker(rec)
          ? {
              key: rec.key,
              versionId: versionIdOf(rec),
              isLatest,
              lastModified: isoDate(rec.lastModified),
              deleteMarker: true,
              etag: '',
              type: '',
              size: 0,
              storageClass: '',
              owner,
            }
          : {
              key: rec.key,
              versionId: versionIdOf(rec),
              isLatest,
              lastModified: isoDate(rec.lastModified),
              deleteMarker: false,
              etag: rec.etag,
              type: rec.type,
              size: rec.size,
              storageClass: rec.storageClass,
              owner,
            },
      ),
      commonPrefixes: page.commonPrefixes,
    }),
  );
}
