// `ossup cp -r` (every way: up, down, between prefixes) and `ossup sync`: checks first (exit 2), then one tree run with the live line, one
// --json line per file, the failures listed at the end (exit 1), Ctrl-C kept resumable (exit 130).
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AbortedError } from '../../core/errors.js';
import { runTree } from '../../transfer/tree/run.js';
import {
  compileSelect,
  compileTreeFilter,
  type FilterRule,
  type TreeEvent,
  type TreeFailure,
  type TreeFileResult,
  type TreeOptions,
} from '../../transfer/tree/index.js';
import { walkLocal } from '../../transfer/tree/walk.js';
import { ossupHome } from '../config.js';
import { ActionFailed, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import { checkCpOptions, type CpFlags } from '../options.js';
import { formatOssUrl, isOssUrl, parseOssUrl, type OssUrl } from '../oss-url.js';
import { DEFAULT_PARALLEL, defaultPartSize, defaultRangeSize } from '../defaults.js';
import { firstBucket, withSession, type Io } from '../session.js';
import { interruptOnSignals } from '../signals.js';
import { checkTreeOptions, type TreeFlags } from '../tree-options.js';
import { headerSettings, type HeaderFlags } from '../header-options.js';
import { selectSettings, skipSettings, type SelectFlags, type SkipFlags } from '../select-options.js';
import { TreeBar, TreeTracker } from '../tree-progress.js';
import { wantsBar } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';
import { planCopy } from './tree-copy.js';
import { treeJson, failureLines, planLine, summaryLine, verboseLine } from './tree-output.js';
import { shown } from '../shown.js';
import { commandBudget, type TuningFlags, type TuningJson, tunedLine, tuningJson } from '../tuning.js';
import { startStats, statsInterval } from '../stats.js';
import { treeFileStarting } from '../v8-flags.js';

export type TreeCommandFlags = CpFlags & TreeFlags & SelectFlags & SkipFlags & HeaderFlags & { stats?: string };
/** `mv -r` is `cp -r` that removes each source once its copy is verified. */
type TreeVerb = 'cp -r' | 'sync' | 'mv -r';

/** Flags that describe the objects an upload writes; given to a download they would do nothing. */
const UPLOAD_ONLY: Array<[keyof TreeCommandFlags, string]> = [
  ['meta', '--meta'],
  ['contentType', '--content-type'],
  ['acl', '--acl'],
  ['storageClass', '--storage-class'],
  ['tagging', '--tagging'],
  ['followSymlinks', '--follow-symlinks'],
  ['cacheControl', '--cache-control'],
  ['contentEncoding', '--content-encoding'],
  ['contentDisposition', '--content-disposition'],
  ['expires', '--expires'],
];

interface Plan {
  direction: 'upload' | 'download' | 'copy';
  dir: string;
  /** The destination prefix of a copy; else the prefix uploaded to or downloaded from. */
  remote: OssUrl;
  /** A copy between prefixes: the source prefix. */
  source?: OssUrl;
}

/** Whether the walk finds at least one selected file (it stops at the first). */
async function hasFile(dir: string, flags: TreeCommandFlags, filters: FilterRule[]): Promise<boolean> {
  const { keep, prune: pruneGlobs } = compileTreeFilter(filters);
  const sel = compileSelect(selectSettings(flags));
  const prune = (d: string) => pruneGlobs(d) || sel.prune(d);
  for await (const e of walkLocal(dir, { followSymlinks: flags.followSymlinks, prune }))
    if (e.error === undefined && keep(e.rel) && sel.keep(e.rel, e.size, e.mtimeMs)) return true;
  return false;
}

/** Works out the direction and checks both ends; everything wrong here is a usage error, found before any request. */
async function planTree(
  src: string,
  dst: string,
  verb: TreeVerb,
  flags: TreeCommandFlags,
  filters: FilterRule[],
): Promise<Plan> {
  const srcOss = isOssUrl(src);
  const dstOss = isOssUrl(dst);
  if (srcOss && dstOss) return { direction: 'copy', dir: '', ...planCopy(src, dst, verb, flags) };
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
    if (verb !== 'sync' && !(await hasFile(src, flags, filters))) {
      throw new UsageError(
        `${src} holds no files to upload${filters.length > 0 || selectSettings(flags) ? ' that the filters select' : ''}`,
      );
    }
    return { direction: 'upload', dir: resolve(src), remote };
  }
  for (const [field, flag] of UPLOAD_ONLY)
    if (flags[field] !== undefined) throw new UsageError(`${flag} applies to uploads; this is a download`);
  const remote = parseOssUrl(src);
  checkName(remote.bucket);
  const st = await stat(dst).catch(() => undefined);
  if (st && !st.isDirectory()) {
    throw new UsageError(
      `${dst} is an existing file; ${verb} downloads a prefix into a directory`,
      'give a directory (it is created if missing)',
    );
  }
  return { direction: 'download', dir: resolve(dst), remote };
}

