import { existsSync, type Stats, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { UploadResult } from '../../transfer/index.js';
import { EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { jsonLine, transferJson } from '../json.js';
import { checkCpOptions, objectWriteOptions, type CpFlags, type CpSettings } from '../options.js';
import { formatOssUrl, isOssUrl, isStreamCp, parseOssUrl, type OssUrl } from '../oss-url.js';
import { defaultPartSize } from '../defaults.js';
import { commandBudget, teeProgress, tunedLine, tuningJson } from '../tuning.js';
import { firstBucket, withFirstBucket, withSession, type Io, type Session } from '../session.js';
import { planParts } from '../../transfer/engine/plan.js';
import { snapshotFileSync } from '../../transfer/checkpoint/file-identity.js';
import { refuseTreeFlags, type TreeFlags } from '../tree-options.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';
import { checkpointName, driveTransfer, summary, withCheckpointDir } from './transfer-run.js';
import { shown } from '../shown.js';
import { headerSettings } from '../header-options.js';
import { refuseSelectFlags, skipSettings, type SelectFlags, type SkipFlags } from '../select-options.js';

// The download, copy, stream and --no-clobber paths (and the upload engine itself) are loaded when taken: the
// start-up of a short `cp` is a large share of its CPU (BENCHMARKS.md, issue 27).

type CpCommandFlags = CpFlags & TreeFlags & SelectFlags & SkipFlags;

/** One local file and the object it becomes. */
interface UploadJob {
  file: string;
  size: number;
  mtimeMs: number;
  dst: OssUrl;
}

/** `ossup cp <src> <dst>`: everything is checked before the first byte is sent, so bad input is exit 2. */
export async function cpCommand(src: string, dst: string, flags: CpCommandFlags, io: Io): Promise<number> {
  refuseTreeFlags(flags);
  refuseSelectFlags(flags, 'add -r (or use ossup sync)');
  if ((flags as { stats?: string }).stats !== undefined)
    throw new UsageError('--stats applies to whole trees', 'add -r (or use ossup sync); one file shows its own bar');
  const settings = checkCpOptions(flags);
  const noClobber = skipSettings(flags).ignoreExisting === true;
  for (const arg of [src, dst]) {
    // `oss:/b/k` or `oss:b/k` is an OSS URL mistyped, not a local path: blame it, not the other argument.
    if (/^oss:/i.test(arg) && !isOssUrl(arg))
      throw new UsageError(`"${arg}" is not a valid OSS URL`, 'write it with two slashes: oss://bucket/key');
  }
  if (noClobber && (isStreamCp(src, dst) || (isOssUrl(src) && isOssUrl(dst))))
    throw new UsageError(
      '--no-clobber and --ignore-existing apply to file uploads and downloads, not to streams or copies',
    );
  if (isOssUrl(src) && headerSettings(flags))
    throw new UsageError('--cache-control, --content-encoding, --content-disposition and --expires apply to uploads');
  if (isStreamCp(src, dst)) return (await import('./stream.js')).streamCpCommand(src, dst, flags, settings, io);
  if (settings.expectedSize !== undefined)
    throw new UsageError('--expected-size applies to cp - oss://... (standard input)');
  if (isOssUrl(src) && isOssUrl(dst))
    return (await import('./copy.js')).copyCommand(parseOssUrl(src), parseOssUrl(dst), flags, settings, io);
  if (isOssUrl(src)) {
    const from = parseOssUrl(src);
    if (noClobber) {
      const { existingDownloadTarget, reportSkip } = await import('./no-clobber.js');
      const existing = await existingDownloadTarget(from, dst);
      if (existing) {
        reportSkip({ op: 'download', file: existing, dst: from, size: 0, etag: '' }, flags.json, flags.quiet, io);
        return EXIT_OK;
      }
    }
    return (await import('./download.js')).downloadCommand(from, dst, flags, settings, io);
  }
  if (!isOssUrl(dst)) {
    throw new UsageError(
      `"${dst}" is not an OSS URL`,
      'write the destination as oss://bucket/key (or oss://bucket/prefix/)',
    );
  }
  if (flags.range !== undefined) throw new UsageError('--range applies to downloads; an upload sends the whole file');
  if (flags.versionId !== undefined)
    throw new UsageError('--version-id names a version of an oss:// source; an upload makes a new version');
  const target = parseOssUrl(dst);
  checkName(target.bucket);
  const jobs = planJobs(src, target);
  for (const job of jobs) checkName(job.dst.bucket, job.dst.key);

  return withSession(flags, io, async (session) => {
    for (const job of jobs) {
      if (noClobber) {
        const { existingObject, reportSkip } = await import('./no-clobber.js');
        const there = await existingObject(session, job.dst);
        if (there) {
          reportSkip({ op: 'upload', file: job.file, dst: job.dst, ...there }, flags.json, flags.quiet, io);
          continue;
        }
      }
      // An object made between the check and the write is not replaced either: the server refuses it.
      const jobFlags = noClobber ? { ...flags, forbidOverwrite: true } : flags;
      const upload = () => uploadOne(job, settings, jobFlags, io, session);
      // A file of one request asks for the store's first bucket only when its PutObject finds none; a multipart
      // upload asks first (one request among many), as its failed Initiate would leave a checkpoint to start over.
      const code = planParts(job.size, partSizeOf(job, settings)).single
        ? await withFirstBucket(session, job.dst.bucket, io, flags.quiet, upload)
        : await firstBucket(session, job.dst.bucket, io, flags.quiet).then(upload);
      if (code !== EXIT_OK) return code;
    }
    return EXIT_OK;
  });
}

/** The upload's one job. Its stat is synchronous, like its read: a small `cp` then never loads `fs/promises`. */
function planJobs(src: string, dst: OssUrl): UploadJob[] {
  let st: Stats;
  try {
    st = statSync(src);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${src}: no such file`);
    if (code === 'EACCES') throw new UsageError(`${src}: permission denied`);
    throw err;
  }
  if (st.isFile()) {
    // A key that is empty or ends in '/' names a "folder": the file keeps its own name inside it.
    const key = dst.key === '' || dst.key.endsWith('/') ? dst.key + basename(src) : dst.key;
    return [{ file: src, size: st.size, mtimeMs: st.mtimeMs, dst: { bucket: dst.bucket, key } }];
  }
  if (!st.isDirectory()) throw new UsageError(`${src} is not a regular file`);
  // `cp -r` never reaches here (program.ts hands it to the tree command).
  throw new UsageError(
    `${src} is a directory`,
    `use -r to upload every file under it: ossup cp -r ${src} ${formatOssUrl(dst)}`,
  );
}

function partSizeOf(job: UploadJob, settings: CpSettings): number {
  return settings.partSize ?? defaultPartSize(job.size);
}

async function uploadOne(
  job: UploadJob,
  settings: CpSettings,
  flags: CpFlags,
  io: Io,
  session: Session,
): Promise<number> {
  const [{ uploadFile, uploadSmallFile }, { ladderPlanner }, { MTIME_META, mtimeMeta }] = await Promise.all([
    import('../../transfer/upload/upload-file.js'),
    import('../../transfer/engine/planner.js'),
    import('../../transfer/tree/compare.js'),
  ]);
  const flagged = { parallel: settings.parallel, partSize: settings.partSize };
  const budget = commandBudget(session.client, 'file', flagged, job.size);
  const id = { file: resolve(job.file), bucket: job.dst.bucket, key: job.dst.key };
  // A file of one request has nothing to resume: no checkpoint, lock or journal (issue 27), as a tree's small files.
  // Unless a checkpoint is named (--checkpoint) or an earlier, larger version of the file left one, which the
  // engine's path then discards (with its multipart upload) instead of leaving it behind.
  const named = checkpointName(flags, io, session, id, '.ucp');
  const oneRequest =
    typeof flags.checkpoint !== 'string' &&
    planParts(job.size, partSizeOf(job, settings)).single &&
    (named === false || !existsSync(named));
  const checkpoint = oneRequest ? false : await withCheckpointDir(flags, named);
  const common = {
    bucket: job.dst.bucket,
    key: job.dst.key,
    ...objectWriteOptions(flags, settings),
    // The file's mtime, as trees record it: a later sync then finds the object up to date (--meta mtime=... wins).
    meta: { [MTIME_META]: mtimeMeta(job.mtimeMs), ...settings.meta },
    callback: flags.callbackUrl
      ? {
          url: flags.callbackUrl,
          body: flags.callbackBody ?? '',
          bodyType: flags.callbackBodyType,
          host: flags.callbackHost,
        }
      : undefined,
    callbackVars: flags.callbackUrl ? settings.callbackVars : undefined,
    onWarning: (message: string) => io.stderr.write(`ossup: warning: ${message}\n`),
  };
  const outcome = await driveTransfer<UploadResult>(
    {
      direction: 'upload',
      label: job.file,
      action: `upload of ${job.file} to ${formatOssUrl(job.dst)}`,
      bucket: job.dst.bucket,
      size: job.size,
      checkpoint,
      start: (onProgress, signal) => {
        const progress = { onProgress: teeProgress(onProgress, budget.meter()), signal };
        if (oneRequest) return uploadSmallFile(session.client, { ...common, ...progress }, snapshotFileSync(id.file));
        return uploadFile(session.client, {
          ...common,
          ...progress,
          file: job.file,
          // What is left out, the budget's planner picks while it runs, from the ladder's (the 'start' event says).
          partSize: settings.partSize,
          concurrency: settings.parallel,
          planner: budget.planner(ladderPlanner),
          checkpoint,
        });
      },
    },
    flags,
    io,
  );
  if ('interrupted' in outcome) return EXIT_INTERRUPTED;
  const r = outcome.result;
  if (flags.json)
    io.stdout.write(
      jsonLine({
        ...transferJson('upload', r, outcome.seconds),
        tuning: tuningJson(budget.tuning(!outcome.used?.resumed), flagged, outcome.used),
      }),
    );
  else if (!flags.quiet) {
    io.stdout.write(`uploaded ${shown(job.file)} to ${shown(formatOssUrl(job.dst))}: ${summary(r, outcome.seconds)}\n`);
    io.stdout.write(tunedLine(tuningJson(budget.tuning(!outcome.used?.resumed), flagged, outcome.used)));
    if (r.callbackBody !== undefined) io.stdout.write(`callback answered: ${r.callbackBody}\n`);
  }
  return EXIT_OK;
}
