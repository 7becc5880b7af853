// SIGKILL while a Complete links part blobs into the bucket, before the object record names them: after a
// restart the previous object is intact, the upload can still be completed, and the orphan sweep leaves exactly
// the blobs that records name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Layout } from '../../src/server/store/layout.js';
import type { ObjectRecord } from '../../src/server/store/types.js';
import { currentParts } from '../../src/server/store/part-names.js';
import { startServerChild, killChild } from './child.js';
import { call, mkBucket, put, xmlField, xmlFields, type Target } from '../../harness/oss-http.js';

const CREDS = { accessKeyId: 'seg-crash-ak', accessKeySecret: 'seg-crash-secret' };
const B = 'segcrash';
let root: string;
let layout: Layout;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ossup-segcrash-'));
  layout = new Layout(root);
});
after(() => rm(root, { recursive: true, force: true }));

async function startChild(): Promise<{ child: ChildProcess; target: Target }> {
  const { child, endpoint } = await startServerChild(root, CREDS);
  return { child, target: { endpoint, credentials: CREDS } };
}

async function blobFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(layout.blobRoot(B)).catch(() => [] as string[]))
    out.push(...(await readdir(join(layout.blobRoot(B), d))));
  return out.sort();
}

async function referencedBlobs(): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(layout.metaRoot(B))) {
    for (const f of await readdir(join(layout.metaRoot(B), d))) {
      const rec = JSON.parse(await readFile(join(layout.metaRoot(B), d, f), 'utf8')) as ObjectRecord;
      out.push(...(rec.segments?.map((s) => s.blob) ?? [rec.blob!]));
    }
  }
  return out.sort();
}

async function uploadParts(t: Target, key: string, parts: Buffer[]): Promise<string> {
  const init = await call(t, { method: 'POST', bucket: B, key, query: [['uploads', '']] });
  const id = xmlField(init.text, 'UploadId')!;
  for (let i = 0; i < parts.length; i += 8) {
    await Promise.all(
      parts.slice(i, i + 8).map(async (p, j) => {
        const r = await call(t, {
          method: 'PUT',
          bucket: B,
          key,
          query: [
            ['partNumber', String(i + j + 1)],
            ['uploadId', id],
          ],
          body: p,
        });
        assert.equal(r.status, 200, r.text);
      }),
    );
  }
  return id;
}

const completeAll = (t: Target, key: string, id: string) =>
  call(t, { method: 'POST', bucket: B, key, query: [['uploadId', id]], headers: { 'x-oss-complete-all': 'yes' } });

/** Blobs written by the dead process must be older than the new one's start by the sweep's margin (1 s). */
const settle = () => new Promise((r) => setTimeout(r, 1100));

test('killed between the links and the record commit: old object intact, no orphan after the sweep, upload completes', async () => {
  let { child, target } = await startChild();
  await mkBucket(target, B);
  const v1 = randomBytes(1000);
  assert.equal((await put(target, B, 'obj', v1)).status, 200);
  const parts = [randomBytes(102400), randomBytes(102401), randomBytes(7)];
  const id = await uploadParts(target, 'obj', parts);
  // A clean stop first saves an index snapshot: the sweep after the crash below must not trust it.
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal(await killChild(child, 'SIGTERM'), '0/null');
  assert.ok(await readFile(layout.indexSnapshot(B), 'utf8'));
  ({ child, target } = await startChild());
  await call(target, { bucket: B });
  await killChild(child);

  // Exactly what Complete has done at that point: every part blob hard-linked into the bucket under one stem.
  const stem = 'cd'.padEnd(32, '7');
  await mkdir(layout.blobDir(B, stem), { recursive: true });
  const stored = currentParts(await readdir(layout.partBlobDir(B, id))).parts;
  for (let n = 1; n <= parts.length; n++) {
    await link(join(layout.partBlobDir(B, id), stored.get(n)!.blob), layout.blobFile(B, `${stem}-${n}`));
  }
  assert.equal((await blobFiles()).length, 4);
  await settle();

  ({ child, target } = await startChild());
  try {
    assert.deepEqual(xmlFields((await call(target, { bucket: B })).text, 'Key'), ['obj']); // builds the index: sweeps
    assert.deepEqual(await blobFiles(), await referencedBlobs(), 'the orphan links were swept');
    assert.equal((await blobFiles()).length, 1);
    assert.ok((await call(target, { bucket: B, key: 'obj' })).body.equals(v1), 'the old object is intact');
    const done = await completeAll(target, 'obj', id);
    assert.equal(done.status, 200, done.text);
    assert.ok((await call(target, { bucket: B, key: 'obj' })).body.equals(Buffer.concat(parts)));
    assert.deepEqual(await blobFiles(), await referencedBlobs());
  } finally {
    await killChild(child);
  }
});

test('SIGKILL at a real moment of a 300-part Complete: the old object or the new one, never an orphan', async (t) => {
  let { child, target } = await startChild();
  const v1 = randomBytes(2000);
  assert.equal((await put(target, B, 'race', v1)).status, 200);
  const parts = Array.from({ length: 300 }, (_, i) => randomBytes(102400 + i));
  const id = await uploadParts(target, 'race', parts);
  await settle();
  const baseline = (await blobFiles()).length;
  void completeAll(target, 'race', id).catch(() => undefined);
  // Kill as soon as the first links appear, so the process most likely dies mid-linking.
  for (let i = 0; i < 5000 && (await blobFiles()).length === baseline; i++) await new Promise((r) => setImmediate(r));
  await killChild(child);
  const linked = (await blobFiles()).length - baseline;
  await settle();

  ({ child, target } = await startChild());
  try {
    await call(target, { bucket: B });
    assert.deepEqual(
      await blobFiles(),
      await referencedBlobs(),
      `no orphan after the sweep (${linked} links made before the kill)`,
    );
    const got = (await call(target, { bucket: B, key: 'race' })).body;
    const whole = Buffer.concat(parts);
    assert.ok(got.equals(v1) || got.equals(whole), 'the old object or the new one');
    t.diagnostic(`killed with ${linked} links made; object is ${got.equals(v1) ? 'old' : 'new'}`);
    if (got.equals(v1)) {
      const done = await completeAll(target, 'race', id);
      assert.equal(done.status, 200, done.text);
      assert.ok((await call(target, { bucket: B, key: 'race' })).body.equals(whole));
      assert.deepEqual(await blobFiles(), await referencedBlobs());
    }
  } finally {
    await killChild(child);
  }
});
