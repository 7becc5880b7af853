// security: requests the embedded server must refuse, paths and keys that must never reach outside its root, one
// bucket's object never served under another bucket's name, and checkpoints that are private and hold no secrets.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { SignableRequest } from '../../src/core/canonical.js';
import { buildQueryString } from '../../src/core/encode.js';
import { presignV1 } from '../../src/core/sign-v1.js';
import { presignV4 } from '../../src/core/sign-v4.js';
import { OssClient } from '../../src/client/index.js';
import { downloadFile, uploadFile } from '../../src/transfer/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, pathOf, put, send, type CallResult } from '../../harness/oss-http.js';
import { checkpointFiles, journalProgress, privacyProblems } from '../lib/checkpoints.js';
import { writeRandomFile } from '../lib/data.js';
import { cleanEnv, sleep, spawnCli } from '../lib/procs.js';
import type { RunContext, RunResult, Scenario } from '../lib/types.js';

const STS = {
  accessKeyId: 'STS.torture-key',
  accessKeySecret: 'sts-torture-secret-77',
  securityToken: 'sts-torture-token-1234567890',
};
const OTHER = { accessKeyId: 'LTAI-other-key', accessKeySecret: 'other-secret-0987654321' };
const A = 'bucket-a';
const B = 'bucket-b';
const SECRET_BYTES = 'bytes only bucket-a may serve';
const CANARY = 'canary outside the root';

interface Ctx {
  srv: TestServer;
  ctx: RunContext;
  /** The dedicated parent of the root: compared before and after; nothing outside root/ may change. */
  parent: string;
  clock: { offset: number };
}

/** Expect a refusal: a 4xx status (403 unless said otherwise), optionally a code. */
function refused(r: CallResult, what: string, code?: string, status = 403): string[] {
  const got = errorCode(r);
  if (r.status !== status) return [`${what}: HTTP ${r.status} (${got ?? r.text.slice(0, 60)}), want ${status}`];
  if (code && got !== code) return [`${what}: code ${got}, want ${code}`];
  if (r.text.includes(SECRET_BYTES)) return [`${what}: served the object`];
  return [];
}

const getA = { bucket: A, key: 'k' };

