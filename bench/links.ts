// The "links" extra (issue 23): ossup with no tuning flags against a grid of hand-tuned settings, on three link
// profiles made on loopback by the shaping proxy (shaper.ts): no delay; 20 ms RTT; 80 ms RTT with a 200 Mbit/s link.
// Each profile moves one large file up and down and a tree of small files up and down; the figure is no-flag's rate
// over the grid's best, all measured in this one run.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { formatSize, parseSize } from './args.js';
import { BUCKET, childEnv, fileFor, measured, verifyObject, type BenchContext } from './context.js';
import { median } from './report.js';
import { OSSUP_BIN } from './proc.js';
import { startShaper, type LinkShape } from './shaper.js';

export interface LinkProfile {
  name: string;
  /** undefined: straight to the server. */
  shape?: LinkShape;
}

/**
 * The three profiles. A per-connection cap well above the link's keeps the shared cap the only limit.
 * `rates`: MiB/s of no flags in a recent run (BENCHMARKS.md, `a026bda`: file up, file down, files each way), for the
 * estimate.
 */
export const LINK_PROFILES: Array<LinkProfile & { key: string; rates: [number, number, number]; capped?: boolean }> = [
  { name: 'no delay', key: 'none', rates: [500, 880, 70] },
  { name: '20 ms RTT', key: '20ms', shape: { bytesPerSecond: 1024 ** 3, delayMs: 10 }, rates: [400, 525, 58] },
  {
    name: '80 ms RTT, 200 Mbit/s',
    key: '80ms',
    shape: { bytesPerSecond: 1024 ** 3, delayMs: 40, linkBytesPerSecond: 25_000_000 },
    rates: [23.5, 23.6, 20.5],
    capped: true,
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
  /** Runs of each setting on the delayed profiles (--links-reps); the summary's rates are their medians. */
  reps: number;
  /** Runs of each setting on the profile with no delay (--links-loopback-reps). */
  loopbackReps: number;
  runs: LinkRun[];
  /** Per profile and workload: no-flag's rate (median), the grid's best median and their ratio. */
  summary: Array<{
    profile: string;
    workload: Workload;
    auto: number;
    best: number;
    bestSetting: string;
    ratio: number;
  }>;
}

/**
 * Runs of each setting on the profile with no delay, per --links-reps. A run there takes ~2 s (at 80 ms, ~45 s), and
 * that profile's medians swung most: 10-15% between runs of seven repetitions (client and server share two cores and
 * the host's slow spells of tens of seconds decide them), and the grid's best is the largest of several such
 * medians, so it reads high by chance. Three times the runs cost the extra ~15% more time.
 */
export const LOOPBACK_REPS_FACTOR = 3;

/**
 * The hand-tuned grid: `PxS,...;J,...`, --parallel P --part-size S for the large file and --jobs J for the small
 * files. The default holds today's fixed defaults (4 parts at 8 MiB, the download range floor; 16 files) and the
 * settings likely best on a delayed link (more parts, larger parts, more files). Left out: --jobs 4 and --parallel 1,
 * 3-5x slower than the best on both delayed links in the last run and never best on loopback by more than noise; and,
 * on the 200 Mbit/s link, 64 MiB parts: the link is the limit there, and an 8 MiB part already spends under 2% of
 * its time on the 80 ms round trip, so the larger size cannot be best by more than that (it would cost 3 of the
 * run's ~15 minutes).
 */
export const DEFAULT_GRID = '4x8M,16x8M,64x8M,4x64M,16x64M,64x64M;16,64';
const QUICK_GRID = '4x8M,16x8M;16,64';

export interface LinkGrid {
  file: Array<{ parallel: number; partSize: number }>;
  jobs: number[];
}

export function parseGrid(spec: string): LinkGrid {
  const [file = '', jobs = ''] = spec.split(';');
  const bad = () => new Error(`--links-grid "${spec}": expected PxS,...;J,... such as ${DEFAULT_GRID}`);
  const grid: LinkGrid = {
    file: file
      .split(',')
      .filter((x) => x.trim())
      .map((x) => {
        const m = /^\s*(\d+)\s*x\s*(\S+)\s*$/i.exec(x);
        if (!m) throw bad();
        return { parallel: Number(m[1]), partSize: parseSize(m[2]!) };
      }),
    jobs: jobs
      .split(',')
      .filter((x) => x.trim())
      .map((x) => {
        const n = Number(x.trim());
        if (!Number.isInteger(n) || n < 1) throw bad();
        return n;
      }),
  };
  if (grid.file.length === 0 || grid.jobs.length === 0) throw bad();
  return grid;
}

/** The file settings run on a profile: all of them, but no part over 8 MiB on the capped link (see DEFAULT_GRID). */
function fileSettings(grid: LinkGrid, profile: (typeof LINK_PROFILES)[number], custom: boolean): string[][] {
  const kept = custom || !profile.capped ? grid.file : grid.file.filter((s) => s.partSize <= 8 * 1024 ** 2);
  return kept.map((s) => ['--parallel', String(s.parallel), '--part-size', `${s.partSize / 1024 ** 2}MiB`]);
}

/**
 * The settings of one repetition, in turn: repetition `rep` starts `rep` places further along, so over the reps no
 * setting (the no-flag run included) is always first after the warm-up, nor always after the same neighbour.
 */
export function rotated<T>(settings: T[], rep: number): T[] {
  const k = rep % Math.max(1, settings.length);
  return [...settings.slice(k), ...settings.slice(0, k)];
}

/**
 * Seconds the extra should take at the last run's rates (start-ups of ~0.35 s each included), with `repsOf` each
 * profile's repetitions (default one).
 */
export function estimateSeconds(
  grid: LinkGrid,
  size: number,
  files: number,
  fileSize: number,
  custom = false,
  repsOf: (p: LinkProfile) => number = () => 1,
  profiles = LINK_PROFILES,
): number {
  const MiB = 1024 ** 2;
  let s = 0;
  for (const p of profiles) {
    const [up, down, small] = p.rates;
    const once =
      (fileSettings(grid, p, custom).length + 1) * (size / MiB / up + size / MiB / down + 0.7) +
      (grid.jobs.length + 1) * ((2 * files * fileSize) / MiB / small + 0.7);
    s += repsOf(p) * once;
  }
  return s;
}

export async function linksExtra(
  ctx: BenchContext,
  size: number,
  files: number,
  opts: {
    quick: boolean;
    fileSize?: number;
    grid?: string;
    reps?: number;
    loopbackReps?: number;
    /** Keys of the profiles to run (linkProfiles); all of them when absent. */
    profiles?: readonly string[];
  },
): Promise<LinkFigures> {
  const profiles = linkProfiles(opts.profiles);
  const reps = Math.max(1, opts.reps ?? 1);
  const loopbackReps = Math.max(1, opts.loopbackReps ?? (opts.quick ? reps : LOOPBACK_REPS_FACTOR * reps));
  const repsOf = (p: LinkProfile) => (p.shape ? reps : loopbackReps);
  const fileSize = opts.fileSize ?? 64 * 1024;
  const g = parseGrid(opts.grid ?? (opts.quick ? QUICK_GRID : DEFAULT_GRID));
  const custom = opts.grid !== undefined;
  const full = parseGrid(DEFAULT_GRID);
  ctx.log(
    `  this grid x ${reps} rep${reps === 1 ? '' : 's'} (${loopbackReps} with no delay): about ${Math.ceil(estimateSeconds(g, size, files, fileSize, custom, repsOf, profiles) / 60)} min at the last run's rates; ` +
      `the issue's workload (1 GiB, 2,000 files, default grid): about ${Math.ceil(estimateSeconds(full, 1024 ** 3, 2000, 64 * 1024) / 60)} min a repetition`,
  );
  const began = performance.now();
  const big = fileFor(ctx, size);
  const base = join(ctx.dir, 'links');
  rmSync(base, { recursive: true, force: true });
  const tree = join(base, 'tree');
  mkdirSync(tree, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(tree, `f${i}.bin`), randomBytes(fileSize));
  const warmFile = join(base, 'warm.bin');
  writeFileSync(warmFile, randomBytes(Math.min(size, 32 * 1024 ** 2)));
  const url = new URL(ctx.server.endpoint);
  const runs: LinkRun[] = [];
  for (const profile of profiles) {
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
      // Unmeasured warm-up of every path the series uses (the server's part, object and GET paths, the shaper): the
      // no-flag run comes first, and without it alone met a cold server (the links run at `036c5f0`: a tree's
      // upload took 4.0 s cold against 2.2-2.3 s warm, with the same settings).
      const warm = async (args: string[]) => {
        const r = await measured(ctx, OSSUP_BIN, [...args, '--no-progress', '-q', '--no-checkpoint'], { env });
        if (r.code !== 0) throw new Error(`links ${profile.name} warm-up: exit ${r.code ?? r.signal}: ${r.stderr}`);
      };
      // On the profile with no delay the big file is warmed at its full size: the series' first transfer of that
      // size was slow whatever its setting (the links run on `023be01`: the first 1 GiB download, the no-flag one,
      // made 270 MiB/s, the next, with flags, 899), and the first repetition always puts the no-flag run first.
      const warmKey = `oss://${BUCKET}/links/warm-up/`;
      await warm(['cp', profile.shape ? warmFile : big.path, `${warmKey}big`]);
      await warm(['cp', `${warmKey}big`, join(base, 'warm.out')]);
      await warm(['cp', '-r', tree, `${warmKey}tree/`]);
      await warm(['cp', '-r', `${warmKey}tree/`, join(base, 'warm-tree.out')]);
      rmSync(join(base, 'warm.out'), { force: true });
      rmSync(join(base, 'warm-tree.out'), { recursive: true, force: true });
      const bigFile = async (setting: string[]) => {
        const key = `links/${profile.name.replace(/\W+/g, '-')}/big`;
        await cli('file up', setting, ['cp', big.path, `oss://${BUCKET}/${key}`], size);
        await verifyObject(ctx, key, big, `links upload ${setting.join(' ') || 'auto'}`);
        const dest = join(base, 'big.out');
        await cli('file down', setting, ['cp', `oss://${BUCKET}/${key}`, dest], size);
        if (statSync(dest).size !== size) throw new Error(`links download: ${dest} is not ${size} bytes`);
        rmSync(dest, { force: true });
      };
      const smallFiles = async (setting: string[], rep: number) => {
        // A prefix of its own per repetition: `cp -r` skips files already up to date, so a second run to the same
        // prefix would time 2,000 checks, not 2,000 uploads.
        const prefix = `links/${profile.name.replace(/\W+/g, '-')}/tree-${setting.join('') || 'auto'}-${rep}/`;
        await cli('files up', setting, ['cp', '-r', tree, `oss://${BUCKET}/${prefix}`], files * fileSize);
        let n = 0;
        for await (const o of ctx.client.listObjectsAll(BUCKET, { prefix })) if (o.size === fileSize) n++;
        if (n !== files) throw new Error(`links tree upload: ${n} of ${files} objects under ${prefix}`);
        const dest = join(base, 'tree.out');
        await cli('files down', setting, ['cp', '-r', `oss://${BUCKET}/${prefix}`, dest], files * fileSize);
        if (readdirSync(dest).length !== files) throw new Error(`links tree download: files missing in ${dest}`);
        rmSync(dest, { recursive: true, force: true });
      };
      for (let rep = 0; rep < repsOf(profile); rep++) {
        for (const setting of rotated([[], ...fileSettings(g, profile, custom)], rep)) await bigFile(setting);
        const jobs = [[], ...g.jobs.map((j) => ['--jobs', String(j)])];
        for (const setting of rotated(jobs, rep)) await smallFiles(setting, rep);
      }
    } finally {
      await shaper?.close();
    }
  }
  rmSync(base, { recursive: true, force: true });
  ctx.log(`  links took ${((performance.now() - began) / 60_000).toFixed(1)} min`);
  const summary: LinkFigures['summary'] = [];
  for (const profile of profiles) {
    for (const workload of ['file up', 'file down', 'files up', 'files down'] as const) {
      const mine = runs.filter((r) => r.profile === profile.name && r.workload === workload);
      const rate = (setting: string) => median(mine.filter((r) => r.setting === setting).map((r) => r.mibps));
      const auto = rate('auto');
      const grid = [...new Set(mine.map((r) => r.setting))].filter((x) => x !== 'auto');
      const best = grid
        .map((setting) => ({ setting, mibps: rate(setting) }))
        .reduce((a, b) => (b.mibps > a.mibps ? b : a));
      summary.push({
        profile: profile.name,
        workload,
        auto,
        best: best.mibps,
        bestSetting: best.setting,
        ratio: auto / best.mibps,
      });
    }
  }
  return { size, files, fileSize, reps, loopbackReps, runs, summary };
}

