// The figures beside the side-by-side table: CRC-64 throughput, checkpoint cost at 10,000 parts, bytes resent
// after a SIGKILL, peak RSS with 64 MiB parts, and CPU profiles of the server and the client.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc64 } from '../src/core/crc64.js';
import { nativeCrc64 } from '../src/io/crc64-native.js';
import { decodeJournal } from '../src/transfer/checkpoint/journal.js';
import { formatSize } from './args.js';
import {
  BUCKET,
  checkpointedCp,
  childEnv,
  fileFor,
  makeFile,
  measured,
  verifyObject,
  type BenchContext,
} from './context.js';
import { crc64Js } from './crc64-js.js';
import { ALI_CHILD, OSSUP_CHILD, PLAIN_CHILD, runOnce, seedDownloads, type DownloadMode } from './matrix.js';
import type { PlainJob } from './plain-child.js';
import type { OssupJob } from './ossup-child.js';
import { lastJson, OSSUP_BIN, procWchar, runMeasured, startServerProcess } from './proc.js';
import { formatProfile, summarizeProfile } from './profile.js';
import type { Measurement, Tool } from './report.js';
import { startShaper, type LinkShape } from './shaper.js';

const MiB = 1024 ** 2;

// ---- CRC-64 ----------------------------------------------------------------------------------------------------

/** MB/s as median and best of the runs: the median is the honest figure on a shared machine, the best what the code can do. */
export interface Rate {
  median: number;
  best: number;
}
export interface CrcFigures {
  mib: number;
  wasm: Rate;
  /** The native kernel (native/crc64.c) and its loop, where it was built. */
  native?: Rate & { loop: string };
  js: Rate;
  md5: Rate;
  runs: number;
}

function throughput(buf: Buffer, runs: number, fn: (b: Buffer) => unknown): Rate {
  fn(buf.subarray(0, MiB)); // warm up (compile, tables)
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn(buf);
    rates.push(buf.length / (Number(process.hrtime.bigint() - t) / 1e9) / 1e6);
  }
  rates.sort((a, b) => a - b);
  return { median: rates[rates.length >> 1]!, best: rates[rates.length - 1]! };
}

export function crcExtra(mib = 256, runs = 5): CrcFigures {
  const buf = randomBytes(mib * MiB);
  const addon = nativeCrc64();
  if (crc64Js(buf.subarray(0, 4099)) !== crc64(buf.subarray(0, 4099)))
    throw new Error('the JS reference CRC-64 disagrees with src/core');
  return {
    mib,
    runs,
    wasm: throughput(buf, runs, (b) => crc64(b)),
    native: addon && { ...throughput(buf, runs, (b) => addon.update(0xffffffffffffffffn, b)), loop: addon.kernel },
    js: throughput(buf, runs, (b) => crc64Js(b)),
    md5: throughput(buf, runs, (b) => createHash('md5').update(b).digest()),
  };
}

// ---- checkpoint at N parts -------------------------------------------------------------------------------------

export interface CheckpointFigures {
  parts: number;
  partSize: number;
  parallel: number;
  uploadSeconds: number;
  /** Journal size when Complete was reached: every byte ever appended (the journal is append-only). */
  journalBytes: number;
  /** CPU the server spent per part while receiving them (its whole process, hashing threads included). */
  serverCpuMsPerPart: number;
  /** Bytes the uploading process caused to be written to storage (/proc/self/io write_bytes; page granularity). */
  storageWriteBytes: number;
  loadMs: number;
  readMs: number;
  resumeMsToComplete: number;
  resumeListPartsMs: number;
  resumedBytes: number;
  /** CompleteMultipartUpload of all the parts, as the resuming client timed it. */
  completeMs: number;
  checkpointOnTmpfs: boolean;
  /** ali-oss on the same file, its checkpoint object rewritten from progress() after every part. */
  ali?: { seconds: number; writes: number; bytes: number; storageWriteBytes: number };
}