const CASES: Array<{ name: string; run(c: Ctx): Promise<string[] | string> }> = [
  {
    name: 'unsigned GET, PUT and DELETE of a private bucket are refused',
    async run({ srv }) {
      return [
        ...refused(await call(srv, { ...getA, sign: 'none' }), 'anonymous GET', 'AccessDenied'),
        ...refused(
          await call(srv, { method: 'PUT', bucket: A, key: 'anon', body: 'x', sign: 'none' }),
          'anonymous PUT',
          'AccessDenied',
        ),
        ...refused(await call(srv, { method: 'DELETE', ...getA, sign: 'none' }), 'anonymous DELETE', 'AccessDenied'),
        ...refused(await call(srv, { bucket: A, sign: 'none' }), 'anonymous list', 'AccessDenied'),
        ...((await call(srv, getA)).text === SECRET_BYTES ? [] : ['the object was changed by a refused request']),
      ];
    },
  },
  {
    name: 'wrongly signed (wrong secret, V1 and V4; tampered signature) is refused',
    async run({ srv }) {
      const creds = { ...srv.credentials, accessKeySecret: `${srv.credentials.accessKeySecret}x` };
      const good = await call(srv, getA);
      const tampered = {
        ...getA,
        headers: {
          authorization: `OSS ${srv.credentials.accessKeyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=`,
          date: new Date().toUTCString(),
        },
        sign: 'none' as const,
      };
      return [
        ...(good.text === SECRET_BYTES ? [] : [`a correctly signed GET failed: ${good.status}`]),
        ...refused(await call(srv, { ...getA, creds }), 'V1 wrong secret', 'SignatureDoesNotMatch'),
        ...refused(await call(srv, { ...getA, creds, sign: 'v4' }), 'V4 wrong secret', 'SignatureDoesNotMatch'),
        ...refused(await call(srv, tampered), 'forged V1 signature', 'SignatureDoesNotMatch'),
        ...refused(
          await call(srv, { method: 'PUT', bucket: A, key: 'k', body: 'evil', creds }),
          'PUT with wrong secret',
          'SignatureDoesNotMatch',
        ),
      ];
    },
  },
  {
    name: "another key's id with this secret, and unknown key ids, are refused",
    async run({ srv }) {
      return [
        ...refused(
          await call(srv, {
            ...getA,
            creds: { accessKeyId: OTHER.accessKeyId, accessKeySecret: srv.credentials.accessKeySecret },
          }),
          'other key id, wrong secret',
          'SignatureDoesNotMatch',
        ),
        ...refused(
          await call(srv, { ...getA, creds: { accessKeyId: 'LTAI-unknown', accessKeySecret: OTHER.accessKeySecret } }),
          'unknown key id',
          'InvalidAccessKeyId',
        ),
        ...refused(
          await call(srv, { ...getA, sign: 'v4', creds: { accessKeyId: 'LTAI-unknown', accessKeySecret: 'x' } }),
          'unknown key id (V4)',
          'InvalidAccessKeyId',
        ),
      ];
    },
  },
  {
    name: 'expired presigned URLs (V1, V4) are refused; a tampered Expires too',
    async run({ srv }) {
      const req: SignableRequest = { method: 'GET', bucket: A, key: 'k', query: [], headers: {} };
      const v1 = buildQueryString(presignV1(req, srv.credentials, Math.floor(Date.now() / 1000) - 5));
      const v4 = buildQueryString(
        presignV4(req, srv.credentials, { date: new Date(Date.now() - 120_000), region: 'cn-hangzhou' }, 60),
      );
      const fresh = buildQueryString(presignV1(req, srv.credentials, Math.floor(Date.now() / 1000) + 60));
      const stretched = fresh.replace(/Expires=(\d+)/, (_, e: string) => `Expires=${Number(e) + 86_400}`);
      return [
        ...refused(await send(srv.endpoint, 'GET', `${pathOf(A, 'k')}?${v1}`, {}), 'expired V1 URL', 'AccessDenied'),
        ...refused(await send(srv.endpoint, 'GET', `${pathOf(A, 'k')}?${v4}`, {}), 'expired V4 URL', 'AccessDenied'),
        ...refused(
          await send(srv.endpoint, 'GET', `${pathOf(A, 'k')}?${stretched}`, {}),
          'V1 URL with Expires pushed out',
          'SignatureDoesNotMatch',
        ),
      ];
    },
  },
  {
    name: 'a presigned URL replayed after its expiry is refused (it worked before)',
    async run({ srv, clock }) {
      const req: SignableRequest = { method: 'GET', bucket: A, key: 'k', query: [], headers: {} };
      const v1 = buildQueryString(presignV1(req, srv.credentials, Math.floor(Date.now() / 1000) + 30));
      const v4 = buildQueryString(presignV4(req, srv.credentials, { date: new Date(), region: 'cn-hangzhou' }, 30));
      const out: string[] = [];
      for (const [name, qs] of [
        ['V1', v1],
        ['V4', v4],
      ] as const) {
        const first = await send(srv.endpoint, 'GET', `${pathOf(A, 'k')}?${qs}`, {});
        if (first.text !== SECRET_BYTES) out.push(`${name} URL did not work before expiry: ${first.status}`);
      }
      clock.offset = 60_000; // the server's clock moves past both expiries
      try {
        for (const [name, qs] of [
          ['V1', v1],
          ['V4', v4],
        ] as const) {
          out.push(
            ...refused(
              await send(srv.endpoint, 'GET', `${pathOf(A, 'k')}?${qs}`, {}),
              `${name} URL replayed after expiry`,
              'AccessDenied',
            ),
          );
        }
      } finally {
        clock.offset = 0;
      }
      return out;
    },
  },
  {
    name: 'requests dated 16 min off (past and future, V1 and V4) are refused',
    async run({ srv }) {
      const out: string[] = [];
      for (const skew of [-16, 16]) {
        for (const sign of ['v1', 'v4'] as const) {
          out.push(
            ...refused(
              await call(srv, { ...getA, sign, date: new Date(Date.now() + skew * 60_000) }),
              `${sign} ${skew} min`,
              'RequestTimeTooSkewed',
            ),
          );
        }
      }
      return out;
    },
  },
  {
    name: 'STS key without its token, or with another token, is refused',
    async run({ srv }) {
      const ok = await call(srv, { ...getA, creds: STS });
      const bare = { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret };
      return [
        ...(ok.text === SECRET_BYTES ? [] : [`STS with its token failed: ${ok.status}`]),
        ...refused(await call(srv, { ...getA, creds: bare }), 'STS without token (V1)'),
        ...refused(await call(srv, { ...getA, creds: bare, sign: 'v4' }), 'STS without token (V4)'),
        ...refused(
          await call(srv, { ...getA, creds: { ...STS, securityToken: 'forged-token' } }),
          'STS with another token',
        ),
      ];
    },
  },
  {
    name: 'traversal paths and odd keys stay inside the root',
    async run({ srv }) {
      const out: string[] = [];
      const keys = [
        '../escape',
        '../../escape',
        '../../../sibling/canary',
        'a/../../escape',
        '..\\..\\escape',
        '/abs/escape',
        './.',
        '..',
        '.',
        '%2e%2e/escape',
        'a//b',
        'nul\u0001ctl',
        ' space ',
        'ünïcödé/../../x',
      ];
      for (const key of keys) {
        const putR = await call(srv, { method: 'PUT', bucket: A, key, body: 'probe' });
        if (putR.status === 200) {
          const back = await call(srv, { bucket: A, key });
          if (back.text !== 'probe') out.push(`key ${JSON.stringify(key)}: stored but read back ${back.status}`);
        } else if (putR.status >= 500) {
          out.push(`key ${JSON.stringify(key)}: HTTP ${putR.status}`);
        }
      }
      const raw = [
        '/bucket-a/../../sibling/canary',
        '/bucket-a/..%2F..%2Fsibling%2Fcanary',
        '/..%2f..%2fsibling/canary',
        '/bucket-a/%2e%2e/%2e%2e/sibling/canary',
        '/%2e%2e/sibling/canary',
        '/bucket-a/..%5c..%5csibling%5ccanary',
      ];
      for (const p of raw) {
        for (const method of ['GET', 'PUT']) {
          const headers: Record<string, string> = { date: new Date().toUTCString() };
          const r = await send(
            srv.endpoint,
            method,
            p,
            headers,
            method === 'PUT' ? Buffer.from('overwritten') : Buffer.alloc(0),
          );
          if (r.text.includes(CANARY)) out.push(`${method} ${p} served the canary`);
          if (r.status >= 500) out.push(`${method} ${p}: HTTP ${r.status}`);
          const signed = await call(srv, {
            method,
            rawPath: p,
            bucket: A,
            key: 'x',
            ...(method === 'PUT' ? { body: 'overwritten' } : {}),
          });
          if (signed.text.includes(CANARY)) out.push(`signed ${method} ${p} served the canary`);
        }
      }
      return out;
    },
  },
  {
    name: "one bucket's object is never served through another bucket's name",
    async run({ srv }) {
      const out: string[] = [];
      const viaB = [
        await call(srv, { bucket: B, key: 'k' }),
        await call(srv, { bucket: B, key: 'k', sign: 'v4' }),
        await call(srv, { bucket: B, key: 'k', host: `${B}.oss-cn-hangzhou.aliyuncs.com` }),
        await call(srv, { bucket: B, key: 'k', host: `${B}.localhost`, sign: 'v4' }),
        // Path says bucket-a, Host names bucket-b: the virtual-hosted bucket wins, and it has no such object.
        await call(srv, { bucket: B, key: 'k', host: `${B}.oss-cn-hangzhou.aliyuncs.com`, rawPath: `/${A}/k` }),
        await call(srv, { bucket: B, key: `../${A}/k` }),
        await call(srv, { bucket: B, key: `${A}/k` }),
      ];
      viaB.forEach((r, i) => {
        if (r.text.includes(SECRET_BYTES)) out.push(`request ${i} served bucket-a's object through bucket-b`);
      });
      const list = await call(srv, { bucket: B });
      if (/<Key>k<\/Key>/.test(list.text)) out.push("bucket-b lists bucket-a's key");
      const copy = await call(srv, {
        method: 'PUT',
        bucket: B,
        key: 'copied',
        headers: { 'x-oss-copy-source': `/${A}/k` },
      });
      if (copy.status === 200 && !copy.text.includes('CopyObjectResult')) out.push('odd copy answer');
      return out;
    },
  },
  {
    name: 'checkpoints are 0600 and hold no key id, secret or token (library, STS; CLI, SIGKILLed)',
    async run({ srv, ctx }) {
      const out: string[] = [];
      const file = join(ctx.dir, 'work', 'private.bin');
      await writeRandomFile(file, 12 * 100 * 1024, ctx.seed);
      const secrets = [
        STS.accessKeyId,
        STS.accessKeySecret,
        STS.securityToken,
        srv.credentials.accessKeyId,
        srv.credentials.accessKeySecret,
      ];
      const client = new OssClient({ endpoint: srv.endpoint, credentials: STS });
      try {
        for (const direction of ['upload', 'download'] as const) {
          const ac = new AbortController();
          const cp = join(ctx.dir, 'work', `lib.${direction === 'upload' ? 'ucp' : 'dcp'}`);
          const onProgress = (e: { type: string; partsDone?: number }) => {
            if (e.type === 'part' && (e.partsDone ?? 0) >= 2) ac.abort();
          };
          const job =
            direction === 'upload'
              ? uploadFile(client, {
                  bucket: A,
                  key: 'private',
                  file,
                  partSize: 100 * 1024,
                  checkpoint: cp,
                  signal: ac.signal,
                  onProgress,
                })
              : downloadFile(client, {
                  bucket: A,
                  key: 'k2',
                  file: join(ctx.dir, 'work', 'dl.bin'),
                  partSize: 100 * 1024,
                  checkpoint: cp,
                  signal: ac.signal,
                  onProgress,
                });
          await job.catch((err: { code?: string }) => {
            if (err.code !== 'Aborted') throw err;
          });
          out.push(...(await privacyProblems(cp, secrets)).map((p) => `library ${direction} checkpoint: ${p}`));
        }
      } finally {
        await client.close();
      }
      // The CLI with an STS key in the environment, killed mid-upload: its checkpoint in $OSSUP_HOME/checkpoints.
      const home = join(ctx.dir, 'work', 'home');
      const env = cleanEnv({
        HOME: home,
        OSSUP_HOME: home,
        OSS_ENDPOINT: srv.endpoint,
        OSS_ACCESS_KEY_ID: STS.accessKeyId,
        OSS_ACCESS_KEY_SECRET: STS.accessKeySecret,
        OSS_SESSION_TOKEN: STS.securityToken,
      });
      const child = spawnCli(
        ['cp', file, `oss://${A}/cli`, '--no-progress', '--part-size', '100KiB', '--parallel', '1'],
        env,
        60_000,
      );
      const until = Date.now() + 30_000;
      let found: string | undefined;
      while (Date.now() < until && child.proc.exitCode === null) {
        [found] = (await checkpointFiles(join(home, 'checkpoints'))).filter((f) => f.endsWith('.ucp'));
        if (found && ((await journalProgress(found))?.records ?? 0) >= 2) break;
        await sleep(5);
      }
      await child.kill();
      if (!found) out.push('the CLI left no checkpoint to inspect');
      else out.push(...(await privacyProblems(found, secrets)).map((p) => `CLI checkpoint: ${p}`));
      return out;
    },
  },
];

