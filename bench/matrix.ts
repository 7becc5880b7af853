// The side-by-side runs: for each scenario, ossup, ali-oss and the single-request ceiling, each in its own child
// process, repeated with the order rotated so no tool always runs first (or last) in a warm or noisy moment.
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Crc64 } from '../src/core/crc64.js';
import type { AliJob } from './ali-child.js';
import type { BenchArgs } from './args.js';
import { BUCKET, fileFor, measured, verifyObject, type BenchContext, type TestFile } from './context.js';
import type { OssupJob } from './ossup-child.js';
import type { PlainJob } from './plain-child.js';
import { BENCH_DIST, lastJson, OSSUP_BIN, type RunResult } from './proc.js';
import { TOOLS, type Measurement, type Op, type Tool } from './report.js';

export const ALI_CHILD = join(BENCH_DIST, 'ali-child.js');
export const PLAIN_CHILD = join(BENCH_DIST, 'plain-child.js');
export const OSSUP_CHILD = join(BENCH_DIST, 'ossup-child.js');

/** How ossup downloads are driven, or why they cannot be. */
export type DownloadMode = { kind: 'cli' } | { kind: 'library' } | { kind: 'none'; why: string };

export interface Scenario {
  op: Op;
  size: number;
  partSize: number;
  parallel: number;
}

export function scenarios(args: BenchArgs): Scenario[] {
  const out: Scenario[] = [];
  for (const op of args.ops) {
    for (const size of args.sizes) {
      if (args.pairs) {
        for (const [partSize, parallel] of args.pairs) out.push({ op, size, partSize, parallel });
        continue;
      }
      for (const partSize of args.parts) {
        for (const parallel of args.parallel) out.push({ op, size, partSize, parallel });
      }
    }
  }
  return out;
}

export async function crcOfFile(path: string): Promise<bigint> {
  const crc = new Crc64();
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) crc.update(chunk as Buffer);
  return crc.digest();
}

function dlKey(size: number): string {
  return `dl/${size}`;
}

/** The objects downloads read: put once per size by the parent (not measured). */
export async function seedDownloads(ctx: BenchContext, sizes: number[]): Promise<void> {
  const { fileRange } = await import('../src/client/index.js');
  for (const size of sizes) {
    if (ctx.seeded.has(size)) continue;
    const f = fileFor(ctx, size);
    await ctx.client.putObject(BUCKET, dlKey(size), fileRange(f.path, 0, f.size));
    await verifyObject(ctx, dlKey(size), f, 'seed');
    ctx.seeded.add(size);
  }
}

function ossupCpArgs(src: string, dst: string, s: Scenario, ctx: BenchContext): string[] {
  return [
    src,
    dst,
    '--part-size',
    String(s.partSize),
    '--parallel',
    String(s.parallel),
    '--checkpoint-dir',
    ctx.checkpointDir,
    '--json',
    '--no-progress',
    '-q',
  ];
}

/** Finds out once whether `ossup cp` downloads, else whether the library's downloadFile exists. */
export async function detectDownload(ctx: BenchContext): Promise<DownloadMode> {
  const f = fileFor(ctx, Math.min(...[...ctx.files.keys()]));
  const dest = join(ctx.dir, 'probe-download.bin');
  const s: Scenario = { op: 'download', size: f.size, partSize: 1024 ** 2, parallel: 2 };
  const cli = await measured(ctx, OSSUP_BIN, [
    'cp',
    `oss://${BUCKET}/${dlKey(f.size)}`,
    dest,
    ...ossupCpArgs('', '', s, ctx).slice(2),
  ]);
  await rm(dest, { force: true });
  if (cli.code === 0) return { kind: 'cli' };
  const cliWhy = (cli.stderr.trim().split('\n')[0] ?? '').replace(/^ossup: /, '');
  const job: OssupJob = {
    op: 'download',
    bucket: BUCKET,
    key: dlKey(f.size),
    file: dest,
    partSize: s.partSize,
    parallel: s.parallel,
    checkpoint: join(ctx.checkpointDir, 'probe.dcp'),
  };
  const lib = await measured(ctx, OSSUP_CHILD, [JSON.stringify(job)]);
  await rm(dest, { force: true });
  if (lib.code === 0) {
    const out = lastJson<{ unavailable?: string }>(lib, 'download probe');
    if (!out.unavailable) return { kind: 'library' };
    return { kind: 'none', why: `ossup cp: "${cliWhy}"; ${out.unavailable}` };
  }
  return {
    kind: 'none',
    why: `ossup cp: "${cliWhy}"; downloadFile failed: ${lib.stderr.trim().split('\n').slice(-3).join(' ')}`,
  };
}

/** The Go SDK child's job: the same part size, concurrency and checkpoint-on-disk as ossup. */
function goJob(ctx: BenchContext, s: Scenario, key: string, file: string): string {
  const checkpoint = join(ctx.checkpointDir, `go-${s.op}.cp`);
  return JSON.stringify({
    op: s.op,
    bucket: BUCKET,
    key,
    file,
    partSize: s.partSize,
    parallel: s.parallel,
    checkpoint,
  });
}

/** Why `tool` has no figures in this run, if it has none. */
export function unavailable(ctx: BenchContext, tool: Tool, op: Op, dl: DownloadMode): string | undefined {
  if (tool === 'go-sdk' && ctx.go.kind === 'none') return ctx.go.why;
  if (tool === 'ossup' && op === 'download' && dl.kind === 'none') return dl.why;
  return undefined;
}

