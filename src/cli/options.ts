import { Option, type Command } from 'commander';
import { parseSize, ParseError } from './size.js';
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../core/limits.js';
import { MAX_PARALLEL } from './defaults.js';
import { UsageError } from './usage-error.js';
import { headerSettings, type HeaderFlags } from './header-options.js';

/** Flags every command that talks to OSS understands. */
export interface CommonOptions {
  endpoint?: string;
  region?: string;
  signature?: 'v1' | 'v4';
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  /** request-options.ts: --profile, -c/--config, --retries, --timeout, -v/--verbose, --bwlimit. */
  profile?: string;
  config?: string;
  retries?: string;
  timeout?: string;
  verbose?: boolean;
  bwlimit?: string;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option(
      '--endpoint <url>',
      'OSS endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com (default: $OSS_ENDPOINT, ~/.ossutilconfig, else the embedded server)',
    )
    .option(
      '--region <region>',
      'region for V4 signing, e.g. cn-hangzhou (default: $OSS_REGION, else from the endpoint)',
    )
    .addOption(new Option('--signature <version>', 'request signing').choices(['v1', 'v4']))
    .option('--json', 'print the result as JSON on stdout')
    .option('-q, --quiet', 'print nothing but errors (and --json output)')
    .option('--debug', 'print stack traces with errors');
}

/** A repeatable flag's values, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export const ACLS = ['private', 'public-read', 'public-read-write', 'default'] as const;
export const STORAGE_CLASSES = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'] as const;

/** The flags of `ossup cp`, as commander hands them over (all strings until checked by `checkCpOptions`). */
export interface CpFlags extends CommonOptions, HeaderFlags {
  recursive?: boolean;
  partSize?: string;
  parallel?: string;
  checkpointDir?: string;
  checkpoint?: string | false;
  meta?: string[];
  contentType?: string;
  acl?: (typeof ACLS)[number];
  storageClass?: (typeof STORAGE_CLASSES)[number];
  tagging?: string;
  forbidOverwrite?: boolean;
  callbackUrl?: string;
  callbackBody?: string;
  callbackBodyType?: string;
  callbackHost?: string;
  callbackVar?: string[];
  trafficLimit?: string;
  range?: string;
  expectedSize?: string;
  versionId?: string;
  progress: boolean;
}

export function addCpOptions(cmd: Command): Command {
  return addCommonOptions(
    cmd
      .option('-r, --recursive', 'a whole tree: every file under a directory, or every object under a prefix')
      .option(
        '--part-size <size>',
        'part size: bytes or 100KiB..5GiB (default: from the file size, at most ~1000 parts)',
      )
      .option('--parallel <n>', `parts in flight, 1..${MAX_PARALLEL} (default: 4)`)
      .option('--checkpoint-dir <dir>', 'directory for checkpoint files (default: $OSSUP_HOME/checkpoints)')
      .option('--checkpoint <file>', 'checkpoint file for this transfer')
      .option('--no-checkpoint', 'do not keep a checkpoint: an interrupted upload starts over')
      .option('--meta <k=v>', 'user metadata x-oss-meta-k (repeatable)', collect)
      .option('--content-type <type>', 'Content-Type (default: guessed from the file name)')
      .addOption(new Option('--acl <acl>', 'object ACL').choices(ACLS))
      .addOption(new Option('--storage-class <class>', 'storage class').choices(STORAGE_CLASSES))
      .option('--tagging <k=v&...>', 'object tags, URL-query form, e.g. "team=a&env=prod"')
      .option('--forbid-overwrite', 'fail instead of replacing an existing object')
      .option('--callback-url <url>', 'upload callback URL (OSS POSTs to it after the upload)')
      .option('--callback-body <body>', 'callback body template, e.g. "bucket=${bucket}&object=${object}"')
      .option('--callback-body-type <type>', 'application/x-www-form-urlencoded (default) or application/json')
      .option('--callback-host <host>', 'Host header of the callback request')
      .option('--callback-var <x:k=v>', 'custom callback variable ${x:k} (repeatable)', collect)
      .option(
        '--traffic-limit <rate>',
        'bandwidth cap per request in bytes/s with units, 100KiB..100MiB (x-oss-traffic-limit)',
      )
      .option(
        '--expected-size <size>',
        'cp - oss://...: about how many bytes standard input will bring (sizes the parts)',
      )
      .option('--range <a-b>', 'download only bytes a..b, inclusive ("a-" for the rest); checked by length, not CRC-64')
      .option(
        '--version-id <id>',
        'the source is this version of oss://bucket/key (ossup ls --versions): download it, or copy it on the server',
      )
      .option('--no-progress', 'no live progress bar'),
  );
}

/** Checked `cp` parameters, in the units the engine takes. */
export interface CpSettings {
  partSize?: number;
  parallel?: number;
  meta: Record<string, string>;
  trafficLimitBitsPerSecond?: number;
  callbackVars: Record<string, string>;
  /** --expected-size in bytes (streams from stdin). */
  expectedSize?: number;
}

/** The object's settings an upload takes from `cp` flags: one mapping for the file and the stdin upload. */
export function objectWriteOptions(flags: CpFlags, settings: CpSettings) {
  return {
    meta: settings.meta,
    contentType: flags.contentType,
    acl: flags.acl,
    storageClass: flags.storageClass,
    tagging: flags.tagging,
    forbidOverwrite: flags.forbidOverwrite,
    trafficLimit: settings.trafficLimitBitsPerSecond,
    headers: headerSettings(flags),
  };
}

