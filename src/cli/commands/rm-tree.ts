// `ossup rm -r oss://bucket/prefix/`: every object under the prefix, 1,000 keys a request.
import { AbortedError } from '../../core/errors.js';
import { deletePrefix, folderPrefix, type TreeFailure, type TreeFileResult } from '../../transfer/tree/index.js';
import { confirmOrRefuse } from '../confirm.js';
import { ActionFailed, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { formatOssUrl, parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { interruptOnSignals } from '../signals.js';
import { filterRules, type FilterFlags } from '../tree-options.js';
import { UsageError } from '../usage-error.js';
import { refuseSelectFlags, selectSettings, type SelectFlags } from '../select-options.js';
import { checkName } from './names.js';
import { failureLine, treeJson } from './tree-output.js';
import { shown } from '../shown.js';

export type RmFlags = CommonOptions & FilterFlags & SelectFlags & { recursive?: boolean; force?: boolean };

export async function rmTreeCommand(url: string, flags: RmFlags, io: Io): Promise<number> {
  const target = parseOssUrl(url);
  checkName(target.bucket);
  const filters = filterRules(flags);
  const select = selectSettings(flags);
  const prefix = folderPrefix(target.key);
  const where = formatOssUrl({ bucket: target.bucket, key: prefix });
  if (prefix === '' && filters.length === 0 && !select && !flags.dryRun) {
    // Emptying a whole bucket: asked first on a terminal (as ossutil does), refused off one without --force.
    const what = `rm -r ${where} deletes every object in the bucket`;
    if (!(await confirmOrRefuse(io, what, flags.force))) {
      io.stderr.write('ossup: not confirmed; nothing was deleted\n');
      return EXIT_FAILED;
    }
  }
  return withSession(flags, io, async (session) => {
    const failures: TreeFailure[] = [];
    const counter = deleteCounter(io, flags);
    const onDone = (r: TreeFileResult) => {
      counter.add();
      if (flags.json) io.stdout.write(jsonLine(treeJson(r, 'delete')));
      else if (r.dryRun && !flags.quiet) io.stdout.write(`would delete ${shown(`oss://${r.bucket}/${r.key}`)}\n`);
    };
    const controller = new AbortController();
    const uninstall = interruptOnSignals(controller, io.stderr);
    let result;
    try {
      result = await deletePrefix(session.client, target.bucket, prefix, {
        filters,
        select,
        dryRun: flags.dryRun,
        signal: controller.signal,
        onDone,
        onFailed: (f) => failures.push(f),
      });
    } catch (err) {
      if (controller.signal.aborted && err instanceof AbortedError) {
        io.stderr.write('ossup: interrupted; objects already deleted stay deleted, rerun to delete the rest\n');
        return EXIT_INTERRUPTED;
      }
      throw new ActionFailed(`rm -r ${where}`, err, target.bucket);
    } finally {
      uninstall();
      counter.clear();
    }
    if (!flags.json && !flags.quiet) {
      io.stdout.write(
        `${flags.dryRun ? 'would delete' : 'deleted'} ${result.deleted} object${result.deleted === 1 ? '' : 's'} under ${where}\n`,
      );
    }
    if (failures.length > 0) {
      io.stderr.write(`ossup: ${failures.length} object${failures.length === 1 ? '' : 's'} not deleted:\n`);
      for (const f of failures) io.stderr.write(`${failureLine(f)}\n`);
      io.stderr.write('hint: rerun the same command to retry them\n');
      return EXIT_FAILED;
    }
    return EXIT_OK;
  });
}

/** The filter flags without -r: an error rather than a silent single delete. */
export function refuseFilterFlags(flags: RmFlags): void {
  for (const [v, flag] of [
    [flags.include, '--include'],
    [flags.exclude, '--exclude'],
    [flags.dryRun, '--dry-run'],
  ] as const) {
    if (v !== undefined) throw new UsageError(`${flag} applies to rm -r (a whole prefix)`);
  }
  refuseSelectFlags(flags, 'add -r to delete the matching objects under a prefix');
}

/** On a terminal, a count of the objects deleted so far on stderr (a long delete is not silent), redrawn ~5 times a second. */
function deleteCounter(io: Io, flags: RmFlags): { add(): void; clear(): void } {
  const live = io.stderr.isTTY === true && !flags.quiet && !flags.json && !flags.dryRun;
  let n = 0;
  let drawn = 0;
  let shown = false;
  return {
    add() {
      n++;
      const now = Date.now();
      if (!live || now - drawn < 200) return;
      drawn = now;
      shown = true;
      io.stderr.write(`\r\x1b[Kdeleting: ${n} object${n === 1 ? '' : 's'} deleted`);
    },
    clear() {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}
