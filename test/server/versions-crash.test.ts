// SIGKILL the server amid writes to a versioned bucket and restart it on the same root: every version that was
// acknowledged (its x-oss-version-id returned) is still listed and reads back byte for byte. The restart after a
// crash rebuilds indexes by a full scan and sweeps orphan blobs, so this also checks that the sweep counts the
// blobs of noncurrent versions as referenced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerChild, killChild } from './child.js';
import { call, errorCode, mkBucket, put, xmlFields, type Target } from '../../harness/oss-http.js';

const CREDS = { accessKeyId: 'vcrash-ak', accessKeySecret: 'vcrash-secret' };
const B = 'vcrash';
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ossup-vcrash-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function startChild(): Promise<{ child: ChildProcess; target: Target }> {
  const { child, endpoint } = await startServerChild(root, CREDS);
  return { child, target: { endpoint, credentials: CREDS } };
}

test('SIGKILL amid versioned overwrites and deletes: every acknowledged version survives', async () => {
  let { child, target } = await startChild();
  await mkBucket(target, B);
  const on = await call(target, {
    method: 'PUT',
    bucket: B,
    query: [['versioning', '']],
    body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
  });
  assert.equal(on.status, 200, on.text);
  /** version id -> key and bytes, for every write the server acknowledged. */
  const acked = new Map<string, { key: string; body: Buffer }>();
  const markers = new Set<string>();
  const write = async (key: string) => {
    const body = randomBytes(48 * 1024);
    const r = await put(target, B, key, body);
    if (r.status === 200) acked.set(r.headers['x-oss-version-id'] as string, { key, body });
  };
  const remove = async (key: string) => {
    const r = await call(target, { method: 'DELETE', bucket: B, key });
    if (r.status === 204) markers.add(r.headers['x-oss-version-id'] as string);
  };
  // Acknowledged history first: three keys, three versions each, one of them hidden by a delete marker.
  for (let round = 0; round < 3; round++) for (const key of ['a', 'b', 'c']) await write(key);
  await remove('b');
  // Then a burst of overwrites and deletes, killed while they are in flight.
  const burst: Array<Promise<void>> = [];
  for (let i = 0; i < 24; i++) {
    const key = ['a', 'b', 'c', 'd'][i % 4]!;
    burst.push((i % 5 === 4 ? remove(key) : write(key)).catch(() => undefined));
  }
  await new Promise((r) => setTimeout(r, 40));
  await killChild(child);
  await Promise.all(burst);
  assert.ok(acked.size >= 9);
  // Let every blob written before the kill age past the orphan sweep's cut-off (blobs older than the start).
  await new Promise((r) => setTimeout(r, 1200));

  ({ child, target } = await startChild());
  try {
    // Listing first: it builds the bucket's index, whose full scan after a crash sweeps orphan blobs.
    const listing = await call(target, { bucket: B, query: [['versions', '']] });
    const ids = xmlFields(listing.text, 'VersionId');
    assert.equal(new Set(ids).size, ids.length, 'no version is listed twice');
    for (const id of [...acked.keys(), ...markers]) assert.ok(ids.includes(id), `version ${id} is listed`);
    for (const [versionId, { key, body }] of acked) {
      const g = await call(target, { bucket: B, key, query: [['versionId', versionId]] });
      assert.equal(g.status, 200, `${key} ${versionId}: ${g.text}`);
      assert.ok(g.body.equals(body), `${key} ${versionId}: bytes differ`);
    }
    // The store still takes writes, and the bucket is not empty.
    assert.equal((await put(target, B, 'a', 'after')).status, 200);
    assert.equal(errorCode(await call(target, { method: 'DELETE', bucket: B })), 'BucketNotEmpty');
  } finally {
    await killChild(child);
  }
});
