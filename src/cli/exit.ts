import { CommanderError } from 'commander';
import { OssupError, ServiceError } from '../core/errors.js';
import { ParseError } from './size.js';
import { UsageError } from './usage-error.js';

/** The exit codes are a contract for scripts (README, "Exit codes"). */
export const EXIT_OK = 0;
/** The operation failed: service, network, integrity, local I/O during the transfer. */
export const EXIT_FAILED = 1;
/** Usage or bad input found before any transfer. */
export const EXIT_USAGE = 2;
/** Interrupted by SIGINT/SIGTERM (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** Error codes of the library that mean "bad input", found before anything was sent. */
const USAGE_CODES = new Set(['InvalidArgument', 'InvalidBucketName', 'InvalidObjectName']);

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof ParseError) return EXIT_USAGE;
  if (err instanceof CommanderError) return EXIT_USAGE;
  if (err instanceof OssupError) {
    if (err.code === 'Aborted') return EXIT_INTERRUPTED;
    // A service answer of InvalidArgument happened after sending: that is a failed operation, not a usage error.
    if (!(err instanceof ServiceError) && USAGE_CODES.has(err.code)) return EXIT_USAGE;
  }
  return EXIT_FAILED;
}

/** What to do next, by error code: the second line of an error message. */
function hintFor(code: string, ctx: { bucket?: string }): string | undefined {
  switch (code) {
    case 'NoSuchBucket':
      return ctx.bucket ? `create it with: ossup mb oss://${ctx.bucket}` : 'check the bucket name (ossup ls lists them)';
    case 'NoSuchKey':
      return 'check the key (ossup ls oss://bucket/prefix lists objects)';
    case 'NoSuchUpload':
      return 'the upload was completed or aborted already; ossup uploads oss://bucket lists the open ones';
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
      return 'check OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (or ~/.ossutilconfig) for this endpoint';
    case 'AccessDenied':
      return 'the key is not allowed to do this; check its RAM policy and the bucket ACL';
    case 'RequestTimeTooSkewed':
      return 'the system clock is off by more than 15 minutes; fix it (e.g. enable NTP)';
    case 'FileAlreadyExists':
      return 'the object exists and --forbid-overwrite was given; choose another key or drop the flag';
    case 'BucketNotEmpty':
      return 'remove its objects first (ossup rm), and its unfinished uploads (ossup abort --all-older-than 0s)';
    case 'BucketAlreadyExists':
      return 'bucket names are global on OSS; choose another name';
    case 'NetworkError':
      return 'check the endpoint and the network; rerunning the same command resumes where it stopped';
    case 'IntegrityMismatch':
      return 'the bytes stored did not match the file; nothing was completed. Rerun the same command';
    case 'FileChanged':
      return 'the file changed while it was being uploaded; rerun when it no longer changes';
    case 'CheckpointLocked':
      return 'another ossup is uploading the same file to the same object; wait for it or stop it';
    case 'CheckpointUnusable':
      return 'check that the checkpoint directory is writable, or pass --checkpoint-dir / --no-checkpoint';
    case 'ObjectChanged':
      return 'the object was replaced during the transfer; rerun to transfer the new version';
    case 'InsufficientDiskSpace':
      return 'free some space on the destination\'s file system, then rerun the same command to resume';
    case 'CallbackFailed':
      return 'the object was stored, but the callback server did not answer 200 with JSON';
    default:
      return undefined;
  }
}

/**
 * The message, then the cause's when it adds something. Messages that end in the errno code (`...: EPERM`) would
 * read `EPERM: EPERM: operation not permitted` next to the cause's own text, so the code is said once.
 */
function withCause(err: OssupError): string {
  if (!(err.cause instanceof Error) || err.message.includes(err.cause.message)) return err.message;
  const errno = (err.cause as NodeJS.ErrnoException).code;
  const message = errno && err.message.endsWith(`: ${errno}`) && err.cause.message.startsWith(errno)
    ? err.message.slice(0, -(errno.length + 2)) : err.message;
  return `${message}: ${err.cause.message}`;
}

export interface ErrorContext {
  /** What was being done, for the first line: "upload of demo.bin to oss://b/k". */
  action?: string;
  bucket?: string;
  debug?: boolean;
}

/**
 * One or two plain lines: what failed and why (with the service code and request id when there is one), then
 * what to do. The stack only with --debug: people read the first two lines, and a trace hides them.
 */
export function renderError(err: unknown, ctx: ErrorContext): string {
  const lines: string[] = [];
  const prefix = ctx.action ? `ossup: ${ctx.action} failed: ` : 'ossup: ';
  if (err instanceof UsageError) {
    lines.push(`ossup: ${err.message}`);
    if (err.hint) lines.push(`hint: ${err.hint}`);
  } else if (err instanceof ParseError) {
    lines.push(`ossup: ${err.message}`);
  } else if (err instanceof ServiceError) {
    const id = err.requestId ? `, request id ${err.requestId}` : '';
    lines.push(`${prefix}${err.message} (${err.code}, HTTP ${err.status}${id})`);
    const hint = hintFor(err.code, ctx);
    if (hint) lines.push(`hint: ${hint}`);
  } else if (err instanceof OssupError) {
    lines.push(`${prefix}${withCause(err)} (${err.code})`);
    const hint = hintFor(err.code, ctx);
    if (hint) lines.push(`hint: ${hint}`);
  } else if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    lines.push(`${prefix}${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`);
    if (typeof code === 'string' && code.startsWith('E')) lines.push('hint: a local file operation failed; check the path, its permissions and free space');
    else if (!ctx.debug) lines.push('hint: this looks like a bug in ossup; rerun with --debug and report the stack trace');
  } else {
    lines.push(`${prefix}${String(err)}`);
  }
  if (ctx.debug && err instanceof Error && err.stack) lines.push(err.stack);
  return `${lines.join('\n')}\n`;
}

/** Wraps an error with what the command was doing, for the first line of the message ("upload of a to b failed"). */
export class ActionFailed extends Error {
  constructor(readonly action: string, readonly error: unknown, readonly bucket?: string) {
    super(`${action} failed`);
    this.name = 'ActionFailed';
  }
}

/** Runs `fn`, naming `action` in any error that escapes (usage errors pass through: they name themselves). */
export async function doing<T>(action: string, bucket: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ActionFailed) throw err;
    throw new ActionFailed(action, err, bucket);
  }
}
