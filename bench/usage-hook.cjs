// Preloaded into every measured node child (`node --require <this> ...`): at exit, writes the process's own resource
// usage to $BENCH_USAGE_FILE (bench/proc.ts ChildUsage). The child reporting on itself is exact, where sampling /proc
// from the parent could miss a short peak. Peak RSS is VmHWM from /proc/self/status where there is one: getrusage's
// ru_maxrss on Linux carries over the high-water mark of the address space the process had before execve, i.e. the
// parent's at fork, so a child spawned by a 313 MB bench runner reported 313 MB whatever it did.
//
// CommonJS, preloaded with --require: an ES module preloaded with --import starts node's ES module loader in every
// child, which cost a CommonJS program (ossup's launcher, bin/ossup.js) ~28 ms of CPU a run that it never spends on
// its own (`ossup --version`, 10 pairs, 2026-12-07: 0.167 s with the --import hook against 0.139 without).
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');

/** Peak resident set size of this process's own address space (Linux), in bytes. */
function vmHwm() {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** /proc/self/io counters (Linux), bytes: wchar counts every write() incl. sockets; writeBytes only storage. */
function procIo() {
  try {
    const text = readFileSync('/proc/self/io', 'utf8');
    const get = (name) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { rchar: get('rchar'), wchar: get('wchar'), readBytes: get('read_bytes'), writeBytes: get('write_bytes') };
  } catch {
    return undefined;
  }
}

const target = process.env.BENCH_USAGE_FILE;
if (target) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const usage = {
      maxRssBytes: vmHwm() ?? u.maxRSS * 1024,
      cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6,
      lifetimeMs: performance.now(),
      io: procIo(),
    };
    writeFileSync(target, JSON.stringify(usage));
  });
}