/**
 * The profiles whose `key` is in `keys` (`--links-profiles none,20ms,80ms`), in their usual order; all of them when
 * `keys` is absent. A key that names none is an error naming the keys there are.
 */
export function linkProfiles(keys?: readonly string[]): typeof LINK_PROFILES {
  if (keys === undefined) return LINK_PROFILES;
  const known = LINK_PROFILES.map((p) => p.key);
  for (const k of keys) if (!known.includes(k)) throw new Error(`unknown links profile "${k}" (${known.join(', ')})`);
  if (keys.length === 0) throw new Error(`--links-profiles names no profile (${known.join(', ')})`);
  return LINK_PROFILES.filter((p) => keys.includes(p.key));
}

/** The markdown table for BENCHMARKS.md. */
export function linksTable(f: LinkFigures): string {
  const rows = f.summary.map(
    (s) =>
      `| ${s.profile} | ${s.workload} | ${s.auto.toFixed(1)} | ${s.best.toFixed(1)} (${s.bestSetting}) | ${s.ratio.toFixed(2)} |`,
  );
  return [
    `${formatSize(f.size)} file, ${f.files} x ${formatSize(f.fileSize)} files; MiB/s, launch to exit` +
      (f.reps > 1 || f.loopbackReps > 1
        ? `; ${f.reps} run${f.reps === 1 ? '' : 's'} of each setting (${f.loopbackReps} with no delay), their order rotated, medians`
        : ''),
    '',
    '| link | workload | no flags | grid best | no flags / best |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
