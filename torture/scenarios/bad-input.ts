// bad-input: a matrix of command lines `ossup cp` must refuse. Each case names the exit code it expects (2: bad
// usage or input, found before any transfer; 1: the operation failed), and every refusal must be one clear line
// without a stack trace, end in bounded time, and store nothing (no object, no open upload, no downloaded file).
import { execFileSync } from 'node:child_process';
import { mkdir, open, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer } from '../../harness/server.js';
import { mkBucket, put } from '../../harness/oss-http.js';
import { checkpointFiles, journalProgress, openUploads } from '../lib/checkpoints.js';
import { exists, storedCount, storedSha, writeRandomFile } from '../lib/data.js';
import { cleanEnv, errorReportProblems, firstLine, runCli, sleep, spawnCli, type CliRun } from '../lib/procs.js';
import type { RunContext, RunResult, Scenario } from '../lib/types.js';

const BUCKET = 'torture';
/** OSS's ceiling: 10,000 parts of at most 5 GiB. */
const MAX_OBJECT = 10_000 * 5 * 1024 ** 3;

interface Env {
  dir: string;
  file: string;
  empty: string;
  endpoint: string;
  env: NodeJS.ProcessEnv;
  base: NodeJS.ProcessEnv;
}

interface Case {
  name: string;
  /** Expected exit code; 0 means the input is valid and must be handled correctly (e.g. an empty file). */
  exit: number;
  /** Build the command line (may create files); a string result is a reason to skip. */
  args(e: Env): Promise<string[] | string>;
  env?(e: Env): NodeJS.ProcessEnv;
  /** Run it specially (the shrinking file). */
  run?(e: Env, args: string[]): Promise<CliRun>;
  /** Extra check on success (exit 0 cases). */
  check?(e: Env, root: string): Promise<string | undefined>;
}

const up = (e: Env, ...more: string[]) => ['cp', e.file, `oss://${BUCKET}/obj`, '--no-progress', ...more];

