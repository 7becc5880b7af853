// crash-versions: `ossup serve` SIGKILLed while workers overwrite, delete (delete markers) and delete single versions
// of a few keys in a versioned bucket, then restarted on the same root; 1-3 times. Afterwards every version the
// server acknowledged (its x-oss-version-id returned) reads back byte-identical by versionId unless a delete of
// that version was sent, an acknowledged delete of a version is gone for good, and ListObjectVersions lists each
// surviving version exactly once. The restart after a crash sweeps orphan blobs, so old versions' blobs must be
// counted as referenced.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { call, errorCode, mkBucket, type CallResult, type Target } from '../../harness/oss-http.js';
import { SERVE_CREDENTIALS, sleep, startServe } from '../lib/procs.js';
import { rng } from '../lib/rng.js';
import { failed, ok, type RunContext, type RunResult, type Scenario } from '../lib/types.js';
import { failedCall } from './crash-busy.js';

const BUCKET = 'versions';
const KEYS = ['a', 'b', 'c', 'dir/d'];

interface Version {
  key: string;
  bytes: Buffer;
  /** A DELETE ?versionId= was sent: 'acked' once answered 204. */
  deleted?: 'sent' | 'acked';
}

async function crashVersionsRun(ctx: RunContext): Promise<RunResult> {
  const r = rng(ctx.seed);
  const root = join(ctx.dir, 'root');
  await mkdir(root, { recursive: true });
  let server = await startServe(root);
  const versions = new Map<string, Version>();
  const markers = new Set<string>();
  const problems: string[] = [];
  let wrong = false;
  let faults = 0;
  const kills = r.int(1, 3);
  try {
    const port = server.port;
    const first: Target = { endpoint: server.endpoint, credentials: SERVE_CREDENTIALS };
    await mkBucket(first, BUCKET);
    const on = await call(first, {
      method: 'PUT',
      bucket: BUCKET,
      query: [['versioning', '']],
      body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
    });
    if (on.status !== 200) return failed('PutBucketVersioning', on.text);
    for (let k = 0; k < kills; k++) {
      const t: Target = { endpoint: server.endpoint, credentials: SERVE_CREDENTIALS };
      const stopAt = Date.now() + r.int(100, 1200);
      const worker = async () => {
        while (Date.now() < stopAt + 2000) {
          const key = KEYS[r.int(0, KEYS.length - 1)]!;
          const roll = r.next();
          const live = [...versions.entries()].filter(([, v]) => !v.deleted);
          let res: CallResult;
          if (roll < 0.15 && live.length > 0) {
            const [id, v] = live[r.int(0, live.length - 1)]!;
            v.deleted = 'sent';
            res = await call(t, { method: 'DELETE', bucket: BUCKET, key: v.key, query: [['versionId', id]] }).catch(
              failedCall,
            );
            if (res.status === 204) v.deleted = 'acked';
          } else if (roll < 0.3) {
            res = await call(t, { method: 'DELETE', bucket: BUCKET, key }).catch(failedCall);
            if (res.status === 204) markers.add(String(res.headers['x-oss-version-id']));
          } else {
            const bytes = randomBytes(r.int(0, 96) * 1024);
            res = await call(t, { method: 'PUT', bucket: BUCKET, key, body: bytes }).catch(failedCall);
            if (res.status === 200) versions.set(String(res.headers['x-oss-version-id']), { key, bytes });
          }
          if (res.status === 0) return;
        }
      };
      const workers = Array.from({ length: r.int(3, 8) }, () => worker());
      await sleep(Math.max(0, stopAt - Date.now()));
      await server.kill();
      faults++;
      await Promise.all(workers);
      // Blobs written before the kill age past the orphan sweep's cut-off (blobs older than the server's start).
      await sleep(r.int(0, 1500));
      server = await startServe(root, port);
    }
    const t: Target = { endpoint: server.endpoint, credentials: SERVE_CREDENTIALS };
    // List first: it builds the bucket's index, whose full scan after a crash sweeps orphan blobs.
    const listed: string[] = [];
    for (let keyMarker = '', idMarker = ''; ; ) {
      const page = await call(t, {
        bucket: BUCKET,
        query: [
          ['versions', ''],
          ['max-keys', '7'],
          ['key-marker', keyMarker],
          ['version-id-marker', idMarker],
        ],
      });
      if (page.status !== 200) {
        problems.push(`ListObjectVersions: HTTP ${page.status} ${errorCode(page)}`);
        break;
      }
      listed.push(...[...page.text.matchAll(/<VersionId>([^<]*)<\/VersionId>/g)].map((m) => m[1]!));
      if (!/<IsTruncated>true</.test(page.text)) break;
      keyMarker = /<NextKeyMarker>([^<]*)</.exec(page.text)?.[1] ?? '';
      idMarker = /<NextVersionIdMarker>([^<]*)</.exec(page.text)?.[1] ?? '';
    }
    if (new Set(listed).size !== listed.length) problems.push('a version is listed twice');
    let verified = 0;
    for (const [id, v] of versions) {
      const g = await call(t, { bucket: BUCKET, key: v.key, query: [['versionId', id]] });
      verified++;
      const present = g.status === 200;
      if (!present && !(g.status === 404 && errorCode(g) === 'NoSuchVersion'))
        problems.push(`${v.key}@${id}: HTTP ${g.status} ${errorCode(g)}`);
      if (present && !g.body.equals(v.bytes)) {
        problems.push(`${v.key}@${id}: wrong bytes (${g.body.length} vs ${v.bytes.length})`);
        wrong = true;
      }
      if (present !== listed.includes(id))
        problems.push(`${v.key}@${id}: readable ${present}, listed ${listed.includes(id)}`);
      if (v.deleted === 'acked' && present) problems.push(`${v.key}@${id}: an acknowledged version delete came back`);
      if (!v.deleted && !present) {
        problems.push(`${v.key}@${id}: an acknowledged version was lost`);
        wrong = true;
      }
    }
    for (const id of markers) if (!listed.includes(id)) problems.push(`delete marker ${id} was lost`);
    const label = `${kills} kill(s), ${versions.size} versions acknowledged, ${markers.size} delete markers`;
    const extra = { wrong, objectsVerified: verified, faults };
    return problems.length ? failed(label, problems.slice(0, 5).join('; '), extra) : ok(label, extra);
  } finally {
    await server.kill();
  }
}

export const crashVersions: Scenario = {
  name: 'crash-versions',
  description:
    'ossup serve SIGKILLed amid overwrites, delete markers and version deletes in a versioned bucket; every acknowledged version checked after restart',
  cases: 0,
  run: crashVersionsRun,
};
