// The "tree" extra (issue 13, Performance): `ossup cp -r` of many small files. (a) 1,000 x 4 KiB through the shaping
// proxy (20 ms RTT), default --jobs against --jobs 1, up and down; (b) 10,000 x 1 KiB on loopback: peak RSS and the
// time from launch to the first PutObject reaching the server, as a counting proxy in front of it saw it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET, childEnv, measured, type BenchContext } from './context.js';
import { startCounter, type Counter } from './counter.js';
import { OSSUP_BIN } from './proc.js';
import { startShaper, type LinkShape } from './shaper.js';

/** `count` random files of `size` bytes in nested folders (100 per folder). Returns the relative paths. */
export function makeTree(dir: string, count: number, size: number): string[] {
  const rel: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = `d${String(Math.floor(i / 100)).padStart(3, '0')}`;
    if (i % 100 === 0) mkdirSync(join(dir, sub), { recursive: true });
    const name = `${sub}/f${i}.bin`;
    writeFileSync(join(dir, name), randomBytes(size));
    rel.push(name);
  }
  return rel;
}

/** Every file must be there under `prefix` with its size; every 50th is read back byte for byte. */
export async function verifyUpload(ctx: BenchContext, prefix: string, dir: string, rel: string[], size: number) {
  let n = 0;
  for await (const o of ctx.client.listObjectsAll(BUCKET, { prefix })) {
    if (o.size !== size) throw new Error(`tree upload: ${o.key} is ${o.size} bytes, expected ${size}`);
    n++;
  }
  if (n !== rel.length) throw new Error(`tree upload: ${n} objects under ${prefix}, expected ${rel.length}`);
  for (let i = 0; i < rel.length; i += 50) {
    const res = await ctx.client.getObject(BUCKET, prefix + rel[i]!);
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    if (!Buffer.concat(chunks).equals(readFileSync(join(dir, rel[i]!))))
      throw new Error(`tree upload: ${prefix}${rel[i]} differs from the file`);
  }
}

