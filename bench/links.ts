// The "links" extra (issue 23): ossup with no tuning flags against a grid of hand-tuned settings, on three link
// profiles made on loopback by the shaping proxy (shaper.ts): no delay; 20 ms RTT; 80 ms RTT with a 200 Mbit/s link.
// Each profile moves one large file up and down and a tree of small files up and down; the figure is no-flag's rate
// over the grid's best, all measured in this one run.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { formatSize } from './args.js';
import { BUCKET, childEnv, fileFor, measured, verifyObject, type BenchContext } from './context.js';
import { OSSUP_BIN } from './proc.js';
import { startShaper, type LinkShape } from './shaper.js';

export interface LinkProfile {
  name: string;
  /** undefined: straight to the server. */
  shape?: LinkShape;
}

/** The three profiles. A per-connection cap well above the link's keeps the shared cap the only limit. */
export const LINK_PROFILES: LinkProfile[] = [
  { name: 'no delay' },
  { name: '20 ms RTT', shape: { bytesPerSecond: 1024 ** 3, delayMs: 10 } },
  {
    name: '80 ms RTT, 200 Mbit/s',
    shape: { bytesPerSecond: 1024 ** 3, delayMs: 40, linkBytesPerSecond: 25_000_000 },
  },
];

type Workload = 'file up' | 'file down' | 'files up' | 'files down';

export interface LinkRun {
  profile: string;
  workload: Workload;
  /** 'auto' (no flag), or the hand-tuned flags. */
  setting: string;
  seconds: number;
  mibps: number;
}

export interface LinkFigures {
  size: number;
  files: number;
  fileSize: number;
  runs: LinkRun[];
  /** Per profile and workload: no-flag's rate, the grid's best and their ratio. */
  summary: Array<{
    profile: string;
    workload: Workload;
    auto: number;
    best: number;
    bestSetting: string;
    ratio: number;
  }>;
}

/** The hand-tuned grids: parts in flight x part size for one file, files in flight for a tree. */
function grid(quick: boolean): { file: string[][]; files: string[][] } {
  const parallel = quick ? [1, 8] : [1, 4, 16, 64];
  const parts = quick ? ['8MiB'] : ['8MiB', '64MiB'];
  return {
    file: parallel.flatMap((p) => parts.map((s) => ['--parallel', String(p), '--part-size', s])),
    files: (quick ? [4, 32] : [4, 16, 64]).map((j) => ['--jobs', String(j)]),
  };
}

export async function linksExtra(
  ctx: BenchContext,
  size: number,
  files: number,
  opts: { quick: boolean; fileSize?: number },
): Promise<LinkFigures> {
  const fileSize = opts.fileSize ?? 64 * 1024;
  const big = fileFor(ctx, size);
  const base = join(ctx.dir, 'links');
  rmSync(base, { recursive: true, force: true });
  const tree = join(base, 'tree');
  mkdirSync(tree, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(tree, `f${i}.bin`), randomBytes(fileSize));
  const url = new URL(ctx.server.endpoint);
  const g = grid(opts.quick);
  const runs: LinkRun[] = [];
  for (const profile of LINK_PROFILES) {
    const shaper = profile.shape
      ? await startShaper({ host: url.hostname, port: Number(url.port) }, profile.shape)
      : undefined;
    const env = childEnv(ctx.dir, shaper?.endpoint ?? ctx.server.endpoint, ctx.creds);
    const cli = async (workload: Workload, setting: string[], args: string[], bytes: number) => {
      const t0 = performance.now();
      const r = await measured(ctx, OSSUP_BIN, [...args, ...setting, '--no-progress', '-q', '--no-checkpoint'], {
        env,
      });
      const seconds = (performance.now() - t0) / 1000;
      if (r.code !== 0)
        throw new Error(
          `links ${profile.name} ${workload} ${setting.join(' ')}: exit ${r.code ?? r.signal}: ${r.stderr.trim()}`,
        );
      const run = {
        profile: profile.name,
        workload,
        setting: setting.join(' ') || 'auto',
        seconds,
        mibps: bytes / 1024 ** 2 / seconds,
      };
      runs.push(run);
      ctx.log(
        `  ${profile.name.padEnd(22)} ${workload.padEnd(10)} ${run.setting.padEnd(32)} ${run.mibps.toFixed(1).padStart(8)} MiB/s`,
      );
      return r;
    };
    try {
      for (const setting of [[], ...g.file]) {
        const key = `links/${profile.name.replace(/\W+/g, '-')}/big`;
        await cli('file up', setting, ['cp', big.path, `oss://${BUCKET}/${key}`], size);
        await verifyObject(ctx, key, big, `links upload ${setting.join(' ') || 'auto'}`);
        const dest = join(base, 'big.out');
        await cli('file down', setting, ['cp', `oss://${BUCKET}/${key}`, dest], size);
        if (statSync(dest).size !== size) throw new Error(`links download: ${dest} is not ${size} bytes`);
        rmSync(dest, { force: true });
      }
      for (const setting of [[], ...g.files]) {
        const prefix = `links/${profile.name.replace(/\W+/g, '-')}/tree-${setting.join('') || 'auto'}/`;
        await cli('files up', setting, ['cp', '-r', tree, `oss://${BUCKET}/${prefix}`], files * fileSize);
        let n = 0;
        for await (const o of ctx.client.listObjectsAll(BUCKET, { prefix })) if (o.size === fileSize) n++;
        if (n !== files) throw new Error(`links tree upload: ${n} of ${files} objects under ${prefix}`);
        const dest = join(base, 'tree.out');
        await cli('files down', setting, ['cp', '-r', `oss://${BUCKET}/${prefix}`, dest], files * fileSize);
        if (readdirSync(dest).length !== files) throw new Error(`links tree download: files missing in ${dest}`);
        rmSync(dest, { recursive: true, force: true });
      }
    } finally {
      await shaper?.close();
    }
  }
  rmSync(base, { recursive: true, force: true });
  const summary: LinkFigures['summary'] = [];
  for (const profile of LINK_PROFILES) {
    for (const workload of ['file up', 'file down', 'files up', 'files down'] as const) {
      const mine = runs.filter((r) => r.profile === profile.name && r.workload === workload);
      const auto = mine.find((r) => r.setting === 'auto')!;
      const best = mine.filter((r) => r.setting !== 'auto').reduce((a, b) => (b.mibps > a.mibps ? b : a));
      summary.push({
        profile: profile.name,
        workload,
        auto: auto.mibps,
        best: best.mibps,
        bestSetting: best.setting,
        ratio: auto.mibps / best.mibps,
      });
    }
  }
  return { size, files, fileSize, runs, summary };
}

/** The markdown table for BENCHMARKS.md. */
export function linksTable(f: LinkFigures): string {
  const rows = f.summary.map(
    (s) =>
      `| ${s.profile} | ${s.workload} | ${s.auto.toFixed(1)} | ${s.best.toFixed(1)} (${s.bestSetting}) | ${s.ratio.toFixed(2)} |`,
  );
  return [
    `${formatSize(f.size)} file, ${f.files} x ${formatSize(f.fileSize)} files; MiB/s, launch to exit`,
    '',
    '| link | workload | no flags | grid best | no flags / best |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