export async function checkpointExtra(
  ctx: BenchContext,
  parts: number,
  parallel: number,
  withAli: boolean,
): Promise<CheckpointFigures> {
  const partSize = 100 * 1024;
  const f = makeFile(join(ctx.dir, `cp${parts}`), parts * partSize);
  const cp = join(ctx.checkpointDir, `bench-${parts}-parts.ucp`);
  rmSync(cp, { force: true });
  const job: OssupJob = {
    op: 'cp-capture',
    bucket: BUCKET,
    key: 'checkpoint/big',
    file: f.path,
    partSize,
    parallel,
    checkpoint: cp,
  };
  const cap = await measured(ctx, OSSUP_CHILD, [JSON.stringify(job)]);
  const captured = lastJson<{ seconds: number; journalBytes: number; parts: number }>(cap, 'checkpoint capture');
  ctx.log(
    `  ${parts}-part upload stopped at Complete after ${captured.seconds.toFixed(1)} s; journal ${captured.journalBytes} bytes`,
  );
  const load = lastJson<{ ms: number; readMs: number; records: number }>(
    await measured(ctx, OSSUP_CHILD, [JSON.stringify({ ...job, op: 'cp-load' })]),
    'checkpoint load',
  );
  if (load.records !== parts) throw new Error(`checkpoint holds ${load.records} part records, expected ${parts}`);
  const resume = lastJson<{ msToComplete: number; listPartsMs: number; completeMs: number; resumedBytes: number }>(
    await measured(ctx, OSSUP_CHILD, [JSON.stringify({ ...job, op: 'cp-resume' })]),
    'checkpoint resume',
  );
  await verifyObject(ctx, 'checkpoint/big', f, 'checkpoint resume');
  await ctx.client.deleteObject(BUCKET, 'checkpoint/big');
  let ali: CheckpointFigures['ali'];
  if (withAli) {
    const aliCp = join(ctx.checkpointDir, `ali-${parts}-parts.json`);
    const r = await measured(ctx, ALI_CHILD, [
      JSON.stringify({
        op: 'upload',
        bucket: BUCKET,
        key: 'checkpoint/ali',
        file: f.path,
        partSize,
        parallel,
        checkpoint: aliCp,
      }),
    ]);
    const o = lastJson<{ seconds: number; checkpointWrites: number; checkpointBytes: number }>(
      r,
      'ali-oss checkpoint upload',
    );
    ali = {
      seconds: o.seconds,
      writes: o.checkpointWrites,
      bytes: o.checkpointBytes,
      storageWriteBytes: r.usage?.io?.writeBytes ?? NaN,
    };
    await verifyObject(ctx, 'checkpoint/ali', f, 'ali-oss checkpoint upload');
    await ctx.client.deleteObject(BUCKET, 'checkpoint/ali');
    rmSync(aliCp, { force: true });
  }
  rmSync(f.path, { force: true });
  return {
    parts,
    partSize,
    parallel,
    uploadSeconds: captured.seconds,
    journalBytes: captured.journalBytes,
    serverCpuMsPerPart: (cap.serverCpuS * 1000) / parts,
    storageWriteBytes: cap.usage?.io?.writeBytes ?? NaN,
    loadMs: load.ms,
    readMs: load.readMs,
    resumeMsToComplete: resume.msToComplete,
    resumeListPartsMs: resume.listPartsMs,
    resumedBytes: resume.resumedBytes,
    completeMs: resume.completeMs,
    checkpointOnTmpfs: ctx.checkpointDir.startsWith('/dev/shm'),
    ...(ali ? { ali } : {}),
  };
}

// ---- SIGKILL mid-upload ----------------------------------------------------------------------------------------

export interface KillFigures {
  size: number;
  partSize: number;
  parallel: number;
  partsRecordedAtKill: number;
  /** Everything the killed process wrote (socket bodies and headers, journal, lock) before the kill. */
  wcharAtKill: number;
  journalBytesAtKill: number;
  resumedBytes: number;
  transferredBytes: number;
  /** Upper bound: bytes written to the network by the killed run that the second run did not reuse. */
  resentBytes: number;
  bound: number;
}

function journalRecords(dir: string): { records: number; bytes: number } {
  const name = readdirSync(dir).find((n) => n.endsWith('.ucp'));
  if (!name) return { records: 0, bytes: 0 };
  try {
    const data = readFileSync(join(dir, name));
    return { records: Math.max(0, (decodeJournal(data)?.records.length ?? 1) - 1), bytes: data.length };
  } catch {
    return { records: 0, bytes: 0 };
  }
}

export async function killExtra(
  ctx: BenchContext,
  size: number,
  partSize: number,
  parallel: number,
): Promise<KillFigures> {
  const f = fileFor(ctx, size);
  const cpDir = join(ctx.checkpointDir, 'kill');
  rmSync(cpDir, { recursive: true, force: true });
  mkdirSync(cpDir, { recursive: true });
  const totalParts = Math.ceil(size / partSize);
  const args = checkpointedCp(f.path, `oss://${BUCKET}/kill/obj`, partSize, parallel, cpDir);
  let wcharAtKill = NaN;
  let atKill = { records: 0, bytes: 0 };
  const first = await measured(ctx, OSSUP_BIN, args, {
    onSpawn: (child) => {
      const timer = setInterval(() => {
        const j = journalRecords(cpDir);
        if (j.records >= totalParts / 2) {
          wcharAtKill = procWchar(child.pid!);
          child.kill('SIGKILL');
          atKill = journalRecords(cpDir);
          clearInterval(timer);
        }
      }, 5);
      child.once('exit', () => clearInterval(timer));
    },
  });
  if (first.signal !== 'SIGKILL')
    throw new Error(`the upload was meant to be killed, but it ended (${first.code}): ${first.stderr}`);
  const second = await measured(ctx, OSSUP_BIN, args);
  const out = lastJson<{ resumedBytes: number; transferredBytes: number }>(second, 'resume after kill');
  await verifyObject(ctx, 'kill/obj', f, 'resume after kill');
  await ctx.client.deleteObject(BUCKET, 'kill/obj');
  return {
    size,
    partSize,
    parallel,
    partsRecordedAtKill: atKill.records,
    wcharAtKill,
    journalBytesAtKill: atKill.bytes,
    resumedBytes: out.resumedBytes,
    transferredBytes: out.transferredBytes,
    resentBytes: wcharAtKill - atKill.bytes - out.resumedBytes,
    bound: parallel * partSize,
  };
}

