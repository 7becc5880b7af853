// The "small-wan" extra (issue 27): 1,000 x 4 KiB files up and down through the shaping proxy at 20 ms RTT (10 ms
// each way, no rate cap), with no flags and with --jobs 16, against the ideal of files x RTT / files in flight (one
// request per file, nothing else on the clock). For the no-flag run "in flight" is what the run used: the `tuning`
// of its --json lines (connections, the budget's files in flight as each file finished; the median is taken). The
// shaper counts the TCP connections each run opened: a connection per file would add a round trip per file. The
// client's, server's and proxy's CPU are shown too: on 2 cores their sum over 2 is a floor of the run's time.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET, childEnv, measured, type BenchContext } from './context.js';
import { OSSUP_BIN } from './proc.js';
import { median } from './report.js';
import { startShaper } from './shaper.js';
import { makeTree, verifyUpload } from './tree.js';

export const SMALL_WAN_RTT_MS = 20;

export interface SmallWanRun {
  /** 'auto' (no flags) or the flags. */
  setting: string;
  op: 'up' | 'down';
  /** Launch to exit. */
  seconds: number;
  clientCpuSeconds: number;
  /** The server's CPU meanwhile, and the shaping proxy's (it runs in the bench's process). */
  serverCpuSeconds: number;
  proxyCpuSeconds: number;
  /** Files in flight: the flag's, or the median the --json lines report. */
  jobs: number;
  /** files x RTT / jobs. */
  idealSeconds: number;
  /** Connections the run opened through the proxy. */
  connections: number;
}

export interface SmallWanFigures {
  count: number;
  size: number;
  rttMs: number;
  runs: SmallWanRun[];
}

/** The median files in flight of a tree's --json lines (each names its `tuning.connections`). */
export function jobsOfJson(stdout: string): number | undefined {
  const values: number[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const v = (JSON.parse(line) as { tuning?: { connections?: { value?: number } } }).tuning?.connections?.value;
    if (typeof v === 'number') values.push(v);
  }
  return values.length > 0 ? median(values) : undefined;
}

export async function smallWanExtra(
  ctx: BenchContext,
  reps: number,
  count = 1000,
  size = 4096,
): Promise<SmallWanFigures> {
  const base = join(ctx.dir, 'small-wan');
  rmSync(base, { recursive: true, force: true });
  const src = join(base, 'src');
  const rel = makeTree(src, count, size);
  const url = new URL(ctx.server.endpoint);
  const shaper = await startShaper(
    { host: url.hostname, port: Number(url.port) },
    { bytesPerSecond: 1024 ** 3, delayMs: SMALL_WAN_RTT_MS / 2 },
  );
  const env = childEnv(ctx.dir, shaper.endpoint, ctx.creds);
  const runs: SmallWanRun[] = [];
  const cli = async (args: string[], what: string) => {
    const before = shaper.connections;
    const cpu0 = process.cpuUsage();
    const r = await measured(ctx, OSSUP_BIN, [...args, '--no-progress', '--no-checkpoint', '--json'], { env });
    if (r.code !== 0 || !r.usage)
      throw new Error(`small-wan ${what}: exit ${r.code ?? r.signal}: ${r.stderr.trim() || r.stdout.trim()}`);
    const cpu = process.cpuUsage(cpu0);
    return { r, connections: shaper.connections - before, proxyCpu: (cpu.user + cpu.system) / 1e6 };
  };
  try {
    // Unmeasured warm-up of the server's and the proxy's paths (a cold server cost the links extra's first run ~2x).
    await cli(['cp', '-r', src, `oss://${BUCKET}/small-wan/warm/`], 'warm-up');
    for (let rep = 0; rep < reps; rep++) {
      for (const setting of [[], ['--jobs', '16']]) {
        const name = setting.join(' ') || 'auto';
        const prefix = `small-wan/${rep}-${setting.join('') || 'auto'}/`;
        const dest = join(base, 'down');
        for (const op of ['up', 'down'] as const) {
          const args =
            op === 'up'
              ? ['cp', '-r', src, `oss://${BUCKET}/${prefix}`]
              : ['cp', '-r', `oss://${BUCKET}/${prefix}`, dest];
          const { r, connections, proxyCpu } = await cli([...args, ...setting], `${op} ${name}`);
          if (op === 'up') await verifyUpload(ctx, prefix, src, rel, size);
          else if (countFiles(dest) !== count) throw new Error(`small-wan download: files missing in ${dest}`);
          const jobs = setting.length > 0 ? Number(setting[1]) : (jobsOfJson(r.stdout) ?? Number.NaN);
          const run: SmallWanRun = {
            setting: name,
            op,
            seconds: r.wallMs / 1000,
            clientCpuSeconds: r.usage!.cpuSeconds,
            serverCpuSeconds: r.serverCpuS,
            proxyCpuSeconds: proxyCpu,
            jobs,
            idealSeconds: (count * SMALL_WAN_RTT_MS) / 1000 / jobs,
            connections,
          };
          runs.push(run);
          ctx.log(`  ${smallWanLine(run)}`);
        }
        rmSync(dest, { recursive: true, force: true });
      }
    }
  } finally {
    await shaper.close();
  }
  rmSync(base, { recursive: true, force: true });
  return { count, size, rttMs: SMALL_WAN_RTT_MS, runs };
}

function countFiles(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length;
}

export function smallWanLine(r: SmallWanRun): string {
  return (
    `${r.op.padEnd(4)} ${r.setting.padEnd(9)} ${r.seconds.toFixed(2)} s launch to exit, ${r.jobs} in flight: ` +
    `ideal ${r.idealSeconds.toFixed(2)} s, ${(r.seconds / r.idealSeconds).toFixed(2)}x (target <= 1.5x); ` +
    `CPU client ${r.clientCpuSeconds.toFixed(2)} s, server ${r.serverCpuSeconds.toFixed(2)} s, proxy ` +
    `${r.proxyCpuSeconds.toFixed(2)} s; ${r.connections} connections`
  );
}

/** Per setting and direction: the median run. */
export function smallWanLines(f: SmallWanFigures): string[] {
  const lines: string[] = [];
  for (const setting of ['auto', '--jobs 16'])
    for (const op of ['up', 'down'] as const) {
      const rs = f.runs.filter((r) => r.setting === setting && r.op === op);
      if (rs.length === 0) continue;
      const mid = [...rs].sort((a, b) => a.seconds - b.seconds)[rs.length >> 1]!;
      lines.push(`median of ${rs.length}: ${smallWanLine(mid)}`);
    }
  return lines;
}