/** One measured run of one tool; verifies the result before it counts. */
export async function runOnce(
  ctx: BenchContext,
  tool: Tool,
  s: Scenario,
  rep: number,
  dl: DownloadMode,
): Promise<Measurement> {
  const f: TestFile = fileFor(ctx, s.size);
  const upKey = `up/${tool}`;
  const dest = join(ctx.dir, `download-${tool}.bin`);
  let r: RunResult;
  if (s.op === 'upload') {
    if (tool === 'ossup')
      r = await measured(ctx, OSSUP_BIN, ['cp', ...ossupCpArgs(f.path, `oss://${BUCKET}/${upKey}`, s, ctx)]);
    else if (tool === 'go-sdk') r = await measured(ctx, '', [goJob(ctx, s, upKey, f.path)], { exec: goBin(ctx) });
    else if (tool === 'ali-oss') {
      const job: AliJob = {
        op: 'upload',
        bucket: BUCKET,
        key: upKey,
        file: f.path,
        partSize: s.partSize,
        parallel: s.parallel,
        checkpoint: join(ctx.checkpointDir, 'ali-upload.json'),
      };
      r = await measured(ctx, ALI_CHILD, [JSON.stringify(job)]);
    } else {
      const job: PlainJob = { op: 'upload', bucket: BUCKET, key: upKey, file: f.path };
      r = await measured(ctx, PLAIN_CHILD, [JSON.stringify(job)]);
    }
  } else {
    await rm(dest, { force: true });
    if (tool === 'ossup') {
      if (dl.kind === 'cli')
        r = await measured(ctx, OSSUP_BIN, ['cp', ...ossupCpArgs(`oss://${BUCKET}/${dlKey(s.size)}`, dest, s, ctx)]);
      else {
        const job: OssupJob = {
          op: 'download',
          bucket: BUCKET,
          key: dlKey(s.size),
          file: dest,
          partSize: s.partSize,
          parallel: s.parallel,
          checkpoint: join(ctx.checkpointDir, 'ossup-download.dcp'),
        };
        r = await measured(ctx, OSSUP_CHILD, [JSON.stringify(job)]);
      }
    } else if (tool === 'go-sdk') {
      r = await measured(ctx, '', [goJob(ctx, s, dlKey(s.size), dest)], { exec: goBin(ctx) });
    } else if (tool === 'ali-oss') {
      const job: AliJob = { op: 'download', bucket: BUCKET, key: dlKey(s.size), file: dest };
      r = await measured(ctx, ALI_CHILD, [JSON.stringify(job)]);
    } else {
      const job: PlainJob = { op: 'download', bucket: BUCKET, key: dlKey(s.size), file: dest };
      r = await measured(ctx, PLAIN_CHILD, [JSON.stringify(job)]);
    }
  }
  const what = `${tool} ${s.op} ${s.size}/${s.partSize}x${s.parallel}`;
  const out = lastJson<{ seconds: number }>(r, what);
  if (!r.usage) throw new Error(`${what}: the child reported no resource usage`);
  if (s.op === 'upload') {
    await verifyObject(ctx, upKey, f, what);
  } else {
    const size = (await stat(dest)).size;
    const crc = await crcOfFile(dest);
    await rm(dest, { force: true });
    if (size !== f.size || crc !== f.crc64)
      throw new Error(`${what}: downloaded ${size} bytes with CRC-64 ${crc}, expected ${f.size}, ${f.crc64}`);
  }
  return {
    op: s.op,
    tool,
    size: s.size,
    partSize: s.partSize,
    parallel: s.parallel,
    rep,
    seconds: out.seconds,
    wallSeconds: r.wallMs / 1000,
    maxRssBytes: r.usage.maxRssBytes,
    cpuSeconds: r.usage.cpuSeconds,
    serverCpuSeconds: r.serverCpuS,
  };
}

function goBin(ctx: BenchContext): string {
  if (ctx.go.kind !== 'go') throw new Error(`the Go SDK peer is not available: ${ctx.go.why}`);
  return ctx.go.bin;
}

/** Every scenario, every rep; the tool order rotates with the rep and the scenario. */
export async function runMatrix(ctx: BenchContext, args: BenchArgs, dl: DownloadMode): Promise<Measurement[]> {
  const all: Measurement[] = [];
  const list = scenarios(args);
  const tools: Tool[] = [...TOOLS];
  for (const [i, s] of list.entries()) {
    for (let rep = 0; rep < args.reps; rep++) {
      const order = tools.map((_, k) => tools[(k + rep + i) % tools.length]!);
      for (const tool of order) {
        if (unavailable(ctx, tool, s.op, dl)) continue;
        const m = await runOnce(ctx, tool, s, rep, dl);
        all.push(m);
        ctx.log(
          `  ${s.op} ${(s.size / 1024 ** 2).toFixed(0)}MiB ${(s.partSize / 1024 ** 2).toFixed(0)}MiBx${s.parallel} rep ${rep + 1} ${tool.padEnd(7)} ` +
            `${(s.size / 1024 ** 2 / m.seconds).toFixed(0).padStart(5)} MiB/s  rss ${(m.maxRssBytes / 1e6).toFixed(0)} MB  cpu ${m.cpuSeconds.toFixed(2)} s  server ${m.serverCpuSeconds.toFixed(2)} s`,
        );
      }
    }
  }
  return all;
}