const CASES: Case[] = [
  { name: 'no arguments', exit: 2, args: async () => ['cp'] },
  { name: 'destination missing', exit: 2, args: async (e) => ['cp', e.file] },
  { name: 'source does not exist', exit: 2, args: async (e) => ['cp', join(e.dir, 'nope.bin'), `oss://${BUCKET}/obj`] },
  {
    name: 'destination is not an oss:// URL (upload)',
    exit: 2,
    args: async (e) => ['cp', e.file, join(e.dir, 'elsewhere')],
  },
  {
    name: 'oss:// onto itself without new metadata',
    exit: 2,
    args: async () => ['cp', `oss://${BUCKET}/a`, `oss://${BUCKET}/a`],
  },
  { name: '- on both sides', exit: 2, args: async () => ['cp', '-', '-'] },
  { name: '- with -r', exit: 2, args: async () => ['cp', '-r', '-', `oss://${BUCKET}/a`] },
  {
    name: 'sign --expires above 7d (V4)',
    exit: 2,
    args: async (e) => ['sign', `oss://${BUCKET}/a`, '--expires', '8d', '--endpoint', e.endpoint],
  },
  { name: 'bucket name with upper case and _', exit: 2, args: async (e) => ['cp', e.file, 'oss://Bad_Bucket/obj'] },
  { name: 'bucket name too short', exit: 2, args: async (e) => ['cp', e.file, 'oss://ab/obj'] },
  { name: 'bucket name with ..', exit: 2, args: async (e) => ['cp', e.file, 'oss://../obj'] },
  { name: 'no bucket (oss://)', exit: 2, args: async (e) => ['cp', e.file, 'oss://'] },
  { name: 'no bucket (oss:///key)', exit: 2, args: async (e) => ['cp', e.file, 'oss:///key'] },
  { name: 'key over 1023 bytes', exit: 2, args: async (e) => ['cp', e.file, `oss://${BUCKET}/${'k'.repeat(1024)}`] },
  {
    name: 'key of 1023 multi-byte chars (> 1023 bytes)',
    exit: 2,
    args: async (e) => ['cp', e.file, `oss://${BUCKET}/${'é'.repeat(600)}`],
  },
  { name: '--part-size below 100KiB', exit: 2, args: async (e) => up(e, '--part-size', '99KiB') },
  { name: '--part-size above 5GiB', exit: 2, args: async (e) => up(e, '--part-size', '6GiB') },
  { name: '--part-size not a size', exit: 2, args: async (e) => up(e, '--part-size', '12parsecs') },
  { name: '--part-size negative', exit: 2, args: async (e) => up(e, '--part-size=-5MiB') },
  { name: '--parallel 0', exit: 2, args: async (e) => up(e, '--parallel', '0') },
  { name: '--parallel 1.5', exit: 2, args: async (e) => up(e, '--parallel', '1.5') },
  { name: '--parallel 100000', exit: 2, args: async (e) => up(e, '--parallel', '100000') },
  { name: 'unknown flag', exit: 2, args: async (e) => up(e, '--frobnicate') },
  {
    name: '--checkpoint with --checkpoint-dir',
    exit: 2,
    args: async (e) => up(e, '--checkpoint', join(e.dir, 'a'), '--checkpoint-dir', e.dir),
  },
  { name: '--meta without =', exit: 2, args: async (e) => up(e, '--meta', 'novalue') },
  { name: '--acl not a choice', exit: 2, args: async (e) => up(e, '--acl', 'everyone') },
  { name: '--endpoint ftp://', exit: 2, args: async (e) => up(e, '--endpoint', 'ftp://127.0.0.1:21') },
  { name: '--endpoint not a URL', exit: 2, args: async (e) => up(e, '--endpoint', 'http://[::1') },
  {
    name: 'endpoint set, no credentials',
    exit: 2,
    args: async (e) => up(e),
    env: (e) => cleanEnv({ ...pick(e.base, 'HOME', 'OSSUP_HOME'), OSS_ENDPOINT: e.endpoint }),
  },
  {
    name: 'wrong secret',
    exit: 1,
    args: async (e) => up(e),
    env: (e) => ({ ...e.env, OSS_ACCESS_KEY_SECRET: 'not-the-secret' }),
  },
  {
    name: 'unknown access key id',
    exit: 1,
    args: async (e) => up(e),
    env: (e) => ({ ...e.env, OSS_ACCESS_KEY_ID: 'LTAI-nobody' }),
  },
  {
    name: 'endpoint port with nothing listening',
    exit: 1,
    args: async (e) => up(e, '--endpoint', 'http://127.0.0.1:9'),
  },
  { name: 'directory without -r', exit: 2, args: async (e) => ['cp', e.dir, `oss://${BUCKET}/obj`] },
  {
    name: 'empty directory with -r',
    exit: 2,
    args: async (e) => {
      await mkdir(join(e.dir, 'void'));
      return ['cp', '-r', join(e.dir, 'void'), `oss://${BUCKET}/p/`];
    },
  },
  {
    name: 'FIFO as source',
    exit: 2,
    async args(e) {
      const fifo = join(e.dir, 'fifo');
      try {
        execFileSync('mkfifo', [fifo]);
      } catch {
        return 'mkfifo is not available';
      }
      return ['cp', fifo, `oss://${BUCKET}/obj`, '--no-progress'];
    },
  },
  {
    name: '/dev/zero (char device) as source',
    exit: 2,
    args: async () => ['cp', '/dev/zero', `oss://${BUCKET}/obj`, '--no-progress'],
  },
  {
    name: '/dev/null as source',
    exit: 2,
    args: async () => ['cp', '/dev/null', `oss://${BUCKET}/obj`, '--no-progress'],
  },
  {
    name: 'sparse file over 5 GiB x 10,000 parts (49 TiB)',
    exit: 2,
    async args(e) {
      // ext4 stops at 16 TiB; tmpfs holds a sparse file of any size without using memory.
      for (const base of [e.dir, '/dev/shm']) {
        const dir = join(base, `ossup-torture-huge-${process.pid}`);
        try {
          await mkdir(dir, { recursive: true });
          const f = join(dir, 'huge.bin');
          await writeFile(f, '');
          await truncate(f, MAX_OBJECT + 1024 ** 4);
          return ['cp', f, `oss://${BUCKET}/huge`, '--no-progress'];
        } catch {
          await rm(dir, { recursive: true, force: true });
        }
      }
      return 'no file system here holds a 49 TiB sparse file';
    },
  },
  {
    name: 'empty file (valid: a 0-byte object)',
    exit: 0,
    args: async (e) => ['cp', e.empty, `oss://${BUCKET}/empty`, '--no-progress', '--json'],
    async check(_e, root) {
      const got = await storedSha(root, BUCKET, 'empty');
      return got?.size === 0 ? undefined : `stored ${got ? `${got.size} bytes` : 'nothing'}`;
    },
  },
  {
    name: 'file shrinks while uploading',
    exit: 1,
    args: async (e) => up(e, '--part-size', '100KiB', '--parallel', '1'),
    async run(e, args) {
      const child = spawnCli(args, e.env, 120_000);
      const cpDir = join(e.base.OSSUP_HOME!, 'checkpoints');
      const until = Date.now() + 60_000;
      for (;;) {
        const [cp] = (await checkpointFiles(cpDir)).filter((f) => f.endsWith('.ucp'));
        const p = cp ? await journalProgress(cp) : undefined;
        if (child.proc.exitCode !== null || (p && p.records >= 2) || Date.now() > until) break;
        await sleep(5);
      }
      await truncate(e.file, 250 * 1024);
      return child.done;
    },
  },
  {
    name: 'download: no such key',
    exit: 1,
    args: async (e) => ['cp', `oss://${BUCKET}/missing`, join(e.dir, 'dl.bin'), '--no-progress'],
  },
  {
    name: 'download: no such bucket',
    exit: 1,
    args: async (e) => ['cp', 'oss://no-such-bucket/k', join(e.dir, 'dl.bin'), '--no-progress'],
  },
  {
    name: 'download: bad bucket name',
    exit: 2,
    args: async (e) => ['cp', 'oss://UPPER/k', join(e.dir, 'dl.bin'), '--no-progress'],
  },
  {
    name: 'download: destination name over 255 bytes',
    exit: 2,
    args: async (e) => ['cp', `oss://${BUCKET}/seeded`, join(e.dir, 'n'.repeat(300)), '--no-progress'],
  },
];

