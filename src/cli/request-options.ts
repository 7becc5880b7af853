// Flags of every command that talks to OSS, beyond options.ts's: which config section and file (--profile,
// -c/--config), how hard each request tries (--retries, --timeout), and -v/--verbose.
import type { Command } from 'commander';
import type { OssClientOptions } from '../client/index.js';
import { abortableSleep } from '../client/retry.js';
import { parsedFlag, sizeFlag, wholeNumberFlag, type CommonOptions } from './options.js';
import type { Io } from './session.js';
import { parseDuration } from './size.js';
import { UsageError } from './usage-error.js';

const MAX_RETRIES = 100;

/** --bwlimit: for the commands that move object bytes (cp, sync, cat). */
export function addBandwidthOption(cmd: Command): Command {
  return cmd.option(
    '--bwlimit <rate>',
    'cap on bytes per second for the whole run, all parts and files together, e.g. 10M (= 10 MiB/s)',
  );
}

export function addRequestOptions(cmd: Command): Command {
  return cmd
    .option('--profile <name>', 'the config file section to read, [profile NAME] or [NAME] (default: $OSS_PROFILE)')
    .option('-c, --config <file>', 'the config file with endpoint and keys (default: ~/.ossutilconfig)')
    .option(
      '--retries <n>',
      `retries of a failed request (5xx, 429, a dropped connection), 0..${MAX_RETRIES} (default: 4)`,
    )
    .option(
      '--timeout <duration>',
      'fail a request attempt on which nothing moves this long, e.g. 30s, 5m (default: 5m)',
    )
    .option('-v, --verbose', 'say more on stderr: each file sent or skipped and why, each retry');
}

/** The client settings these flags ask for; every bad value is a usage error (exit 2). */
export function requestSettings(
  opts: CommonOptions,
  io: Pick<Io, 'stderr'>,
): Pick<OssClientOptions, 'retry' | 'requestTimeoutMs' | 'bandwidthLimit'> {
  const out: Pick<OssClientOptions, 'retry' | 'requestTimeoutMs' | 'bandwidthLimit'> = {};
  if (opts.bwlimit !== undefined) {
    out.bandwidthLimit = sizeFlag('--bwlimit', opts.bwlimit);
    if (out.bandwidthLimit < 1024) throw new UsageError(`--bwlimit ${opts.bwlimit} is below 1KiB per second`);
  }
  if (opts.retries !== undefined)
    out.retry = { maxAttempts: wholeNumberFlag('--retries', opts.retries, 0, MAX_RETRIES) + 1 };
  if (opts.timeout !== undefined) {
    out.requestTimeoutMs = parsedFlag('--timeout', opts.timeout, parseDuration);
    if (out.requestTimeoutMs === 0) throw new UsageError('--timeout must be longer than 0s');
  }
  if (opts.verbose && !opts.quiet) {
    // The pipeline waits through this before each retry: the one place every retried request passes.
    out.retry = {
      ...out.retry,
      sleep: (ms, signal) => {
        io.stderr.write(`ossup: a request failed; retrying in ${(ms / 1000).toFixed(1)} s\n`);
        return abortableSleep(ms, signal);
      },
    };
  }
  return out;
}
