// Late resume: what a rerun costs when the transfer was killed near its end. The target is a resume
// proportional to what is left (upload <= 0.2x a full run, download <= 0.3x), with every done part still verified.
// For each direction, `trials` times: one full run (timed by the CLI's --json `seconds`), then a run SIGKILLed once
// the checkpoint journal holds >= `at` of the part records, then the rerun, timed the same way and verified like every
// bench run. One trial was a draw: its rerun lasts 0.15-0.3 s, and the upload's ratio read 0.14-0.28x in four runs of
// the same code on 2026-12-07; the summary is the median of the trials' ratios.
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJournal } from '../src/transfer/checkpoint/journal.js';
import { BUCKET, checkpointedCp, fileFor, measured, verifyObject, type BenchContext } from './context.js';
import { crcOfFile, runOnce, seedDownloads, type DownloadMode } from './matrix.js';
import { lastJson, OSSUP_BIN } from './proc.js';
import { median } from './report.js';

export interface ResumeFigures {
  op: 'upload' | 'download';
  /** Which trial of this direction (0-based). */
  trial: number;
  size: number;
  partSize: number;
  parallel: number;
  parts: number;
  fullSeconds: number;
  recordsAtKill: number;
  /** Share of the parts journaled when the first run was killed. */
  doneAtKill: number;
  resumeSeconds: number;
  /** resumeSeconds / fullSeconds. */
  ratio: number;
  resumeCpuSeconds: number;
  resumedBytes: number;
  transferredBytes: number;
}

function journalRecords(dir: string, suffix: string): number {
  const name = readdirSync(dir).find((n) => n.endsWith(suffix));
  if (!name) return 0;
  try {
    // Parts and ranges only: a download's journal also holds lease and closing records (transfer/download/lease.ts).
    const records = decodeJournal<{ kind?: string }>(readFileSync(join(dir, name)))?.records.slice(1) ?? [];
    return records.filter((r) => r.kind !== 'lease' && r.kind !== 'closed' && r.kind !== 'drop').length;
  } catch {
    return 0;
  }
}

export async function resumeExtra(
  ctx: BenchContext,
  size: number,
  partSize: number,
  parallel: number,
  at: number,
  dl: DownloadMode,
  trials = 1,
): Promise<ResumeFigures[]> {
  const out: ResumeFigures[] = [];
  const ops: Array<'upload' | 'download'> = dl.kind === 'cli' ? ['upload', 'download'] : ['upload'];
  if (ops.includes('download')) await seedDownloads(ctx, [size]);
  for (const op of ops)
    for (let trial = 0; trial < trials; trial++)
      out.push(await oneTrial(ctx, op, trial, size, partSize, parallel, at, dl));
  return out;
}

/** The median of the trials' ratios for `op`. */
export function medianRatio(figures: ResumeFigures[], op: ResumeFigures['op']): number {
  return median(figures.filter((f) => f.op === op).map((f) => f.ratio));
}

async function oneTrial(
  ctx: BenchContext,
  op: 'upload' | 'download',
  trial: number,
  size: number,
  partSize: number,
  parallel: number,
  at: number,
  dl: DownloadMode,
): Promise<ResumeFigures> {
  const f = fileFor(ctx, size);
  const parts = Math.ceil(size / partSize);
  const full = await runOnce(ctx, 'ossup', { op, size, partSize, parallel }, trial, dl);
  const cpDir = join(ctx.checkpointDir, `resume-${op}`);
  rmSync(cpDir, { recursive: true, force: true });
  mkdirSync(cpDir, { recursive: true });
  const dest = join(ctx.dir, 'resume-download.bin');
  rmSync(dest, { force: true });
  const [src, dst] = op === 'upload' ? [f.path, `oss://${BUCKET}/resume/obj`] : [`oss://${BUCKET}/dl/${size}`, dest];
  const args = checkpointedCp(src, dst, partSize, parallel, cpDir);
  const suffix = op === 'upload' ? '.ucp' : '.dcp';
  let recordsAtKill = 0;
  const first = await measured(ctx, OSSUP_BIN, args, {
    onSpawn: (child) => {
      const timer = setInterval(() => {
        const n = journalRecords(cpDir, suffix);
        if (n >= Math.ceil(parts * at)) {
          child.kill('SIGKILL');
          recordsAtKill = journalRecords(cpDir, suffix);
          clearInterval(timer);
        }
      }, 2);
      child.once('exit', () => clearInterval(timer));
    },
  });
  if (first.signal !== 'SIGKILL')
    throw new Error(`the ${op} was meant to be killed at ${at * 100}%, but it ended (${first.code}): ${first.stderr}`);
  const second = await measured(ctx, OSSUP_BIN, args);
  const r = lastJson<{ seconds: number; resumedBytes: number; transferredBytes: number }>(
    second,
    `${op} resume after a late kill`,
  );
  if (op === 'upload') {
    await verifyObject(ctx, 'resume/obj', f, 'late resume');
    await ctx.client.deleteObject(BUCKET, 'resume/obj');
  } else {
    const got = { size: (await stat(dest)).size, crc: await crcOfFile(dest) };
    rmSync(dest, { force: true });
    if (got.size !== f.size || got.crc !== f.crc64)
      throw new Error(`late resume download: ${got.size} bytes, CRC-64 ${got.crc}; expected ${f.size}, ${f.crc64}`);
  }
  rmSync(cpDir, { recursive: true, force: true });
  return {
    op,
    trial,
    size,
    partSize,
    parallel,
    parts,
    fullSeconds: full.seconds,
    recordsAtKill,
    doneAtKill: recordsAtKill / parts,
    resumeSeconds: r.seconds,
    ratio: r.seconds / full.seconds,
    resumeCpuSeconds: second.usage?.cpuSeconds ?? NaN,
    resumedBytes: r.resumedBytes,
    transferredBytes: r.transferredBytes,
  };
}
