// The crash harness for `ossup cp`: SIGKILL the CLI child at random moments K times, then let it finish, and check
// the result byte for byte with an independent reader, that no checkpoint is left, and the bytes resent per kill.
//
// "Bytes resent" (RELIABILITY.md): a counting proxy between the CLI and `ossup serve` adds up the payload bytes each
// run asked to move (PUT Content-Length, GET Range length). After kill k, the progress kept is what the next run
// can reuse: for uploads the server's stored parts of the checkpoint's upload (or the journal's, if larger), for
// downloads the journal's ranges; the final run keeps everything. resent(k) = asked(k) - (kept(k) - kept(k-1)).
// The sum over all runs is exactly (bytes asked for in total) - (file size).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mkBucket, put } from '../../harness/oss-http.js';
import { checkpointFiles, journalProgress, openUploadParts, openUploads, serverPartBytes } from './checkpoints.js';
import { startCountingProxy } from './counting-proxy.js';
import { exists, sha256File, storedSha, writeRandomFile } from './data.js';
import {
  cliEnv,
  errorReportProblems,
  firstLine,
  resultJson,
  SERVE_CREDENTIALS,
  sleep,
  spawnCli,
  startServe,
} from './procs.js';
import { rng } from './rng.js';
import type { RunContext, RunResult } from './types.js';
import { readFile } from 'node:fs/promises';

const PART = 100 * 1024;
const BUCKET = 'torture';

