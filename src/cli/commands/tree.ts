// `ossup cp -r` (both ways) and `ossup sync`: checks first (exit 2), then one tree run with the live line, one
// --json line per file, the failures listed at the end (exit 1), Ctrl-C kept resumable (exit 130).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError } from '../../core/errors.js';
import { runTree } from '../../transfer/tree/run.js';
import {
  compileTreeFilter,
  type FilterRule,
  type TreeEvent,
  type TreeFailure,
  type TreeFileResult,
  type TreeOptions,
} from '../../transfer/tree/index.js';
import { walkLocal } from '../../transfer/tree/walk.js';
import { ossupHome } from '../config.js';
import { ActionFailed, doing, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import { checkCpOptions, type CpFlags } from '../options.js';
import { formatOssUrl, isOssUrl, parseOssUrl, type OssUrl } from '../oss-url.js';
import { DEFAULT_PARALLEL, defaultPartSize, defaultRangeSize } from '../defaults.js';
import { withSession, type Io } from '../session.js';
import { interruptOnSignals } from '../signals.js';
import { formatBytes, formatSeconds } from '../size.js';
import { checkTreeOptions, type TreeFlags } from '../tree-options.js';
import { TreeBar, TreeTracker } from '../tree-progress.js';
import { wantsBar } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';
import { treeJson, failureLine } from './tree-output.js';
import { shown } from '../shown.js';

export type TreeCommandFlags = CpFlags & TreeFlags;

/** Flags that describe the objects an upload writes; given to a download they would do nothing. */
const UPLOAD_ONLY: Array<[keyof TreeCommandFlags, string]> = [
  ['meta', '--meta'],
  ['contentType', '--content-type'],
  ['acl', '--acl'],
  ['storageClass', '--storage-class'],
  ['tagging', '--tagging'],
  ['followSymlinks', '--follow-symlinks'],
];

interface Plan {
  direction: 'upload' | 'download';
  dir: string;
  remote: OssUrl;
}

/** Works out the direction and checks both ends; everything wrong here is a usage error, found before any request. */
/** Whether the walk finds at least one selected file (it stops at the first). */
async function hasFile(dir: string, flags: TreeCommandFlags, filters: FilterRule[]): Promise<boolean> {
  const { keep, prune } = compileTreeFilter(filters);
  for await (const e of walkLocal(dir, { followSymlinks: flags.followSymlinks, prune }))
    if (e.error === undefined && keep(e.rel)) return true;
  return false;
}

async function planTree(
  src: string,
  dst: string,
  verb: 'cp -r' | 'sync',
  flags: TreeCommandFlags,
  filters: FilterRule[],
): Promise<Plan> {
  const srcOss = isOssUrl(src);
  const dstOss = isOssUrl(dst);
  if (srcOss && dstOss)
    throw new UsageError(
      `${verb} between two oss:// URLs is not supported yet`,
      'download to a directory, then upload it',
    );
  if (!srcOss && !dstOss) {
    throw new UsageError(
      `${verb} between two local paths is not supported yet; one side must be an oss:// URL`,
      'use cp -r, rsync or your file manager for local copies',
    );
  }
  if (!srcOss) {
    const st = await stat(src).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new UsageError(`${src}: no such directory`);
      if (err.code === 'EACCES') throw new UsageError(`${src}: permission denied`);
      throw err;
    });
    if (!st.isDirectory()) {
      throw new UsageError(
        `${src} is ${st.isFile() ? 'a file' : 'not a directory'}; ${verb} uploads a directory`,
        `to upload one file: ossup cp ${src} ${dst}`,
      );
    }
    const remote = parseOssUrl(dst);
    checkName(remote.bucket);
    // An empty source is almost always the wrong directory; for cp -r it would do nothing and say nothing. (sync may
    // mean it: an emptied directory, with --delete, empties the prefix.)
    if (verb === 'cp -r' && !(await hasFile(src, flags, filters))) {
      throw new UsageError(
        `${src} holds no files to upload${filters.length > 0 ? ' that --include/--exclude select' : ''}`,
      );
    }
    return { direction: 'upload', dir: path.resolve(src), remote };
  }
  for (const [field, flag] of UPLOAD_ONLY) {
    if (flags[field] !== undefined) throw new UsageError(`${flag} applies to uploads; this is a download`);
  }
  const remote = parseOssUrl(src);
  checkName(remote.bucket);
  const st = await stat(dst).catch(() => undefined);
  if (st && !st.isDirectory()) {
    throw new UsageError(
      `${dst} is an existing file; ${verb} downloads a prefix into a directory`,
      'give a directory (it is created if missing)',
    );
  }
  return { direction: 'download', dir: path.resolve(dst), remote };
}