export async function treeCommand(
  src: string,
  dst: string,
  verb: TreeVerb,
  flags: TreeCommandFlags,
  io: Io,
): Promise<number> {
  const settings = checkCpOptions(flags);
  const tree = checkTreeOptions(flags);
  const select = selectSettings(flags);
  const skip = skipSettings(flags);
  const headers = headerSettings(flags);
  const stats = statsInterval(flags.stats);
  const plan = await planTree(src, dst, verb, flags, tree.filters);
  const { remote } = plan;
  if (flags.snapshotPath !== undefined && flags.snapshot === false)
    throw new UsageError('--snapshot-path and --no-snapshot contradict each other; give one');
  if (flags.snapshotPath !== undefined && plan.direction === 'copy')
    throw new UsageError(
      '--snapshot-path applies to a sync with a local directory; a copy between prefixes keeps none',
    );
  return withSession(
    flags,
    io,
    async (session) => {
      if (plan.direction !== 'download' && !flags.dryRun) await firstBucket(session, remote.bucket, io, flags.quiet);
      const out = new TreeOutput(plan, flags, io);
      // Uploads and downloads follow one budget tuned to the link; --jobs, --parallel, --part-size and --connections
      // still fix theirs. A copy moves no bytes through this link: its files and parts stay fixed.
      const tuned: TuningFlags = {
        parallel: settings.parallel,
        jobs: flags.jobs !== undefined ? tree.jobs : undefined,
        partSize: settings.partSize,
        connections: flags.connections !== undefined ? tree.connections : undefined,
      };
      const budget =
        plan.direction === 'copy' || flags.dryRun ? undefined : commandBudget(session.client, 'tree', tuned);
      if (budget) out.tuning = () => tuningJson(budget.tuning(), tuned);
      const opts: TreeOptions = {
        ...treeOptions(plan, verb, flags, settings, io),
        ...(budget ? { jobs: tuned.jobs, budget } : { jobs: tree.jobs }),
        endpointId: session.endpointId,
        filters: tree.filters,
        select,
        ...skip,
        headers,
        onEvent: (e) => out.onEvent(e),
      };
      const controller = new AbortController();
      const uninstall = interruptOnSignals(controller, io.stderr, () => out.bar?.stop());
      out.bar?.start();
      const stopStats = startStats(stats, out.tracker, (text) => out.note(text));
      let interrupted = false;
      const started = Date.now();
      try {
        await runTree(session.client, plan.direction, { ...opts, signal: controller.signal });
      } catch (err) {
        if (controller.signal.aborted && err instanceof AbortedError) interrupted = true;
        else {
          out.bar?.stop();
          throw new ActionFailed(actionName(verb, plan, src, dst), err, plan.source?.bucket ?? remote.bucket);
        }
      } finally {
        out.bar?.stop();
        stopStats();
        uninstall();
      }
      return out.finish(verb, interrupted, (Date.now() - started) / 1000);
    },
    tree.connections,
  );
}

/** The tree run's options that come straight from the plan and the flags. */
function treeOptions(
  plan: Plan,
  verb: TreeVerb,
  flags: TreeCommandFlags,
  settings: ReturnType<typeof checkCpOptions>,
  io: Io,
): Omit<TreeOptions, 'jobs' | 'endpointId' | 'filters' | 'select' | 'headers' | 'onEvent'> {
  // A copy without --part-size: one CopyObject up to 1 GiB, then parts sized by copyObject.
  const partSize =
    settings.partSize !== undefined
      ? () => settings.partSize!
      : plan.direction === 'upload'
        ? defaultPartSize
        : plan.direction === 'download'
          ? defaultRangeSize
          : undefined;
  return {
    dir: plan.dir,
    bucket: plan.remote.bucket,
    prefix: plan.remote.key,
    sourceBucket: plan.source?.bucket,
    sourcePrefix: plan.source?.key,
    parallel: settings.parallel ?? DEFAULT_PARALLEL,
    partSize,
    checkpointDir: flags.checkpoint === false ? false : (flags.checkpointDir ?? join(ossupHome(io.env), 'checkpoints')),
    mode: verb === 'sync' ? 'sync' : 'copy',
    checksum: flags.checksum === true,
    snapshotDir: snapshotDir(plan, verb, flags, io),
    delete: flags.delete === true,
    removeSource: verb === 'mv -r',
    dryRun: flags.dryRun === true,
    followSymlinks: flags.followSymlinks === true,
    meta: settings.meta,
    contentType: flags.contentType,
    acl: flags.acl,
    storageClass: flags.storageClass,
    tagging: flags.tagging,
    trafficLimit: settings.trafficLimitBitsPerSecond,
    contentMd5: flags.contentMd5 === true,
  };
}

