import { ServiceError } from '../../core/errors.js';
import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { formatOssUrl, parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';
import type { VersionFlag } from './stat.js';
import { shown } from '../shown.js';

export function bucketOnly(url: string, verb: string): string {
  const { bucket, key } = parseOssUrl(url);
  if (key !== '') throw new UsageError(`${verb} takes a bucket (oss://bucket), not "${url}"`);
  checkName(bucket);
  return bucket;
}

function done(io: Io, flags: CommonOptions, json: object, text: string): number {
  if (flags.json) io.stdout.write(jsonLine(json));
  else if (!flags.quiet) io.stdout.write(`${shown(text)}\n`);
  return EXIT_OK;
}

/** Runs `probe`; true when it succeeds, false on a 404 (NoSuchKey, NoSuchBucket...), undefined on any other failure. */
async function exists(probe: () => Promise<unknown>): Promise<boolean | undefined> {
  try {
    await probe();
    return true;
  } catch (err) {
    return err instanceof ServiceError && err.status === 404 ? false : undefined;
  }
}

/**
 * `ossup rm oss://bucket/key`: one object. OSS answers success for a key that does not exist, so the key is looked
 * up first, to say "did not exist" rather than claim a removal (`"existed": false` in JSON).
 */
export async function rmCommand(url: string, flags: CommonOptions & VersionFlag, io: Io): Promise<number> {
  const target = parseOssUrl(url);
  if (target.key === '')
    throw new UsageError(`"${url}" names a bucket; rm deletes one object (oss://bucket/key), rb removes a bucket`);
  checkName(target.bucket, target.key);
  return withSession(flags, io, (s) =>
    doing(`removing ${formatOssUrl(target)}`, target.bucket, async () => {
      const version = { versionId: flags.versionId };
      // A delete marker cannot be HEADed (405 by versionId) yet exists: only a 404 means "did not exist".
      const existed = await exists(() => s.client.headObject(target.bucket, target.key, version));
      if (existed === false && flags.versionId === undefined) {
        // No such object, but objects under it as a folder: the user meant the prefix (rm -r), not "did not exist".
        const prefix = target.key.endsWith('/') ? target.key : `${target.key}/`;
        const under = await s.client.listObjects(target.bucket, { prefix, maxKeys: 1 });
        if (under.objects.length > 0) {
          throw new UsageError(
            `${formatOssUrl(target)} is no object but a prefix with objects under it; nothing removed`,
            `to delete every object under it: ossup rm -r ${formatOssUrl({ bucket: target.bucket, key: prefix })}`,
          );
        }
      }
      const res = await s.client.deleteObject(target.bucket, target.key, version);
      const url = formatOssUrl(target) + (flags.versionId === undefined ? '' : ` version ${flags.versionId}`);
      if (flags.versionId !== undefined || res.deleteMarker) {
        // In a versioned bucket a plain rm hides the key behind a delete marker: say so, it can be undone.
        const json = {
          removed: url,
          existed: existed !== false,
          versionId: res.versionId ?? null,
          deleteMarker: res.deleteMarker,
        };
        const text =
          existed === false
            ? `${url} did not exist${res.deleteMarker ? ` (a delete marker ${res.versionId} was added, as OSS does)` : '; nothing removed'}`
            : flags.versionId !== undefined
              ? `removed ${url} for good`
              : `removed ${url} (delete marker ${res.versionId}; older versions remain: ossup ls --versions)`;
        return done(io, flags, json, text);
      }
      return existed === false
        ? done(io, flags, { removed: url, existed: false }, `${url} did not exist; nothing removed`)
        : done(io, flags, { removed: url, existed: true }, `removed ${url}`);
    }),
  );
}

export async function mbCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const bucket = bucketOnly(url, 'mb');
  return withSession(flags, io, (s) =>
    doing(`making bucket oss://${bucket}`, undefined, async () => {
      // OSS answers PutBucket on a bucket its caller already owns with success: look first, to say so.
      if (await exists(() => s.client.listObjects(bucket, { maxKeys: 1 }))) {
        return done(io, flags, { bucket, created: false, existed: true }, `bucket oss://${bucket} already exists`);
      }
      await s.client.putBucket(bucket);
      return done(io, flags, { bucket, created: true, existed: false }, `made bucket oss://${bucket}`);
    }),
  );
}

export async function rbCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const bucket = bucketOnly(url, 'rb');
  return withSession(flags, io, (s) =>
    doing(`removing bucket oss://${bucket}`, bucket, async () => {
      await s.client.deleteBucket(bucket);
      return done(io, flags, { bucket, removed: true }, `removed bucket oss://${bucket}`);
    }),
  );
}
