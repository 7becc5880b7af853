import { join } from 'node:path';
import { OssupError } from '../../core/errors.js';
import { ossupHome } from '../config.js';
import { EXIT_OK } from '../exit.js';
import type { Io } from '../session.js';
import { parseDuration, parseSize } from '../size.js';
import { UsageError } from '../usage-error.js';

export interface ServeFlags {
  root?: string;
  host: string;
  port: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  region?: string;
  bodyTimeout?: string;
  minBodyRate?: string;
  idleTimeout?: string;
  maxConnections?: string;
  debug?: boolean;
}

/** A duration flag (90s, 5m) in ms, at least one second. */
function timeoutFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
  if (ms < 1000) throw new UsageError(`${flag} "${value}" is too short; give at least 1s`);
  return ms;
}

/** A rate flag (1KiB, 512, 1KiB/s) in bytes per second; 0 turns the rule off. */
function rateFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSize(value.replace(/\/s$/i, ''));
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message} (bytes per second; 0 turns it off)`);
  }
}

/** `ossup serve`: the embedded server as a long-running process (src/server/serve.ts does the work). */
export async function serveCommand(flags: ServeFlags, io: Io): Promise<number> {
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65535)
    throw new UsageError(`--port "${flags.port}" is not a port number (0-65535)`);
  const accessKeyId = flags.accessKeyId ?? (io.env.OSS_ACCESS_KEY_ID || undefined);
  const accessKeySecret = flags.accessKeySecret ?? (io.env.OSS_ACCESS_KEY_SECRET || undefined);
  if ((accessKeyId === undefined) !== (accessKeySecret === undefined)) {
    throw new UsageError(
      'give both the access key id and its secret (flags or OSS_ACCESS_KEY_ID/OSS_ACCESS_KEY_SECRET), or neither',
    );
  }
  const bodyTimeoutMs = timeoutFlag('--body-timeout', flags.bodyTimeout);
  const idleTimeoutMs = timeoutFlag('--idle-timeout', flags.idleTimeout);
  const minBodyRate = rateFlag('--min-body-rate', flags.minBodyRate);
  let maxConnections: number | undefined;
  if (flags.maxConnections !== undefined) {
    maxConnections = Number(flags.maxConnections);
    if (!/^\d+$/.test(flags.maxConnections) || maxConnections < 1 || maxConnections > 100_000) {
      throw new UsageError(`--max-connections "${flags.maxConnections}" is not a number from 1 to 100000`);
    }
  }
  const root = flags.root ?? join(ossupHome(io.env), 'data');
  // Loaded on demand: the server's modules are not needed by any other command.
  const { serve } = await import('../../server/serve.js');
  try {
    await serve(
      {
        root,
        host: flags.host,
        port,
        accessKeyId,
        accessKeySecret,
        region: flags.region,
        bodyTimeoutMs,
        minBodyRate,
        idleTimeoutMs,
        maxConnections,
      },
      { stdout: io.stdout, stderr: io.stderr },
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new OssupError('AddressInUse', `port ${port} on ${flags.host} is already in use`, { cause: err });
    }
    throw err;
  }
  return EXIT_OK;
}
