// `ossup cp - oss://bucket/key` (standard input to an object), `ossup cp oss://bucket/key -` and `ossup cat` (an
// object to standard output). A stream cannot be replayed, so neither direction keeps a checkpoint or resumes:
// an interrupted upload is aborted on the server, and standard output carries only the object's bytes (the summary
// and --json line go to stderr when stdout is the data).
import { once } from 'node:events';
import { basename } from 'node:path';
import { createWriteStream, fstatSync } from 'node:fs';
import { pipeline, type Readable, type Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { AbortedError, IntegrityError } from '../../core/errors.js';
import { releaseBodyChunks } from '../../client/index.js';
import { downloadStream, uploadStream, type UploadResult } from '../../transfer/index.js';
import { ActionFailed, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { jsonLine, transferJson } from '../json.js';
import { checkCpOptions, objectWriteOptions, type CpFlags, type CpSettings } from '../options.js';
import { formatOssUrl, isOssUrl, parseOssUrl, type OssUrl } from '../oss-url.js';
import { MIN_DEFAULT_RANGE_SIZE, DEFAULT_PARALLEL } from '../defaults.js';
import { firstBucket, withSession, type Io } from '../session.js';
import { formatBytes } from '../size.js';
import { UsageError } from '../usage-error.js';
import { UPLOAD_ONLY } from './download.js';
import { checkName } from './names.js';
import { summary } from './transfer-run.js';
import { ProgressBar, TransferTracker, wantsBar } from '../progress.js';
import { StreamLine } from '../stream-line.js';

/** True when `cp` was given `-` on either side. */
export function isStreamCp(src: string, dst: string): boolean {
  return src === '-' || dst === '-';
}

/** `cp` with `-` on one side: checked completely before anything is read or sent (bad input is exit 2). */
export async function streamCpCommand(
  src: string,
  dst: string,
  flags: CpFlags,
  settings: CpSettings,
  io: Io,
): Promise<number> {
  if (src === '-' && dst === '-')
    throw new UsageError(
      '"-" on both sides: cp copies between standard input or output and OSS, not from stdin to stdout',
    );
  if (flags.recursive)
    throw new UsageError(
      '-r does not go with "-": a stream is one object',
      'drop -r, or give a directory instead of "-"',
    );
  // --no-checkpoint is what a stream does anyway; a checkpoint file or directory would promise a resume.
  if (typeof flags.checkpoint === 'string' || flags.checkpointDir !== undefined) {
    throw new UsageError('--checkpoint and --checkpoint-dir do not go with "-": a stream cannot be resumed');
  }
  if (flags.range !== undefined)
    throw new UsageError('--range does not go with "-" (yet); download to a file for a range');
  if (flags.versionId !== undefined)
    throw new UsageError('--version-id does not go with "-" (yet); download the version to a file');
  if (src === '-') {
    if (!isOssUrl(dst)) throw new UsageError(`"${dst}" is not an OSS URL`, 'write: ossup cp - oss://bucket/key');
    return stdinToObject(parseOssUrl(dst), flags, settings, io);
  }
  if (!isOssUrl(src)) throw new UsageError(`"${src}" is not an OSS URL`, 'write: ossup cp oss://bucket/key -');
  return objectToStdout(parseOssUrl(src), flags, settings, io);
}

/** `ossup cat oss://bucket/key`: the object on standard output. */
export async function catCommand(url: string, flags: CpFlags, io: Io): Promise<number> {
  return streamCpCommand(url, '-', flags, checkCpOptions(flags), io);
}

/**
 * Ctrl-C for a stream: the first signal cancels (the engine aborts the upload on the server); a second one says
 * that is under way; a third exits at once, leaving the upload for `ossup uploads` / `ossup abort` to find.
 */
function cancelOnSignals(controller: AbortController, stderr: NodeJS.WriteStream): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) controller.abort(new Error('interrupted'));
    else if (count === 2)
      stderr.write(
        '\nossup: still cleaning up (aborting the upload on the server); Ctrl-C again to exit now and leave it\n',
      );
    else process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

async function stdinToObject(dst: OssUrl, flags: CpFlags, settings: CpSettings, io: Io): Promise<number> {
  if (dst.key === '' || dst.key.endsWith('/'))
    throw new UsageError(
      `"${formatOssUrl(dst)}" names no object: standard input has no file name to keep`,
      'write oss://bucket/key',
    );
  checkName(dst.bucket, dst.key);
  if (flags.callbackUrl !== undefined)
    throw new UsageError('--callback-url does not go with "-" (yet): upload a file for a callback');
  const fixed = settings.partSize;
  if (fixed !== undefined && settings.expectedSize !== undefined && settings.expectedSize > fixed * 10_000) {
    throw new UsageError(
      `--expected-size ${formatBytes(settings.expectedSize)} does not fit in 10,000 parts of --part-size ${formatBytes(fixed)}`,
      'drop --part-size (parts then grow with the stream) or give a larger one',
    );
  }
  const action = `upload of standard input to ${formatOssUrl(dst)}`;
  return withSession(flags, io, async (session) => {
    await firstBucket(session, dst.bucket, io, flags.quiet);
    const controller = new AbortController();
    const uninstall = cancelOnSignals(controller, io.stderr);
    const started = performance.now();
    let partsDone = 0;
    let r: UploadResult;
    const stdin = (io.stdin ?? process.stdin) as Readable;
    const live = wantsBar(io.stderr, { progress: flags.progress, quiet: flags.quiet === true }, io.env)
      ? new StreamLine(`standard input to ${formatOssUrl(dst)}`, io.stderr)
      : undefined;
    // Counted on its way to the upload only when drawn (a pass-through costs a little per chunk).
    const source = live ? pipeline(stdin, live.counter(), () => {}) : stdin;
    live?.start();
    try {
      r = await uploadStream(session.client, source, {
        bucket: dst.bucket,
        key: dst.key,
        partSize: settings.partSize,
        expectedSize: settings.expectedSize,
        concurrency: settings.parallel ?? DEFAULT_PARALLEL,
        ...objectWriteOptions(flags, settings),
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'part') partsDone = Math.max(partsDone, e.partsDone);
          if (live) live.parts = partsDone;
        },
      });
      live?.stop();
    } catch (err) {
      live?.stop();
      if (controller.signal.aborted && err instanceof AbortedError) {
        io.stderr.write(
          `\nossup: interrupted after ${partsDone} part${partsDone === 1 ? '' : 's'} sent; a stream cannot be resumed, ` +
            'so the upload was aborted on the server (nothing is left behind); rerun the whole pipeline\n',
        );
        return EXIT_INTERRUPTED;
      }
      throw new ActionFailed(action, err, dst.bucket);
    } finally {
      uninstall();
    }
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) io.stdout.write(jsonLine(transferJson('upload', r, seconds)));
    else if (!flags.quiet) io.stdout.write(`uploaded standard input to ${formatOssUrl(dst)}: ${summary(r, seconds)}\n`);
    return EXIT_OK;
  });
}

