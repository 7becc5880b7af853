import { COPY_OBJECT_LIMIT, copyObject, ladderPlanner, keyBaseName, type CopyResult } from '../../transfer/index.js';
import { doing, EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { jsonLine, transferJson } from '../json.js';
import type { CpFlags, CpSettings } from '../options.js';
import { formatOssUrl, type OssUrl } from '../oss-url.js';
import { DEFAULT_PARALLEL } from '../defaults.js';
import { withSession, type Io } from '../session.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';
import { checkpointPath, driveTransfer, summary } from './transfer-run.js';
import { shown } from '../shown.js';

/** Flags that make no sense for a copy made on the server (no bytes pass through ossup). */
const NOT_FOR_COPY: Array<[keyof CpFlags, string]> = [
  ['range', '--range'],
  ['tagging', '--tagging'],
  ['trafficLimit', '--traffic-limit'],
  ['callbackUrl', '--callback-url'],
  ['callbackBody', '--callback-body'],
  ['callbackBodyType', '--callback-body-type'],
  ['callbackHost', '--callback-host'],
  ['callbackVar', '--callback-var'],
];

/** The object a copy of `src` to `dst` writes: a key that is empty or ends in "/" keeps the source's name. */
export function copyTarget(src: OssUrl, dst: OssUrl): OssUrl {
  return {
    bucket: dst.bucket,
    key: dst.key === '' || dst.key.endsWith('/') ? dst.key + keyBaseName(src.key) : dst.key,
  };
}

/**
 * `ossup cp oss://a/k oss://b/k2`: a server-side copy (no object byte passes through ossup). Up to 1 GiB (or
 * --part-size) one CopyObject; beyond, UploadPartCopy parts in parallel, checkpointed and resumable like uploads.
 */
export async function copyCommand(
  src: OssUrl,
  dst: OssUrl,
  flags: CpFlags,
  settings: CpSettings,
  io: Io,
): Promise<number> {
  for (const [field, flag] of NOT_FOR_COPY) {
    if (flags[field] !== undefined)
      throw new UsageError(`${flag} does not apply to a server-side copy (oss:// to oss://)`);
  }
  if (src.key === '' || src.key.endsWith('/'))
    throw new UsageError(`"${formatOssUrl(src)}" names no object; write oss://bucket/key`);
  const target = copyTarget(src, dst);
  checkName(src.bucket, src.key);
  checkName(target.bucket, target.key);
  const replaces = flags.meta !== undefined || flags.contentType !== undefined;
  // Copying an old version over its key is how a version is restored; only a copy of the latest changes nothing.
  if (src.bucket === target.bucket && src.key === target.key && !replaces && flags.versionId === undefined) {
    throw new UsageError(
      `${formatOssUrl(src)} is both source and destination: OSS refuses to copy an object onto itself unless its ` +
        'metadata is replaced (x-oss-metadata-directive: REPLACE), since the copy would change nothing',
      'give --meta k=v or --content-type TYPE to rewrite its metadata in place, or choose another destination',
    );
  }
  const action = `copy of ${formatOssUrl(src)} to ${formatOssUrl(target)}`;
  return withSession(flags, io, async (session) => {
    const head = await doing(action, src.bucket, () =>
      session.client.headObject(src.bucket, src.key, { versionId: flags.versionId }),
    );
    const checkpoint = await checkpointPath(
      flags,
      io,
      session,
      {
        file: formatOssUrl(src) + (flags.versionId === undefined ? '' : `?versionId=${flags.versionId}`),
        bucket: target.bucket,
        key: target.key,
      },
      '.ccp',
    );
    const outcome = await driveTransfer<CopyResult>(
      {
        direction: 'copy',
        label: target.key,
        action,
        bucket: target.bucket,
        size: head.size,
        checkpoint,
        start: (onProgress, signal) =>
          copyObject(session.client, {
            sourceBucket: src.bucket,
            sourceKey: src.key,
            sourceVersionId: flags.versionId,
            bucket: target.bucket,
            key: target.key,
            // --part-size is also the threshold: a copy larger than one part goes in parts (tests use it to go multipart).
            multipartThreshold: settings.partSize ?? COPY_OBJECT_LIMIT,
            partSize: settings.partSize,
            planner: ladderPlanner,
            concurrency: settings.parallel ?? DEFAULT_PARALLEL,
            checkpoint,
            meta: flags.meta !== undefined ? settings.meta : undefined,
            contentType: flags.contentType,
            acl: flags.acl,
            storageClass: flags.storageClass,
            forbidOverwrite: flags.forbidOverwrite,
            onProgress,
            signal,
          }),
      },
      flags,
      io,
    );
    if ('interrupted' in outcome) return EXIT_INTERRUPTED;
    const r = outcome.result;
    if (flags.json) io.stdout.write(jsonLine(transferJson('copy', r, outcome.seconds)));
    else if (!flags.quiet)
      io.stdout.write(
        `copied ${shown(formatOssUrl(src))} to ${shown(formatOssUrl(target))} on the server: ${summary(r, outcome.seconds, 'copy')}\n`,
      );
    return EXIT_OK;
  });
}