// ---- client transport ------------------------------------------------------------------------------------------

export interface TransportFigures {
  op: 'upload' | 'download';
  via: 'http' | 'client';
  mibps: number[];
  cpuSeconds: number[];
}

/** One plain request through raw node:http (the ceiling) against the same request through OssClient (also node:http). */
export async function transportExtra(ctx: BenchContext, size: number, reps: number): Promise<TransportFigures[]> {
  const f = fileFor(ctx, size);
  await seedDownloads(ctx, [size]);
  const out: TransportFigures[] = [];
  for (const op of ['upload', 'download'] as const) {
    const figs = {
      http: { op, via: 'http' as const, mibps: [] as number[], cpuSeconds: [] as number[] },
      client: { op, via: 'client' as const, mibps: [] as number[], cpuSeconds: [] as number[] },
    };
    for (let rep = 0; rep < reps; rep++) {
      for (const via of rep % 2 ? (['client', 'http'] as const) : (['http', 'client'] as const)) {
        const dest = join(ctx.dir, 'transport.bin');
        const job: PlainJob =
          op === 'upload'
            ? { op, bucket: BUCKET, key: 'transport/obj', file: f.path, via }
            : { op, bucket: BUCKET, key: `dl/${size}`, file: dest, via };
        const r = await measured(ctx, PLAIN_CHILD, [JSON.stringify(job)]);
        const { seconds } = lastJson<{ seconds: number }>(r, `transport ${op} via ${via}`);
        if (op === 'upload') await verifyObject(ctx, 'transport/obj', f, 'transport upload');
        rmSync(dest, { force: true });
        figs[via].mibps.push(size / MiB / seconds);
        figs[via].cpuSeconds.push(r.usage?.cpuSeconds ?? NaN);
      }
    }
    out.push(figs.http, figs.client);
  }
  return out;
}

// ---- memory with large parts -----------------------------------------------------------------------------------

export async function memoryExtra(
  ctx: BenchContext,
  sizes: number[],
  partSize: number,
  parallel: number,
  dl: DownloadMode,
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  if (dl.kind !== 'none') await seedDownloads(ctx, sizes);
  for (const size of sizes) {
    for (const tool of ['ossup', 'ali-oss'] as const) {
      const s = { op: 'upload' as const, size, partSize, parallel };
      out.push(await runOnce(ctx, tool, s, 0, dl));
      if (tool === 'ossup' && dl.kind !== 'none') out.push(await runOnce(ctx, tool, { ...s, op: 'download' }, 0, dl));
    }
  }
  return out;
}

// ---- profiles --------------------------------------------------------------------------------------------------

export interface ProfileFigures {
  text: string;
  seconds: Record<string, number>;
}

/**
 * A second server, started under --cpu-prof, receives one ossup upload (the client profiled too) and one ali-oss
 * upload of the same file; the server profile is split by each run's time window.
 */
