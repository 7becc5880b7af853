// `npm run bench`: ossup against the official SDK (ali-oss) and a single-request ceiling, on the embedded server
// running in its own process; then CRC-64, checkpoint, kill/resume, memory and profile figures. See BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { OssClient } from '../src/client/index.js';
import { formatSize, parseArgs } from './args.js';
import { BUCKET, childEnv, fileFor, type BenchContext } from './context.js';
import {
  checkpointExtra,
  crcExtra,
  killExtra,
  memoryExtra,
  profileExtra,
  singleExtra,
  transportExtra,
  wanExtra,
} from './extras.js';
import { buildGoPeer, GOCODE } from './go-peer.js';
import { acquireBenchLock, markOwned, sweepStaleDirs, unmarkOwned } from './guard.js';
import { detectDownload, runMatrix, scenarios, seedDownloads, unavailable, type DownloadMode } from './matrix.js';
import { medianRatio, resumeExtra } from './resume.js';
import { treeExtra } from './tree.js';
import { smallExtra, smallLines } from './small.js';
import { SMALL_WAN_RTT_MS, smallWanExtra, smallWanLines } from './small-wan.js';
import { startupExtra, startupLines, syncExtra, syncLines } from './startup.js';
import { linkProfiles, linksExtra, linksTable } from './links.js';
import { copyExtra, streamExtra } from './stream.js';
import { machineCpuSeconds, procCpuSeconds, REPO, startServerProcess } from './proc.js';
import { markdownTable, median, mibps, rowsFor, type Measurement, type Row } from './report.js';

const args = parseArgs(process.argv.slice(2));
// An unknown --links-profiles key fails now, not after the matrix and the other extras have run.
const linkProfileList = linkProfiles(args.linksProfiles);
const log = (line: string) => process.stdout.write(`${line}\n`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

function machine(): string {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  return `${cpus().length} CPUs (${model}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}, ${process.platform} ${process.arch}`;
}
function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return process.env.BENCH_COMMIT ?? 'unknown (no git; set BENCH_COMMIT)';
  }
}
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

let benchLock;
try {
  benchLock = acquireBenchLock();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
}
const swept = sweepStaleDirs();
const shm = existsSync('/dev/shm') ? '/dev/shm' : undefined;
const ownDir = (parent: string, prefix: string) => {
  const d = mkdtempSync(join(parent, prefix));
  markOwned(d);
  return d;
};
const dir = args.dir ?? ownDir(shm ?? tmpdir(), 'ossup-bench-');
mkdirSync(dir, { recursive: true });
// Checkpoints on a real disk by default: their fsyncs are part of what the product costs.
const checkpointDir = args.checkpointDir ?? ownDir(tmpdir(), 'ossup-bench-cp-');
mkdirSync(checkpointDir, { recursive: true });
const creds = { id: `LTAIbench${randomBytes(6).toString('hex')}`, secret: randomBytes(20).toString('base64url') };

log(`# ossup bench, ${new Date().toISOString()}`);
log(`machine: ${machine()}`);
log(`code: ${REPO} at commit ${commit()}`);
log(
  `files and server root: ${dir}${dir.startsWith('/dev/shm') ? ' (tmpfs)' : ''}; checkpoints: ${checkpointDir}${checkpointDir.startsWith('/dev/shm') ? ' (tmpfs)' : ' (disk)'}`,
);
log(`load average at start: ${load()}`);
if (swept.length)
  log(`swept ${swept.length} work director${swept.length === 1 ? 'y' : 'ies'} of dead runs: ${swept.join(', ')}`);
const shape = args.pairs
  ? `parts x parallel ${args.pairs.map(([p, n]) => `${formatSize(p)} x${n}`).join(', ')}`
  : `parts ${args.parts.map(formatSize).join(', ')}; parallel ${args.parallel.join(', ')}`;
log(
  `matrix: sizes ${args.sizes.map(formatSize).join(', ')}; ${shape}; ` +
    `${args.reps} rep(s); ${args.ops.join(' + ')}; extras: ${args.extras.join(', ') || 'none'}`,
);

