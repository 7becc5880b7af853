// Statistics and the printed tables.
import { formatSize } from './args.js';

/** The tools side by side: ossup, the official Node SDK, the official Go SDK v1, one plain request. */
export const TOOLS = ['ossup', 'ali-oss', 'go-sdk', 'ceiling'] as const;
export type Tool = (typeof TOOLS)[number];
export type Op = 'upload' | 'download';

/** One measured child run. */
export interface Measurement {
  op: Op;
  tool: Tool;
  size: number;
  partSize: number;
  parallel: number;
  rep: number;
  /** Transfer time as the child timed it (excludes node start-up and module loading). */
  seconds: number;
  /** Spawn to exit, as the parent saw it. */
  wallSeconds: number;
  maxRssBytes: number;
  cpuSeconds: number;
  serverCpuSeconds: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const mibps = (m: Measurement) => m.size / 1024 ** 2 / m.seconds;

export interface Row {
  scenario: string;
  tool: Tool;
  mibpsMedian: number;
  mibpsMin: number;
  mibpsMax: number;
  vsAli: number;
  vsGo: number;
  vsCeiling: number;
  rssMb: number;
  cpuS: number;
  /** Client CPU per GiB moved (start-up included). */
  cpuPerGiB: number;
  serverCpuS: number;
  startupS: number;
  runs: number;
  /** Why the tool has no figures here. */
  na?: string;
}

export function scenarioName(op: Op, size: number, partSize: number, parallel: number): string {
  return `${op} ${formatSize(size)}, ${formatSize(partSize)} parts x${parallel}`;
}

export function rowsFor(
  ms: Measurement[],
  op: Op,
  size: number,
  partSize: number,
  parallel: number,
  na: Partial<Record<Tool, string>>,
): Row[] {
  const group = ms.filter((m) => m.op === op && m.size === size && m.partSize === partSize && m.parallel === parallel);
  const med = (tool: Tool) => median(group.filter((m) => m.tool === tool).map(mibps));
  const ali = med('ali-oss');
  const go = med('go-sdk');
  const ceiling = med('ceiling');
  return TOOLS.map((tool) => {
    const mine = group.filter((m) => m.tool === tool);
    const rates = mine.map(mibps);
    const mid = median(rates);
    return {
      scenario: scenarioName(op, size, partSize, parallel),
      tool,
      mibpsMedian: mid,
      mibpsMin: Math.min(...rates),
      mibpsMax: Math.max(...rates),
      vsAli: mid / ali,
      vsGo: mid / go,
      vsCeiling: mid / ceiling,
      rssMb: Math.max(...mine.map((m) => m.maxRssBytes)) / 1e6,
      cpuS: median(mine.map((m) => m.cpuSeconds)),
      cpuPerGiB: median(mine.map((m) => m.cpuSeconds)) / (size / 1024 ** 3),
      serverCpuS: median(mine.map((m) => m.serverCpuSeconds)),
      startupS: median(mine.map((m) => m.wallSeconds - m.seconds)),
      runs: mine.length,
      ...(na[tool] ? { na: na[tool] } : {}),
    };
  });
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** A Markdown table (pastes into BENCHMARKS.md as is). */
export function markdownTable(rows: Row[]): string {
  const head = [
    'scenario',
    'tool',
    'MiB/s median',
    'min-max',
    'x ali-oss',
    'x Go SDK',
    '% ceiling',
    'peak RSS MB',
    'CPU s',
    'CPU s/GiB',
    'server CPU s',
    'start-up s',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_h, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  let last = '';
  for (const r of rows) {
    const scenario = r.scenario === last ? '' : r.scenario;
    last = r.scenario;
    if (r.na !== undefined || r.runs === 0) {
      lines.push(`| ${scenario} | ${r.tool} | n/a | | | | | | | | | ${r.na ?? 'not run'} |`);
      continue;
    }
    lines.push(
      `| ${[
        scenario,
        r.tool,
        fmt(r.mibpsMedian),
        `${fmt(r.mibpsMin)}-${fmt(r.mibpsMax)}`,
        r.tool === 'ali-oss' ? '1' : fmt(r.vsAli, 2),
        r.tool === 'go-sdk' ? '1' : fmt(r.vsGo, 2),
        `${fmt(r.vsCeiling * 100)}%`,
        fmt(r.rssMb),
        fmt(r.cpuS, 2),
        fmt(r.cpuPerGiB, 2),
        fmt(r.serverCpuS, 2),
        fmt(r.startupS, 2),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
