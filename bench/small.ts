// The "small" extra (issue 27): 2,000 x 4 KiB files up on loopback, side by side: `ossup cp -r` (its default
// --jobs 16), ali-oss `put` per file 16 at a time, and the official Go SDK's PutObjectFromFile from 16 goroutines
// (bench/go/ossbench "putdir"). Each tool is a fresh process whose launch-to-exit time, own CPU (start-up
// included) and the server's CPU meanwhile are taken; every upload is listed and every 50th object read back.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET, measured, type BenchContext } from './context.js';
import { ALI_CHILD } from './matrix.js';
import { OSSUP_BIN, type RunResult } from './proc.js';
import { median, type Tool } from './report.js';
import { makeTree, verifyUpload } from './tree.js';

export interface SmallRun {
  tool: Tool;
  rep: number;
  /** Launch to exit, as the bench saw it. */
  seconds: number;
  clientCpuSeconds: number;
  serverCpuSeconds: number;
}

export interface SmallFigures {
  count: number;
  size: number;
  parallel: number;
  runs: SmallRun[];
}

/** Unmeasured rounds of every tool before the measured ones (see smallExtra). */
const WARM_ROUNDS = 2;

export async function smallExtra(ctx: BenchContext, reps: number, count = 2000, size = 4096): Promise<SmallFigures> {
  const parallel = 16;
  const base = join(ctx.dir, 'small');
  rmSync(base, { recursive: true, force: true });
  const src = join(base, 'src');
  const rel = makeTree(src, count, size);
  const tools: Tool[] = ['ossup', 'ali-oss', ...(ctx.go.kind === 'go' ? ['go-sdk' as const] : [])];
  // Unmeasured, first: WARM_ROUNDS of every tool in turn. A fresh server's first 2,000 requests cost it about twice
  // the CPU (the run at `bdd8293`: 1.67 CPU-s against 0.71-0.78 behind ossup's later runs), and one ossup run (the
  // warm-up from `1b515ad`) was not enough: in three of four runs on 2026-12-07 the server spent 1.0-1.5 CPU-s on
  // each of the first five to eight measured runs and 0.8-0.9 on most later ones, whichever tool sent them, and with
  // the two cores shared the clients' times moved with it (ossup 1.5-1.8 s, then 1.1-1.2; the Go SDK 1.0-1.5, then
  // 0.9-1.0). The fourth ran warm from its second run and met a slow spell of the host at its end.
  for (let round = 0; round < WARM_ROUNDS; round++)
    for (const tool of tools) {
      const warm = await runTool(ctx, tool, src, `small/warm-up-${round}-${tool}/`, parallel);
      if (warm.code !== 0)
        throw new Error(`small files warm-up, ${tool} failed (exit ${warm.code ?? warm.signal}): ${warm.stderr}`);
    }
  const runs: SmallRun[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < tools.length; i++) {
      const tool = tools[(i + rep) % tools.length]!;
      const prefix = `small/${tool}-${rep}/`;
      const r = await runTool(ctx, tool, src, prefix, parallel);
      if (r.code !== 0 || !r.usage)
        throw new Error(
          `small files, ${tool} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`,
        );
      await verifyUpload(ctx, prefix, src, rel, size);
      const run = {
        tool,
        rep,
        seconds: r.wallMs / 1000,
        clientCpuSeconds: r.usage.cpuSeconds,
        serverCpuSeconds: r.serverCpuS,
      };
      runs.push(run);
      ctx.log(
        `  ${tool.padEnd(8)} ${run.seconds.toFixed(2)} s, CPU client ${run.clientCpuSeconds.toFixed(2)} s / server ${run.serverCpuSeconds.toFixed(2)} s`,
      );
    }
  }
  rmSync(base, { recursive: true, force: true });
  return { count, size, parallel, runs };
}

function runTool(ctx: BenchContext, tool: Tool, src: string, prefix: string, parallel: number): Promise<RunResult> {
  if (tool === 'ossup')
    return measured(ctx, OSSUP_BIN, ['cp', '-r', src, `oss://${BUCKET}/${prefix}`, '--no-progress', '-q']);
  const job = { op: 'putdir', bucket: BUCKET, key: prefix, file: src, parallel };
  if (tool === 'ali-oss') return measured(ctx, ALI_CHILD, [JSON.stringify(job)]);
  if (ctx.go.kind !== 'go') throw new Error(`the Go SDK peer is not available: ${ctx.go.why}`);
  return measured(ctx, '', [JSON.stringify(job)], { exec: ctx.go.bin });
}

/** One line per tool: medians of time and CPU, per file, and the time against the Go SDK's. */
export function smallLines(f: SmallFigures): string[] {
  const per = (tool: Tool) => f.runs.filter((r) => r.tool === tool);
  const go = per('go-sdk');
  const goSeconds = go.length > 0 ? median(go.map((r) => r.seconds)) : undefined;
  const lines: string[] = [];
  for (const tool of ['ossup', 'ali-oss', 'go-sdk'] as const) {
    const rs = per(tool);
    if (rs.length === 0) continue;
    const seconds = median(rs.map((r) => r.seconds));
    const client = median(rs.map((r) => r.clientCpuSeconds));
    const server = median(rs.map((r) => r.serverCpuSeconds));
    lines.push(
      `${tool.padEnd(8)}: ${seconds.toFixed(2)} s launch to exit${goSeconds ? ` (${(seconds / goSeconds).toFixed(2)}x the Go SDK's; target <= 1.25x for ossup)` : ''}; ` +
        `CPU client ${client.toFixed(2)} s = ${((client / f.count) * 1000).toFixed(2)} ms/file, server ${server.toFixed(2)} s = ${((server / f.count) * 1000).toFixed(2)} ms/file; ${rs.length} run(s)`,
    );
  }
  return lines;
}
