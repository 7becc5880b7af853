// crash-tree: a tree download (`ossup cp -r` or `ossup sync --delete`, chosen at random) SIGKILLed 1-3 times at
// random moments, then rerun to the end. Checked: every file byte for byte against what was stored, no file the
// tree does not hold, and no temporary file left in the destination (issue 21: the killed runs' debris is the
// rerun's to adopt or remove). A stale temporary file of a name no object has is planted too.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkBucket, put } from '../../harness/oss-http.js';
import { sha256 } from '../lib/data.js';
import { cliEnv, firstLine, SERVE_CREDENTIALS, sleep, spawnCli, startServe } from '../lib/procs.js';
import { rng } from '../lib/rng.js';
import type { RunContext, RunResult, Scenario } from '../lib/types.js';

const BUCKET = 'tree';
const TEMP = /\.ossup-[0-9a-f-]+\.tmp$/;

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []))
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

async function crashTreeRun(ctx: RunContext): Promise<RunResult> {
  const r = rng(ctx.seed);
  const root = join(ctx.dir, 'root');
  const home = join(ctx.dir, 'home');
  const dest = join(ctx.dir, 'dest');
  await mkdir(root, { recursive: true });
  const server = await startServe(root);
  const verb = r.chance(0.5) ? ['cp', '-r'] : ['sync', '--delete'];
  const kills = r.int(1, 3);
  const objects = new Map<string, string>();
  let debrisSeen = 0;
  const problems: string[] = [];
  try {
    const target = { endpoint: server.endpoint, credentials: SERVE_CREDENTIALS };
    await mkBucket(target, BUCKET);
    const small = r.int(60, 200);
    for (let i = 0; i < small + 2; i++) {
      const rel = `d${i % 7}/${i < small ? `f${i}` : `big${i}`}`;
      const body = randomBytes(i < small ? r.int(0, 48 * 1024) : ctx.size);
      const res = await put(target, BUCKET, `t/${rel}`, body);
      if (res.status !== 200) return { ...base(verb, kills, 0), passed: false, detail: `seeding: HTTP ${res.status}` };
      objects.set(rel, sha256(body));
    }
    // A killed run of long ago left this (its process is gone): the tree's own debris.
    await mkdir(join(dest, 'd0'), { recursive: true });
    await writeFile(join(dest, 'd0', 'gone.ossup-7fffff01-abcdef.tmp'), 'debris');
    const env = cliEnv(server.endpoint, home);
    const args = [
      ...verb,
      `oss://${BUCKET}/t/`,
      dest,
      '--part-size',
      '100KiB',
      '--jobs',
      String(r.int(2, 16)),
      '--json',
    ];
    for (let k = 0; k < kills; k++) {
      const child = spawnCli(args, env, 120_000);
      // Killed once a random number of files is done (so others are in flight), or after 20 s at the latest.
      const want = r.int(1, Math.floor(small / 2));
      let lines = 0;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 20_000);
        child.proc.stdout!.on('data', (chunk: string) => {
          lines += chunk.split('\n').length - 1;
          if (lines >= want) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.proc.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      await sleep(r.int(0, 30));
      const killed = await child.kill();
      if (killed.signal !== 'SIGKILL' && killed.code !== 0) problems.push(`run ${k}: ${firstLine(killed.stderr)}`);
      debrisSeen += (await filesBelow(dest)).filter((f) => TEMP.test(f) && !f.includes('gone.ossup')).length;
    }
    const last = await spawnCli(args, env, 120_000).done;
    if (last.code !== 0) problems.push(`final run: exit ${last.code}: ${firstLine(last.stderr)}`);
    const files = await filesBelow(dest);
    const temps = files.filter((f) => TEMP.test(f));
    if (temps.length > 0) problems.push(`${temps.length} temporary files left, e.g. ${temps[0]}`);
    let wrong = false;
    let verified = 0;
    for (const f of files.filter((f) => !TEMP.test(f))) {
      const want = objects.get(f);
      if (want === undefined) {
        problems.push(`${f}: a file no object has`);
        wrong = true;
      } else if (sha256(await readFile(join(dest, f))) !== want) {
        problems.push(`${f}: wrong bytes`);
        wrong = true;
      } else verified++;
    }
    if (verified !== objects.size) problems.push(`${objects.size - verified} of ${objects.size} files missing`);
    return {
      ...base(verb, kills, debrisSeen),
      passed: problems.length === 0,
      wrong,
      objectsVerified: verified,
      ...(problems.length ? { detail: problems.slice(0, 5).join('; ') } : {}),
    };
  } finally {
    await server.kill();
  }
}

function base(verb: string[], kills: number, debris: number): RunResult {
  return {
    passed: false,
    wrong: false,
    bytesVerified: 0,
    bytesResent: 0,
    faults: kills,
    label: `${verb.join(' ')} K=${kills}, ${debris} temporary files seen after the kills (+1 planted)`,
  };
}

export const crashTree: Scenario = {
  name: 'crash-tree',
  description:
    'a tree download (cp -r or sync --delete) SIGKILLed 1-3 times, then rerun: every file exact, no temporary file left',
  cases: 0,
  run: crashTreeRun,
};
