import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OssClient } from '../client/index.js';
import { resolveTarget, type Target } from './config.js';
import { startEmbedded, type EmbeddedServer } from './embedded.js';
import { ServiceError } from '../core/errors.js';
import { ActionFailed, doing } from './exit.js';
import type { CommonOptions } from './options.js';
import { requestSettings } from './request-options.js';

/** The streams and environment a command runs with (process.* in production). */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Standard input, for `cp - oss://...` (process.stdin when absent). */
  stdin?: NodeJS.ReadableStream;
}

/** A client bound to the resolved endpoint, plus the embedded server when the command had to start one. */
export interface Session {
  client: OssClient;
  target: Target;
  /** The endpoint for checkpoint names: the URL, or `embedded:<data dir>` for the embedded default. */
  endpointId: string;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

/**
 * Resolves flags -> env -> ~/.ossutilconfig -> embedded default and opens a client. With the embedded default the
 * server runs in this process for the length of the command, and the first time one note on stderr says where the
 * data lives.
 */
export async function openSession(opts: CommonOptions, io: Io, connections?: number): Promise<Session> {
  const target = resolveTarget(
    { endpoint: opts.endpoint, region: opts.region, profile: opts.profile, config: opts.config },
    io.env,
  );
  const signatureVersion = opts.signature;
  const tuning = requestSettings(opts, io);
  if (target.kind === 'remote') {
    const client = new OssClient({
      endpoint: target.endpoint,
      region: target.region,
      signatureVersion,
      connections,
      ...tuning,
      credentials: {
        accessKeyId: target.accessKeyId,
        accessKeySecret: target.accessKeySecret,
        ...(target.securityToken ? { securityToken: target.securityToken } : {}),
      },
    });
    return { client, target, endpointId: target.endpoint, close: async () => {} };
  }
  const embedded = await doing(`starting the embedded server in ${target.home}`, undefined, () =>
    startEmbedded(target.home, target.region),
  );
  if (!opts.quiet && (await firstNote(target.home))) {
    io.stderr.write(
      `ossup: no endpoint configured; using the embedded server with data in ${embedded.dataDir} ` +
        '(set OSS_ENDPOINT or --endpoint to use OSS; this note is shown once)\n',
    );
  }
  const client = new OssClient({
    endpoint: embedded.endpoint,
    region: target.region,
    signatureVersion,
    credentials: embedded.credentials,
    connectTo: embedded.connectTo,
    connections,
    ...tuning,
  });
  return {
    client,
    target,
    endpointId: `embedded:${embedded.dataDir}`,
    embedded,
    close: () => embedded.close(),
  };
}

/**
 * Whether the embedded-default note is still to be shown: once per `$OSSUP_HOME` (a marker file remembers it), since
 * on every command it would take two lines of each screen to repeat what the README and `ossup help` say.
 */
async function firstNote(home: string): Promise<boolean> {
  try {
    await writeFile(join(home, 'embedded-noted'), '', { flag: 'wx' });
    return true;
  } catch {
    return false; // shown before (EEXIST), or the home is not writable: say nothing rather than every time
  }
}

/** Runs `fn` with an open session and always closes it (the embedded server must not outlive the command). */
export async function withSession<T>(
  opts: CommonOptions,
  io: Io,
  fn: (s: Session) => Promise<T>,
  connections?: number,
): Promise<T> {
  const session = await openSession(opts, io, connections);
  try {
    return await fn(session);
  } finally {
    await session.close().catch(() => {});
  }
}

/**
 * With the embedded default the first upload to a fresh store creates its bucket, with a note (there is no console
 * to create one in, and the README's first command must work on a new machine). Once the store has a bucket, a
 * missing one is refused as OSS refuses it (NoSuchBucket, with the hint to `ossup mb`): a typo'd name is never
 * created silently.
 */
export async function firstBucket(
  session: Session,
  bucket: string,
  io: Io,
  quiet: boolean | undefined,
): Promise<boolean> {
  if (!session.embedded) return false;
  return doing(`creating bucket oss://${bucket}`, bucket, async () => {
    const { buckets } = await session.client.listBuckets({ maxKeys: 1 });
    if (buckets.length > 0) return false;
    await session.client.putBucket(bucket);
    if (!quiet)
      io.stderr.write(`ossup: created bucket oss://${bucket} (the embedded store had none; more with ossup mb)\n`);
    return true;
  });
}

/**
 * Runs `upload`; with the embedded default, when it fails for want of its bucket and the store has none yet,
 * makes the bucket (firstBucket) and runs it once more. Asked only on NoSuchBucket: a ListBuckets before every
 * upload was one request more for every `cp` of a file (a third of a small file's requests).
 */
export async function withFirstBucket<T>(
  session: Session,
  bucket: string,
  io: Io,
  quiet: boolean | undefined,
  upload: () => Promise<T>,
): Promise<T> {
  try {
    return await upload();
  } catch (err) {
    const inner = err instanceof ActionFailed ? err.error : err;
    if (!(inner instanceof ServiceError && inner.code === 'NoSuchBucket')) throw err;
    if (!(await firstBucket(session, bucket, io, quiet))) throw err;
    return upload();
  }
}
