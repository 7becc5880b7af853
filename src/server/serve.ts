// `ossup serve`: the embedded server as a foreground process.
//
// Output contract (stdout), stable for scripts and tests:
//   [only when no keys were given]  ossup serve: generated credentials OSS_ACCESS_KEY_ID=<id> OSS_ACCESS_KEY_SECRET=<secret>
//   [keys from a key file]          ossup serve: credentials OSS_ACCESS_KEY_ID=<id> OSS_ACCESS_KEY_SECRET=<secret> (kept in <file>)
//   exactly once, when ready:       ossup serve: listening on <endpoint> (root <dir>)
//   on SIGINT/SIGTERM:              ossup serve: stopped
// Match the ready line with /^ossup serve: listening on (\S+) /m; <endpoint> is an http:// URL.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { startServer } from './index.js';
import type { ThrottleOptions } from './throttle.js';

export interface ServeOptions {
  root: string;
  host?: string;
  port?: number;
  accessKeyId?: string;
  accessKeySecret?: string;
  /** Where the given keys are kept (the CLI's key file): printed with them, since nobody typed them. */
  keyFile?: string;
  region?: string;
  /** ServerOptions of the same names (defaults there). */
  bodyTimeoutMs?: number;
  minBodyRate?: number;
  idleTimeoutMs?: number;
  maxConnections?: number;
  /** Answer 503 like OSS past these rates (ServerOptions.throttle). */
  throttle?: ThrottleOptions;
}

export interface ServeIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Resolve early without a signal (tests, embedding); default never. */
  stopSignal?: AbortSignal;
  /** Called with the endpoint once the server listens, before the ready line. */
  onReady?: (endpoint: string) => void;
}

/** Runs until SIGINT or SIGTERM (or `io.stopSignal`), then closes the server and resolves. */
export async function serve(opts: ServeOptions, io: ServeIo): Promise<void> {
  let accessKeyId = opts.accessKeyId ?? process.env.OSS_ACCESS_KEY_ID;
  let accessKeySecret = opts.accessKeySecret ?? process.env.OSS_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    accessKeyId = `LTAI${randomBytes(10).toString('hex')}`;
    accessKeySecret = randomBytes(20).toString('base64url');
    io.stdout.write(
      `ossup serve: generated credentials OSS_ACCESS_KEY_ID=${accessKeyId} OSS_ACCESS_KEY_SECRET=${accessKeySecret}\n`,
    );
  } else if (opts.keyFile) {
    io.stdout.write(
      `ossup serve: credentials OSS_ACCESS_KEY_ID=${accessKeyId} OSS_ACCESS_KEY_SECRET=${accessKeySecret} (kept in ${opts.keyFile})\n`,
    );
  }
  const root = resolve(opts.root);
  const server = await startServer({
    root,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 9000,
    credentials: [{ accessKeyId, accessKeySecret }],
    ...(opts.region ? { region: opts.region } : {}),
    bodyTimeoutMs: opts.bodyTimeoutMs,
    minBodyRate: opts.minBodyRate,
    idleTimeoutMs: opts.idleTimeoutMs,
    maxConnections: opts.maxConnections,
    throttle: opts.throttle,
    log: (line) => io.stderr.write(`${line}\n`),
  });
  // Handlers go in before the ready line: a supervisor may signal the moment it reads that line.
  let stop!: () => void;
  const stopped = new Promise<void>((done) => {
    stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stopSignal?.removeEventListener('abort', stop);
      done();
    };
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (io.stopSignal?.aborted) stop();
  else io.stopSignal?.addEventListener('abort', stop);
  io.onReady?.(server.endpoint);
  io.stdout.write(`ossup serve: listening on ${server.endpoint} (root ${root})\n`);
  await stopped;
  await server.close();
  io.stdout.write('ossup serve: stopped\n');
}
