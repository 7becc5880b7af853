// Preloaded into every measured child (`node --import <this> ...`): at exit, writes the process's own resource
// usage to $BENCH_USAGE_FILE. The child reporting on itself is exact, where sampling /proc from the parent could
// miss a short peak. Peak RSS is VmHWM from /proc/self/status where there is one: getrusage's ru_maxrss on Linux
// carries over the high-water mark of the address space the process had before execve, i.e. the parent's at fork,
// so a child spawned by a 313 MB bench runner reported 313 MB whatever it did.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ChildUsage {
  /** Peak resident set size in bytes (VmHWM; getrusage ru_maxrss where /proc is not there). */
  maxRssBytes: number;
  /** User + system CPU seconds. */
  cpuSeconds: number;
  /** Milliseconds from process start to exit, as the child saw them. */
  lifetimeMs: number;
  /** /proc/self/io counters (Linux), bytes: wchar counts every write() incl. sockets; writeBytes only storage. */
  io?: { rchar: number; wchar: number; readBytes: number; writeBytes: number };
}

/** Peak RSS of this process's own address space (Linux), in bytes. */
function vmHwm(): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

function procIo(): ChildUsage['io'] {
  try {
    const text = readFileSync('/proc/self/io', 'utf8');
    const get = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { rchar: get('rchar'), wchar: get('wchar'), readBytes: get('read_bytes'), writeBytes: get('write_bytes') };
  } catch {
    return undefined;
  }
}

const target = process.env.BENCH_USAGE_FILE;
if (target) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const usage: ChildUsage = {
      maxRssBytes: vmHwm() ?? u.maxRSS * 1024,
      cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6,
      lifetimeMs: performance.now(),
      io: procIo(),
    };
    writeFileSync(target, JSON.stringify(usage));
  });
}
