// crash-server: `ossup cp` uploads to an `ossup serve` child that is SIGKILLed mid-upload or mid-Complete (random
// moments), then restarted on the same root and port; the client is rerun while it fails. Throughout, a poller
// reads the object with raw signed GETs and from the server's files: anything visible must be byte-identical to
// the source or to the version it replaces, never truncated or mixed. At the end the upload has completed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mkBucket, put } from '../../harness/oss-http.js';
import { checkpointFiles, journalProgress, openUploads } from '../lib/checkpoints.js';
import { rawGet, sha256, storedSha, writeRandomFile } from '../lib/data.js';
import {
  cliEnv,
  errorReportProblems,
  firstLine,
  SERVE_CREDENTIALS,
  sleep,
  spawnCli,
  startServe,
  type CliChild,
  type ServeChild,
} from '../lib/procs.js';
import { rng } from '../lib/rng.js';
import type { RunContext, RunResult, Scenario } from '../lib/types.js';

const PART = 100 * 1024;
const BUCKET = 'torture';

async function crashServerRun(ctx: RunContext): Promise<RunResult> {
  const r = rng(ctx.seed);
  const kills = r.int(1, 3);
  const parallel = r.int(1, 4);
  const overwrite = r.chance(0.5);
  const root = join(ctx.dir, 'root');
  const home = join(ctx.dir, 'home');
  const file = join(ctx.dir, 'source.bin');
  await mkdir(root, { recursive: true });
  const srcSha = await writeRandomFile(file, ctx.size, ctx.seed);
  let server: ServeChild = await startServe(root);
  const port = server.port;
  const target = { endpoint: server.endpoint, credentials: SERVE_CREDENTIALS };
  const allowed = new Set([srcSha]);
  const moments: string[] = [];
  let visibleChecks = 0;
  let bad: string | undefined;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const disk = await storedSha(root, BUCKET, 'obj').catch(() => undefined);
      if (disk) {
        visibleChecks++;
        if (!allowed.has(disk.sha))
          bad ??= `server files hold a wrong object (${disk.sha.slice(0, 16)}, ${disk.size} bytes)`;
      }
      const got = await rawGet(target, BUCKET, 'obj').catch(() => undefined);
      if (got?.status === 200) {
        visibleChecks++;
        if (!allowed.has(got.sha!)) bad ??= `GET served a wrong object (${got.size} bytes)`;
      }
      await sleep(30);
    }
  })();
  try {
    await mkBucket(target, BUCKET);
    if (overwrite) {
      const old = Buffer.alloc(Math.max(1, ctx.size >> 3), 7);
      allowed.add(sha256(old));
      await put(target, BUCKET, 'obj', old);
    }
    const env = cliEnv(server.endpoint, home);
    const args = [
      'cp',
      file,
      `oss://${BUCKET}/obj`,
      '--json',
      '--no-progress',
      '--part-size',
      '100KiB',
      '--parallel',
      String(parallel),
    ];
    const totalParts = Math.ceil(ctx.size / PART);
    let child: CliChild = spawnCli(args, env, 180_000);
    let runs = 1;
    for (let k = 0; k < kills; k++) {
      const midComplete = r.chance(0.4);
      const wantParts = midComplete ? totalParts : r.int(0, totalParts - 1);
      const until = Date.now() + 90_000;
      // Wait for the moment: the journal holds `wantParts` parts (all of them = the client is completing).
      for (;;) {
        if (child.proc.exitCode !== null || Date.now() > until) break;
        const [cp] = (await checkpointFiles(join(home, 'checkpoints'))).filter((f) => f.endsWith('.ucp'));
        const p = cp ? await journalProgress(cp) : undefined;
        if (p && p.records >= wantParts) break;
        await sleep(10);
      }
      if (child.proc.exitCode !== null) break;
      await sleep(r.int(0, midComplete ? 15 : 50));
      await server.kill();
      moments.push(midComplete ? 'mid-Complete' : `at ${wantParts}/${totalParts} parts`);
      await sleep(r.int(0, 1500));
      server = await startServe(root, port);
      // The client may ride the outage out on its retries, or give up (exit 1): then rerun it, as a user would.
      const run = await Promise.race([child.done, sleep(2000).then(() => undefined)]);
      if (run && run.code !== 0) {
        const problems = errorReportProblems(run);
        if (run.code !== 1 || problems.length > 0)
          return fail(
            moments,
            `client exit ${run.code} after a server kill: ${problems.join('; ')} ${firstLine(run.stderr)}`,
          );
        child = spawnCli(args, env, 180_000);
        runs++;
      }
    }
    let last = await child.done;
    for (let extra = 0; last.code === 1 && extra < 3; extra++) {
      child = spawnCli(args, env, 180_000);
      runs++;
      last = await child.done;
    }
    const label = `P=${parallel}${overwrite ? ' overwrite' : ''} kills ${moments.join(', ') || 'none (finished first)'}; ${runs} client run(s)`;
    polling = false;
    await poller;
    if (bad) return { ...fail([label], `${bad} (${visibleChecks} reads)`), wrong: true };
    if (last.code !== 0)
      return fail(
        [label],
        `upload did not complete: exit ${last.code}${last.timedOut ? ' (hung)' : ''}: ${firstLine(last.stderr)}`,
      );
    const disk = await storedSha(root, BUCKET, 'obj');
    const got = await rawGet(target, BUCKET, 'obj');
    if (disk?.sha !== srcSha || got.sha !== srcSha)
      return { ...fail([label], 'the final object differs from the source'), wrong: true };
    if ((await openUploads(root, BUCKET)) > 0) return fail([label], 'multipart uploads left open');
    return {
      passed: true,
      wrong: false,
      bytesVerified: ctx.size * 2,
      bytesResent: 0,
      label: `${label}; ${visibleChecks} reads while running`,
    };
  } finally {
    polling = false;
    await poller;
    await server.kill();
  }
}

function fail(label: string[], detail: string): RunResult {
  return { passed: false, wrong: false, bytesVerified: 0, bytesResent: 0, label: label.join(', '), detail };
}

export const crashServer: Scenario = {
  name: 'crash-server',
  description: 'ossup serve SIGKILLed mid-upload / mid-Complete and restarted on its root; nothing wrong ever visible',
  cases: 0,
  run: crashServerRun,
};
