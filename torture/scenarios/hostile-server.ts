// hostile-server: the embedded server under hostile and unlucky conditions (issue 11). A matrix: run i takes case
// i mod cases, and each case draws its own plan (rounds, delays, sizes) from the run's seed. Every loop is bounded.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildQueryString } from '../../src/core/encode.js';
import { authorizationV4, formatV4Date, presignV4 } from '../../src/core/sign-v4.js';
import { OssClient } from '../../src/client/index.js';
import { keyHash } from '../../src/server/store/layout.js';
import { FileCheckpointStore } from '../../src/transfer/checkpoint/store.js';
import { identityOf, snapshotFile } from '../../src/transfer/checkpoint/file-identity.js';
import { uploadFile } from '../../src/transfer/index.js';
import {
  UPLOAD_CHECKPOINT_VERSION,
  type PartRecord,
  type UploadCheckpointHeader,
} from '../../src/transfer/upload/types.js';
import { call, errorCode, mkBucket, pathOf, put, send, signHeaders, type CallResult } from '../../harness/oss-http.js';
import { mountTmpfs, openRawRequest, tmpFiles } from '../../harness/raw-request.js';
import { sleep } from '../lib/procs.js';
import { rng } from '../lib/rng.js';
import type { RunContext, RunResult, Scenario } from '../lib/types.js';
import { type Case, type Outcome, verify, withServer } from './hostile-lib.js';
import { ISSUE21_CASES } from './hostile-server-21.js';