function pick(env: NodeJS.ProcessEnv, ...names: string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(names.map((n) => [n, env[n]]));
}

async function everyObject(root: string): Promise<number> {
  let n = 0;
  for (const b of await readdir(join(root, 'buckets')).catch(() => [] as string[])) n += await storedCount(root, b);
  return n;
}

async function openUploadsAll(root: string): Promise<number> {
  let n = 0;
  for (const b of await readdir(join(root, 'buckets')).catch(() => [] as string[])) n += await openUploads(root, b);
  return n;
}

async function badInputRun(ctx: RunContext): Promise<RunResult> {
  const c = CASES[ctx.iteration % CASES.length]!;
  const root = join(ctx.dir, 'root');
  await mkdir(root);
  const server = await startTestServer({ root });
  const home = join(ctx.dir, 'home');
  const work = join(ctx.dir, 'work');
  await mkdir(work);
  try {
    await mkBucket(server, BUCKET);
    await put(server, BUCKET, 'seeded', 'seeded object');
    const e: Env = {
      dir: work,
      file: join(work, 'source.bin'),
      empty: join(work, 'empty.bin'),
      endpoint: server.endpoint,
      base: { HOME: home, OSSUP_HOME: home },
      env: cleanEnv({
        HOME: home,
        OSSUP_HOME: home,
        OSS_ENDPOINT: server.endpoint,
        OSS_ACCESS_KEY_ID: server.credentials.accessKeyId,
        OSS_ACCESS_KEY_SECRET: server.credentials.accessKeySecret,
      }),
    };
    await writeRandomFile(e.file, Math.min(ctx.size, 1024 * 1024), ctx.seed);
    await (await open(e.empty, 'w')).close();
    const args = await c.args(e);
    if (typeof args === 'string')
      return {
        passed: false,
        skipped: true,
        wrong: false,
        bytesVerified: 0,
        bytesResent: 0,
        label: c.name,
        detail: args,
      };
    const env = c.env ? c.env(e) : e.env;
    const before = await everyObject(root);
    const run = c.run ? await c.run(e, args) : await runCli(args, env, 60_000);
    const label = `${c.name}: exit ${run.code}${run.code ? `, ${firstLine(run.stderr)}` : ''}`;
    const problems: string[] = [];
    if (run.code !== c.exit)
      problems.push(
        `exit ${run.code}${run.signal ? ` (${run.signal}${run.timedOut ? ', hung' : ''})` : ''}, want ${c.exit}`,
      );
    if (c.exit !== 0) {
      problems.push(...errorReportProblems(run));
      const after = await everyObject(root);
      if (after !== before) problems.push(`${after - before} object(s) stored`);
      if (await exists(join(work, 'dl.bin'))) problems.push('a download destination was created');
      // A transfer that failed part-way keeps its upload open on purpose (the rerun resumes it); bad input never opens one.
      if (c.exit === 2 && (await openUploadsAll(root)) > 0) problems.push('a multipart upload was left open');
    } else if (c.check) {
      const p = await c.check(e, root);
      if (p) problems.push(p);
    }
    if (problems.length > 0)
      return {
        passed: false,
        wrong: false,
        bytesVerified: 0,
        bytesResent: 0,
        label,
        detail: `${problems.join('; ')}\n${run.stderr.trim()}`,
      };
    return { passed: true, wrong: false, bytesVerified: 0, bytesResent: 0, label };
  } finally {
    await server.close();
    await rm(`/dev/shm/ossup-torture-huge-${process.pid}`, { recursive: true, force: true });
  }
}

export const badInput: Scenario = {
  name: 'bad-input',
  description: `ossup cp command lines that must be refused cleanly (${CASES.length} cases)`,
  cases: CASES.length,
  run: badInputRun,
};

export const BAD_INPUT_CASES = CASES.map((c) => c.name);