/** Where a sync up or down keeps its snapshot: --snapshot-path, else $OSSUP_HOME/snapshots; none with --no-snapshot. */
function snapshotDir(plan: Plan, verb: TreeVerb, flags: TreeCommandFlags, io: Io): string | false {
  if (verb !== 'sync' || flags.snapshot === false || plan.direction === 'copy') return false;
  return flags.snapshotPath ?? join(ossupHome(io.env), 'snapshots');
}

/** `cp -r ./d to oss://b/p/`: what failed, for the one error line. */
function actionName(verb: TreeVerb, plan: Plan, src: string, dst: string): string {
  const where = formatOssUrl(plan.remote);
  const what =
    plan.direction === 'upload'
      ? `${src} to ${where}`
      : plan.direction === 'download'
        ? `${where} to ${dst}`
        : `${formatOssUrl(plan.source!)} to ${where}`;
  return `${verb} ${what}`;
}

/** What a tree run shows while it runs (the bar, --json lines, the plan of a dry run) and once it ends. */
class TreeOutput {
  readonly tracker = new TreeTracker();
  readonly bar: TreeBar | undefined;
  private readonly failures: TreeFailure[] = [];
  private plannedBytes = 0;
  private sentBytes = 0;
  /** What the budget chose, when the tree runs on one (uploads and downloads): each file's line and the summary say. */
  tuning?: () => TuningJson;

  constructor(
    private readonly plan: Plan,
    private readonly flags: TreeCommandFlags,
    private readonly io: Io,
  ) {
    const wanted = wantsBar(io.stderr, { progress: flags.progress, quiet: flags.quiet === true }, io.env);
    this.bar = wanted ? new TreeBar(this.tracker, io.stderr) : undefined;
  }

  /** A line to stderr, above the bar when there is one. */
  note(text: string): void {
    if (this.bar) this.bar.note(text);
    else this.io.stderr.write(text);
  }

  onEvent(e: TreeEvent): void {
    const { flags } = this;
    if (e.type === 'file-start') treeFileStarting(e.size);
    this.tracker.onEvent(e);
    if (e.type === 'done') {
      this.report(e.result);
      if (flags.verbose && !flags.quiet && !flags.json && !e.result.dryRun) this.note(verboseLine(e.result));
    } else if (e.type === 'failed') this.failures.push(e.failure);
    else if (e.type === 'symlink' && !flags.quiet) this.note(`ossup: skipped ${shown(e.path)}: ${e.reason}\n`);
    else if (e.type === 'warning' && !flags.quiet) this.note(`ossup: warning: ${e.message}\n`);
  }

  private report(r: TreeFileResult): void {
    const { io } = this;
    if (r.dryRun && r.action !== 'skip' && r.action !== 'delete') this.plannedBytes += r.size;
    this.sentBytes += r.transferredBytes;
    if (this.flags.json) {
      const moved = this.tuning && !r.dryRun && (r.action === 'upload' || r.action === 'download');
      io.stdout.write(jsonLine({ ...treeJson(r, this.plan.direction), ...(moved ? { tuning: this.tuning!() } : {}) }));
    } else if (r.dryRun && r.action !== 'skip') {
      // The plan is the result of a dry run, so -q keeps it; what is up to date is only counted (summary line).
      const line = `${planLine(r, this.plan.direction)}\n`;
      if (this.bar) this.bar.note(line, io.stdout);
      else io.stdout.write(line);
    }
  }

  /** The summary, the failures with a hint, or the interruption; the exit code. */
  finish(verb: TreeVerb, interrupted: boolean, seconds: number): number {
    const { flags, io, tracker, failures } = this;
    const dryRun = flags.dryRun === true;
    if (!interrupted && !flags.json && !flags.quiet) {
      const direction = verb === 'mv -r' ? 'move' : this.plan.direction;
      io.stdout.write(summaryLine(tracker, direction, dryRun ? this.plannedBytes : this.sentBytes, dryRun, seconds));
      if (this.tuning && tracker.transferred > 0) io.stdout.write(tunedLine(this.tuning()));
    }
    if (failures.length > 0) {
      io.stderr.write(`ossup: ${failures.length} file${failures.length === 1 ? '' : 's'} failed:\n`);
      const { lines, retryable } = failureLines(failures);
      for (const line of lines) io.stderr.write(`${line}\n`);
      if (!interrupted) {
        const kept = flags.delete ? '; nothing was deleted' : '';
        io.stderr.write(
          retryable
            ? `hint: rerun the same command to retry only these (what is done is skipped)${kept}\n`
            : `hint: move or remove the blocking file${lines.length === 1 ? '' : 's'} (or download elsewhere), then rerun the same command${kept}\n`,
        );
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
    return failures.length > 0 ? EXIT_FAILED : EXIT_OK;
  }
}