const CASES: Case[] = [
  {
    name: 'bucket races: DeleteBucket against PUT bodies in flight, Copy and Complete',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      await withServer(ctx, {}, async (srv) => {
        await mkBucket(srv, 'source');
        const src = randomBytes(150 * 1024);
        await put(srv, 'source', 'k', src);
        for (let round = 0, rounds = r.int(4, 8); round < rounds; round++) {
          await mkBucket(srv, 'target');
          const body = randomBytes(r.int(1, 200) * 1024);
          const headers = signHeaders({ method: 'PUT', bucket: 'target', key: 'put' }, srv.credentials, body.length);
          const raw = await openRawRequest(srv.endpoint, 'PUT', pathOf('target', 'put'), headers);
          const cut = r.int(0, body.length - 1);
          raw.write(body.subarray(0, cut));
          // An upload with one part, completed while the delete runs.
          const init = await call(srv, { method: 'POST', bucket: 'target', key: 'mpu', query: [['uploads', '']] });
          const uploadId = /<UploadId>([^<]+)</.exec(init.text)?.[1] ?? '';
          const part = await call(srv, {
            method: 'PUT',
            bucket: 'target',
            key: 'mpu',
            query: [
              ['partNumber', '1'],
              ['uploadId', uploadId],
            ],
            body: src,
          });
          const etag = String(part.headers.etag);
          await sleep(r.int(0, 30));
          const ops = [
            call(srv, { method: 'PUT', bucket: 'target', key: 'copy', headers: { 'x-oss-copy-source': '/source/k' } }),
            call(srv, {
              method: 'POST',
              bucket: 'target',
              key: 'mpu',
              query: [['uploadId', uploadId]],
              body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
            }),
            call(srv, { method: 'DELETE', bucket: 'target' }),
          ];
          await sleep(r.int(0, 20));
          raw.write(body.subarray(cut));
          const [copy, complete, del] = await Promise.all(ops);
          const putAnswer = await raw
            .within(10_000)
            .catch((err: Error) => ({ status: 0, text: err.message }) as CallResult);
          o.faults++;
          const acked = [
            ['put', putAnswer, body],
            ['copy', copy!, src],
            ['mpu', complete!, src],
          ] as const;
          if (del!.status === 204) {
            for (const [key, a] of acked)
              if (a.status === 200) o.problems.push(`round ${round}: DeleteBucket 204 and ${key} 200`);
            await mkBucket(srv, 'target');
            if (/<Key>/.test((await call(srv, { bucket: 'target' })).text)) {
              o.problems.push(`round ${round}: re-created bucket not empty`);
              o.wrong = true;
            }
          } else if (errorCode(del!) !== 'BucketNotEmpty') {
            o.problems.push(`round ${round}: DeleteBucket HTTP ${del!.status} ${errorCode(del!)}`);
          }
          for (const [key, a, bytes] of acked)
            if (a.status === 200 && del!.status !== 204) await verify(srv, 'target', key, bytes, o);
          if (putAnswer.status === 0) o.problems.push(`round ${round}: the PUT got no answer (${putAnswer.text})`);
          // Empty the bucket for the next round.
          await call(srv, { method: 'DELETE', bucket: 'target', key: 'mpu', query: [['uploadId', uploadId]] });
          for (const key of ['put', 'copy', 'mpu']) await call(srv, { method: 'DELETE', bucket: 'target', key });
          await call(srv, { method: 'DELETE', bucket: 'target' });
        }
      });
      return o;
    },
  },
  {
    name: 'I/O errors: a full disk (3 MiB tmpfs root) gives 507s, no resets, no debris, and heals',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      const dir = join(ctx.dir, 'tmpfs');
      await mkdir(dir);
      const unmount = await mountTmpfs(dir, '3m');
      if (typeof unmount === 'string') return { ...o, skip: unmount };
      try {
        const lines: string[] = [];
        await withServer(ctx, { root: join(dir, 'root'), log: (l) => lines.push(l) }, async (srv) => {
          await mkBucket(srv, 'full');
          const stored = new Map<string, Buffer>();
          for (let i = 0, n = 40; i < n; i++) {
            const body = randomBytes(r.int(20, 300) * 1024);
            const a = await put(srv, 'full', `o${i}`, body).catch(
              (err: Error) => ({ status: -1, text: err.message }) as CallResult,
            );
            if (a.status === 200) {
              stored.set(`o${i}`, body);
              continue;
            }
            o.faults++;
            if (a.status === -1) o.problems.push(`o${i}: connection failed (${a.text}), no answer`);
            else if (a.status !== 507 || errorCode(a) !== 'InsufficientStorage')
              o.problems.push(`o${i}: HTTP ${a.status} ${errorCode(a)}`);
            else if (!lines.some((l) => l.includes(String(a.headers['x-oss-request-id']))))
              o.problems.push(`o${i}: request id not logged`);
          }
          if (o.faults === 0) o.problems.push('the disk never filled');
          const debris = await tmpFiles(join(dir, 'root'));
          if (debris.length > 0) o.problems.push(`temp files left: ${debris.join(', ')}`);
          for (const [key, body] of stored) await verify(srv, 'full', key, body, o);
          for (const key of [...stored.keys()].slice(0, Math.ceil(stored.size / 2))) {
            await call(srv, { method: 'DELETE', bucket: 'full', key });
            stored.delete(key);
          }
          const again = randomBytes(100 * 1024);
          const a = await put(srv, 'full', 'again', again);
          if (a.status !== 200) o.problems.push(`after freeing space: HTTP ${a.status} ${errorCode(a)}`);
          else stored.set('again', again);
          for (const [key, body] of stored) await verify(srv, 'full', key, body, o);
        });
      } finally {
        await unmount();
      }
      return o;
    },
  },
  {
    name: 'I/O errors: an unwritable metadata directory gives logged 500s and leaves earlier objects intact',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      const lines: string[] = [];
      await withServer(ctx, { log: (l) => lines.push(l) }, async (srv) => {
        await mkBucket(srv, 'eio');
        const stored = new Map<string, Buffer>();
        const blocked = new Set<string>();
        for (let i = 0, n = r.int(10, 30); i < n; i++) {
          const key = `k${i}`;
          const hh = keyHash(key).slice(0, 2);
          if (!stored.has(key) && r.chance(0.3) && ![...stored.keys()].some((k) => keyHash(k).startsWith(hh))) {
            await writeFile(join(srv.root, 'buckets', 'eio', 'meta', hh), 'not a directory').catch(() => undefined);
            blocked.add(hh);
          }
          const body = randomBytes(r.int(0, 200) * 1024);
          const a = await put(srv, 'eio', key, body).catch(
            (err: Error) => ({ status: -1, text: err.message }) as CallResult,
          );
          if (a.status === 200) {
            stored.set(key, body);
            continue;
          }
          o.faults++;
          if (!blocked.has(hh)) o.problems.push(`${key}: HTTP ${a.status} without a fault`);
          else if (a.status !== 500 || errorCode(a) !== 'InternalError')
            o.problems.push(`${key}: HTTP ${a.status} ${errorCode(a) ?? a.text}`);
          else if (!lines.some((l) => l.includes(String(a.headers['x-oss-request-id']))))
            o.problems.push(`${key}: request id not logged`);
        }
        const debris = await tmpFiles(srv.root);
        if (debris.length > 0) o.problems.push(`temp files left: ${debris.join(', ')}`);
        for (const [key, body] of stored) await verify(srv, 'eio', key, body, o);
      });
      return o;
    },
  },
  {
    name: 'slow bodies, slow readers and a connection cap: timed out, bounded, and the rest still served',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      const cap = r.int(4, 12);
      await withServer(ctx, { bodyTimeoutMs: 300, idleTimeoutMs: 600, maxConnections: cap }, async (srv) => {
        await mkBucket(srv, 'slow');
        const big = randomBytes(8 * 1024 * 1024);
        await put(srv, 'slow', 'big', big);
        const fdsBefore = (await readdir('/proc/self/fd')).length;
        const stalls = r.int(cap, 3 * cap);
        const held = await Promise.all(
          Array.from({ length: stalls }, async (_, i) => {
            if (i % 3 === 2) {
              // A slow reader: asks for the 8 MiB object and never reads the answer.
              const h = signHeaders({ method: 'GET', bucket: 'slow', key: 'big' }, srv.credentials, 0);
              return openRawRequest(srv.endpoint, 'GET', pathOf('slow', 'big'), h).catch(() => undefined);
            }
            const h = signHeaders({ method: 'PUT', bucket: 'slow', key: `s${i}` }, srv.credentials, 1000);
            const q = await openRawRequest(srv.endpoint, 'PUT', pathOf('slow', `s${i}`), h).catch(() => undefined);
            q?.write(Buffer.alloc(r.int(0, 999)));
            return q;
          }),
        );
        o.faults += stalls;
        await sleep(100);
        const grown = (await readdir('/proc/self/fd')).length - fdsBefore;
        if (grown > stalls + 2 * cap + 8) o.problems.push(`descriptors grew by ${grown} with a cap of ${cap}`);
        const answers = await Promise.all(
          held.map((h, i) => {
            if (i % 3 !== 2) return h?.within(5000).catch(() => undefined);
            h?.destroy();
            return undefined;
          }),
        );
        for (const a of answers)
          if (a && a.status !== 400) o.problems.push(`a stalled PUT got HTTP ${a.status} ${errorCode(a)}`);
        await sleep(800);
        const fine = randomBytes(64 * 1024);
        const p = await put(srv, 'slow', 'after', fine);
        if (p.status !== 200) o.problems.push(`after the stalls: HTTP ${p.status}`);
        else await verify(srv, 'slow', 'after', fine, o);
        await verify(srv, 'slow', 'big', big, o);
        for (let i = 0; i < stalls; i++) {
          if ((await call(srv, { bucket: 'slow', key: `s${i}` })).status !== 404) {
            o.problems.push(`a stalled body s${i} was stored`);
            o.wrong = true;
          }
        }
        const debris = await tmpFiles(srv.root);
        if (debris.length > 0) o.problems.push(`temp files left: ${debris.join(', ')}`);
      });
      return o;
    },
  },
  {
    name: 'one key, many writers and readers: every read is one whole version',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      await withServer(ctx, {}, async (srv) => {
        await mkBucket(srv, 'one');
        const versions = Array.from({ length: r.int(3, 8) }, (_, i) =>
          Buffer.concat([Buffer.from(`v${i}:`), randomBytes(r.int(1, 600) * 1024)]),
        );
        const known = new Set(versions.map((v) => createHash('sha256').update(v).digest('hex')));
        await put(srv, 'one', 'k', versions[0]!);
        let writing = true;
        const readers = Array.from({ length: r.int(2, 5) }, async () => {
          while (writing) {
            const g = await call(srv, { bucket: 'one', key: 'k' });
            o.verified++;
            if (g.status !== 200) o.problems.push(`a read got HTTP ${g.status}`);
            else if (!known.has(createHash('sha256').update(g.body).digest('hex'))) {
              o.problems.push('a read got a mix of versions');
              o.wrong = true;
            }
          }
        });
        const writers = versions.map(async (v) => {
          for (let i = 0, n = r.int(1, 4); i < n; i++) {
            const a = await put(srv, 'one', 'k', v);
            o.faults++;
            if (a.status !== 200) o.problems.push(`a write got HTTP ${a.status}`);
          }
        });
        await Promise.all(writers);
        writing = false;
        await Promise.all(readers);
        const last = await call(srv, { bucket: 'one', key: 'k' });
        if (!known.has(createHash('sha256').update(last.body).digest('hex'))) {
          o.problems.push('the final object is no version');
          o.wrong = true;
        }
      });
      return o;
    },
  },
  {
    name: 'anonymous/ACL matrix: served only where an ACL allows, and never a 404-vs-403 oracle',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      await withServer(ctx, {}, async (srv) => {
        const bucketAcls = ['private', 'public-read', 'public-read-write'] as const;
        const objectAcls = ['default', 'private', 'public-read', 'public-read-write'] as const;
        for (const b of bucketAcls) {
          const bucket = `acl-${b}`;
          await mkBucket(srv, bucket, { 'x-oss-acl': b });
          for (const a of objectAcls) await put(srv, bucket, `obj-${a}`, `bytes ${a}`, { 'x-oss-object-acl': a });
        }
        const ops = [
          { name: 'GET', o: {} },
          { name: 'HEAD', o: { method: 'HEAD' } },
          { name: 'objectMeta', o: { method: 'HEAD', query: [['objectMeta', '']] as Array<[string, string]> } },
          { name: 'acl', o: { query: [['acl', '']] as Array<[string, string]> } },
        ];
        for (const b of r.subset(bucketAcls)) {
          const bucket = `acl-${b}`;
          for (const op of ops) {
            const missing = await call(srv, { ...op.o, bucket, key: `missing-${r.int(0, 1e6)}`, sign: 'none' });
            o.faults++;
            for (const a of objectAcls) {
              const got = await call(srv, { ...op.o, bucket, key: `obj-${a}`, sign: 'none' });
              o.faults++;
              const effective = a === 'default' ? b : a;
              const readable = op.name !== 'acl' && effective !== 'private';
              if (readable !== (got.status === 200)) {
                o.problems.push(`${op.name} ${bucket}/obj-${a}: HTTP ${got.status}, want ${readable ? 200 : 403}`);
                if (got.status === 200) o.wrong = true;
              }
              if (!readable && b === 'private' && got.status !== missing.status) {
                o.problems.push(
                  `${op.name} in ${bucket}: missing key ${missing.status} vs unreadable key ${got.status} (an existence oracle)`,
                );
              }
            }
            if (b === 'private' && missing.status !== 403)
              o.problems.push(`${op.name} of a missing key in a private bucket: HTTP ${missing.status}`);
          }
          const copyMissing = await call(srv, {
            method: 'PUT',
            bucket: 'acl-public-read-write',
            key: 'c',
            headers: { 'x-oss-copy-source': `/${bucket}/nope` },
            sign: 'none',
          });
          const copyHit = await call(srv, {
            method: 'PUT',
            bucket: 'acl-public-read-write',
            key: 'c',
            headers: { 'x-oss-copy-source': `/${bucket}/obj-private` },
            sign: 'none',
          });
          o.faults += 2;
          if (copyMissing.status !== 403 || copyHit.status !== 403)
            o.problems.push(`anonymous copy from ${bucket}: missing ${copyMissing.status}, private ${copyHit.status}`);
        }
      });
      return o;
    },
  },
  {
    name: 'V4 edges: presigned dates in the future, signed payload hashes',
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      await withServer(ctx, {}, async (srv) => {
        await mkBucket(srv, 'vfour');
        await put(srv, 'vfour', 'k', 'secret');
        for (let i = 0; i < 6; i++) {
          const aheadMin = r.pick([1, 10, 14, 16, 20, 60, 24 * 60, 365 * 24 * 60]);
          const req = { method: 'GET', bucket: 'vfour', key: 'k', query: [] as Array<[string, string]>, headers: {} };
          const qs = buildQueryString(
            presignV4(
              req,
              srv.credentials,
              { date: new Date(Date.now() + aheadMin * 60_000), region: 'cn-hangzhou' },
              r.int(1, 604800),
            ),
          );
          const g = await send(srv.endpoint, 'GET', `${pathOf('vfour', 'k')}?${qs}`, {});
          o.faults++;
          const want = aheadMin <= 14 ? 200 : 403;
          if (g.status !== want) o.problems.push(`presigned ${aheadMin} min ahead: HTTP ${g.status}, want ${want}`);
        }
        for (let i = 0; i < 4; i++) {
          const date = new Date();
          const claimed = Buffer.from(`GOOD ${i}`);
          const body = r.chance(0.5) ? claimed : Buffer.from(`EVIL ${i}`);
          const headers: Record<string, string> = {
            'content-length': String(body.length),
            'x-oss-date': formatV4Date(date),
            'x-oss-content-sha256': createHash('sha256').update(claimed).digest('hex'),
          };
          headers.authorization = authorizationV4(
            { method: 'PUT', bucket: 'vfour', key: `p${i}`, query: [], headers },
            srv.credentials,
            { date, region: 'cn-hangzhou' },
          );
          const p = await send(srv.endpoint, 'PUT', pathOf('vfour', `p${i}`), headers, body);
          o.faults++;
          if (p.status !== 400) o.problems.push(`signed payload hash: HTTP ${p.status}, want 400`);
          if ((await call(srv, { bucket: 'vfour', key: `p${i}` })).status !== 404) {
            o.problems.push(`p${i} was stored`);
            o.wrong = true;
          }
        }
      });
      return o;
    },
  },
  {
    name: "forged checkpoints: an upload named by a stale or forged checkpoint survives another target's upload",
    async run(r, ctx) {
      const o: Outcome = { problems: [], verified: 0, faults: 0 };
      await withServer(ctx, {}, async (srv) => {
        const client = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
        try {
          await client.putBucket('victim');
          await client.putBucket('mine');
          const file = join(ctx.dir, 'f.bin');
          for (let i = 0, n = r.int(2, 4); i < n; i++) {
            const live = await client.initiateMultipartUpload('victim', `their-${i}`);
            await client.uploadPart('victim', `their-${i}`, live.uploadId, 1, randomBytes(100 * 1024));
            const data = randomBytes(r.int(10, 450) * 1024);
            await writeFile(file, data);
            const checkpoint = join(ctx.dir, `f${i}.ucp`);
            const forgery = r.pick(['another bucket', 'another key', 'another endpoint']);
            const header: UploadCheckpointHeader = {
              kind: 'ossup-upload',
              version: UPLOAD_CHECKPOINT_VERSION,
              endpoint: forgery === 'another endpoint' ? 'http://127.0.0.1:1' : client.endpoint.url,
              bucket: forgery === 'another bucket' ? 'victim' : 'mine',
              key: forgery === 'another key' ? `their-${i}` : 'k',
              uploadId: live.uploadId,
              file: identityOf(await snapshotFile(file)),
              partSize: 100 * 1024,
              partCount: Math.max(1, Math.ceil(data.length / 102400)),
            };
            if (forgery === 'another key') header.bucket = 'victim';
            const store = new FileCheckpointStore<UploadCheckpointHeader, PartRecord>(checkpoint);
            await store.start(header);
            await store.close();
            await uploadFile(client, {
              bucket: 'mine',
              key: 'k',
              file,
              partSize: 100 * 1024,
              checkpoint,
              onWarning: () => undefined,
            });
            o.faults++;
            await verify(srv, 'mine', 'k', data, o);
            const parts = await client.listParts('victim', `their-${i}`, live.uploadId).catch(() => undefined);
            if (parts?.parts.length !== 1)
              o.problems.push(`${forgery}: the live upload victim/their-${i} was ${parts ? 'changed' : 'aborted'}`);
            await rm(checkpoint, { force: true });
          }
        } finally {
          await client.close();
        }
      });
      return o;
    },
  },
  ...ISSUE21_CASES,
];

async function hostileRun(ctx: RunContext): Promise<RunResult> {
  const c = CASES[ctx.iteration % CASES.length]!;
  const o = await c.run(rng(ctx.seed), ctx);
  const label = `${c.name} (${o.faults} faults, ${o.verified} objects verified)`;
  if (o.skip)
    return {
      passed: false,
      skipped: true,
      wrong: false,
      bytesVerified: 0,
      bytesResent: 0,
      label: c.name,
      detail: o.skip,
    };
  return {
    passed: o.problems.length === 0,
    wrong: o.wrong ?? false,
    bytesVerified: 0,
    bytesResent: 0,
    label,
    objectsVerified: o.verified,
    faults: o.faults,
    ...(o.problems.length ? { detail: o.problems.slice(0, 5).join('; ') } : {}),
  };
}

export const hostileServer: Scenario = {
  name: 'hostile-server',
  description: `bucket/object races, I/O errors, slow clients, one-key writers and readers, ACL matrix, V4 edges, forged checkpoints; issue 21: drip-fed bodies, form floods, symlink reads, metadata (${CASES.length} cases)`,
  cases: CASES.length,
  run: hostileRun,
};

export const HOSTILE_CASES = CASES.map((c) => c.name);
