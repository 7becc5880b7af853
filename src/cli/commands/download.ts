import { mkdir, rmdir, stat, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { downloadFile, ladderPlanner, resolveDownloadTarget, type DownloadResult } from '../../transfer/index.js';
import { remoteMtimeMs } from '../../transfer/tree/index.js';
import { doing, EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { jsonLine, transferJson } from '../json.js';
import { parseRange, type CpFlags, type CpSettings } from '../options.js';
import { formatOssUrl, type OssUrl } from '../oss-url.js';
import { commandBudget, teeProgress, tunedLine, tuningJson } from '../tuning.js';
import { withSession, type Io } from '../session.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';
import { checkpointPath, driveTransfer, summary } from './transfer-run.js';
import { shown } from '../shown.js';

/** Flags that describe the object written by an upload; given to a download they would silently do nothing. */
export const UPLOAD_ONLY: Array<[keyof CpFlags, string]> = [
  ['meta', '--meta'],
  ['contentType', '--content-type'],
  ['acl', '--acl'],
  ['storageClass', '--storage-class'],
  ['tagging', '--tagging'],
  ['forbidOverwrite', '--forbid-overwrite'],
  ['contentMd5', '--content-md5'],
  ['callbackUrl', '--callback-url'],
  ['callbackBody', '--callback-body'],
  ['callbackBodyType', '--callback-body-type'],
  ['callbackHost', '--callback-host'],
  ['callbackVar', '--callback-var'],
];

/** `ossup cp oss://bucket/key <file|dir/>`: a resumable, CRC-64-verified download. */
export async function downloadCommand(
  src: OssUrl,
  dst: string,
  flags: CpFlags,
  settings: CpSettings,
  io: Io,
): Promise<number> {
  for (const [field, flag] of UPLOAD_ONLY) {
    if (flags[field] !== undefined) throw new UsageError(`${flag} applies to uploads; this is a download`);
  }
  if (flags.recursive)
    throw new UsageError('-r with a download (a whole prefix) is not supported; download one object at a time');
  if (src.key === '' || src.key.endsWith('/'))
    throw new UsageError(
      `"${formatOssUrl(src)}" is a prefix, not an object`,
      `use -r to download every object under it: ossup cp -r ${formatOssUrl(src)} ${dst}`,
    );
  checkName(src.bucket, src.key);
  const range = flags.range !== undefined ? parseRange(flags.range) : undefined;
  const file = await doing(`download of ${formatOssUrl(src)}`, src.bucket, () => resolveDownloadTarget(dst, src.key));
  // A destination ending in "/" names a directory to download into, made if missing (as aws s3 cp and rclone do);
  // any other destination's directory must exist: a typo in it should not grow a tree of directories.
  const dirToMake = /[\\/]$/.test(dst) ? dirname(file) : undefined;
  if (!dirToMake && !(await isDirectory(dirname(file)))) {
    throw new UsageError(
      `the directory ${dirname(file)} does not exist (destination ${dst})`,
      `create it first (mkdir -p ${dirname(file)}), or end the destination with / to have ossup create it`,
    );
  }

  return withSession(flags, io, async (session) => {
    // The range size follows the size of what is fetched, as for uploads: ask the server for the object's first.
    const head =
      settings.partSize === undefined || range
        ? await doing(`download of ${formatOssUrl(src)}`, src.bucket, () =>
            session.client.headObject(src.bucket, src.key, { versionId: flags.versionId }),
          )
        : undefined;
    const objectSize = head?.size ?? 0;
    const size = range
      ? Math.max(0, Math.min(range.end ?? objectSize - 1, objectSize - 1) - range.start + 1)
      : objectSize;
    const flagged = { parallel: settings.parallel, partSize: settings.partSize };
    const budget = commandBudget(session.client, 'download', flagged, size);
    // A version is another object to resume: its checkpoint is apart from the latest's.
    const key = flags.versionId === undefined ? src.key : `${src.key}?versionId=${flags.versionId}`;
    const checkpoint = await checkpointPath(flags, io, session, { file, bucket: src.bucket, key }, '.dcp');
    const made = dirToMake ? await mkdir(dirToMake, { recursive: true }) : undefined;
    const outcome = await driveTransfer<DownloadResult>(
      {
        direction: 'download',
        label: file,
        action: `download of ${formatOssUrl(src)} to ${file}`,
        bucket: src.bucket,
        size,
        checkpoint,
        start: (onProgress, signal) =>
          downloadFile(session.client, {
            bucket: src.bucket,
            key: src.key,
            file,
            // What is left out, the budget's planner picks while it runs, from the ladder's (the 'start' event says).
            partSize: settings.partSize,
            concurrency: settings.parallel,
            planner: budget.planner(ladderPlanner),
            checkpoint,
            trafficLimit: settings.trafficLimitBitsPerSecond,
            range,
            versionId: flags.versionId,
            head,
            onProgress: teeProgress(onProgress, budget.meter()),
            signal,
          }),
      },
      flags,
      io,
    ).catch(async (err: unknown) => {
      if (made) await removeEmptyDirs(dirToMake!, made);
      throw err;
    });
    if ('interrupted' in outcome) return EXIT_INTERRUPTED;
    const r = outcome.result;
    if (!range) {
      // The recorded mtime (x-oss-meta-mtime, else Last-Modified) of the version written, as tree downloads
      // restore it; the engine's HEAD says it (one HEAD per download).
      const ms = remoteMtimeMs(r.head);
      if (Number.isFinite(ms)) await utimes(r.file, ms / 1000, ms / 1000);
    }
    if (flags.json)
      io.stdout.write(
        jsonLine({
          ...transferJson('download', r, outcome.seconds),
          tuning: tuningJson(budget.tuning(!outcome.used?.resumed), flagged, outcome.used),
        }),
      );
    else if (!flags.quiet) {
      const part = !r.range
        ? ''
        : r.verified === 'crc64'
          ? ` (bytes ${r.range.start}-${r.range.end}: the whole object, CRC-64 verified)`
          : ` (bytes ${r.range.start}-${r.range.end}; checked by length: a part of an object has no CRC-64 to compare)`;
      io.stdout.write(
        `downloaded ${shown(formatOssUrl(src))} to ${shown(r.file)}${part}: ${summary(r, outcome.seconds, 'download')}\n`,
      );
      io.stdout.write(tunedLine(tuningJson(budget.tuning(!outcome.used?.resumed), flagged, outcome.used)));
    }
    return EXIT_OK;
  });
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() === true;
}

/** Undo a mkdir -p after a failed download: from `dir` up to `top` (the first one made), each only while empty. */
async function removeEmptyDirs(dir: string, top: string): Promise<void> {
  for (let d = dir; d.length >= top.length; d = dirname(d)) {
    if (
      !(await rmdir(d).then(
        () => true,
        () => false,
      ))
    )
      return;
    if (d === top) return;
  }
}