export async function crashCp(direction: 'upload' | 'download', ctx: RunContext): Promise<RunResult> {
  const r = rng(ctx.seed);
  const parallel = r.int(1, 4);
  const kills = r.int(1, 4);
  const root = join(ctx.dir, 'root');
  const home = join(ctx.dir, 'home');
  const file = join(ctx.dir, 'source.bin');
  const dest = join(ctx.dir, 'out', 'copy.bin');
  await mkdir(root, { recursive: true });
  await mkdir(join(ctx.dir, 'out'), { recursive: true });
  const srcSha = await writeRandomFile(file, ctx.size, ctx.seed);
  const server = await startServe(root);
  const proxy = await startCountingProxy({ host: '127.0.0.1', port: server.port }, ctx.size);
  const moments: string[] = [];
  let label = `P=${parallel} K=${kills}`;
  try {
    const target = { endpoint: server.endpoint, credentials: SERVE_CREDENTIALS };
    await mkBucket(target, BUCKET);
    if (direction === 'download') {
      const r2 = await put(target, BUCKET, 'obj', await readFile(file));
      if (r2.status !== 200) return fail(label, `seeding the object: HTTP ${r2.status}`);
    }
    const env = cliEnv(proxy.endpoint, home);
    const args = direction === 'upload' ? ['cp', file, `oss://${BUCKET}/obj`] : ['cp', `oss://${BUCKET}/obj`, dest];
    args.push('--json', '--no-progress', '--part-size', '100KiB', '--parallel', String(parallel));
    const cpDir = join(home, 'checkpoints');
    const asked = (c: { putBytes: number; getBytes: number }) => (direction === 'upload' ? c.putBytes : c.getBytes);
    const bound = parallel * PART;
    let keptBefore = 0;
    let finished = false;
    let resentTotal = 0;
    const resentPerKill: number[] = [];
    proxy.take();
    for (let k = 0; k < kills; k++) {
      const child = spawnCli(args, env, 120_000);
      const byProgress = r.chance(0.6);
      const totalParts = Math.ceil(ctx.size / PART);
      const wantParts = r.int(0, Math.max(0, totalParts - 1));
      const delay = r.int(0, 2500);
      let finishedEarly = false;
      if (byProgress) {
        // Kill once the journal records `wantParts` parts (+ a few ms of jitter), or give up waiting after 60 s.
        const until = Date.now() + 60_000;
        for (;;) {
          if (child.proc.exitCode !== null) {
            finishedEarly = true;
            break;
          }
          const [cp] = await checkpointFiles(cpDir).then((fs) => fs.filter((f) => /\.(ucp|dcp)$/.test(f)));
          const p = cp ? await journalProgress(cp) : undefined;
          if ((p && p.records >= wantParts) || Date.now() > until) break;
          await sleep(15);
        }
        await sleep(r.int(0, 40));
        moments.push(`at ${wantParts} parts`);
      } else {
        await Promise.race([sleep(delay), child.done]);
        moments.push(`at ${delay} ms`);
      }
      const run = await child.kill();
      if (run.signal !== 'SIGKILL' || finishedEarly) {
        // The transfer ended before the kill landed: then it must have succeeded, and the crash loop is over.
        if (run.code !== 0) return fail(label, `run ${k} ended ${run.code}: ${firstLine(run.stderr)}`);
        moments[moments.length - 1] += ' (finished first)';
        const c = asked(proxy.take());
        resentTotal += Math.max(0, c - (ctx.size - keptBefore));
        keptBefore = ctx.size;
        finished = true;
        break;
      }
      const [cp] = (await checkpointFiles(cpDir)).filter((f) => /\.(ucp|dcp)$/.test(f));
      const journal = cp ? await journalProgress(cp) : undefined;
      let kept = journal?.bytes ?? 0;
      if (direction === 'upload' && journal?.uploadId)
        kept = Math.max(kept, await serverPartBytes(root, BUCKET, journal.uploadId));
      const a = asked(proxy.take());
      const complete =
        direction === 'upload' ? (await storedSha(root, BUCKET, 'obj')) !== undefined : await exists(dest);
      if (complete && !cp) {
        // The kill landed after the transfer had finished (object complete, checkpoint removed) but before the
        // process exited: the transfer is done, the kill interrupted nothing.
        ctx.log(`kill ${k}: asked ${a}; the transfer had already completed and removed its checkpoint`);
        moments[moments.length - 1] += ' (after completion)';
        const resent = a - (ctx.size - keptBefore);
        resentPerKill.push(resent);
        resentTotal += Math.max(0, resent);
        keptBefore = ctx.size;
        finished = true;
        break;
      }
      const resent = a - (kept - keptBefore);
      ctx.log(
        `kill ${k}: asked ${a}, journal ${journal?.bytes} (${journal?.records} records), kept ${kept}, resent ${resent}${complete ? `, the ${direction === 'upload' ? 'object' : 'file'} was already complete` : ''}`,
      );
      resentPerKill.push(resent);
      resentTotal += Math.max(0, resent);
      keptBefore = kept;
    }
    label = `P=${parallel} kills ${moments.join(', ')}`;
    let finalJson: Record<string, unknown> | undefined;
    if (!finished) {
      // A Complete that reached the server just before the kill is still committed by the server afterwards.
      await sleep(200);
      const last = await spawnCli(args, env, 180_000).done;
      if (last.code !== 0) {
        const how = last.timedOut ? 'hung (killed after 180 s)' : `exit ${last.code}: ${firstLine(last.stderr)}`;
        return fail(
          label,
          `final run ${how}${errorReportProblems(last).length ? ` [${errorReportProblems(last).join('; ')}]` : ''}`,
        );
      }
      finalJson = resultJson(last.stdout);
      const c = asked(proxy.take());
      const resumed = Number(finalJson?.resumedBytes ?? 0);
      // A rerun that reused less than was kept asks for the difference again, and it counts here.
      const resent = c - (ctx.size - keptBefore);
      ctx.log(
        `final run: asked ${c}, resumedBytes ${resumed}, transferredBytes ${String(finalJson?.transferredBytes)}, resent ${resent}`,
      );
      if (resumed < keptBefore) ctx.log(`final run resumed ${resumed} of ${keptBefore} kept bytes`);
      resentPerKill.push(resent);
      resentTotal += Math.max(0, resent);
    }
    // Independent readers: the server's own files for uploads, the destination file for downloads.
    const got =
      direction === 'upload'
        ? (await storedSha(root, BUCKET, 'obj'))?.sha
        : (await exists(dest))
          ? await sha256File(dest)
          : undefined;
    if (got !== srcSha)
      return fail(
        label,
        `${direction === 'upload' ? 'object' : 'file'} differs from the source (sha ${got?.slice(0, 12)} vs ${srcSha.slice(0, 12)})`,
        { wrong: got !== undefined },
      );
    // A lock may outlive a process killed after it removed its checkpoint (its pid is dead; the next run takes it
    // over), so only a run that ended on its own must leave no lock.
    const left = (await checkpointFiles(cpDir)).filter((f) => !finished || !f.endsWith('.lock'));
    // Findings 2, 4 and 5 of RELIABILITY.md (resend after Complete, temp-file debris, an empty upload left open)
    // are fixed: each of them is a failure here like any other.
    if (left.length > 0) return fail(label, `checkpoint files left: ${left.join(', ')}`, { bytesVerified: ctx.size });
    if (direction === 'upload' && (await openUploads(root, BUCKET)) > 0) {
      const parts = await openUploadParts(root, BUCKET);
      return fail(label, `multipart uploads left open on the server (parts: ${parts.join(', ')})`, {
        bytesVerified: ctx.size,
      });
    }
    const over = resentPerKill.filter((b) => b > bound);
    if (over.length > 0) {
      return fail(label, `resent ${over.join(', ')} bytes after a kill, over parallel x part size = ${bound}`, {
        bytesVerified: ctx.size,
        bytesResent: resentTotal,
      });
    }
    return { passed: true, wrong: false, bytesVerified: ctx.size, bytesResent: resentTotal, label };
  } finally {
    await proxy.close();
    await server.kill();
  }
}

function fail(label: string, detail: string, extra: Partial<RunResult> = {}): RunResult {
  return { passed: false, wrong: false, bytesVerified: 0, bytesResent: 0, label, detail, ...extra };
}
