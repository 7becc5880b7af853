import { join } from 'node:path';
import { OssupError } from '../../core/errors.js';
import { ossupHome } from '../config.js';
import { keyPair } from '../embedded.js';
import { EXIT_OK } from '../exit.js';
import { recordServe, serveKeyFile } from '../serve-keys.js';
import type { Io } from '../session.js';
import { parseDuration, parseSize } from '../size.js';
import { UsageError } from '../usage-error.js';
import { setServeFlags } from '../v8-flags.js';
import type { ThrottleOptions } from '../../server/throttle.js';

export interface ServeFlags {
  root?: string;
  host: string;
  port: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  newKeys?: boolean;
  region?: string;
  bodyTimeout?: string;
  minBodyRate?: string;
  idleTimeout?: string;
  maxConnections?: string;
  throttle?: string;
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

/** `--throttle 8MiB/s`, `--throttle 100qps`, or both, comma-separated: what the server admits per second. */
export function throttleFlag(value: string | undefined): ThrottleOptions | undefined {
  if (value === undefined) return undefined;
  const out: ThrottleOptions = {};
  for (const item of value.split(',').map((s) => s.trim())) {
    const qps = /^(\d+(?:\.\d+)?)\s*qps$/i.exec(item);
    if (qps) {
      out.requestsPerSecond = Number(qps[1]);
    } else if (/\/s$/i.test(item)) {
      try {
        out.bytesPerSecond = parseSize(item.replace(/\/s$/i, ''));
      } catch (err) {
        throw new UsageError(`--throttle "${item}": ${(err as Error).message}`);
      }
    } else {
      throw new UsageError(
        `--throttle "${item}" is neither a rate nor a request rate`,
        'give bytes per second (8MiB/s), requests per second (100qps), or both: --throttle 8MiB/s,100qps',
      );
    }
  }
  if (out.requestsPerSecond === 0 || out.bytesPerSecond === 0)
    throw new UsageError(`--throttle "${value}": a limit of 0 admits nothing; leave the flag out for none`);
  return out;
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
  const throttle = throttleFlag(flags.throttle);
  if (flags.newKeys && accessKeyId !== undefined)
    throw new UsageError('--new-keys makes a key pair; it cannot be combined with given keys');
  const home = ossupHome(io.env);
  const root = flags.root ?? join(home, 'data');
  // No keys given: the pair kept for this data directory, so clients configured once keep working across restarts.
  const keyFile = accessKeyId === undefined ? serveKeyFile(root, home) : undefined;
  const kept = keyFile ? await keyPair(keyFile, flags.newKeys === true) : undefined;
  let forget: (() => void) | undefined;
  // Loaded on demand: the server's modules are not needed by any other command.
  const { serve } = await import('../../server/serve.js');
  setServeFlags();
  try {
    await serve(
      {
        root,
        host: flags.host,
        port,
        accessKeyId: kept?.accessKeyId ?? accessKeyId,
        accessKeySecret: kept?.accessKeySecret ?? accessKeySecret,
        keyFile,
        region: flags.region,
        bodyTimeoutMs,
        minBodyRate,
        idleTimeoutMs,
        maxConnections,
        throttle,
      },
      {
        stdout: io.stdout,
        stderr: io.stderr,
        // Only a kept pair is recorded: keys given by flag or environment are never written anywhere.
        onReady: (endpoint) => {
          if (keyFile) forget = recordServe(home, { endpoint, root, keyFile });
        },
      },
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new OssupError('AddressInUse', `port ${port} on ${flags.host} is already in use`, { cause: err });
    }
    throw err;
  } finally {
    forget?.();
  }
  return EXIT_OK;
}
