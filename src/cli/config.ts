import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type ini from 'ini';
import { servedCredentials } from './serve-keys.js';
import { UsageError } from './usage-error.js';

/** Where the endpoint came from; `embedded` means nothing was configured and the CLI runs its own server. */
export type EndpointSource = 'flag' | 'env' | 'ossutilconfig' | 'embedded';

export interface RemoteTarget {
  kind: 'remote';
  endpoint: string;
  region?: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  source: EndpointSource;
}
export interface EmbeddedTarget {
  kind: 'embedded';
  region?: string;
  home: string;
}
export type Target = RemoteTarget | EmbeddedTarget;

/** What the command line said about the connection (every field optional). */
export interface ConnectionFlags {
  endpoint?: string;
  region?: string;
  /** --profile: the config file's section (else $OSS_PROFILE). */
  profile?: string;
  /** -c/--config: the config file (else ~/.ossutilconfig, which may be absent). */
  config?: string;
}

/** The fields ossutil keeps in `~/.ossutilconfig`, section `[Credentials]`. */
export interface OssutilConfig {
  endpoint?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  stsToken?: string;
  region?: string;
}

/** `$OSSUP_HOME`, default `~/.ossup`: checkpoints, the embedded server's data and its key pair live here. */
export function ossupHome(env: NodeJS.ProcessEnv): string {
  return env.OSSUP_HOME && env.OSSUP_HOME !== '' ? env.OSSUP_HOME : join(homedir(), '.ossup');
}

/**
 * Reads ossutil's INI file (the `ini` package: quoted values, `;`/`#` comments, also after an unquoted value). Without a
 * profile, section `[Credentials]` (ossutil 1.x) is read, or `[default]` (ossutil 2.x) when it is absent; with one,
 * `[profile NAME]` (ossutil 2.x) or `[NAME]`, and undefined when neither exists. Section and key names are compared
 * case-insensitively because ossutil itself writes `accessKeyID`.
 */
export function parseOssutilConfig(text: string, profile?: string): OssutilConfig | undefined {
  const sections = new Map<string, Map<string, string>>();
  // The parser is loaded only when there is a file to read: most commands have none and never pay for it.
  const parsed = text === '' ? {} : (createRequire(import.meta.url)('ini') as typeof ini).parse(text);
  for (const [name, body] of Object.entries(parsed)) {
    if (!body || typeof body !== 'object') continue; // a key above the first section
    const keys = new Map<string, string>();
    for (const [k, v] of Object.entries(body as Record<string, unknown>))
      if (typeof v === 'string') keys.set(k.trim().toLowerCase(), v);
    sections.set(name.trim().toLowerCase(), keys);
  }
  const wanted = profile?.toLowerCase();
  const s = wanted
    ? (sections.get(`profile ${wanted}`) ?? sections.get(wanted))
    : (sections.get('credentials') ?? sections.get('default'));
  if (!s) return wanted ? undefined : {};
  const get = (k: string) => (s.get(k) ? s.get(k) : undefined);
  return {
    endpoint: get('endpoint'),
    accessKeyId: get('accesskeyid'),
    accessKeySecret: get('accesskeysecret'),
    stsToken: get('ststoken'),
    region: get('region'),
  };
}

/**
 * The config file (`-c FILE`, else `~/.ossutilconfig`), its section for the profile (`--profile`, else
 * $OSS_PROFILE, as ossutil 2.x reads it) when one is named. A file named with -c must exist.
 */
export function readOssutilConfig(flags: ConnectionFlags, env: NodeJS.ProcessEnv): OssutilConfig {
  const file = flags.config ?? join(homedir(), '.ossutilconfig');
  const profile = flags.profile ?? env.OSS_PROFILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (flags.config !== undefined)
      throw new UsageError(
        `--config ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      );
    text = ''; // no file is the common case, and an unreadable one must not stop the embedded default
  }
  const config = parseOssutilConfig(text, profile || undefined);
  if (!config) {
    const from = flags.profile !== undefined ? `--profile ${profile}` : `OSS_PROFILE=${profile}`;
    throw new UsageError(
      `${from}: ${file} has no [profile ${profile}] section`,
      flags.profile !== undefined ? 'name a section the file has, or add it' : 'unset OSS_PROFILE or add the section',
    );
  }
  return config;
}

/** `oss-cn-hangzhou.aliyuncs.com` -> `https://oss-cn-hangzhou.aliyuncs.com`; refuses anything not http(s). */
export function normalizeEndpoint(text: string, from: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(
      `endpoint "${text}" (from ${from}) is not a URL`,
      'write it as https://oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`endpoint "${text}" (from ${from}) must use http or https`);
  }
  return withScheme.replace(/\/+$/, '');
}

/**
 * Resolves endpoint, region and credentials field by field: flags, then OSS_* environment variables, then
 * ~/.ossutilconfig. With no endpoint anywhere the answer is the embedded default.
 */
export function resolveTarget(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  config: OssutilConfig = readOssutilConfig(flags, env),
): Target {
  const pick = <T>(...candidates: Array<[T | undefined, EndpointSource]>): [T, EndpointSource] | undefined =>
    candidates.find(([v]) => v !== undefined && v !== '') as [T, EndpointSource] | undefined;
  const region = pick<string>([flags.region, 'flag'], [env.OSS_REGION, 'env'], [config.region, 'ossutilconfig'])?.[0];
  const endpoint = pick<string>(
    [flags.endpoint, 'flag'],
    [env.OSS_ENDPOINT, 'env'],
    [config.endpoint, 'ossutilconfig'],
  );
  if (!endpoint) return { kind: 'embedded', region, home: ossupHome(env) };

  const names: Record<EndpointSource, string> = {
    flag: '--endpoint',
    env: 'OSS_ENDPOINT',
    ossutilconfig: '~/.ossutilconfig',
    embedded: 'embedded',
  };
  const fromEnv = env.OSS_ACCESS_KEY_ID && env.OSS_ACCESS_KEY_SECRET;
  let accessKeyId = fromEnv ? env.OSS_ACCESS_KEY_ID : config.accessKeyId;
  let accessKeySecret = fromEnv ? env.OSS_ACCESS_KEY_SECRET : config.accessKeySecret;
  if (!accessKeyId || !accessKeySecret) {
    // No keys configured: a running `ossup serve` at this endpoint keeps its own (serve-keys.ts).
    const served = servedCredentials(ossupHome(env), endpoint[0]);
    accessKeyId = served?.credentials.accessKeyId;
    accessKeySecret = served?.credentials.accessKeySecret;
  }
  // A session token only makes sense with the key pair it was issued with, so it comes from the same place.
  const securityToken = fromEnv ? env.OSS_SESSION_TOKEN || undefined : config.stsToken;
  if (!accessKeyId || !accessKeySecret) {
    throw new UsageError(
      `no credentials for ${endpoint[0]} (endpoint from ${names[endpoint[1]]})`,
      'set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, or accessKeyID/accessKeySecret in ~/.ossutilconfig ' +
        '[Credentials] (the keys of an `ossup serve` running with this OSSUP_HOME are found without them)',
    );
  }
  return {
    kind: 'remote',
    endpoint: normalizeEndpoint(endpoint[0], names[endpoint[1]]),
    region,
    accessKeyId,
    accessKeySecret,
    securityToken: securityToken || undefined,
    source: endpoint[1],
  };
}
