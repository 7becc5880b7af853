// damaged-state: a transfer is paused part-way (the checkpoint and, for downloads, the temporary file stay), the
// state or the local file is damaged, and `ossup cp` resumes it. Each case must either restart cleanly (exit 0,
// the result byte-identical to the file as it is now / to the object) or fail with one clear line (exit 1 or 2),
// and never leave a wrong object or a wrong file.
import { copyFile, chmod, mkdir, open, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { mkBucket, put } from '../../harness/oss-http.js';
import { OssClient } from '../../src/client/index.js';
import { decodeJournal } from '../../src/transfer/checkpoint/journal.js';
import { downloadFile, uploadFile } from '../../src/transfer/index.js';
import { journalProgress } from '../lib/checkpoints.js';
import { exists, sha256File, storedSha, writeRandomFile } from '../lib/data.js';
import { cleanEnv, errorReportProblems, firstLine, runCli, sleep, spawnCli } from '../lib/procs.js';
import { rng, type Rng } from '../lib/rng.js';
import type { RunContext, RunResult, Scenario } from '../lib/types.js';

const PART = 100 * 1024;
const BUCKET = 'torture';
const IS_ROOT = process.getuid?.() === 0;

interface State {
  ctx: RunContext;
  r: Rng;
  server: TestServer;
  client: OssClient;
  file: string;
  /** The checkpoint the CLI resumes from (--checkpoint). */
  checkpoint: string;
  dest: string;
  env: NodeJS.ProcessEnv;
  /** SHA-256 values a visible result may have (the file now, the object; plus a documented snapshot). */
  allowed: Set<string>;
  /** Paths given the immutable attribute, to clear afterwards. */
  immutable: string[];
}

interface Case {
  name: string;
  direction: 'upload' | 'download';
  /** Damage the paused state; return a reason to skip the case instead. */
  damage(s: State): Promise<string | void>;
  /** Run the resume itself (the "during the upload" case); default: one `ossup cp` run. */
  resume?(s: State, args: string[]): Promise<Awaited<ReturnType<typeof runCli>>>;
}

async function flipBytes(file: string, r: Rng): Promise<void> {
  const data = await readFile(file);
  for (let i = r.int(1, 8); i > 0; i--) data[r.int(0, data.length - 1)]! ^= 1 << r.int(0, 7);
  await writeFile(file, data);
}

async function garbage(file: string, r: Rng): Promise<void> {
  const g = Buffer.alloc(r.int(0, 4096));
  for (let i = 0; i < g.length; i++) g[i] = r.int(0, 255);
  await writeFile(file, g);
}

/** Overwrite `n` bytes at `offset` in place (same size, same inode), optionally putting the old mtime back. */
async function rewriteInPlace(file: string, offset: number, n: number, restoreMtime: boolean): Promise<void> {
  const before = await stat(file);
  const fh = await open(file, 'r+');
  try {
    const b = Buffer.alloc(n);
    await fh.read(b, 0, n, offset);
    for (let i = 0; i < n; i++) b[i]! ^= 0xa5;
    await fh.write(b, 0, n, offset);
  } finally {
    await fh.close();
  }
  if (restoreMtime) await utimes(file, before.atime, before.mtime);
}

/**
 * Root ignores mode bits, but not the immutable attribute: `chattr +i` is the honest stand-in for an unwritable
 * file or a read-only directory. Undone in the run's finally block (and by the harness before removing the tree).
 */
async function immutable(s: State, p: string): Promise<string | void> {
  try {
    execFileSync('chattr', ['+i', p], { stdio: 'ignore' });
  } catch {
    return 'running as root and chattr +i is not available here, so nothing can make the checkpoint unwritable';
  }
  s.immutable.push(p);
}

async function tempOf(checkpoint: string): Promise<string | undefined> {
  const j = decodeJournal<{ temp?: string }>(await readFile(checkpoint));
  return j?.records[0]?.temp;
}

const CASES: Case[] = [
  { name: 'upload checkpoint: bytes flipped', direction: 'upload', damage: (s) => flipBytes(s.checkpoint, s.r) },
  {
    name: 'upload checkpoint: truncated',
    direction: 'upload',
    async damage(s) {
      await truncate(s.checkpoint, s.r.int(0, (await stat(s.checkpoint)).size - 1));
    },
  },
  { name: 'upload checkpoint: replaced with garbage', direction: 'upload', damage: (s) => garbage(s.checkpoint, s.r) },
  {
    name: "upload checkpoint: swapped for another file's",
    direction: 'upload',
    async damage(s) {
      const other = join(s.ctx.dir, 'other.bin');
      await writeRandomFile(other, s.ctx.size, s.ctx.seed ^ 0x5555);
      const otherCp = join(s.ctx.dir, 'other.ucp');
      await pauseUpload(s, other, 'other', otherCp, 2);
      await copyFile(otherCp, s.checkpoint);
    },
  },
  {
    name: 'upload checkpoint: unreadable (chmod 000)',
    direction: 'upload',
    async damage(s) {
      if (IS_ROOT)
        return 'running as root, which reads a file whatever its mode bits (the unwritable case runs as chattr +i)';
      await chmod(s.checkpoint, 0);
    },
  },
  {
    name: 'upload checkpoint: unwritable (chmod 444, or chattr +i as root)',
    direction: 'upload',
    async damage(s) {
      if (!IS_ROOT) return void (await chmod(s.checkpoint, 0o444));
      return immutable(s, s.checkpoint);
    },
  },
  {
    name: 'upload checkpoint: directory read-only (chmod 555, or chattr +i as root)',
    direction: 'upload',
    async damage(s) {
      if (!IS_ROOT) return void (await chmod(join(s.ctx.dir, 'cp'), 0o555));
      return immutable(s, join(s.ctx.dir, 'cp'));
    },
  },
  {
    name: 'upload checkpoint: its directory is a regular file',
    direction: 'upload',
    async damage(s) {
      s.checkpoint = join(s.ctx.dir, 'not-a-dir', 'x.ucp');
      await writeFile(join(s.ctx.dir, 'not-a-dir'), 'x');
    },
  },
  {
    name: 'local file grew before the resume',
    direction: 'upload',
    async damage(s) {
      await writeFile(s.file, Buffer.alloc(s.r.int(1, 5000), 1), { flag: 'a' });
    },
  },
  {
    name: 'local file: same size, bytes of an uploaded part changed, mtime restored',
    direction: 'upload',
    async damage(s) {
      await rewriteInPlace(s.file, s.r.int(0, PART - 64), 64, true);
    },
  },
  {
    name: 'local file rewritten during the upload (mtime restored or not)',
    direction: 'upload',
    damage: async () => undefined,
    async resume(s, args) {
      const paused = (await journalProgress(s.checkpoint))?.records ?? 0;
      const child = spawnCli(args, s.env, 120_000);
      const until = Date.now() + 60_000;
      // Let the rerun upload two more parts, then rewrite bytes of part 1 under it.
      for (;;) {
        const p = await journalProgress(s.checkpoint);
        if (child.proc.exitCode !== null || (p && p.records >= paused + 2) || Date.now() > until) break;
        await sleep(5);
      }
      await rewriteInPlace(s.file, s.r.int(0, PART - 64), 64, s.r.chance(0.5));
      return child.done;
    },
  },
  { name: 'download checkpoint: bytes flipped', direction: 'download', damage: (s) => flipBytes(s.checkpoint, s.r) },
  {
    name: 'download checkpoint: truncated',
    direction: 'download',
    async damage(s) {
      await truncate(s.checkpoint, s.r.int(0, (await stat(s.checkpoint)).size - 1));
    },
  },
  {
    name: 'download checkpoint: replaced with garbage',
    direction: 'download',
    damage: (s) => garbage(s.checkpoint, s.r),
  },
  {
    name: 'download temp file: bytes of a finished range flipped',
    direction: 'download',
    async damage(s) {
      const temp = await tempOf(s.checkpoint);
      if (!temp || !(await exists(temp))) return 'no temporary file to tamper with';
      await rewriteInPlace(temp, s.r.int(0, PART - 16), 16, s.r.chance(0.5));
    },
  },
  {
    name: 'download temp file: truncated',
    direction: 'download',
    async damage(s) {
      const temp = await tempOf(s.checkpoint);
      if (!temp || !(await exists(temp))) return 'no temporary file to tamper with';
      await truncate(temp, s.r.int(0, (await stat(temp)).size));
    },
  },
  {
    name: 'download temp file: deleted',
    direction: 'download',
    async damage(s) {
      const temp = await tempOf(s.checkpoint);
      if (!temp || !(await exists(temp))) return 'no temporary file to tamper with';
      await rm(temp);
    },
  },
];

/** Upload `file` to `key` with the library, pausing (abort) after `parts` parts: checkpoint kept, upload open. */
async function pauseUpload(s: State, file: string, key: string, checkpoint: string, parts: number): Promise<void> {
  const ac = new AbortController();
  await uploadFile(s.client, {
    bucket: BUCKET,
    key,
    file,
    partSize: PART,
    concurrency: 1,
    checkpoint,
    signal: ac.signal,
    onProgress: (e) => {
      if (e.type === 'part' && e.partsDone >= parts) ac.abort();
    },
  }).catch((err: { code?: string }) => {
    if (err.code !== 'Aborted') throw err;
  });
}

async function pauseDownload(s: State, parts: number): Promise<void> {
  const ac = new AbortController();
  await downloadFile(s.client, {
    bucket: BUCKET,
    key: 'obj',
    file: s.dest,
    partSize: PART,
    concurrency: 1,
    checkpoint: s.checkpoint,
    signal: ac.signal,
    onProgress: (e) => {
      if (e.type === 'part' && e.partsDone >= parts) ac.abort();
    },
  }).catch((err: { code?: string }) => {
    if (err.code !== 'Aborted') throw err;
  });
}

async function damagedRun(ctx: RunContext): Promise<RunResult> {
  const c = CASES[ctx.iteration % CASES.length]!;
  const r = rng(ctx.seed);
  const root = join(ctx.dir, 'root');
  await mkdir(root);
  await mkdir(join(ctx.dir, 'cp'));
  await mkdir(join(ctx.dir, 'out'));
  const server = await startTestServer({ root });
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  const home = join(ctx.dir, 'home');
  const s: State = {
    ctx,
    r,
    server,
    client,
    file: join(ctx.dir, 'source.bin'),
    checkpoint: join(ctx.dir, 'cp', c.direction === 'upload' ? 'state.ucp' : 'state.dcp'),
    dest: join(ctx.dir, 'out', 'copy.bin'),
    env: cleanEnv({
      HOME: home,
      OSSUP_HOME: home,
      OSS_ENDPOINT: server.endpoint,
      OSS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      OSS_ACCESS_KEY_SECRET: server.credentials.accessKeySecret,
    }),
    allowed: new Set(),
    immutable: [],
  };
  try {
    const target = { endpoint: server.endpoint, credentials: server.credentials };
    await mkBucket(target, BUCKET);
    const size = Math.max(ctx.size, 8 * PART);
    const original = await writeRandomFile(s.file, size, ctx.seed);
    if (c.direction === 'download') {
      await put(target, BUCKET, 'obj', await readFile(s.file));
      await pauseDownload(s, r.int(2, 5));
    } else {
      await pauseUpload(s, s.file, 'obj', s.checkpoint, r.int(2, 5));
    }
    const skip = await c.damage(s);
    if (skip)
      return {
        passed: false,
        skipped: true,
        wrong: false,
        bytesVerified: 0,
        bytesResent: 0,
        label: c.name,
        detail: skip,
      };
    const args =
      c.direction === 'upload'
        ? ['cp', s.file, `oss://${BUCKET}/obj`, '--checkpoint', s.checkpoint]
        : ['cp', `oss://${BUCKET}/obj`, s.dest, '--checkpoint', s.checkpoint];
    args.push('--json', '--no-progress', '--part-size', '100KiB', '--parallel', '1');
    const run = c.resume ? await c.resume(s, args) : await runCli(args, s.env, 120_000);
    // What may be visible afterwards: uploads -> the file as it is now (or, for the rewrite-during case, as it was);
    // downloads -> the object.
    const now = await sha256File(s.file);
    const allowed = c.direction === 'upload' ? new Set([now, ...(c.resume ? [original] : [])]) : new Set([original]);
    const got =
      c.direction === 'upload'
        ? (await storedSha(root, BUCKET, 'obj'))?.sha
        : (await exists(s.dest))
          ? await sha256File(s.dest)
          : undefined;
    const outcome =
      run.code === 0 ? 'restarted/resumed, exit 0' : `refused, exit ${run.code}: ${firstLine(run.stderr)}`;
    const label = `${c.name}: ${outcome}`;
    if (got !== undefined && !allowed.has(got)) {
      return {
        passed: false,
        wrong: true,
        bytesVerified: 0,
        bytesResent: 0,
        label,
        detail: `a wrong ${c.direction === 'upload' ? 'object' : 'file'} is visible`,
      };
    }
    if (run.code === 0) {
      if (got === undefined)
        return { passed: false, wrong: false, bytesVerified: 0, bytesResent: 0, label, detail: 'exit 0 but no result' };
      return { passed: true, wrong: false, bytesVerified: size, bytesResent: 0, label };
    }
    const problems = errorReportProblems(run);
    if (run.code !== 1 && run.code !== 2) problems.unshift(`exit ${run.code}${run.signal ? ` ${run.signal}` : ''}`);
    if (problems.length > 0)
      return {
        passed: false,
        wrong: false,
        bytesVerified: 0,
        bytesResent: 0,
        label,
        detail: `${problems.join('; ')}\n${run.stderr}`,
      };
    return { passed: true, wrong: false, bytesVerified: got ? size : 0, bytesResent: 0, label };
  } finally {
    for (const p of s.immutable) execFileSync('chattr', ['-i', p], { stdio: 'ignore' });
    await client.close();
    await server.close();
  }
}

export const damagedState: Scenario = {
  name: 'damaged-state',
  description: `a paused transfer's checkpoint, temp file or source damaged, then resumed by ossup cp (${CASES.length} cases)`,
  cases: CASES.length,
  run: damagedRun,
};

export const DAMAGE_CASES = CASES.map((c) => c.name);