function pairs(list: string[] | undefined, flag: string, keyPattern: RegExp, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    const k = eq > 0 ? item.slice(0, eq) : '';
    if (!keyPattern.test(k)) throw new UsageError(`${flag} "${item}" is not ${what}`);
    out[k] = item.slice(eq + 1);
  }
  return out;
}

/** Validates what commander cannot: sizes, ranges, k=v pairs. Every failure is a usage error (exit 2). */
export function checkCpOptions(flags: CpFlags): CpSettings {
  const settings: CpSettings = { meta: {}, callbackVars: {} };
  if (flags.partSize !== undefined) {
    const size = sizeFlag('--part-size', flags.partSize);
    if (size < MIN_PART_SIZE || size > MAX_PART_SIZE) {
      throw new UsageError(`--part-size ${flags.partSize} is out of range: OSS parts are 100KiB to 5GiB`);
    }
    settings.partSize = size;
  }
  if (flags.parallel !== undefined) settings.parallel = wholeNumberFlag('--parallel', flags.parallel, 1, MAX_PARALLEL);
  if (flags.checkpoint && flags.checkpointDir) {
    throw new UsageError('--checkpoint and --checkpoint-dir both name the checkpoint; give one of them');
  }
  settings.meta = pairs(
    flags.meta,
    '--meta',
    /^[A-Za-z0-9_.-]+$/,
    'k=v with a key of letters, digits, "-", "_" or "."',
  );
  settings.callbackVars = pairs(
    flags.callbackVar,
    '--callback-var',
    /^x:[a-z0-9_-]+$/,
    'x:k=v (lower-case key after "x:")',
  );
  if (flags.trafficLimit !== undefined) {
    const rate = sizeFlag('--traffic-limit', flags.trafficLimit);
    // OSS takes bits per second, 819200..838860800: that is 100 KiB/s to 100 MiB/s in bytes.
    if (rate < 100 * 1024 || rate > 100 * 1024 ** 2) {
      throw new UsageError(
        `--traffic-limit ${flags.trafficLimit} is out of range: 100KiB to 100MiB (bytes per second)`,
      );
    }
    settings.trafficLimitBitsPerSecond = rate * 8;
  }
  if (flags.expectedSize !== undefined) settings.expectedSize = sizeFlag('--expected-size', flags.expectedSize);
  if (flags.tagging !== undefined && !/^[^=&]+=[^&]*(&[^=&]+=[^&]*)*$/.test(flags.tagging)) {
    throw new UsageError(`--tagging "${flags.tagging}" is not k=v&k2=v2`);
  }
  const callbackGiven =
    flags.callbackBody !== undefined ||
    flags.callbackBodyType !== undefined ||
    flags.callbackHost !== undefined ||
    Object.keys(settings.callbackVars).length > 0;
  if (callbackGiven && !flags.callbackUrl) {
    throw new UsageError('callback options need --callback-url');
  }
  if (flags.callbackUrl && flags.callbackBody === undefined) {
    throw new UsageError('--callback-url needs --callback-body (e.g. "bucket=${bucket}&object=${object}")');
  }
  if (
    flags.callbackBodyType &&
    !['application/x-www-form-urlencoded', 'application/json'].includes(flags.callbackBodyType)
  ) {
    throw new UsageError('--callback-body-type must be application/x-www-form-urlencoded or application/json');
  }
  return settings;
}

/**
 * A whole-number flag from `min` to `max` (no upper bound when `max` is Infinity); a usage error naming the flag and
 * the range otherwise. `what` names the unit in the message (`--limit "x" must be a whole number of entries, ...`).
 */
export function wholeNumberFlag(
  flag: string,
  text: string,
  min: number,
  max = Number.POSITIVE_INFINITY,
  what = '',
): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    const range = max === Number.POSITIVE_INFINITY ? `, ${min} or more` : ` from ${min} to ${max}`;
    throw new UsageError(`${flag} "${text}" must be a whole number${what ? ` of ${what}` : ''}${range}`);
  }
  return n;
}

/** A flag's value parsed; text the parser refuses is a usage error naming the flag. */
export function parsedFlag<T>(flag: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof ParseError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

export function sizeFlag(flag: string, text: string): number {
  return parsedFlag(flag, text, parseSize);
}

/**
 * `--range a-b` (inclusive, as in HTTP's `bytes=a-b`) or `a-` (from a to the end). Suffix ranges (`-n`) are not
 * accepted: the engine plans from absolute offsets, and a clear refusal beats a guess.
 */
export function parseRange(text: string): { start: number; end?: number } {
  const m = /^(\d+)-(\d*)$/.exec(text.trim());
  const start = m ? Number(m[1]) : NaN;
  const end = m && m[2] !== '' ? Number(m[2]) : undefined;
  if (!m || !Number.isSafeInteger(start) || (end !== undefined && !Number.isSafeInteger(end))) {
    throw new UsageError(
      `--range ${JSON.stringify(text)} is not a byte range`,
      'write --range START-END (inclusive, from 0) or --range START- for the rest',
    );
  }
  if (end !== undefined && end < start) {
    throw new UsageError(`--range ${text} ends before it starts`, 'the end byte is inclusive and must be >= the start');
  }
  return end === undefined ? { start } : { start, end };
}
