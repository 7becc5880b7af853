// Child processes of the bench: the embedded server (its own process, so the clients' RSS and CPU are measured
// apart from it) and measured client runs, each preloaded with usage-hook.cjs.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (dist/bench/proc.js -> ../..). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const OSSUP_BIN = join(REPO, 'bin/ossup.js');
export const BENCH_DIST = fileURLToPath(new URL('./', import.meta.url));
/** Preloaded with --require into every measured node child: it writes a ChildUsage to $BENCH_USAGE_FILE at exit. */
const HOOK = join(REPO, 'bench/usage-hook.cjs');

/** What a measured node child (usage-hook.cjs) or the Go peer reports of itself at exit. */
export interface ChildUsage {
  /** Peak resident set size in bytes (VmHWM; getrusage ru_maxrss where /proc is not there). */
  maxRssBytes: number;
  /** User + system CPU seconds. */
  cpuSeconds: number;
  /** Milliseconds from process start to exit, as the child saw them. */
  lifetimeMs: number;
  /** /proc/self/io counters (Linux), bytes: wchar counts every write() incl. sockets; writeBytes only storage. */
  io?: { rchar: number; wchar: number; readBytes: number; writeBytes: number };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user+sys) a process has used so far, from /proc/<pid>/stat. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Bytes a process has written with write()/send() so far (sockets included), from /proc/<pid>/io. */
export function procWchar(pid: number): number {
  try {
    return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

export interface ServerProcess {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startServerProcess(
  root: string,
  creds: { id: string; secret: string },
  nodeFlags: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      OSSUP_BIN,
      'serve',
      '--root',
      root,
      '--port',
      '0',
      '--access-key-id',
      creds.id,
      '--access-key-secret',
      creds.secret,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^ossup serve: listening on (\S+) /m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready: ${err || out}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    endpoint,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, as the parent saw it. */
  wallMs: number;
  usage?: ChildUsage;
  /** CPU seconds the server spent while this child ran. */
  serverCpuS: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  serverPid?: number;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Run this executable instead of node (it reports its own usage to $BENCH_USAGE_FILE; no hook, no node flags). */
  exec?: string;
  /** Called once the child is running (kill tests). */
  onSpawn?: (child: ChildProcess) => void;
  usageFile: string;
  /** Pipe this file into the child's stdin (a pipe, not the file: the child cannot seek or stat it). */
  stdinFile?: string;
  /** The child's stdout goes to this file (truncated) instead of being collected. */
  stdoutFile?: string;
}

/** Runs `node <hook> <script> args...` (or `<exec> args...`) to completion and collects what it printed and its resource usage. */
export async function runMeasured(script: string, args: string[], opts: RunOptions): Promise<RunResult> {
  rmSync(opts.usageFile, { force: true });
  const cpu0 = opts.serverPid ? procCpuSeconds(opts.serverPid) : NaN;
  const started = performance.now();
  const [cmd, argv] = opts.exec
    ? [opts.exec, args]
    : [process.execPath, [...(opts.nodeFlags ?? []), '--require', HOOK, script, ...args]];
  const outFd = opts.stdoutFile ? openSync(opts.stdoutFile, 'w') : undefined;
  const child = spawn(cmd, argv, {
    stdio: [opts.stdinFile ? 'pipe' : 'ignore', outFd ?? 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env, BENCH_USAGE_FILE: opts.usageFile },
  });
  if (outFd !== undefined) closeSync(outFd);
  if (opts.stdinFile) {
    child.stdin!.on('error', () => {}); // the child may exit (fail) before it read everything
    createReadStream(opts.stdinFile, { highWaterMark: 1024 * 1024 }).pipe(child.stdin!);
  }
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  opts.onSpawn?.(child);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  const wallMs = performance.now() - started;
  const serverCpuS = opts.serverPid ? procCpuSeconds(opts.serverPid) - cpu0 : NaN;
  let usage: ChildUsage | undefined;
  try {
    usage = JSON.parse(readFileSync(opts.usageFile, 'utf8')) as ChildUsage;
  } catch {
    usage = undefined; // killed children write nothing
  }
  return { code, signal, stdout, stderr, wallMs, usage, serverCpuS };
}

/** The last JSON line a child printed on stdout. */
export function lastJson<T>(r: RunResult, what: string): T {
  const line = r.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.code !== 0 || !line) {
    throw new Error(`${what} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return JSON.parse(line) as T;
}

/** Machine-wide CPU seconds (all cores) spent busy and in total so far, from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const f = /^cpu\s+(.+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]!.trim().split(/\s+/).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = f[3]! + f[4]!;
    return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
  } catch {
    return { busy: NaN, total: NaN };
  }
}
