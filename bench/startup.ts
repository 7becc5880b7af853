// The "startup" and "sync" extras (issue 27). startup: the CPU `ossup cp` of a 4 KiB file spends before its first
// request (bench/first-request-cpu.cjs preloaded: CPU at the first outgoing connection), against a bare `node -e 0`
// under the same hook, in alternating rounds, with this machine's environment and, where NODE_EXTRA_CA_CERTS is set,
// without it (Node parses that bundle while it starts, before any JavaScript runs). sync: `ossup sync` of 10,000 x
// 1 KiB files in 100 folders with nothing to do, whole process, through a proxy that counts the requests (the
// target is a paged listing and a walk: no request per file).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET, childEnv, measured, type BenchContext } from './context.js';
import { startCounter } from './counter.js';
import { OSSUP_BIN, REPO } from './proc.js';
import { median } from './report.js';
import { makeTree } from './tree.js';

const HOOK = join(REPO, 'bench/first-request-cpu.cjs');

export interface StartupRun {
  what: 'ossup' | 'node';
  /** 'machine': the environment the bench runs in; 'no-extra-ca': the same without NODE_EXTRA_CA_CERTS. */
  env: 'machine' | 'no-extra-ca';
  /** CPU (user + system) before the first request (ossup) or at exit (bare node). */
  ms: number;
}

export interface StartupFigures {
  rounds: number;
  extraCa?: string;
  runs: StartupRun[];
}

/** One child under the hook; resolves to the CPU ms it recorded. */
async function hooked(args: string[], env: NodeJS.ProcessEnv, out: string): Promise<number> {
  rmSync(out, { force: true });
  const child = spawn(process.execPath, ['--require', HOOK, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, FIRST_REQUEST_CPU_FILE: out },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`start-up: ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`);
  const [event, ms] = readFileSync(out, 'utf8').trim().split('\n')[0]!.split(' ');
  const want = args[0] === '-e' ? 'exit' : 'connect';
  if (event !== want) throw new Error(`start-up: ${args.join(' ')} recorded "${event}", expected "${want}"`);
  return Number(ms);
}

export async function startupExtra(ctx: BenchContext, rounds = 11): Promise<StartupFigures> {
  const file = join(ctx.dir, 'startup.bin');
  writeFileSync(file, Buffer.alloc(4096, 7));
  const out = join(ctx.dir, 'startup.cpu');
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const envs: Array<[StartupRun['env'], NodeJS.ProcessEnv]> = [['machine', { ...process.env, ...ctx.env }]];
  if (extraCa) {
    const bare = { ...process.env, ...ctx.env };
    delete bare.NODE_EXTRA_CA_CERTS;
    envs.push(['no-extra-ca', bare]);
  }
  const runs: StartupRun[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [name, env] of envs) {
      const cp = [OSSUP_BIN, 'cp', file, `oss://${BUCKET}/startup/${round}-${name}`, '--no-progress', '-q'];
      runs.push({ what: 'ossup', env: name, ms: await hooked(cp, env, out) });
      runs.push({ what: 'node', env: name, ms: await hooked(['-e', '0'], env, out) });
    }
  }
  rmSync(file, { force: true });
  rmSync(out, { force: true });
  return { rounds, extraCa, runs };
}

export function startupLines(f: StartupFigures): string[] {
  const lines: string[] = [];
  for (const env of ['machine', 'no-extra-ca'] as const) {
    const of = (what: StartupRun['what']) => f.runs.filter((r) => r.env === env && r.what === what).map((r) => r.ms);
    const ossup = of('ossup');
    if (ossup.length === 0) continue;
    const node = median(of('node'));
    const label =
      env === 'machine'
        ? `with this machine's environment${f.extraCa ? ` (NODE_EXTRA_CA_CERTS=${f.extraCa})` : ''}`
        : 'without NODE_EXTRA_CA_CERTS';
    lines.push(
      `${label}: ossup cp ${median(ossup).toFixed(0)} ms (${Math.min(...ossup).toFixed(0)}-${Math.max(...ossup).toFixed(0)}) ` +
        `CPU before its first request (target <= 120 ms); bare node ${node.toFixed(0)} ms; ossup's own ${(median(ossup) - node).toFixed(0)} ms`,
    );
  }
  return lines;
}

export interface SyncRun {
  seconds: number;
  clientCpuSeconds: number;
  serverCpuSeconds: number;
  requests: number;
}

export interface SyncFigures {
  count: number;
  size: number;
  /** The first sync, which sends every file (not measured beyond its request count). */
  firstRequests: number;
  runs: SyncRun[];
}

export async function syncExtra(ctx: BenchContext, reps: number, count = 10_000, size = 1024): Promise<SyncFigures> {
  const base = join(ctx.dir, 'sync');
  rmSync(base, { recursive: true, force: true });
  const src = join(base, 'src');
  makeTree(src, count, size);
  const url = new URL(ctx.server.endpoint);
  const counter = await startCounter({ host: url.hostname, port: Number(url.port) });
  const env = childEnv(ctx.dir, counter.endpoint, ctx.creds);
  const sync = () => measured(ctx, OSSUP_BIN, ['sync', src, `oss://${BUCKET}/sync/`, '--no-progress', '-q'], { env });
  try {
    const first = await sync();
    if (first.code !== 0) throw new Error(`sync: the first run failed (exit ${first.code}): ${first.stderr.trim()}`);
    const firstRequests = counter.requests;
    if (firstRequests < count) throw new Error(`sync: the first run sent ${firstRequests} requests for ${count} files`);
    const runs: SyncRun[] = [];
    for (let rep = 0; rep < reps; rep++) {
      counter.reset();
      const r = await sync();
      if (r.code !== 0 || !r.usage) throw new Error(`sync: run ${rep + 1} failed (exit ${r.code}): ${r.stderr.trim()}`);
      runs.push({
        seconds: r.wallMs / 1000,
        clientCpuSeconds: r.usage.cpuSeconds,
        serverCpuSeconds: r.serverCpuS,
        requests: counter.requests,
      });
      ctx.log(
        `  sync ${rep + 1}: ${(r.wallMs / 1000).toFixed(2)} s, CPU ${r.usage.cpuSeconds.toFixed(2)} s, ${counter.requests} requests`,
      );
    }
    return { count, size, firstRequests, runs };
  } finally {
    await counter.close();
    rmSync(base, { recursive: true, force: true });
  }
}

export function syncLines(f: SyncFigures): string[] {
  const cpu = f.runs.map((r) => r.clientCpuSeconds);
  return [
    `sync with nothing to do over ${f.count} files: client CPU ${median(cpu).toFixed(2)} s (${Math.min(...cpu).toFixed(2)}-${Math.max(...cpu).toFixed(2)}; target <= 1.0), ` +
      `${median(f.runs.map((r) => r.seconds)).toFixed(2)} s launch to exit, server CPU ${median(f.runs.map((r) => r.serverCpuSeconds)).toFixed(2)} s; ` +
      `requests ${f.runs.map((r) => r.requests).join(', ')} (the first sync sent ${f.firstRequests})`,
  ];
}
