// npm run torture -- --iterations N --seed S [--scenarios a,b] [--size 8M] [--iteration i] [--max-minutes M] [--verbose]
//
// Runs the scenarios round-robin (one iteration of each in turn, so a time cap still covers all of them), prints a
// table, and exits 1 if any run produced a wrong object or file, or failed; 2 on a bad command line.
import { parseSize } from '../src/cli/size.js';
import { runIteration, type IterationResult } from './lib/harness.js';
import { SCENARIOS } from './scenarios/index.js';

interface Args {
  iterations: number;
  seed: number;
  scenarios: string[];
  size: number;
  only?: number;
  maxMinutes?: number;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    iterations: 10,
    seed: 1,
    scenarios: SCENARIOS.map((s) => s.name),
    size: 4 * 1024 * 1024,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (v: string) => {
      if (!/^\d+$/.test(v)) throw new Error(`${flag} "${v}" is not a whole number`);
      return Number(v);
    };
    switch (flag) {
      case '--iterations':
        a.iterations = int(value());
        break;
      case '--seed':
        a.seed = int(value());
        break;
      case '--size':
        a.size = parseSize(value());
        break;
      case '--iteration':
        a.only = int(value());
        break;
      case '--max-minutes':
        a.maxMinutes = Number(value());
        break;
      case '--verbose':
        a.verbose = true;
        break;
      case '--scenarios': {
        a.scenarios = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = a.scenarios.filter((n) => !SCENARIOS.some((s) => s.name === n));
        if (unknown.length)
          throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
        break;
      }
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  return a;
}

function mib(n: number): string {
  return n >= 1024 * 1024
    ? `${(n / 1024 / 1024).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;
}

export function table(results: IterationResult[], names: string[]): string {
  const rows = [
    [
      'scenario',
      'runs',
      'passed',
      'failed',
      'skipped',
      'wrong',
      'bytes verified',
      'bytes resent',
      'objects verified',
      'faults',
      'seconds',
    ],
  ];
  for (const name of names) {
    const rs = results.filter((r) => r.scenario === name);
    rows.push([
      name,
      String(rs.length),
      String(rs.filter((r) => r.passed).length),
      String(rs.filter((r) => !r.passed && !r.skipped).length),
      String(rs.filter((r) => r.skipped).length),
      String(rs.filter((r) => r.wrong).length),
      mib(rs.reduce((a, r) => a + r.bytesVerified, 0)),
      mib(rs.reduce((a, r) => a + r.bytesResent, 0)),
      String(rs.reduce((a, r) => a + (r.objectsVerified ?? 0), 0)),
      String(rs.reduce((a, r) => a + (r.faults ?? 0), 0)),
      (rs.reduce((a, r) => a + r.ms, 0) / 1000).toFixed(0),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    `| ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w, c) => (c === 0 ? ':' : '-') + '-'.repeat(w) + (c === 0 ? '-' : ':')).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`torture: ${(err as Error).message}\n`);
    return 2;
  }
  const chosen = SCENARIOS.filter((s) => args.scenarios.includes(s.name));
  const deadline = args.maxMinutes !== undefined ? Date.now() + args.maxMinutes * 60_000 : Infinity;
  const results: IterationResult[] = [];
  const started = Date.now();
  process.stdout.write(
    `torture: seed ${args.seed}, ${args.iterations} iteration(s) of ${chosen.map((s) => s.name).join(', ')}, size ${mib(args.size)}\n`,
  );
  const indices = args.only !== undefined ? [args.only] : Array.from({ length: args.iterations }, (_, i) => i);
  outer: for (const i of indices) {
    for (const s of chosen) {
      if (Date.now() > deadline) {
        process.stdout.write(`torture: --max-minutes reached; stopped before iteration ${i} of ${s.name}\n`);
        break outer;
      }
      const r = await runIteration(s, {
        seed: args.seed,
        iteration: i,
        size: args.size,
        log: args.verbose ? (l) => process.stderr.write(`  ${s.name}#${i}: ${l}\n`) : undefined,
      });
      results.push(r);
      const mark = r.wrong ? 'WRONG' : r.passed ? 'ok' : r.skipped ? 'skip' : 'FAIL';
      if (args.verbose || !r.passed) {
        process.stdout.write(
          `${mark.padEnd(5)} ${s.name}#${i} (${(r.ms / 1000).toFixed(1)} s) ${r.label}${r.detail ? `: ${r.detail}` : ''}\n`,
        );
      }
    }
  }
  process.stdout.write(
    `\n${table(
      results,
      chosen.map((s) => s.name),
    )}\n`,
  );
  const bad = results.filter((r) => !r.passed && !r.skipped);
  const wrong = results.filter((r) => r.wrong);
  process.stdout.write(
    `\n${results.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s: ${wrong.length} wrong objects/files, ${bad.length} failed, ` +
      `${results.filter((r) => r.skipped).length} skipped\n`,
  );
  for (const r of bad) {
    process.stdout.write(
      `  reproduce: npm run torture -- --seed ${args.seed} --size ${args.size} --scenarios ${r.scenario} --iteration ${r.iteration}   (${r.label}: ${r.detail?.split('\n')[0]})\n`,
    );
  }
  return wrong.length > 0 || bad.length > 0 ? 1 : 0;
}

process.exit(await main());
