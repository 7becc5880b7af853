// Reads a V8 .cpuprofile (node --cpu-prof) and lists where the time went: self time per function, and the share
// of the wall time the process was busy at all.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO } from './proc.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}
export interface ProfileSummary {
  /** Wall time covered by the profile. */
  totalMs: number;
  /** Time not idle (JS, GC, native). */
  busyMs: number;
  /** Self time grouped by function, largest first, as a share of busy time. */
  top: Hotspot[];
  /** Self time grouped by module (file), largest first. */
  byFile: Hotspot[];
}

function where(url: string, line: number): string {
  if (!url) return '';
  let path = url;
  try {
    path = url.startsWith('file:') ? relative(REPO, fileURLToPath(url)) : url;
  } catch {
    /* keep the URL */
  }
  return line >= 0 ? `${path}:${line + 1}` : path;
}

export function summarizeProfile(file: string, topN = 15, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample stands for the interval until the next one
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const fns = new Map<string, Hotspot>();
  const files = new Map<string, Hotspot>();
  let idle = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = cf.functionName || '(anonymous)';
    const loc = where(cf.url, cf.lineNumber);
    const key = `${name}@${loc}`;
    const h = fns.get(key) ?? { name, where: loc, selfMs: 0, share: 0 };
    h.selfMs += us / 1000;
    fns.set(key, h);
    const fileKey = cf.url ? where(cf.url, -1) : name;
    const fh = files.get(fileKey) ?? { name: fileKey, where: '', selfMs: 0, share: 0 };
    fh.selfMs += us / 1000;
    files.set(fileKey, fh);
  }
  const busyMs = (total - idle) / 1000;
  const rank = (m: Map<string, Hotspot>) =>
    [...m.values()]
      .map((h) => ({ ...h, share: h.selfMs / busyMs }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, topN);
  return { totalMs: total / 1000, busyMs, top: rank(fns), byFile: rank(files) };
}

export function formatProfile(title: string, s: ProfileSummary): string {
  const lines = [
    `${title}: busy ${(s.busyMs / 1000).toFixed(2)} s of ${(s.totalMs / 1000).toFixed(2)} s profiled (${((s.busyMs / s.totalMs) * 100).toFixed(0)}%)`,
  ];
  lines.push('  self time by function:');
  for (const h of s.top)
    lines.push(
      `    ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.selfMs.toFixed(0).padStart(6)} ms  ${h.name}  ${h.where}`,
    );
  lines.push('  self time by file:');
  for (const h of s.byFile.slice(0, 8))
    lines.push(`    ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.selfMs.toFixed(0).padStart(6)} ms  ${h.name}`);
  return lines.join('\n');
}
