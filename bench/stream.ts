// Issue 14's figures: `ossup cp - oss://...` fed through a pipe against the file upload, `ossup cp oss://... -`
// against the file download (same part size and parallelism), and a large server-side copy counted through a
// proxy that sees every byte the client receives. Every result is checked by CRC-64, so a wrong run fails the bench.
import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Crc64, crc64Combine } from '../src/core/crc64.js';
import { BUCKET, childEnv, fileFor, measured, verifyObject, type BenchContext, type TestFile } from './context.js';
import { startCounter } from './counter.js';
import { seedDownloads } from './matrix.js';
import { lastJson, OSSUP_BIN, type RunResult } from './proc.js';

const MiB = 1024 ** 2;

export interface StreamRun {
  mode: 'file' | 'pipe';
  op: 'upload' | 'download';
  seconds: number;
  mibps: number;
  maxRssBytes: number;
  cpuSeconds: number;
}

export interface StreamFigures {
  size: number;
  partSize: number;
  parallel: number;
  runs: StreamRun[];
}

/** The `--json` line, which a download to stdout prints on stderr. */
function jsonOf(r: RunResult, what: string, onStderr: boolean): { seconds: number; crc64: string; size: number } {
  if (!onStderr) return lastJson(r, what);
  const line = r.stderr
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.code !== 0 || !line) throw new Error(`${what} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim()}`);
  return JSON.parse(line);
}

async function crcOfFile(path: string): Promise<{ crc: bigint; size: number }> {
  const c = new Crc64();
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) {
    c.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { crc: c.digest(), size };
}

/** File vs pipe, upload then download, `reps` times each in alternating order. */
export async function streamExtra(
  ctx: BenchContext,
  size: number,
  partSize: number,
  parallel: number,
  reps: number,
): Promise<StreamFigures> {
  const f = fileFor(ctx, size);
  await seedDownloads(ctx, [size]);
  const common = ['--part-size', String(partSize), '--parallel', String(parallel), '--json', '--no-progress', '-q'];
  const runs: StreamRun[] = [];
  const out = join(ctx.dir, 'stream-out.bin');
  for (const op of ['upload', 'download'] as const) {
    for (let rep = 0; rep < reps; rep++) {
      for (const mode of (rep % 2 ? ['pipe', 'file'] : ['file', 'pipe']) as Array<'file' | 'pipe'>) {
        const what = `${mode} ${op}`;
        let r: RunResult;
        if (op === 'upload') {
          const key = `stream/${mode}`;
          const src = f.path;
          r = await measured(
            ctx,
            OSSUP_BIN,
            // A stream is never checkpointed (and refuses the flag); the file upload keeps its checkpoint on disk.
            mode === 'pipe'
              ? ['cp', '-', `oss://${BUCKET}/${key}`, ...common]
              : ['cp', src, `oss://${BUCKET}/${key}`, ...common, '--checkpoint-dir', ctx.checkpointDir],
            mode === 'pipe' ? { stdinFile: f.path } : {},
          );
          const j = jsonOf(r, what, false);
          if (BigInt(j.crc64) !== f.crc64) throw new Error(`${what}: CRC-64 ${j.crc64}, expected ${f.crc64}`);
          await verifyObject(ctx, key, f, what);
          await ctx.client.deleteObject(BUCKET, key);
          runs.push(row(mode, op, j.seconds, r));
        } else {
          const src = `oss://${BUCKET}/dl/${size}`;
          rmSync(out, { force: true });
          r =
            mode === 'pipe'
              ? await measured(ctx, OSSUP_BIN, ['cp', src, '-', ...common], { stdoutFile: out })
              : await measured(ctx, OSSUP_BIN, ['cp', src, out, ...common, '--checkpoint-dir', ctx.checkpointDir]);
          const j = jsonOf(r, what, mode === 'pipe');
          await checkFile(out, f, what);
          rmSync(out, { force: true });
          runs.push(row(mode, op, j.seconds, r));
        }
        const last = runs[runs.length - 1]!;
        ctx.log(
          `  ${op} rep ${rep + 1} ${mode.padEnd(4)} ${last.mibps.toFixed(0).padStart(5)} MiB/s  peak RSS ${(last.maxRssBytes / 1e6).toFixed(0)} MB  CPU ${last.cpuSeconds.toFixed(2)} s`,
        );
      }
    }
  }
  return { size, partSize, parallel, runs };

  function row(mode: 'file' | 'pipe', op: 'upload' | 'download', seconds: number, r: RunResult): StreamRun {
    return {
      mode,
      op,
      seconds,
      mibps: size / MiB / seconds,
      maxRssBytes: r.usage?.maxRssBytes ?? NaN,
      cpuSeconds: r.usage?.cpuSeconds ?? NaN,
    };
  }
}

