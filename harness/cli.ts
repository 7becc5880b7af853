// Runs the built CLI (bin/ossup.js -> dist/src/cli/main.js) as a child process, the way people and scripts do.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OssClient } from '../src/client/index.js';
import { startTestServer, type TestServer } from './server.js';

/** The repository root: the nearest directory above this file holding bin/ossup.js (works from harness/ and dist/harness/). */
export const REPO = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'ossup.js'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bin/ossup.js not found above the harness');
    dir = up;
  }
  return dir;
})();

export const OSSUP = join(REPO, 'bin', 'ossup.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A sandbox: HOME and OSSUP_HOME in a temp dir (so ~/.ossutilconfig and ~/.ossup are not the user's), no OSS_*. */
export interface Sandbox {
  dir: string;
  home: string;
  ossupHome: string;
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export async function sandbox(extra: NodeJS.ProcessEnv = {}): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-cli-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('OSS_') && !k.startsWith('OSSUP_') && !k.startsWith('NODE_TEST')) env[k] = v;
  }
  const home = join(dir, 'home');
  const ossupHome = join(dir, 'ossup-home');
  Object.assign(env, { HOME: home, OSSUP_HOME: ossupHome }, extra);
  return { dir, home, ossupHome, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv, cwd = REPO): ChildProcess {
  return spawn(process.execPath, [OSSUP, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collects a child's output and waits for it to end. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd = REPO): Promise<CliResult> {
  return finished(spawnCli(args, env, cwd));
}

/** Control characters other than newline and tab: what a progress bar leaves behind (ESC, CR, ...). */
export function controlChars(text: string): string[] {
  return [...text].filter((c) => /[\x00-\x08\x0b-\x1f\x7f]/.test(c));
}

/** A stack trace line, which must never appear without --debug. */
export const STACK = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

/** Every non-empty line of stdout parsed as JSON (the --json lines of a tree). */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** The last non-empty line of stdout parsed as JSON. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** A test server, a sandbox whose env holds the server's keys, and a client with one bucket made: the CLI tests' setup. */
export interface CliServer {
  server: TestServer;
  box: Sandbox;
  client: OssClient;
}

export async function startCliServer(bucket: string): Promise<CliServer> {
  const server = await startTestServer();
  const box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket(bucket);
  return { server, box, client };
}

/** An object's bytes, read whole (test objects are small). */
export async function objectBytes(client: OssClient, bucket: string, key: string): Promise<Buffer> {
  const res = await client.getObject(bucket, key);
  const parts: Buffer[] = [];
  for await (const c of res.body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export async function stopCliServer({ server, box, client }: CliServer): Promise<void> {
  await client.close();
  await server.close();
  await box.cleanup();
}
