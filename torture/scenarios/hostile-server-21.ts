// hostile-server cases of issue 21's server attacks: drip-fed bodies against a connection cap, PostObject form
// floods, reading private objects through symlinks, and oversized user metadata. Each draws its plan from the
// run's seed and is bounded in time; figures go to the verbose log (RELIABILITY.md quotes them).
import { randomBytes } from 'node:crypto';
import { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, pathOf, put, signHeaders, type CallResult } from '../../harness/oss-http.js';
import { formField, formFile, openRawRequest, streamForm, tmpFiles } from '../../harness/raw-request.js';
import { sleep } from '../lib/procs.js';
import type { Case, Outcome } from './hostile-lib.js';
import { withServer } from './hostile-lib.js';

const MiB = 1024 * 1024;

/** Largest resident set seen while `fn` runs (sampled every 20 ms), over the one before it. */
async function rssGrowth<T>(fn: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

type Acl = 'default' | 'private' | 'public-read' | 'public-read-write';

/** The rule a direct anonymous GET follows, written out independently of the server's code. */
function anonymousMayRead(bucketAcl: Acl, objectAcl: Acl): boolean {
  const acl = objectAcl === 'default' ? bucketAcl : objectAcl;
  return acl === 'public-read' || acl === 'public-read-write';
}

export const ISSUE21_CASES: Case[] = [
  {
    name: 'drip-fed bodies hold every connection: cut off by the minimum rate, a normal client still served',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      const cap = r.int(3, 6);
      const windowMs = r.int(400, 800);
      const opts = { bodyTimeoutMs: windowMs, minBodyRate: 200, idleTimeoutMs: 30_000, maxConnections: cap };
      await withServer(ctx, opts, async (srv) => {
        await mkBucket(srv, 'drip');
        const started = Date.now();
        const drips = await Promise.all(
          Array.from({ length: cap }, async (_, i) => {
            const h = signHeaders({ method: 'PUT', bucket: 'drip', key: `d${i}` }, srv.credentials, 100_000);
            const q = await openRawRequest(srv.endpoint, 'PUT', pathOf('drip', `d${i}`), h);
            const every = r.int(100, 250);
            const timer = setInterval(() => q.write(Buffer.from('x')), every);
            const answer = q.within(6 * windowMs + 3000).finally(() => clearInterval(timer));
            return answer.then(
              (a) => ({ a, ms: Date.now() - started }),
              () => ({ a: undefined, ms: Date.now() - started }),
            );
          }),
        );
        o.faults += cap;
        await sleep(200);
        let served: number | undefined;
        let refused = 0;
        while (Date.now() - started < 6 * windowMs + 3000) {
          const p = await put(srv, 'drip', 'normal', 'normal bytes').catch(() => undefined);
          if (p?.status === 200) {
            served = Date.now() - started;
            break;
          }
          refused++;
          await sleep(50);
        }
        const answers = await Promise.all(drips);
        if (served === undefined) o.problems.push(`a normal PUT was never served (${refused} refusals)`);
        else await verify21(srv, 'drip', 'normal', Buffer.from('normal bytes'), o);
        for (const { a, ms } of answers) {
          if (!a) o.problems.push('a drip-fed PUT got no answer');
          else if (a.status !== 400 || errorCode(a) !== 'RequestTimeout')
            o.problems.push(`a drip-fed PUT got HTTP ${a.status} ${errorCode(a)}`);
          else if (ms > 2 * windowMs + 1500) o.problems.push(`a drip-fed PUT was cut off after ${ms} ms`);
        }
        for (let i = 0; i < cap; i++) {
          if ((await call(srv, { bucket: 'drip', key: `d${i}` })).status !== 404) {
            o.problems.push(`a drip-fed body d${i} was stored`);
            o.wrong = true;
          }
        }
        const debris = await tmpFiles(srv.root);
        if (debris.length > 0) o.problems.push(`temp files left: ${debris.join(', ')}`);
        ctx.log(
          `drip: cap ${cap}, window ${windowMs} ms; cut off after ${answers.map((x) => x.ms).join('/')} ms; ` +
            `normal PUT served after ${served} ms (${refused} refusals)`,
        );
      });
      return o;
    },
  },
  {
    name: 'PostObject form floods: refused after ~10 MiB with bounded memory; forged signatures before the rest',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      await withServer(ctx, {}, async (srv) => {
        await mkBucket(srv, 'closed');
        const count = r.int(60, 150);
        const size = r.int(MiB / 2, 2 * MiB);
        const value = Buffer.alloc(size, 'v');
        function* flood(head: Buffer[]): Generator<Buffer> {
          yield* head;
          for (let i = 0; i < count; i++) yield formField(`junk${i}`, value);
          yield formFile('f.txt', 'file bytes');
        }
        const started = Date.now();
        const { value: a, growth } = await rssGrowth(() =>
          streamForm(srv.endpoint, 'closed', flood([formField('key', 'k')])),
        );
        const ms = Date.now() - started;
        o.faults++;
        if (a.status !== 400) o.problems.push(`a form flood got HTTP ${a.status}: ${a.text.slice(0, 200)}`);
        if (a.sent > 24 * MiB) o.problems.push(`the server took ${(a.sent / MiB).toFixed(1)} MiB of a flood`);
        if (growth > 96 * MiB) o.problems.push(`memory grew by ${(growth / MiB).toFixed(0)} MiB`);
        const policy = Buffer.from(JSON.stringify({ expiration: '2099-01-01T00:00:00Z', conditions: [] })).toString(
          'base64',
        );
        const forged = await streamForm(
          srv.endpoint,
          'closed',
          flood([
            formField('key', 'k'),
            formField('OSSAccessKeyId', srv.credentials.accessKeyId),
            formField('policy', policy),
            formField('Signature', randomBytes(20).toString('base64')),
          ]),
        );
        o.faults++;
        if (forged.status !== 403 || !/SignatureDoesNotMatch/.test(forged.text))
          o.problems.push(`a forged form got HTTP ${forged.status}: ${forged.text.slice(0, 200)}`);
        // Refused before the 8 MiB form budget would refuse it (loopback socket buffers take a few MiB unread).
        if (forged.sent > 8 * MiB) o.problems.push(`a forged form was read for ${(forged.sent / MiB).toFixed(1)} MiB`);
        if ((await call(srv, { bucket: 'closed', key: 'k' })).status !== 404) {
          o.problems.push('a flooded form stored its file');
          o.wrong = true;
        }
        ctx.log(
          `form flood: ${count} fields of ${(size / MiB).toFixed(2)} MiB (${((count * size) / MiB).toFixed(0)} MiB): ` +
            `HTTP ${a.status} after ${(a.sent / MiB).toFixed(1)} MiB sent, ${ms} ms, RSS +${(growth / MiB).toFixed(0)} MiB; ` +
            `forged: HTTP ${forged.status} after ${(forged.sent / MiB).toFixed(2)} MiB`,
        );
      });
      return o;
    },
  },
  {
    name: 'symlink reads: a link serves its target only to callers who may read the target',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      const acls: Acl[] = ['default', 'private', 'public-read'];
      await withServer(ctx, {}, async (srv) => {
        let probes = 0;
        for (const bucketAcl of ['private', 'public-read', 'public-read-write'] as const) {
          const b = `links-${bucketAcl}`;
          await mkBucket(srv, b, { 'x-oss-acl': bucketAcl });
          for (const targetAcl of acls) {
            const body = randomBytes(r.int(1, 4096));
            const target = `t-${targetAcl}`;
            await put(srv, b, target, body, { 'x-oss-object-acl': targetAcl });
            for (const linkAcl of acls) {
              const link = `l-${targetAcl}-${linkAcl}`;
              // In a public-read-write bucket the link is made anonymously, as an attacker would.
              const anonymousLink = bucketAcl === 'public-read-write' && linkAcl === 'default';
              const made = await call(srv, {
                method: 'PUT',
                bucket: b,
                key: link,
                query: [['symlink', '']],
                headers: { 'x-oss-symlink-target': target, 'x-oss-object-acl': linkAcl },
                ...(anonymousLink ? { sign: 'none' as const } : {}),
              });
              if (made.status !== 200) o.problems.push(`${b}/${link}: PutSymlink HTTP ${made.status}`);
              const allowed = anonymousMayRead(bucketAcl, linkAcl) && anonymousMayRead(bucketAcl, targetAcl);
              for (const method of ['GET', 'HEAD']) {
                const a = await call(srv, { method, bucket: b, key: link, sign: 'none' });
                probes++;
                checkLinkAnswer(o, `${method} ${b}/${link}`, a, allowed, method === 'GET' ? body : undefined);
              }
              await verify21(srv, b, link, body, o);
            }
          }
        }
        o.faults += probes;
        ctx.log(`symlink reads: ${probes} anonymous probes over 3 bucket x 3 target x 3 link ACLs`);
      });
      return o;
    },
  },
  {
    name: 'user metadata: over 8 KiB refused on every path that sets it; at the limit read back by the client',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      await withServer(ctx, {}, async (srv) => {
        await mkBucket(srv, 'meta');
        await mkBucket(srv, 'open', { 'x-oss-acl': 'public-read-write' });
        await put(srv, 'meta', 'src', 'source');
        const client = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
        let refused = 0;
        try {
          for (let i = 0; i < 12; i++) {
            // Sizes either side of 8 KiB, in two headers (each under Node's 16 KiB header limit).
            const total = r.pick([r.int(4000, 8192), 8192, 8193, r.int(8193, 14_000)]);
            const half = Math.floor((total - 2 * 12) / 2);
            const meta = { 'x-oss-meta-a': 'a'.repeat(half), 'x-oss-meta-b': 'b'.repeat(total - 24 - half) };
            const over = total > 8192;
            const key = `m${i}`;
            const path = r.pick(['PutObject', 'Initiate', 'CopyReplace', 'Append', 'PostObject'] as const);
            const a = await setMeta(srv, path, key, meta);
            o.faults++;
            if (over) {
              refused++;
              if (a.status !== 400 || !/0011-00000002/.test(a.text))
                o.problems.push(`${path} with ${total} bytes of metadata: HTTP ${a.status}, not refused`);
              continue;
            }
            if (a.status < 200 || a.status > 299) {
              o.problems.push(`${path} with ${total} bytes of metadata: HTTP ${a.status} ${a.text.slice(0, 120)}`);
              continue;
            }
            if (path === 'Initiate') continue;
            const bucket = path === 'PostObject' ? 'open' : 'meta';
            const head = await client.headObject(bucket, key).catch((err: Error) => err);
            if (head instanceof Error) o.problems.push(`${path} ${key}: the client's HEAD failed: ${head.message}`);
            else if (head.meta.a !== meta['x-oss-meta-a']) o.problems.push(`${path} ${key}: metadata not read back`);
            o.verified++;
          }
        } finally {
          await client.close();
        }
        ctx.log(`metadata: 12 writes, ${refused} over 8 KiB refused`);
      });
      return o;
    },
  },
];