/** The downloaded tree must hold exactly the files, every 50th compared byte for byte. */
function verifyDownload(dest: string, src: string, rel: string[]) {
  const n = readdirSync(dest, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
  if (n !== rel.length) throw new Error(`tree download: ${n} files in ${dest}, expected ${rel.length}`);
  for (let i = 0; i < rel.length; i += 50)
    if (!readFileSync(join(dest, rel[i]!)).equals(readFileSync(join(src, rel[i]!))))
      throw new Error(`tree download: ${rel[i]} differs from the original`);
}

const span = (c: Counter) => ((c.lastAt ?? 0) - (c.firstAt ?? 0)) / 1000;

export interface TreeRun {
  op: 'upload' | 'download';
  jobs: number | 'default';
  /** Launch to exit, as the bench saw it. */
  seconds: number;
  requests: number;
  /** From the first request line to the last one at the proxy (the transfer, start-up and shutdown excluded). */
  requestSpanSeconds: number;
  /** CPU seconds of the cp process, of the server while it ran, and of this runner (the two proxies live here). */
  clientCpuSeconds: number;
  serverCpuSeconds: number;
  proxyCpuSeconds: number;
}

export interface TreeFigures {
  shape: LinkShape;
  smallCount: number;
  smallSize: number;
  defaultJobs: number;
  runs: TreeRun[];
  many: { count: number; size: number; seconds: number; maxRssBytes: number; firstPutMs: number; requests: number };
}

export async function treeExtra(
  ctx: BenchContext,
  shape: LinkShape,
  defaultJobs: number,
  withDownload: boolean,
): Promise<TreeFigures> {
  const url = new URL(ctx.server.endpoint);
  const base = join(ctx.dir, 'tree');
  rmSync(base, { recursive: true, force: true });
  const small = { count: 1000, size: 4096 };
  const src = join(base, 'small');
  const rel = makeTree(src, small.count, small.size);
  const runs: TreeRun[] = [];
  const shaper = await startShaper({ host: url.hostname, port: Number(url.port) }, shape);
  const sh = new URL(shaper.endpoint);
  const counter = await startCounter({ host: sh.hostname, port: Number(sh.port) });
  const env = childEnv(ctx.dir, counter.endpoint, ctx.creds);
  const cli = async (what: string, args: string[]) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await measured(ctx, OSSUP_BIN, [...args, '--no-progress', '-q'], { env });
    const seconds = (performance.now() - t0) / 1000;
    const self = process.cpuUsage(cpu0);
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim()}`);
    const cpu = {
      clientCpuSeconds: r.usage?.cpuSeconds ?? NaN,
      serverCpuSeconds: r.serverCpuS,
      proxyCpuSeconds: (self.user + self.system) / 1e6,
    };
    return { r, seconds, cpu };
  };
  try {
    for (const jobs of ['default', 1] as const) {
      const prefix = `tree/up-${jobs}/`;
      counter.reset();
      const extra = jobs === 'default' ? [] : ['--jobs', String(jobs)];
      const { seconds, cpu } = await cli(`cp -r upload (jobs ${jobs})`, [
        'cp',
        '-r',
        src,
        `oss://${BUCKET}/${prefix}`,
        ...extra,
      ]);
      runs.push({ op: 'upload', jobs, seconds, requests: counter.requests, requestSpanSeconds: span(counter), ...cpu });
      ctx.log(`  upload   jobs ${String(jobs).padEnd(7)} ${seconds.toFixed(2)} s, ${counter.requests} requests`);
      await verifyUpload(ctx, prefix, src, rel, small.size);
      if (!withDownload) continue;
      const dest = join(base, `down-${jobs}`);
      counter.reset();
      const d = await cli(`cp -r download (jobs ${jobs})`, ['cp', '-r', `oss://${BUCKET}/${prefix}`, dest, ...extra]);
      runs.push({
        op: 'download',
        jobs,
        seconds: d.seconds,
        requests: counter.requests,
        requestSpanSeconds: span(counter),
        ...d.cpu,
      });
      ctx.log(`  download jobs ${String(jobs).padEnd(7)} ${d.seconds.toFixed(2)} s, ${counter.requests} requests`);
      verifyDownload(dest, src, rel);
    }
  } finally {
    await counter.close();
    await shaper.close();
  }

  // (b) 10,000 x 1 KiB on loopback, through a counting proxy only (no delay, no cap).
  const many = { count: 10_000, size: 1024 };
  const manySrc = join(base, 'many');
  const manyRel = makeTree(manySrc, many.count, many.size);
  const direct = await startCounter({ host: url.hostname, port: Number(url.port) });
  try {
    const prefix = 'tree/many/';
    let launchedAt = 0;
    const t0 = performance.now();
    const r = await measured(
      ctx,
      OSSUP_BIN,
      ['cp', '-r', manySrc, `oss://${BUCKET}/${prefix}`, '--no-progress', '-q'],
      {
        env: childEnv(ctx.dir, direct.endpoint, ctx.creds),
        onSpawn: () => {
          launchedAt = performance.now();
        },
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (r.code !== 0) throw new Error(`cp -r of ${many.count} files failed (exit ${r.code ?? r.signal}): ${r.stderr}`);
    if (direct.firstPutAt === undefined) throw new Error('no PutObject passed the counting proxy');
    if (!r.usage) throw new Error('the cp -r child reported no usage');
    await verifyUpload(ctx, prefix, manySrc, manyRel, many.size);
    rmSync(base, { recursive: true, force: true });
    return {
      shape,
      smallCount: small.count,
      smallSize: small.size,
      defaultJobs,
      runs,
      many: {
        ...many,
        seconds,
        maxRssBytes: r.usage.maxRssBytes,
        firstPutMs: direct.firstPutAt - launchedAt,
        requests: direct.requests,
      },
    };
  } finally {
    await direct.close();
  }
}