/**
 * Standard output when it is a regular file (`> file`), written on the thread pool: node writes stdout synchronously,
 * which cost a download to a file ~0.5 s of the event loop per GiB, the loop that also reads the sockets and takes
 * the CRC-64 (BENCHMARKS.md, issue 14). Writes go at the file's current offset, so `>>` appends. Pipes and
 * terminals keep process.stdout (a reader that is slower than the download is what paces it there).
 */
function fileStdout(io: Io): Writable | undefined {
  if (io.stdout !== process.stdout || !isFile(1)) return undefined;
  return createWriteStream('', { fd: 1, autoClose: false, highWaterMark: 4 * 1024 * 1024 });
}

function isFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

async function objectToStdout(src: OssUrl, flags: CpFlags, settings: CpSettings, io: Io): Promise<number> {
  for (const [field, flag] of UPLOAD_ONLY) {
    if (flags[field] !== undefined) throw new UsageError(`${flag} applies to uploads; this is a download`);
  }
  if (settings.expectedSize !== undefined)
    throw new UsageError('--expected-size applies to cp - oss://... (standard input)');
  if (src.key === '' || src.key.endsWith('/'))
    throw new UsageError(`"${formatOssUrl(src)}" names no object; write oss://bucket/key`);
  checkName(src.bucket, src.key);
  const action = `download of ${formatOssUrl(src)} to standard output`;
  return withSession(flags, io, async (session) => {
    const controller = new AbortController();
    const uninstall = cancelOnSignals(controller, io.stderr);
    const started = performance.now();
    let written = 0;
    let result: Parameters<typeof transferJson>[1] | undefined;
    // The live bar goes to stderr, and only when stdout is not the same terminal (the object's bytes would be
    // drawn over): `cp oss://b/k - > file` or `| zcat` shows it, `cat` to a screen does not.
    const tracker = new TransferTracker();
    const bar =
      !io.stdout.isTTY && wantsBar(io.stderr, { progress: flags.progress, quiet: flags.quiet === true }, io.env)
        ? // Into a pipe (`| tar tf -`) the bar is erased at the end: the pipeline's own output follows on the
          // same terminal, and a last frame would land in the middle of it.
          new ProgressBar(tracker, basename(src.key), io.stderr, !isFile(1))
        : undefined;
    try {
      const stream = downloadStream(session.client, {
        bucket: src.bucket,
        key: src.key,
        partSize: settings.partSize ?? MIN_DEFAULT_RANGE_SIZE,
        concurrency: settings.parallel ?? DEFAULT_PARALLEL,
        trafficLimit: settings.trafficLimitBitsPerSecond,
        signal: controller.signal,
        onProgress: (e) => {
          tracker.onEvent(e);
          bar?.onEvent(e);
          if (e.type === 'complete') result = e.result;
        },
      });
      const file = fileStdout(io);
      const out: NodeJS.WritableStream = file ?? io.stdout;
      let failed: Error | undefined;
      file?.on('error', (err) => (failed = err));
      // Once written, a chunk is read by nothing: its memory may take later socket reads (only for the process's own
      // stdout or file, which keep nothing after the write's callback).
      const ours = file !== undefined || io.stdout === process.stdout;
      for await (const chunk of stream) {
        if (failed) throw failed;
        const c = chunk as Buffer;
        written += c.length;
        const more = ours ? out.write(c, () => releaseBodyChunks([c])) : out.write(c);
        if (!more) await once(out, 'drain'); // rejects if the write fails meanwhile
      }
      if (file)
        await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (failed) throw failed;
      bar?.stop('complete');
    } catch (err) {
      const hadBar = bar?.active === true;
      bar?.stop();
      if (controller.signal.aborted && err instanceof AbortedError) {
        io.stderr.write(
          `${hadBar ? '' : '\n'}ossup: interrupted after ${formatBytes(written)} written to standard output (the rest was not fetched)\n`,
        );
        return EXIT_INTERRUPTED;
      }
      if (err instanceof IntegrityError && written > 0) {
        // The bytes cannot be called back: say plainly that what the reader got is not the object.
        io.stderr.write(
          `ossup: ${action} failed: ${err.message} (${err.code})\n` +
            `ossup: the ${formatBytes(written)} already written to standard output are NOT the object's bytes; discard them and rerun\n`,
        );
        return EXIT_FAILED;
      }
      throw new ActionFailed(action, err, src.bucket);
    } finally {
      uninstall();
    }
    const seconds = (performance.now() - started) / 1000;
    if (result && flags.json) io.stderr.write(jsonLine(transferJson('download', result, seconds)));
    return EXIT_OK;
  });
}