async function verify21(srv: TestServer, bucket: string, key: string, body: Buffer, o: Outcome): Promise<void> {
  const got = await call(srv, { bucket, key });
  if (got.status !== 200 || !got.body.equals(body)) o.problems.push(`${bucket}/${key}: signed read HTTP ${got.status}`);
  o.verified++;
}

function checkLinkAnswer(o: Outcome, what: string, a: CallResult, allowed: boolean, body?: Buffer): void {
  if (allowed) {
    if (a.status !== 200) o.problems.push(`${what}: HTTP ${a.status}, should be served`);
    else if (body && !a.body.equals(body)) {
      o.problems.push(`${what}: wrong bytes`);
      o.wrong = true;
    }
    return;
  }
  if (a.status !== 403) o.problems.push(`${what}: HTTP ${a.status}, should be 403`);
  if (a.status === 200) o.wrong = true;
}

type MetaPath = 'PutObject' | 'Initiate' | 'CopyReplace' | 'Append' | 'PostObject';

function setMeta(srv: TestServer, path: MetaPath, key: string, meta: Record<string, string>): Promise<CallResult> {
  switch (path) {
    case 'PutObject':
      return put(srv, 'meta', key, 'body', meta);
    case 'Initiate':
      return call(srv, { method: 'POST', bucket: 'meta', key, query: [['uploads', '']], headers: meta });
    case 'CopyReplace':
      return call(srv, {
        method: 'PUT',
        bucket: 'meta',
        key,
        headers: { 'x-oss-copy-source': '/meta/src', 'x-oss-metadata-directive': 'REPLACE', ...meta },
      });
    case 'Append':
      return call(srv, {
        method: 'POST',
        bucket: 'meta',
        key,
        query: [
          ['append', ''],
          ['position', '0'],
        ],
        headers: meta,
        body: 'x',
      });
    case 'PostObject':
      return streamForm(srv.endpoint, 'open', [
        formField('key', key),
        ...Object.entries(meta).map(([k, v]) => formField(k, v)),
        formFile('f.txt', 'file bytes'),
      ]).then((a) => ({ status: a.status, headers: {}, body: Buffer.from(a.text), text: a.text }));
  }
}
