import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AbortedError } from '../../core/errors.js';
import { checkpointFileName } from '../../transfer/checkpoint/store.js';
import type { TransferEvent } from '../../transfer/index.js';
import { nowMs } from '../clock.js';
import { ossupHome } from '../config.js';
import { ActionFailed } from '../exit.js';
import type { CpFlags } from '../options.js';
import { ProgressBar, TransferTracker, wantsBar } from '../progress.js';
import type { Io, Session } from '../session.js';
import { formatBytes, formatSeconds } from '../size.js';
import { interruptOnSignals } from '../signals.js';

/** One transfer as the command drives it; `start` calls the engine with the listener and the signal. */
export interface TransferSpec<R> {
  direction: 'upload' | 'download' | 'copy';
  /** Name on the progress bar. */
  label: string;
  /** For the error line: "upload of a to oss://b/k". */
  action: string;
  bucket: string;
  /** Object size in bytes (file size for uploads). */
  size: number;
  checkpoint: string | false;
  start(onProgress: (e: TransferEvent) => void, signal: AbortSignal): Promise<R>;
}

/** `used`: the part size the engine reported in its start event, and whether it resumed a checkpoint. */
export type TransferOutcome<R> =
  | { result: R; seconds: number; used?: { partSize?: number; resumed: boolean } }
  | { interrupted: true };

/**
 * The checkpoint option for the engine: a file path, or false. The CLI names the file itself, with the engine's
 * naming scheme but the session's endpoint id: for the embedded default that names its data directory, so two
 * OSSUP_HOMEs (both reached as http://localhost) never share a checkpoint.
 */
export async function checkpointPath(
  flags: CpFlags,
  io: Io,
  session: Session,
  id: { file: string; bucket: string; key: string },
  suffix: '.ucp' | '.dcp' | '.ccp',
): Promise<string | false> {
  return withCheckpointDir(flags, checkpointName(flags, io, session, id, suffix));
}

/** `file` (checkpointName's answer) with its directory made, unless the user named the file (--checkpoint). */
export async function withCheckpointDir(flags: CpFlags, file: string | false): Promise<string | false> {
  if (file !== false && typeof flags.checkpoint !== 'string') await mkdir(dirname(file), { recursive: true });
  return file;
}

/** checkpointPath's answer without making its directory: where a checkpoint would be, or false. */
export function checkpointName(
  flags: CpFlags,
  io: Io,
  session: Session,
  id: { file: string; bucket: string; key: string },
  suffix: '.ucp' | '.dcp' | '.ccp',
): string | false {
  if (flags.checkpoint === false) return false;
  if (typeof flags.checkpoint === 'string') return flags.checkpoint;
  const dir = flags.checkpointDir ?? join(ossupHome(io.env), 'checkpoints');
  return join(dir, checkpointFileName({ ...id, endpoint: session.endpointId }, suffix));
}

/**
 * Runs one transfer with the live bar (TTY only), Ctrl-C semantics (first signal pauses and keeps the checkpoint,
 * second exits at once) and the one-line interrupt report.
 */