export async function treeCommand(
  src: string,
  dst: string,
  verb: 'cp -r' | 'sync',
  flags: TreeCommandFlags,
  io: Io,
): Promise<number> {
  const settings = checkCpOptions(flags);
  const tree = checkTreeOptions(flags);
  const plan = await planTree(src, dst, verb, flags, tree.filters);
  const { remote } = plan;
  const where = formatOssUrl(remote);

  return withSession(
    flags,
    io,
    async (session) => {
      if (session.embedded && plan.direction === 'upload' && !flags.dryRun) {
        // Buckets are created on first use with the embedded default: there is no console to create them in.
        await doing(`creating bucket oss://${remote.bucket}`, remote.bucket, () =>
          session.client.putBucket(remote.bucket),
        );
      }
      const tracker = new TreeTracker();
      const bar = wantsBar(io.stderr, { progress: flags.progress, quiet: flags.quiet === true }, io.env)
        ? new TreeBar(tracker, io.stderr)
        : undefined;
      const note = (text: string) => (bar ? bar.note(text) : io.stderr.write(text));
      const failures: TreeFailure[] = [];
      const onEvent = (e: TreeEvent) => {
        tracker.onEvent(e);
        if (e.type === 'done') report(e.result);
        else if (e.type === 'failed') failures.push(e.failure);
        else if (e.type === 'symlink' && !flags.quiet) note(`ossup: skipped ${shown(e.path)}: ${e.reason}\n`);
      };
      let plannedBytes = 0;
      let sentBytes = 0;
      const report = (r: TreeFileResult) => {
        if (r.dryRun && (r.action === 'upload' || r.action === 'download')) plannedBytes += r.size;
        sentBytes += r.transferredBytes;
        if (flags.json) io.stdout.write(jsonLine(treeJson(r, plan.direction)));
        else if (r.dryRun && !flags.quiet) {
          const verbText = r.action === 'skip' ? 'would skip' : `would ${r.action}`;
          const line = `${verbText} ${shown(r.action === 'delete' && plan.direction === 'upload' ? `oss://${r.bucket}/${r.key}` : r.file || r.rel)} (${r.reason})\n`;
          if (bar) bar.note(line);
          else io.stdout.write(line);
        }
      };
      const partSize =
        settings.partSize !== undefined
          ? () => settings.partSize!
          : plan.direction === 'upload'
            ? defaultPartSize
            : defaultRangeSize;
      const opts: TreeOptions = {
        dir: plan.dir,
        bucket: remote.bucket,
        prefix: remote.key,
        jobs: tree.jobs,
        parallel: settings.parallel ?? DEFAULT_PARALLEL,
        partSize,
        checkpointDir:
          flags.checkpoint === false ? false : (flags.checkpointDir ?? path.join(ossupHome(io.env), 'checkpoints')),
        endpointId: session.endpointId,
        filters: tree.filters,
        mode: verb === 'sync' ? 'sync' : 'copy',
        checksum: flags.checksum === true,
        delete: flags.delete === true,
        dryRun: flags.dryRun === true,
        followSymlinks: flags.followSymlinks === true,
        meta: settings.meta,
        contentType: flags.contentType,
        acl: flags.acl,
        storageClass: flags.storageClass,
        tagging: flags.tagging,
        trafficLimit: settings.trafficLimitBitsPerSecond,
        onEvent,
      };
      const controller = new AbortController();
      const uninstall = interruptOnSignals(controller, io.stderr, () => bar?.stop());
      const action = `${verb} ${plan.direction === 'upload' ? `${src} to ${where}` : `${where} to ${dst}`}`;
      bar?.start();
      let interrupted = false;
      const started = Date.now();
      try {
        await runTree(session.client, plan.direction, { ...opts, signal: controller.signal });
      } catch (err) {
        if (controller.signal.aborted && err instanceof AbortedError) interrupted = true;
        else {
          bar?.stop();
          throw new ActionFailed(action, err, remote.bucket);
        }
      } finally {
        bar?.stop();
        uninstall();
      }
      const seconds = (Date.now() - started) / 1000;
      if (!interrupted && !flags.json && !flags.quiet) {
        io.stdout.write(
          summaryLine(
            tracker,
            plan.direction,
            flags.dryRun === true ? plannedBytes : sentBytes,
            flags.dryRun === true,
            seconds,
          ),
        );
      }
      if (failures.length > 0) {
        io.stderr.write(`ossup: ${failures.length} file${failures.length === 1 ? '' : 's'} failed:\n`);
        for (const f of failures) io.stderr.write(`${failureLine(f)}\n`);
        if (!interrupted) {
          const kept = flags.delete ? '; nothing was deleted' : '';
          io.stderr.write(`hint: rerun the same command to retry only these (what is done is skipped)${kept}\n`);
        }
      }
      if (interrupted) {
        const done = `${tracker.transferred} file${tracker.transferred === 1 ? '' : 's'} done, ${tracker.skipped} up to date`;
        const next =
          flags.checkpoint === false
            ? 'no checkpoints (--no-checkpoint): files in flight start over when the same command is rerun'
            : 'large files in flight keep their checkpoints; rerun the same command to resume';
        io.stderr.write(`ossup: interrupted: ${done}; ${next}\n`);
        return EXIT_INTERRUPTED;
      }
      if (failures.length > 0) return EXIT_FAILED;
      return EXIT_OK;
    },
    tree.connections,
  );
}

/** The one summary: `uploaded 3 files (1.2 MiB in 0.4 s), 2 up to date, deleted 1, 1 failed`. */
function summaryLine(
  t: TreeTracker,
  direction: 'upload' | 'download',
  bytes: number,
  dryRun: boolean,
  seconds: number,
): string {
  const verb = dryRun ? `would ${direction}` : direction === 'upload' ? 'uploaded' : 'downloaded';
  const parts = [
    `${verb} ${t.transferred} file${t.transferred === 1 ? '' : 's'} (${dryRun ? formatBytes(bytes) : `${formatBytes(bytes)} in ${formatSeconds(seconds)}`})`,
    `${t.skipped} up to date`,
    ...(t.deleted > 0 ? [`${dryRun ? 'would delete' : 'deleted'} ${t.deleted}`] : []),
    ...(t.failed > 0 ? [`${t.failed} failed`] : []),
  ];
  return `${parts.join(', ')}\n`;
}