const results: Record<string, unknown> = {
  args,
  machine: machine(),
  commit: commit(),
  startedAt: new Date(started).toISOString(),
  loadStart: loadavg(),
};
const server = await startServerProcess(join(dir, 'root'), creds);
const client = new OssClient({
  endpoint: server.endpoint,
  credentials: { accessKeyId: creds.id, accessKeySecret: creds.secret },
});
const go = buildGoPeer(dir);
log(`Go SDK peer: ${go.kind === 'go' ? `aliyun-oss-go-sdk from ${GOCODE}, ${go.version}` : `n/a (${go.why})`}`);
results.go = go;
const ctx: BenchContext = {
  dir,
  checkpointDir,
  server,
  creds,
  client,
  files: new Map(),
  seeded: new Set(),
  env: childEnv(dir, server.endpoint, creds),
  log,
  go,
};
let failed = false;
try {
  await client.putBucket(BUCKET);
  log(`server: pid ${server.pid} at ${server.endpoint}`);

  if (args.extras.includes('crc')) {
    const c = crcExtra();
    results.crc = c;
    const rate = (r: { median: number; best: number }) =>
      `${r.median.toFixed(0)} MB/s median, ${r.best.toFixed(0)} MB/s best`;
    log(`\n## CRC-64 (${c.runs} runs over ${c.mib} MiB each, in the bench process, before any transfer)`);
    log(`src/core/crc64 (WebAssembly slicing-by-16): ${rate(c.wasm)}`);
    log(`native/crc64.c (${c.native?.loop ?? 'not built'}): ${c.native ? rate(c.native) : '-'}`);
    log(`plain-JS slicing-by-8 (bench reference):     ${rate(c.js)}`);
    log(`MD5 (node:crypto, for scale):                ${rate(c.md5)}`);
  }

  for (const size of args.sizes) fileFor(ctx, size);
  let dl: DownloadMode = { kind: 'none', why: 'downloads not benchmarked (--only upload)' };
  if (args.ops.includes('download') || args.extras.includes('memory') || args.extras.includes('wan')) {
    await seedDownloads(ctx, args.sizes);
    dl = await detectDownload(ctx);
    log(`ossup download: ${dl.kind === 'none' ? `n/a (${dl.why})` : `via the ${dl.kind}`}`);
  }
  results.download = dl;

  if (!args.noMatrix) await matrixPhase(dl);

  if (args.extras.includes('transport')) {
    const size = Math.max(...args.sizes);
    log(
      `\n## one plain request: raw node:http (the ceiling) vs OssClient, ${formatSize(size)}, ${args.reps} reps [${elapsed()}]`,
    );
    const t = await transportExtra(ctx, size, args.reps);
    results.transport = t;
    for (const x of t) {
      log(
        `${x.op.padEnd(8)} via ${x.via.padEnd(6)}: ${median(x.mibps).toFixed(0)} MiB/s (${Math.min(...x.mibps).toFixed(0)}-${Math.max(...x.mibps).toFixed(0)}), ` +
          `client CPU ${median(x.cpuSeconds).toFixed(2)} s`,
      );
    }
  }

  if (args.extras.includes('memory')) {
    const big = Math.max(...args.sizes);
    const sizes = [big / 2, big].filter((s) => s >= 128 * 1024 ** 2);
    log(`\n## peak RSS with 64 MiB parts x8`);
    const mem = await memoryExtra(ctx, sizes, 64 * 1024 ** 2, 8, dl);
    results.memory = mem;
    for (const m of mem) {
      log(
        `${m.tool.padEnd(7)} ${m.op.padEnd(8)} ${formatSize(m.size).padStart(8)}: peak RSS ${(m.maxRssBytes / 1e6).toFixed(0)} MB, ` +
          `${(m.size / 1024 ** 2 / m.seconds).toFixed(0)} MiB/s, CPU ${m.cpuSeconds.toFixed(2)} s`,
      );
    }
  }

  if (args.extras.includes('checkpoint')) {
    log(`\n## checkpoint with ${args.checkpointParts} parts [${elapsed()}]`);
    const c = await checkpointExtra(ctx, args.checkpointParts, 8, true);
    results.checkpoint = c;
    log(
      `upload of ${c.parts} x ${formatSize(c.partSize)} parts (x${c.parallel}, checkpoint on ${c.checkpointOnTmpfs ? 'tmpfs' : 'disk'}): ${c.uploadSeconds.toFixed(1)} s to Complete; ` +
        `server CPU ${c.serverCpuMsPerPart.toFixed(2)} ms per part`,
    );
    log(
      `journal bytes written (= its size at Complete; append-only): ${c.journalBytes} (${(c.journalBytes / c.parts).toFixed(0)} B/part)`,
    );
    log(
      `storage writes by the uploading process (/proc/self/io write_bytes, page granularity): ${c.storageWriteBytes}`,
    );
    log(`load and validate (fresh process; read+checksum ${c.readMs.toFixed(1)} ms): ${c.loadMs.toFixed(1)} ms`);
    log(
      `full resume to Complete (ListParts ${c.resumeListPartsMs.toFixed(0)} ms + re-hash of the file): ${c.resumeMsToComplete.toFixed(0)} ms, ${c.resumedBytes} bytes resumed`,
    );
    log(
      `CompleteMultipartUpload of the ${c.parts} parts (the server links them in as segments): ${c.completeMs.toFixed(0)} ms`,
    );
    if (c.ali) {
      log(
        `ali-oss, same file, checkpoint rewritten from progress() per part: ${c.ali.seconds.toFixed(1)} s, ${c.ali.writes} writes, ` +
          `${c.ali.bytes} bytes written (${(c.ali.bytes / 1e6).toFixed(1)} MB); storage write_bytes ${c.ali.storageWriteBytes}`,
      );
    }
  }

  if (args.extras.includes('kill')) {
    const size = Math.max(...args.sizes);
    const part = 8 * 1024 ** 2;
    const par = 4;
    log(`\n## SIGKILL mid-upload (${formatSize(size)}, ${formatSize(part)} parts x${par}) [${elapsed()}]`);
    const k = await killExtra(ctx, size, part, par);
    results.kill = k;
    log(
      `killed with ${k.partsRecordedAtKill} part records in the journal; the process had written ${k.wcharAtKill} bytes (bodies, headers, journal)`,
    );
    log(
      `rerun: ${k.resumedBytes} bytes resumed, ${k.transferredBytes} sent; resent (upper bound: written before the kill - journal - resumed): ` +
        `${k.resentBytes} bytes = ${(k.resentBytes / 1024 ** 2).toFixed(1)} MiB; bound parallel x part size = ${(k.bound / 1024 ** 2).toFixed(0)} MiB`,
    );
  }

  if (args.extras.includes('resume')) {
    const size = args.resumeSize;
    const trials = Math.max(3, args.reps);
    log(
      `\n## late resume: killed at >= 90%, rerun vs a full run (${formatSize(size)}, 8 MiB parts x4), ${trials} trials each way [${elapsed()}]`,
    );
    const r = await resumeExtra(ctx, size, 8 * 1024 ** 2, 4, 0.9, dl, trials);
    results.resume = r;
    for (const x of r) {
      log(
        `${x.op.padEnd(8)}: full ${x.fullSeconds.toFixed(2)} s; killed at ${(x.doneAtKill * 100).toFixed(0)}% (${x.recordsAtKill}/${x.parts} records); ` +
          `resume ${x.resumeSeconds.toFixed(2)} s = ${x.ratio.toFixed(2)}x full (${x.resumedBytes} B resumed, ${x.transferredBytes} B sent), ` +
          `resume CPU ${x.resumeCpuSeconds.toFixed(2)} s`,
      );
    }
    for (const op of ['upload', 'download'] as const)
      if (r.some((x) => x.op === op))
        log(
          `${op.padEnd(8)}: median of ${r.filter((x) => x.op === op).length}: resume ${medianRatio(r, op).toFixed(2)}x full (target <= ${op === 'upload' ? '0.25' : '0.35'}x)`,
        );
  }

  if (args.extras.includes('single')) {
    const size = Math.min(...args.sizes, 64 * 1024 ** 2);
    const reps = Math.max(3, args.reps);
    log(
      `\n## a file within one part (${formatSize(size)}, --part-size ${formatSize(size)}): ossup's single PutObject vs one plain PUT, ${reps} reps [${elapsed()}]`,
    );
    const ms = await singleExtra(ctx, size, reps, dl);
    results.single = ms;
    const med = (tool: string) => median(ms.filter((m) => m.tool === tool).map(mibps));
    const cpu = (tool: string) => median(ms.filter((m) => m.tool === tool).map((m) => m.cpuSeconds));
    log(
      `ossup ${med('ossup').toFixed(0)} MiB/s (CPU ${cpu('ossup').toFixed(2)} s), plain PUT ${med('ceiling').toFixed(0)} MiB/s (CPU ${cpu('ceiling').toFixed(2)} s): ` +
        `ossup = ${(med('ossup') / med('ceiling')).toFixed(2)}x the plain PUT`,
    );
  }

  if (args.extras.includes('wan')) {
    const shape = { bytesPerSecond: 16 * 1024 ** 2, delayMs: 10 };
    const size = 256 * 1024 ** 2;
    const part = 8 * 1024 ** 2;
    log(
      `\n## a shaped link: every connection capped at ${formatSize(shape.bytesPerSecond)}/s each way, ${shape.delayMs * 2} ms RTT added ` +
        `(bench/shaper.ts); ${formatSize(size)}, ${formatSize(part)} parts x4, ${args.reps} reps [${elapsed()}]`,
    );
    const w = await wanExtra(ctx, shape, size, part, 4, args.reps, dl);
    results.wan = w;
    for (const op of ['upload', 'download'] as const) {
      const line = (['ossup', 'ali-oss', 'go-sdk', 'ceiling'] as const).map((tool) => {
        const xs = w.runs.filter((m) => m.op === op && m.tool === tool).map(mibps);
        return xs.length ? `${tool} ${median(xs).toFixed(1)} MiB/s` : `${tool} n/a`;
      });
      const ratio =
        median(w.runs.filter((m) => m.op === op && m.tool === 'ossup').map(mibps)) /
        median(w.runs.filter((m) => m.op === op && m.tool === 'ali-oss').map(mibps));
      log(`${op.padEnd(8)}: ${line.join(', ')}; ossup = ${ratio.toFixed(2)}x ali-oss`);
    }
  }

  if (args.extras.includes('tree')) {
    const shape = { bytesPerSecond: 16 * 1024 ** 2, delayMs: 10 };
    const jobs = 16; // the cp -r default (README "Trees")
    log(
      `\n## trees: cp -r of 1,000 x 4 KiB through the shaping proxy (${shape.delayMs * 2} ms RTT, ${formatSize(shape.bytesPerSecond)}/s per connection), ` +
        `default --jobs vs --jobs 1; then 10,000 x 1 KiB on loopback [${elapsed()}]`,
    );
    const t = await treeExtra(ctx, shape, jobs, true);
    results.tree = t;
    const rtt = (shape.delayMs * 2) / 1000;
    for (const op of ['upload', 'download'] as const) {
      const d = t.runs.find((r) => r.op === op && r.jobs === 'default');
      const one = t.runs.find((r) => r.op === op && r.jobs === 1);
      if (!d || !one) continue;
      const rate = d.requests / d.requestSpanSeconds;
      const ideal = jobs / rtt;
      log(
        `${op.padEnd(8)}: default ${d.seconds.toFixed(2)} s (${d.requests} requests), --jobs 1 ${one.seconds.toFixed(2)} s ` +
          `(${one.requests} requests): ${(one.seconds / d.seconds).toFixed(1)}x (target >= 8x); ` +
          `CPU s client/server/proxies ${d.clientCpuSeconds.toFixed(2)}/${d.serverCpuSeconds.toFixed(2)}/${d.proxyCpuSeconds.toFixed(2)}; ` +
          `${rate.toFixed(0)} req/s (requests / first-to-last request span ${d.requestSpanSeconds.toFixed(2)} s) vs ideal ${jobs} / ${rtt * 1000} ms = ${ideal.toFixed(0)} req/s: ${(ideal / rate).toFixed(2)}x off (target <= 2x)`,
      );
    }
    const m = t.many;
    log(
      `${m.count} x ${formatSize(m.size)} on loopback: ${m.seconds.toFixed(1)} s, ${m.requests} requests; client peak RSS ` +
        `${(m.maxRssBytes / 1e6).toFixed(0)} MB (VmHWM; target < 200 MB); launch to first PutObject at the proxy ` +
        `${m.firstPutMs.toFixed(0)} ms (target < 1000 ms)`,
    );
  }

  if (args.extras.includes('small')) {
    log(
      `\n## small files: 2,000 x 4 KiB up on loopback, 16 at a time, ${args.reps} rep(s), order rotated [${elapsed()}]`,
    );
    const f = await smallExtra(ctx, args.reps);
    results.small = f;
    for (const line of smallLines(f)) log(line);
  }

  if (args.extras.includes('small-wan')) {
    log(
      `\n## small files at ${SMALL_WAN_RTT_MS} ms RTT: 1,000 x 4 KiB up and down, no flags and --jobs 16, ${args.reps} rep(s) [${elapsed()}]`,
    );
    const f = await smallWanExtra(ctx, args.reps);
    results.smallWan = f;
    for (const line of smallWanLines(f)) log(line);
  }

  if (args.extras.includes('startup')) {
    log(
      `\n## start-up: CPU of \`ossup cp\` of a 4 KiB file before its first request, 11 rounds, medians [${elapsed()}]`,
    );
    const f = await startupExtra(ctx);
    results.startup = f;
    for (const line of startupLines(f)) log(line);
  }

  if (args.extras.includes('sync')) {
    log(
      `\n## sync with nothing to do: 10,000 x 1 KiB in 100 folders, whole process, ${Math.max(3, args.reps)} runs [${elapsed()}]`,
    );
    const f = await syncExtra(ctx, Math.max(3, args.reps));
    results.sync = f;
    for (const line of syncLines(f)) log(line);
  }

  if (args.extras.includes('stream')) {
    const size = 1024 ** 3;
    const part = 64 * 1024 ** 2;
    log(
      `\n## streams: stdin from a pipe vs the file, stdout vs the file (${formatSize(size)}, ${formatSize(part)} parts x4, ${args.reps} reps) [${elapsed()}]`,
    );
    const s = await streamExtra(ctx, size, part, 4, args.reps);
    results.stream = s;
    for (const op of ['upload', 'download'] as const) {
      const rate = (mode: string) => median(s.runs.filter((r) => r.op === op && r.mode === mode).map((r) => r.mibps));
      const rss = (mode: string) =>
        Math.max(...s.runs.filter((r) => r.op === op && r.mode === mode).map((r) => r.maxRssBytes)) / 1e6;
      log(
        `${op.padEnd(8)}: file ${rate('file').toFixed(0)} MiB/s (peak RSS ${rss('file').toFixed(0)} MB), ` +
          `${op === 'upload' ? 'stdin pipe' : 'stdout'} ${rate('pipe').toFixed(0)} MiB/s (peak RSS ${rss('pipe').toFixed(0)} MB): ` +
          `stream = ${((rate('pipe') / rate('file')) * 100).toFixed(0)}% of the file`,
      );
    }
  }

  if (args.extras.includes('copy')) {
    const size = args.copySize;
    // The source is made on the server from the largest test file that divides it (no client uploads it).
    const unit = [...args.sizes].sort((a, b) => b - a).find((s) => size % s === 0) ?? 64 * 1024 ** 2;
    log(`\n## server-side copy of ${formatSize(size)} through a byte-counting proxy [${elapsed()}]`);
    const c = await copyExtra(ctx, size, unit);
    results.copy = c;
    log(
      `${c.parts} parts in ${c.seconds.toFixed(1)} s (${(c.size / 1024 ** 2 / c.seconds).toFixed(0)} MiB/s on the server; child wall ${c.wallSeconds.toFixed(1)} s); ` +
        `client received ${c.receivedBytes} bytes, sent ${c.sentBytes}; peak RSS ${(c.maxRssBytes / 1e6).toFixed(0)} MB, ` +
        `CPU ${c.cpuSeconds.toFixed(2)} s, server CPU ${c.serverCpuSeconds.toFixed(1)} s`,
    );
  }

  if (args.extras.includes('links')) {
    log(
      `\n## links: no tuning flags vs a grid of hand-tuned settings, ${linkProfileList.map((p) => p.name).join('; ')} (${formatSize(args.linksSize)} file, ` +
        `${args.linksFiles} small files) [${elapsed()}]`,
    );
    const l = await linksExtra(ctx, args.linksSize, args.linksFiles, {
      quick: args.quick,
      grid: args.linksGrid,
      reps: args.linksReps,
      loopbackReps: args.linksLoopbackReps,
      profiles: args.linksProfiles,
    });
    results.links = l;
    log(linksTable(l));
  }

  if (args.extras.includes('profile')) {
    const size = Math.max(...args.sizes);
    const part = Math.max(...args.parts);
    log(
      `\n## CPU profiles (${formatSize(size)} upload, ${formatSize(part)} parts x4; a separate server under --cpu-prof) [${elapsed()}]`,
    );
    const p = await profileExtra(ctx, size, part, 4);
    results.profile = p;
    log(p.text);
  }
  log(`\nload average at the end: ${load()}; total ${elapsed()}`);
  results.loadEnd = loadavg();
} catch (err) {
  failed = true;
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
} finally {
  await client.close();
  await server.stop();
  if (args.jsonOut)
    writeFileSync(
      args.jsonOut,
      JSON.stringify(results, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2),
    );
  if (!args.keep) {
    rmSync(dir, { recursive: true, force: true });
    if (!args.checkpointDir) rmSync(checkpointDir, { recursive: true, force: true });
  } else {
    unmarkOwned(dir);
    unmarkOwned(checkpointDir);
    log(`kept ${dir} and ${checkpointDir}`);
  }
  benchLock.release();
}
process.exitCode = failed ? 1 : 0;