export async function driveTransfer<R>(spec: TransferSpec<R>, flags: CpFlags, io: Io): Promise<TransferOutcome<R>> {
  // The part size the engine chose (raised to stay within 10,000 parts, or a resume's) comes with its 'start' event.
  const tracker = new TransferTracker();
  const bar = wantsBar(io.stderr, { progress: flags.progress, quiet: flags.quiet === true }, io.env)
    ? new ProgressBar(tracker, basename(spec.label), io.stderr)
    : undefined;
  const controller = new AbortController();
  const uninstall = interruptOnSignals(controller, io.stderr, () => bar?.stop());
  const started = nowMs();
  let used: { partSize?: number; resumed: boolean } | undefined;
  try {
    const result = await spec.start((e) => {
      if (e.type === 'start') used = { partSize: e.partSize, resumed: e.resumedBytes > 0 };
      // An upload's parts may grow while it runs (upload/resume-feed.ts): it reports the largest it sent.
      if (e.type === 'part' && spec.direction === 'upload' && used && (e.size ?? 0) > (used.partSize ?? 0))
        used.partSize = e.size;
      if (e.type === 'start' && e.discarded && !flags.quiet) {
        // Said before the bar starts: a run that silently begins again from 0% looks like resume did not work.
        const why = e.discarded.startsWith('another ')
          ? `the earlier run's checkpoint is for ${e.discarded}`
          : e.discarded;
        io.stderr.write(`${bar?.active ? '\r\x1b[2K' : ''}ossup: warning: starting over: ${why}\n`);
      }
      tracker.onEvent(e);
      bar?.onEvent(e);
    }, controller.signal);
    bar?.stop('complete');
    return { result, seconds: (nowMs() - started) / 1000, used };
  } catch (err) {
    bar?.stop();
    if (controller.signal.aborted && err instanceof AbortedError) {
      io.stderr.write(interruptedLine(tracker, spec, flags.checkpoint === false));
      return { interrupted: true };
    }
    throw new ActionFailed(spec.action, err, spec.bucket);
  } finally {
    uninstall();
  }
}

/** Counts only what is confirmed: bytes of parts cut off in flight are not kept, so they are not claimed. */
function interruptedLine(t: TransferTracker, spec: TransferSpec<unknown>, noCheckpoint: boolean): string {
  const total = t.totalBytes || spec.size;
  const pct = total > 0 ? (t.confirmedBytes / total) * 100 : 0;
  const verb = { upload: 'uploaded', download: 'downloaded', copy: 'copied' }[spec.direction];
  const done = `${formatBytes(t.confirmedBytes)} of ${formatBytes(total)} ${verb} (${pct.toFixed(1)}%, ${t.partsDone}/${t.totalParts} parts)`;
  // A file of one request keeps no checkpoint either (cp.ts): there is nothing to resume.
  let next = 'rerun the same command to resume';
  if (spec.checkpoint === false)
    next = noCheckpoint
      ? 'there is no checkpoint (--no-checkpoint): rerunning starts over'
      : 'one request, nothing to resume: rerunning sends it again';
  // No blank line first: the bar, when there is one, already ended its line when it stopped (at the first signal).
  return `ossup: interrupted: ${done}; ${next}\n`;
}

/**
 * The end of the summary line, shared by both directions. After a resume it says what this run moved and what an
 * earlier run had (`76.0 MiB sent in 5.2 s (14.7 MiB/s), 180.0 MiB resumed; 256.0 MiB object, ...`): the rate is of
 * this run's bytes, so the object's size next to this run's time would read as a speed never reached.
 */
export function summary(
  r: { size: number; parts: number; resumedBytes: number; transferredBytes: number; etag: string; crc64: string },
  seconds: number,
  direction: TransferSpec<unknown>['direction'] = 'upload',
): string {
  // A copy made on the server moves no bytes through ossup: a rate would be the server's disk, not a link's speed.
  const rate =
    seconds > 0 && direction !== 'copy' ? ` (${formatBytes(Math.round(r.transferredBytes / seconds))}/s)` : '';
  const parts = `${r.parts} part${r.parts === 1 ? '' : 's'}`;
  const moved =
    r.resumedBytes > 0
      ? `${formatBytes(r.transferredBytes)} ${{ upload: 'sent', download: 'fetched', copy: 'copied' }[direction]} in ${formatSeconds(seconds)}${rate}, ` +
        `${formatBytes(r.resumedBytes)} resumed; ${formatBytes(r.size)} object, ${parts}`
      : `${formatBytes(r.size)} in ${formatSeconds(seconds)}${rate}, ${parts}`;
  return `${moved}; ETag ${r.etag}, CRC-64 ${r.crc64}`;
}
