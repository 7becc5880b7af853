// Flags of `npm run bench -- ...`. Sizes take binary units (64M = 64 MiB); lists are comma-separated.

export const EXTRAS = [
  'crc',
  'transport',
  'checkpoint',
  'kill',
  'resume',
  'single',
  'memory',
  'profile',
  'wan',
  'tree',
  'small',
  'small-wan',
  'startup',
  'sync',
  'stream',
  'copy',
  'links',
] as const;
/** Extras left out of the default "all": they take long (`--extras links` runs one). */
const OPT_IN: readonly Extra[] = ['links'];
export type Extra = (typeof EXTRAS)[number];

export interface BenchArgs {
  sizes: number[];
  parts: number[];
  parallel: number[];
  /** Explicit (part size, parallel) pairs instead of the product of `parts` and `parallel`. */
  pairs?: Array<[number, number]>;
  reps: number;
  ops: Array<'upload' | 'download'>;
  extras: Extra[];
  /** Parts of the checkpoint extra (10,000 in the issue; fewer with --quick). */
  checkpointParts: number;
  /** File size of the late-resume extra (512 MiB in the issue). */
  resumeSize: number;
  /** Object size of the server-side copy extra (5 GiB in the issue; 2 GiB with --quick). */
  copySize: number;
  /** The links extra: the large file's size (1 GiB in the issue) and how many small files (2,000). */
  linksSize: number;
  linksFiles: number;
  /** The links extra's hand-tuned grid (links.ts `parseGrid`); undefined: its default (or quick) grid. */
  linksGrid?: string;
  /** Runs of each setting of the links extra, their order rotated; its table shows medians (default 1). */
  linksReps: number;
  /** Runs of each setting on the profile with no delay (default: LOOPBACK_REPS_FACTOR x linksReps). */
  linksLoopbackReps?: number;
  /** The links extra's profiles by key (links.ts `linkProfiles`); undefined: all three. */
  linksProfiles?: string[];
  /** --quick was given: smaller grids where an extra has one. */
  quick: boolean;
  /** Where the server root, files and downloads live (default: a new directory under /dev/shm, else os.tmpdir()). */
  dir?: string;
  /** Where checkpoints live: on disk by default, so their fsyncs cost what they cost users. */
  checkpointDir?: string;
  keep: boolean;
  /** Skip the side-by-side matrix (to run extras alone). */
  noMatrix: boolean;
  /** Write every raw measurement here as JSON. */
  jsonOut?: string;
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?$/i.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a size (e.g. 64M, 1G, 8MiB, 1048576)`);
  return Math.round(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
}

export function formatSize(bytes: number): string {
  for (const [unit, mul] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= mul && bytes % mul === 0) return `${bytes / mul} ${unit}`;
  }
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${bytes} B`;
}

const USAGE = `npm run bench -- [flags]
  --sizes 64M,1G        file sizes (default 64M,1G)
  --parts 1M,8M         part sizes (default 1M,8M)
  --parallel 1,4,8      parts in flight (default 1,4,8)
  --pairs 8M:4,64M:8    exactly these part size:parallel pairs (instead of every --parts x --parallel)
  --reps 3              runs of each tool per scenario, order rotated (default 3)
  --only upload|download
  --extras crc,transport,checkpoint,kill,resume,single,memory,profile,wan,tree,small,small-wan,startup,sync,stream,copy,links
                        (default all but links; --no-extras for none)
  --links-size 1G       the links extra's large file (default 1G; 64M with --quick)
  --links-files 2000    the links extra's small files, 64 KiB each (default 2000; 200 with --quick)
  --links-grid 'PxS,...;J,...'  the links extra's hand-tuned settings: --parallel P --part-size S for the large
                        file, --jobs J for the small files (default '4x8M,16x8M,64x8M,4x64M,16x64M,64x64M;16,64',
                        64 MiB parts left out on the 200 Mbit/s link; --quick: '4x8M,16x8M;16,64')
  --links-reps 1        runs of each links setting, their order rotated each time; the table shows medians
                        (default 1: about 9 min quiet for the issue's workload; 3: about 28)
  --links-loopback-reps N  runs of each setting on the profile with no delay (default 3x --links-reps, --quick
                        1x: its runs take ~2 s each and its medians swing most)
  --links-profiles none,20ms,80ms  the links extra's profiles to run (default all three: no delay, 20 ms RTT,
                        80 ms RTT at 200 Mbit/s); a check of one profile need not wait for the others
  --checkpoint-parts N  parts of the checkpoint extra (default 10000)
  --resume-size 512M    file size of the late-resume extra (default 512M)
  --copy-size 5G        object size of the server-side copy extra (default 5G; made on the server from a test file)
  --quick               64M, 8M parts, parallel 4, 1 rep, 1000-part checkpoint, 128M late resume, 2G copy
  --dir DIR             work directory (default /dev/shm/ossup-bench-*, else the OS temp dir)
  --checkpoint-dir DIR  checkpoint directory (default: on disk, under the OS temp dir)
  --no-matrix           skip the side-by-side runs (extras only)
  --keep                keep the work directory
  --json FILE           write raw measurements as JSON`;

