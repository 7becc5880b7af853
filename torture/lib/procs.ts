// Child processes: `ossup serve` and `ossup cp`, run from bin/ossup.js exactly as users run them, every wait
// bounded in time. Only processes started here are ever signalled, by their own pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { OSSUP, REPO, STACK } from '../../harness/cli.js';

export { OSSUP, REPO, STACK };

export const SERVE_CREDENTIALS = Object.freeze({
  accessKeyId: 'LTAI-torture-key',
  accessKeySecret: 'torture-secret-5f1c9a0b7e',
});

export interface ServeChild {
  proc: ChildProcess;
  endpoint: string;
  port: number;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (clean stop) and wait. */
  stop(): Promise<void>;
}

/** Starts `ossup serve` over `root` on `port` (0 = any) and waits for its ready line (at most 30 s). */
export async function startServe(root: string, port = 0): Promise<ServeChild> {
  const proc = spawn(
    process.execPath,
    [
      OSSUP,
      'serve',
      '--root',
      root,
      '--port',
      String(port),
      '--access-key-id',
      SERVE_CREDENTIALS.accessKeyId,
      '--access-key-secret',
      SERVE_CREDENTIALS.accessKeySecret,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({}) },
  );
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.stderr!.resume();
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`ossup serve did not start in 30 s: ${out}`));
    }, 30_000);
    proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /^ossup serve: listening on (\S+) /m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ossup serve exited ${code}: ${out}`));
    });
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    await exited;
  };
  return {
    proc,
    endpoint,
    port: Number(new URL(endpoint).port),
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}

/** The parent's environment without any OSS_/OSSUP_ setting, plus `extra`. */
export function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('OSS_') && !k.startsWith('OSSUP_') && !k.startsWith('NODE_TEST')) env[k] = v;
  }
  return { ...env, ...extra };
}

/** The environment a CLI child gets to talk to `endpoint` with the torture key pair, its home under `home`. */
export function cliEnv(endpoint: string, home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return cleanEnv({
    HOME: home,
    OSSUP_HOME: home,
    OSS_ENDPOINT: endpoint,
    OSS_ACCESS_KEY_ID: SERVE_CREDENTIALS.accessKeyId,
    OSS_ACCESS_KEY_SECRET: SERVE_CREDENTIALS.accessKeySecret,
    ...extra,
  });
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child was SIGKILLed by the timeout. */
  timedOut: boolean;
  ms: number;
}

export interface CliChild {
  proc: ChildProcess;
  done: Promise<CliRun>;
  kill(): Promise<CliRun>;
}

/** Spawns `ossup <args>`; it is SIGKILLed if it is still running after `timeoutMs`. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000, cwd = REPO): CliChild {
  const started = Date.now();
  const proc = spawn(process.execPath, [OSSUP, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<CliRun>((resolve) => {
    proc.once('error', (err) => {
      stderr += String(err);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
  return {
    proc,
    done,
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return done;
    },
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number, cwd?: string): Promise<CliRun> {
  return spawnCli(args, env, timeoutMs, cwd).done;
}

/** The `--json` result line of `ossup cp`, if the last stdout line is one. */
export function resultJson(stdout: string): Record<string, unknown> | undefined {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    const v = JSON.parse(last) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Problems with how a failed command reported its failure: a stack trace, no "ossup:" line, more than a few lines.
 * An empty list means the error was one clear message.
 */
export function errorReportProblems(run: CliRun): string[] {
  const problems: string[] = [];
  if (STACK.test(run.stderr)) problems.push('stack trace on stderr');
  if (!/^ossup: /m.test(run.stderr)) problems.push('no "ossup: ..." error line');
  const lines = run.stderr
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (lines.length > 4) problems.push(`${lines.length} lines on stderr`);
  if (run.timedOut) problems.push('timed out');
  return problems;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One line of stderr for reports. */
export function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.slice(0, 200) ?? '';
}