/** The side-by-side table, with what else the machine was doing meanwhile. */
async function matrixPhase(dl: DownloadMode): Promise<void> {
  log(`\n## side by side (${scenarios(args).length} scenarios x ${args.reps} reps) [${elapsed()}]`);
  const m0 = machineCpuSeconds();
  const server0 = procCpuSeconds(server.pid);
  const self0 = process.cpuUsage();
  const ms: Measurement[] = await runMatrix(ctx, args, dl);
  const m1 = machineCpuSeconds();
  const selfUsage = process.cpuUsage(self0);
  const ours =
    ms.reduce((a, m) => a + m.cpuSeconds, 0) +
    (procCpuSeconds(server.pid) - server0) +
    (selfUsage.user + selfUsage.system) / 1e6;
  const busy = m1.busy - m0.busy;
  const wall = (m1.total - m0.total) / cpus().length;
  const machineUse = {
    wallSeconds: wall,
    busyShare: busy / (m1.total - m0.total),
    benchCpuSeconds: ours,
    otherCpuSeconds: busy - ours,
  };
  results.machineDuringMatrix = machineUse;
  results.measurements = ms;
  const rows: Row[] = [];
  for (const s of scenarios(args)) {
    const na = Object.fromEntries(
      (['ossup', 'go-sdk'] as const).map((t) => [t, unavailable(ctx, t, s.op, dl)]).filter(([, why]) => why),
    );
    rows.push(...rowsFor(ms, s.op, s.size, s.partSize, s.parallel, na));
  }
  results.rows = rows;
  log(
    `\nMiB/s = file size / transfer time timed inside each child (start-up excluded; "start-up s" is the rest of ` +
      `the child's wall time). Peak RSS = max over reps of the client's getrusage maxrss; CPU = median user+sys of ` +
      `the client; server CPU = median CPU the server process used during the run.\n`,
  );
  log(markdownTable(rows));
  log(
    `\nduring the matrix (${wall.toFixed(0)} s): the ${cpus().length} CPUs were ${(machineUse.busyShare * 100).toFixed(0)}% busy; ` +
      `bench processes (clients, server, this runner) used ${ours.toFixed(0)} CPU s, other processes ${machineUse.otherCpuSeconds.toFixed(0)} CPU s ` +
      `(= ${(machineUse.otherCpuSeconds / wall).toFixed(2)} cores on average)`,
  );
  log(`load average after the matrix: ${load()} [${elapsed()}]`);
}
