// The listing index saved at close is reused at the next start only for shards that have not changed since;
// anything written after (by a crashed process, or another one on the same root) is re-read from disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyHash, Layout } from '../../src/server/store/layout.js';
import { ObjectStore } from '../../src/server/store/objects.js';
import { startTestServer } from '../../harness/server.js';
import { call, mkBucket, put, xmlFields } from '../../harness/oss-http.js';

const B = 'snap';

async function listKeys(root: string): Promise<string[]> {
  const srv = await startTestServer({ root });
  try {
    return xmlFields((await call(srv, { bucket: B, query: [['max-keys', '1000']] })).text, 'Key');
  } finally {
    await srv.close();
  }
}

async function settleShards(root: string): Promise<void> {
  const metaRoot = new Layout(root).metaRoot(B);
  const old = new Date(Date.now() - 3600_000);
  for (const s of await readdir(metaRoot)) await utimes(join(metaRoot, s), old, old);
}

test('snapshot rows are used for unchanged shards and re-read for changed ones', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-snap-'));
  try {
    const keys = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const srv = await startTestServer({ root });
    await mkBucket(srv, B);
    for (const k of keys) await put(srv, B, k, k);
    await srv.close();
    await settleShards(root);
    // Shards were fresh when first read, so this start re-reads them all and records their settled mtimes.
    assert.deepEqual(await listKeys(root), keys);

    // Plant a row only the snapshot knows, in a shard nobody touches: seeing it proves the snapshot was used.
    const layout = new Layout(root);
    const file = layout.indexSnapshot(B);
    const snap = JSON.parse(await readFile(file, 'utf8'));
    // Its name must hash into an existing shard, as every real key does.
    let planted = 'planted-0';
    for (let i = 1; !snap.rows[keyHash(planted).slice(0, 2)]; i++) planted = `planted-${i}`;
    const plantedShard = keyHash(planted).slice(0, 2);
    snap.rows[plantedShard].push([planted, 1, 'AA', Date.now(), 'Normal', 'Standard']);
    await writeFile(file, JSON.stringify(snap));
    let listed = await listKeys(root);
    assert.ok(listed.includes(planted));

    // Another writer on the same root (its own store, never saving a snapshot), in a different shard.
    let external = 'external-0';
    for (let i = 1; keyHash(external).slice(0, 2) === plantedShard; i++) external = `external-${i}`;
    const other = new ObjectStore(root);
    await other.init();
    const blob = await other.blobs.adoptBlob(B, {
      tmpPath: await tempWith(other, 'x'),
      size: 1,
      md5: Buffer.alloc(16),
      crc64: 0n,
    });
    await other.commitObject(B, {
      key: external,
      blob,
      size: 1,
      etag: '00',
      crc64: '0',
      lastModified: Date.now(),
      type: 'Normal',
      storageClass: 'Standard',
      acl: 'default',
      headers: { contentType: 'text/plain' },
      userMeta: {},
    });
    // Delete one key behind the snapshot's back too (in a shard other than the planted one).
    const victim = keys.find((k) => keyHash(k).slice(0, 2) !== plantedShard)!;
    await other.deleteObject(B, victim);

    listed = await listKeys(root);
    assert.ok(listed.includes(external), 'a key written after the snapshot is listed');
    assert.ok(!listed.includes(victim), 'a key deleted after the snapshot is gone');
    assert.ok(listed.includes(planted), 'untouched shards still come from the snapshot');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

async function tempWith(store: ObjectStore, text: string): Promise<string> {
  const p = join(store.layout.tmp, 'external.tmp');
  await writeFile(p, text);
  return p;
}