export function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    sizes: [64 * 1024 ** 2, 1024 ** 3],
    parts: [1024 ** 2, 8 * 1024 ** 2],
    parallel: [1, 4, 8],
    reps: 3,
    ops: ['upload', 'download'],
    extras: EXTRAS.filter((e) => !OPT_IN.includes(e)),
    checkpointParts: 10_000,
    resumeSize: 512 * 1024 ** 2,
    copySize: 5 * 1024 ** 3,
    linksSize: 1024 ** 3,
    linksFiles: 2000,
    linksReps: 1,
    quick: false,
    keep: false,
    noMatrix: false,
  };
  const list = (v: string, f: (s: string) => number) => v.split(',').filter(Boolean).map(f);
  const int = (s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`"${s}" is not a positive integer`);
    return n;
  };
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      explicit.add(flag);
      return v;
    };
    switch (flag) {
      case '--sizes':
        a.sizes = list(value(), parseSize);
        break;
      case '--parts':
        a.parts = list(value(), parseSize);
        break;
      case '--parallel':
        a.parallel = list(value(), int);
        break;
      case '--pairs':
        a.pairs = value()
          .split(',')
          .filter(Boolean)
          .map((p) => {
            const [size, par] = p.split(':');
            if (!size || !par) throw new Error(`--pairs takes part-size:parallel items (8M:4), not "${p}"`);
            return [parseSize(size), int(par)] as [number, number];
          });
        break;
      case '--reps':
        a.reps = int(value());
        break;
      case '--only': {
        const v = value();
        if (v !== 'upload' && v !== 'download') throw new Error('--only takes upload or download');
        a.ops = [v];
        break;
      }
      case '--extras': {
        const names = value().split(',').filter(Boolean);
        for (const n of names)
          if (!(EXTRAS as readonly string[]).includes(n))
            throw new Error(`unknown extra "${n}" (${EXTRAS.join(', ')})`);
        a.extras = names as Extra[];
        break;
      }
      case '--no-extras':
        a.extras = [];
        explicit.add(flag);
        break;
      case '--checkpoint-parts':
        a.checkpointParts = int(value());
        break;
      case '--resume-size':
        a.resumeSize = parseSize(value());
        break;
      case '--copy-size':
        a.copySize = parseSize(value());
        break;
      case '--links-size':
        a.linksSize = parseSize(value());
        break;
      case '--links-files':
        a.linksFiles = int(value());
        break;
      case '--links-grid':
        a.linksGrid = value();
        break;
      case '--links-reps':
        a.linksReps = int(value());
        break;
      case '--links-loopback-reps':
        a.linksLoopbackReps = int(value());
        break;
      case '--links-profiles':
        a.linksProfiles = value().split(',').filter(Boolean);
        break;
      case '--quick':
        explicit.add(flag);
        break;
      case '--dir':
        a.dir = value();
        break;
      case '--checkpoint-dir':
        a.checkpointDir = value();
        break;
      case '--keep':
        a.keep = true;
        break;
      case '--no-matrix':
        a.noMatrix = true;
        break;
      case '--json':
        a.jsonOut = value();
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  if (explicit.has('--quick')) {
    a.quick = true;
    // Explicit flags win over what --quick implies.
    if (!explicit.has('--sizes')) a.sizes = [64 * 1024 ** 2];
    if (!explicit.has('--parts')) a.parts = [8 * 1024 ** 2];
    if (!explicit.has('--parallel')) a.parallel = [4];
    if (!explicit.has('--reps')) a.reps = 1;
    if (!explicit.has('--checkpoint-parts')) a.checkpointParts = 1000;
    if (!explicit.has('--resume-size')) a.resumeSize = 128 * 1024 ** 2;
    if (!explicit.has('--copy-size')) a.copySize = 2 * 1024 ** 3;
    if (!explicit.has('--links-size')) a.linksSize = 64 * 1024 ** 2;
    if (!explicit.has('--links-files')) a.linksFiles = 200;
  }
  return a;
}
