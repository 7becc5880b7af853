import { CommanderError } from 'commander';
import { OssupError, ServiceError } from '../core/errors.js';
import { ParseError } from './size.js';
import { UsageError } from './usage-error.js';
import { shownLines } from './shown.js';

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
function hintFor(code: string, ctx: { bucket?: string; action?: string }): string | undefined {
  switch (code) {
    case 'NoSuchBucket':
      // Creating the bucket is the answer for a command that needs it, not for one removing it.
      return ctx.bucket && !ctx.action?.startsWith('removing bucket')
        ? `create it with: ossup mb oss://${ctx.bucket}`
        : 'check the bucket name (ossup ls lists them)';
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
      return "free some space on the destination's file system, then rerun the same command to resume";
    case 'CallbackFailed':
      return 'the object was stored, but the callback server did not answer 200 with JSON';
    case 'AddressInUse':
      return 'another process is listening there; choose another --port, or --port 0 for a free one';
    case 'ResponseHeadersTooLarge':
      return 'no client can read this object as it is; ossup rm can still delete it, or a new upload replace it';
    case 'InvalidArgument':
      return 'fix the value named above; ossup help <command> lists the arguments and flags';
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
  const message =
    errno && err.message.endsWith(`: ${errno}`) && err.cause.message.startsWith(errno)
      ? err.message.slice(0, -(errno.length + 2))
      : err.message;
  return `${message}: ${err.cause.message}`;
}

/** Error codes of a file-system call: the "check the path" hint fits these, not a socket's or TLS's. */
const FILE_CODES = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EISDIR',
  'ENOTDIR',
  'EEXIST',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EIO',
  'EXDEV',
  'ENAMETOOLONG',
  'ELOOP',
  'ETXTBSY',
  'EFBIG',
]);

/** Codes node gives a TLS connection that failed: a handshake that could not happen, or a certificate refused. */
function tlsFailure(err: Error): { reason: string; certificate: boolean } | undefined {
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  const certificate = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code);
  if (!certificate && code !== 'EPROTO' && !code.startsWith('ERR_SSL_') && !/SSL routines/.test(err.message))
    return undefined;
  // OpenSSL's text is `...:SSL routines:<function>:<reason>:<source file>:<line>:`; the reason is what helps.
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(err.message)?.[1] ?? err.message;
  return { reason: `${reason}${code ? `, ${code}` : ''}`, certificate };
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
    lines.push(`hint: ${err.hint ?? 'ossup help <command> shows its arguments and flags'}`);
  } else if (err instanceof ParseError) {
    lines.push(`ossup: ${err.message}`);
    lines.push('hint: ossup help <command> lists the flags and the values they take');
  } else if (err instanceof ServiceError) {
    const id = err.requestId ? `, request id ${err.requestId}` : '';
    lines.push(`${prefix}${err.message} (${err.code}, HTTP ${err.status}${id})`);
    lines.push(`hint: ${hintFor(err.code, ctx) ?? 'the service refused the request; the message above says why'}`);
  } else if (err instanceof OssupError) {
    lines.push(`${prefix}${withCause(err)} (${err.code})`);
    lines.push(`hint: ${hintFor(err.code, ctx) ?? 'rerun with --debug for the details'}`);
  } else if (err instanceof Error && tlsFailure(err)) {
    const tls = tlsFailure(err)!;
    lines.push(`${prefix}the TLS connection to the endpoint failed (${tls.reason})`);
    lines.push(
      tls.certificate
        ? "hint: the endpoint's certificate was not accepted; check the host name, or trust a private CA with NODE_EXTRA_CA_CERTS"
        : 'hint: the endpoint may speak plain HTTP (an endpoint without a scheme gets https://); write it as http://host:port',
    );
  } else if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    lines.push(`${prefix}${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`);
    if (typeof code === 'string' && FILE_CODES.has(code))
      lines.push('hint: a local file operation failed; check the path, its permissions and free space');
    else if (typeof code === 'string' && code.startsWith('E'))
      lines.push(`hint: a system call failed (${code}); rerun with --debug for the details`);
    else if (!ctx.debug)
      lines.push('hint: this looks like a bug in ossup; rerun with --debug and report the stack trace');
  } else {
    lines.push(`${prefix}${String(err)}`);
  }
  if (ctx.debug && err instanceof Error && err.stack) lines.push(err.stack);
  // Messages carry keys and file names: their control characters are shown escaped, never acted on.
  return `${lines.map(shownLines).join('\n')}\n`;
}

/** Wraps an error with what the command was doing, for the first line of the message ("upload of a to b failed"). */
export class ActionFailed extends Error {
  constructor(
    readonly action: string,
    readonly error: unknown,
    readonly bucket?: string,
  ) {
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