export async function profileExtra(
  ctx: BenchContext,
  size: number,
  partSize: number,
  parallel: number,
): Promise<ProfileFigures> {
  const dir = join(ctx.dir, 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const root = join(ctx.dir, 'profile-root');
  const server = await startServerProcess(root, ctx.creds, ['--cpu-prof', '--cpu-prof-dir', join(dir, 'server')]);
  const env = childEnv(ctx.dir, server.endpoint, ctx.creds);
  const f = fileFor(ctx, size);
  const usageFile = join(ctx.dir, 'usage-profile.json');
  const windows: Record<string, { fromUs: number; toUs: number }> = {};
  const seconds: Record<string, number> = {};
  // Server profile timestamps are CLOCK_MONOTONIC microseconds, as is process.hrtime in this process.
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const { OssClient } = await import('../src/client/index.js');
  const admin = new OssClient({
    endpoint: server.endpoint,
    credentials: { accessKeyId: ctx.creds.id, accessKeySecret: ctx.creds.secret },
  });
  await admin.putBucket(BUCKET);
  try {
    const runs: Array<[string, string, string[], string[]]> = [
      [
        'ossup',
        OSSUP_BIN,
        [
          'cp',
          f.path,
          `oss://${BUCKET}/prof/ossup`,
          '--part-size',
          String(partSize),
          '--parallel',
          String(parallel),
          '--checkpoint-dir',
          ctx.checkpointDir,
          '--json',
          '--no-progress',
          '-q',
        ],
        ['--cpu-prof', '--cpu-prof-dir', join(dir, 'client')],
      ],
      [
        'ali-oss',
        ALI_CHILD,
        [JSON.stringify({ op: 'upload', bucket: BUCKET, key: 'prof/ali', file: f.path, partSize, parallel })],
        [],
      ],
    ];
    for (const [name, script, args, nodeFlags] of runs) {
      const from = nowUs();
      const r = await runMeasured(script, args, { env, serverPid: server.pid, usageFile, nodeFlags });
      windows[name] = { fromUs: from, toUs: nowUs() };
      seconds[name] = lastJson<{ seconds: number }>(r, `profiled ${name} upload`).seconds;
    }
  } finally {
    await admin.close();
    await server.stop();
  }
  const prof = (sub: string) => {
    const d = join(dir, sub);
    const name = existsSync(d) ? readdirSync(d).find((n) => n.endsWith('.cpuprofile')) : undefined;
    if (!name) throw new Error(`no CPU profile was written in ${d}`);
    return join(d, name);
  };
  const what = `${formatSize(size)} upload, ${formatSize(partSize)} parts x${parallel}`;
  const text = [
    formatProfile(
      `server during the ossup ${what} (${seconds.ossup!.toFixed(2)} s)`,
      summarizeProfile(prof('server'), 15, windows.ossup),
    ),
    formatProfile(
      `server during the ali-oss ${what} (${seconds['ali-oss']!.toFixed(2)} s)`,
      summarizeProfile(prof('server'), 10, windows['ali-oss']),
    ),
    formatProfile(`ossup client (the cp process) during the ${what}`, summarizeProfile(prof('client'), 15)),
  ].join('\n\n');
  rmSync(root, { recursive: true, force: true });
  return { text, seconds };
}

// ---- a shaped link ---------------------------------------------------------------------------------------------

export interface WanFigures {
  shape: LinkShape;
  size: number;
  partSize: number;
  parallel: number;
  runs: Measurement[];
}

/**
 * The three tools through a proxy that gives every connection its own bandwidth cap and delay (shaper.ts): what a
 * single TCP stream gets over a long path. Same scenario shape as the matrix, so runOnce verifies every result.
 */
export async function wanExtra(
  ctx: BenchContext,
  shape: LinkShape,
  size: number,
  partSize: number,
  parallel: number,
  reps: number,
  dl: DownloadMode,
): Promise<WanFigures> {
  const url = new URL(ctx.server.endpoint);
  const shaper = await startShaper({ host: url.hostname, port: Number(url.port) }, shape);
  const wan: BenchContext = { ...ctx, env: childEnv(ctx.dir, shaper.endpoint, ctx.creds) };
  const runs: Measurement[] = [];
  try {
    await seedDownloads(ctx, [size]);
    const tools: Tool[] = ['ossup', 'ali-oss', ...(ctx.go.kind === 'go' ? ['go-sdk' as const] : []), 'ceiling'];
    for (const op of ['upload', 'download'] as const) {
      for (let rep = 0; rep < reps; rep++) {
        for (const tool of tools.map((_, k) => tools[(k + rep) % tools.length]!)) {
          if (op === 'download' && tool === 'ossup' && dl.kind === 'none') continue;
          const m = await runOnce(wan, tool, { op, size, partSize, parallel }, rep, dl);
          runs.push(m);
          ctx.log(
            `  ${op} rep ${rep + 1} ${tool.padEnd(7)} ${(size / MiB / m.seconds).toFixed(1).padStart(6)} MiB/s  cpu ${m.cpuSeconds.toFixed(2)} s`,
          );
        }
      }
    }
  } finally {
    await shaper.close();
  }
  return { shape, size, partSize, parallel, runs };
}

// ---- a file within one part -----------------------------------------------------------------------------------

/**
 * A file no larger than one part: ossup's single PutObject (hashed while sent, checked by ETag and CRC-64) against
 * one plain streamed PUT of the same file, `reps` times each, alternating.
 */
export async function singleExtra(
  ctx: BenchContext,
  size: number,
  reps: number,
  dl: DownloadMode,
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const tool of (rep % 2 ? ['ceiling', 'ossup'] : ['ossup', 'ceiling']) as Tool[]) {
      out.push(await runOnce(ctx, tool, { op: 'upload', size, partSize: size, parallel: 1 }, rep, dl));
    }
  }
  return out;
}
