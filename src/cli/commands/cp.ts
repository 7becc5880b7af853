import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AbortedError } from '../../core/errors.js';
import { checkpointFileName } from '../../transfer/checkpoint.js';
import { planParts, uploadFile, type TransferEvent, type UploadResult } from '../../transfer/index.js';
import { ossupHome } from '../config.js';
import { ActionFailed, EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { jsonLine, uploadJson } from '../json.js';
import { checkCpOptions, type CpFlags, type CpSettings } from '../options.js';
import { formatOssUrl, isOssUrl, parseOssUrl, type OssUrl } from '../oss-url.js';
import { defaultParallel, defaultPartSize } from '../plan.js';
import { ProgressBar, TransferTracker, wantsBar } from '../progress.js';
import { interruptOnSignals } from '../signals.js';
import { formatBytes, formatSeconds } from '../size.js';
import { UsageError } from '../usage-error.js';
import { withSession, type Io, type Session } from '../session.js';
import { checkName } from './names.js';

/** One local file and the object it becomes. */
interface UploadJob { file: string; size: number; dst: OssUrl }

/** `ossup cp <src> <dst>`: everything is checked before the first byte is sent, so bad input is exit 2. */
export async function cpCommand(src: string, dst: string, flags: CpFlags, io: Io): Promise<number> {
  const settings = checkCpOptions(flags);
  if (isOssUrl(src) && !isOssUrl(dst)) {
    parseOssUrl(src);
    throw new UsageError(
      'download (oss:// to a local file) is not available in this version of ossup yet',
      'only uploads work for now: ossup cp <local file> oss://bucket/key',
    );
  }
  if (isOssUrl(src)) throw new UsageError('copying from oss:// to oss:// is not supported; cp uploads a local file');
  if (!isOssUrl(dst)) {
    throw new UsageError(`"${dst}" is not an OSS URL`, 'write the destination as oss://bucket/key (or oss://bucket/prefix/)');
  }
  const target = parseOssUrl(dst);
  checkName(target.bucket);
  const jobs = await planJobs(src, target, flags.recursive === true);
  for (const job of jobs) checkName(job.dst.bucket, job.dst.key);

  return withSession(flags, io, async (session) => {
    if (session.embedded) {
      // Buckets are created on first use with the embedded default: there is no console to create them in.
      await session.client.putBucket(target.bucket);
    }
    for (const job of jobs) {
      const code = await uploadOne(job, settings, flags, io, session);
      if (code !== EXIT_OK) return code;
    }
    return EXIT_OK;
  });
}

async function planJobs(src: string, dst: OssUrl, recursive: boolean): Promise<UploadJob[]> {
  const st = await stat(src).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new UsageError(`${src}: no such file`);
    if (err.code === 'EACCES') throw new UsageError(`${src}: permission denied`);
    throw err;
  });
  if (st.isFile()) {
    if (recursive) throw new UsageError(`${src} is a file; -r uploads a directory`);
    // A key that is empty or ends in '/' names a "folder": the file keeps its own name inside it.
    const key = dst.key === '' || dst.key.endsWith('/') ? dst.key + basename(src) : dst.key;
    return [{ file: src, size: st.size, dst: { bucket: dst.bucket, key } }];
  }
  if (!st.isDirectory()) throw new UsageError(`${src} is not a regular file`);
  if (!recursive) throw new UsageError(`${src} is a directory`, `use -r to upload every file under it: ossup cp -r ${src} ${formatOssUrl(dst)}`);
  const prefix = dst.key === '' || dst.key.endsWith('/') ? dst.key : `${dst.key}/`;
  const jobs: UploadJob[] = [];
  for (const file of await walk(src)) {
    const fst = await stat(file);
    const rel = relative(src, file).split(sep).join('/');
    jobs.push({ file, size: fst.size, dst: { bucket: dst.bucket, key: prefix + rel } });
  }
  if (jobs.length === 0) throw new UsageError(`${src} holds no files to upload`);
  return jobs;
}

/** Regular files under `dir`, depth first, sorted so reruns visit them in the same order. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The checkpoint option for the engine: a file path, a directory, or false. */
async function checkpointFor(job: UploadJob, flags: CpFlags, io: Io, session: Session): Promise<string | false> {
  if (flags.checkpoint === false) return false;
  if (typeof flags.checkpoint === 'string') return flags.checkpoint;
  const dir = flags.checkpointDir ?? join(ossupHome(io.env), 'checkpoints');
  await mkdir(dir, { recursive: true });
  // Name the file here rather than let the engine name it from the endpoint: the embedded server listens on a new
  // port each run, and a name that changed with it would make every rerun start over.
  return join(dir, checkpointFileName({ file: job.file, endpoint: session.endpointId, bucket: job.dst.bucket, key: job.dst.key }));
}