/** Every path under `dir` with size and mtime, except under `skip`. */
async function snapshot(dir: string, skip: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      if (p === skip) continue;
      const st = await stat(p);
      out.set(relative(dir, p), `${st.isDirectory() ? 'd' : st.size}:${st.mtimeMs}`);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

async function securityRun(ctx: RunContext): Promise<RunResult> {
  const c = CASES[ctx.iteration % CASES.length]!;
  const parent = join(ctx.dir, 'parent');
  const root = join(parent, 'root');
  await mkdir(join(parent, 'sibling'), { recursive: true });
  await mkdir(root);
  await mkdir(join(ctx.dir, 'work'));
  await writeFile(join(parent, 'sibling', 'canary'), CANARY);
  await writeFile(join(parent, 'escape-target'), CANARY);
  const clock = { offset: 0 };
  const srv = await startTestServer({ root, credentials: [STS, OTHER], now: () => Date.now() + clock.offset });
  try {
    await mkBucket(srv, A);
    await mkBucket(srv, B);
    await put(srv, A, 'k', SECRET_BYTES);
    await put(srv, A, 'k2', Buffer.alloc(300 * 1024, 9));
    const before = await snapshot(parent, root);
    const problems = await c.run({ srv, ctx, parent, clock });
    if (typeof problems === 'string')
      return {
        passed: false,
        skipped: true,
        wrong: false,
        bytesVerified: 0,
        bytesResent: 0,
        label: c.name,
        detail: problems,
      };
    const after = await snapshot(parent, root);
    for (const [p, v] of after)
      if (before.get(p) !== v) problems.push(`outside the root: ${p} ${before.has(p) ? 'changed' : 'appeared'}`);
    for (const p of before.keys()) if (!after.has(p)) problems.push(`outside the root: ${p} disappeared`);
    if ((await readFile(join(parent, 'sibling', 'canary'), 'utf8')) !== CANARY)
      problems.push('the canary was overwritten');
    const escaped = problems.some(
      (p) => p.includes('canary') || p.startsWith('outside the root') || p.includes('served'),
    );
    return problems.length === 0
      ? { passed: true, wrong: false, bytesVerified: 0, bytesResent: 0, label: c.name }
      : { passed: false, wrong: escaped, bytesVerified: 0, bytesResent: 0, label: c.name, detail: problems.join('; ') };
  } finally {
    await srv.close();
  }
}

export const security: Scenario = {
  name: 'security',
  description: `requests the embedded server must refuse, traversal, cross-bucket reads, checkpoint privacy (${CASES.length} cases)`,
  cases: CASES.length,
  run: securityRun,
};

export const SECURITY_CASES = CASES.map((c) => c.name);