async function checkFile(path: string, f: TestFile, what: string): Promise<void> {
  const got = await crcOfFile(path);
  if (got.size !== f.size || got.crc !== f.crc64)
    throw new Error(`${what}: wrote ${got.size} bytes, CRC-64 ${got.crc}; expected ${f.size}, ${f.crc64}`);
}

// ---- server-side copy through a counting proxy -----------------------------------------------------------------

export interface CopyFigures {
  size: number;
  seconds: number;
  wallSeconds: number;
  parts: number;
  receivedBytes: number;
  sentBytes: number;
  maxRssBytes: number;
  cpuSeconds: number;
  serverCpuSeconds: number;
}

/**
 * `ossup cp oss://bench/copy/src oss://bench/copy/dst` of a `size` object (made on the server by UploadPartCopy of
 * the `unit`-sized download object, so no client ever uploads it), the CLI's endpoint a counting proxy.
 */
export async function copyExtra(ctx: BenchContext, size: number, unit: number): Promise<CopyFigures> {
  if (size % unit) throw new Error(`copy size ${size} is not a multiple of ${unit}`);
  const f = fileFor(ctx, unit);
  await seedDownloads(ctx, [unit]);
  const { uploadId } = await ctx.client.initiateMultipartUpload(BUCKET, 'copy/src');
  const n = size / unit;
  const parts: Array<{ partNumber: number; etag: string }> = [];
  for (let i = 1; i <= n; i++) {
    const p = await ctx.client.uploadPartCopy(BUCKET, `dl/${unit}`, BUCKET, 'copy/src', uploadId, i);
    parts.push({ partNumber: i, etag: p.etag });
  }
  await ctx.client.completeMultipartUpload(BUCKET, 'copy/src', uploadId, parts);
  let want = 0n;
  for (let i = 0; i < n; i++) want = i ? crc64Combine(want, f.crc64, unit) : f.crc64;
  const src: TestFile = { path: '', size, crc64: want };
  await verifyObject(ctx, 'copy/src', src, 'copy source');
  const url = new URL(ctx.server.endpoint);
  const counter = await startCounter({ host: url.hostname, port: Number(url.port) });
  try {
    const r = await measured(
      ctx,
      OSSUP_BIN,
      [
        'cp',
        `oss://${BUCKET}/copy/src`,
        `oss://${BUCKET}/copy/dst`,
        '--checkpoint-dir',
        ctx.checkpointDir,
        '--json',
        '--no-progress',
        '-q',
      ],
      { env: childEnv(ctx.dir, counter.endpoint, ctx.creds) },
    );
    const j = lastJson<{ seconds: number; crc64: string; parts: number }>(r, 'server-side copy');
    if (BigInt(j.crc64) !== want) throw new Error(`server-side copy: CRC-64 ${j.crc64}, expected ${want}`);
    await verifyObject(ctx, 'copy/dst', src, 'server-side copy');
    return {
      size,
      seconds: j.seconds,
      wallSeconds: r.wallMs / 1000,
      parts: j.parts,
      receivedBytes: counter.toClient,
      sentBytes: counter.toServer,
      maxRssBytes: r.usage?.maxRssBytes ?? NaN,
      cpuSeconds: r.usage?.cpuSeconds ?? NaN,
      serverCpuSeconds: r.serverCpuS,
    };
  } finally {
    await counter.close();
    await ctx.client.deleteObject(BUCKET, 'copy/src').catch(() => {});
    await ctx.client.deleteObject(BUCKET, 'copy/dst').catch(() => {});
  }
}