async function uploadOne(job: UploadJob, settings: CpSettings, flags: CpFlags, io: Io, session: Session): Promise<number> {
  const partSize = settings.partSize ?? defaultPartSize(job.size);
  const parallel = settings.parallel ?? defaultParallel(job.size, partSize);
  const checkpoint = await checkpointFor(job, flags, io, session);
  // The engine may raise a part size to stay within 10,000 parts; the tracker needs the size it really uses.
  const tracker = new TransferTracker(planParts(job.size, partSize).partSize);
  const bar = wantsBar(io.stderr, { progress: flags.progress, quiet: flags.quiet === true }, io.env)
    ? new ProgressBar(tracker, basename(job.file), io.stderr)
    : undefined;
  const controller = new AbortController();
  const uninstall = interruptOnSignals(controller, io.stderr, () => bar?.stop());
  const started = performance.now();
  let result: UploadResult;
  try {
    result = await uploadFile(session.client, {
      bucket: job.dst.bucket,
      key: job.dst.key,
      file: job.file,
      partSize,
      concurrency: parallel,
      checkpoint,
      meta: settings.meta,
      contentType: flags.contentType,
      acl: flags.acl,
      storageClass: flags.storageClass,
      tagging: flags.tagging,
      forbidOverwrite: flags.forbidOverwrite,
      trafficLimit: settings.trafficLimitBitsPerSecond,
      callback: flags.callbackUrl
        ? {
            url: flags.callbackUrl,
            body: flags.callbackBody ?? '',
            bodyType: flags.callbackBodyType,
            host: flags.callbackHost,
          }
        : undefined,
      callbackVars: flags.callbackUrl ? settings.callbackVars : undefined,
      onProgress: (e: TransferEvent) => {
        tracker.onEvent(e);
        bar?.onEvent(e);
      },
      signal: controller.signal,
    });
  } catch (err) {
    bar?.stop();
    if (controller.signal.aborted && (err instanceof AbortedError || (err as { code?: string }).code === 'Aborted')) {
      io.stderr.write(interruptedLine(tracker, checkpoint));
      return EXIT_INTERRUPTED;
    }
    throw new ActionFailed(`upload of ${job.file} to ${formatOssUrl(job.dst)}`, err, job.dst.bucket);
  } finally {
    uninstall();
  }
  bar?.stop('complete');
  const seconds = (performance.now() - started) / 1000;
  const file = resolve(job.file);
  if (flags.json) io.stdout.write(jsonLine(uploadJson(result, file, seconds)));
  else if (!flags.quiet) io.stdout.write(summaryLine(result, job, seconds));
  return EXIT_OK;
}

function summaryLine(r: UploadResult, job: UploadJob, seconds: number): string {
  const rate = seconds > 0 ? ` (${formatBytes(Math.round(r.transferredBytes / seconds))}/s)` : '';
  const resumed = r.resumedBytes > 0 ? `, ${formatBytes(r.resumedBytes)} resumed from an earlier run` : '';
  return (
    `uploaded ${job.file} to ${formatOssUrl(job.dst)}: ${formatBytes(r.size)} in ${formatSeconds(seconds)}${rate}, ` +
    `${r.parts} part${r.parts === 1 ? '' : 's'}${resumed}; ETag ${r.etag}, CRC-64 ${r.crc64}\n`
  );
}

/** Counts only what the server confirmed: bytes of parts cut off in flight are not kept, so they are not claimed. */
function interruptedLine(t: TransferTracker, checkpoint: string | false): string {
  const pct = t.totalBytes > 0 ? (t.confirmedBytes / t.totalBytes) * 100 : 0;
  const done = `${formatBytes(t.confirmedBytes)} of ${formatBytes(t.totalBytes)} uploaded (${pct.toFixed(1)}%, ` +
    `${t.partsDone}/${t.totalParts} parts)`;
  const next = checkpoint === false
    ? 'there is no checkpoint (--no-checkpoint): rerunning starts over'
    : 'rerun the same command to resume';
  return `\nossup: interrupted: ${done}; ${next}\n`;
}
