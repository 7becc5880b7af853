// How parts are kept on disk (store/part-names.ts, store/upload-states.ts): one file per part named by its record,
// a rewritten part replaced on disk, the order of rewrites kept across restarts, legacy `parts/<n>.json` records
// still served, and an upload removed behind the server's back refused rather than written into.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc64, crc64ToDecimal } from '../../src/core/crc64.js';
import { Layout } from '../../src/server/store/layout.js';
import { currentParts, parsePartBlobName, partBlobName } from '../../src/server/store/part-names.js';
import { UploadStates } from '../../src/server/store/upload-states.js';
import type { PartRecord } from '../../src/server/store/types.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, xmlField, xmlFields } from '../../harness/oss-http.js';

const B = 'parts-store';
const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex').toUpperCase();

async function withRoot(fn: (root: string, layout: Layout) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'ossup-parts-'));
  try {
    await fn(root, new Layout(root));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function initiate(srv: TestServer, key: string): Promise<string> {
  const r = await call(srv, { method: 'POST', bucket: B, key, query: [['uploads', '']] });
  assert.equal(r.status, 200, r.text);
  return xmlField(r.text, 'UploadId')!;
}

function uploadPart(srv: TestServer, key: string, id: string, n: number, body: Buffer) {
  const query: Array<[string, string]> = [
    ['partNumber', String(n)],
    ['uploadId', id],
  ];
  return call(srv, { method: 'PUT', bucket: B, key, query, body });
}

async function listedEtags(srv: TestServer, key: string, id: string): Promise<string[]> {
  const r = await call(srv, { bucket: B, key, query: [['uploadId', id]] });
  assert.equal(r.status, 200, r.text);
  return xmlFields(r.text, 'ETag').map((e) => e.replace(/"/g, ''));
}

function completeAll(srv: TestServer, key: string, id: string) {
  return call(srv, {
    method: 'POST',
    bucket: B,
    key,
    query: [['uploadId', id]],
    headers: { 'x-oss-complete-all': 'yes' },
  });
}

test('part names carry the record; the later sequence wins, legacy records lose to any named part', () => {
  const rec = {
    partNumber: 7,
    seq: 3,
    size: 102400,
    etag: 'A'.repeat(32),
    crc64: '18446744073709551615',
    lastModified: 1,
  };
  const name = partBlobName(rec, 'abc1x2f');
  assert.deepEqual(parsePartBlobName(name), { ...rec, blob: name });
  assert.equal(parsePartBlobName('0123456789abcdef0123456789abcdef'), undefined, 'a legacy blob name is no record');
  assert.equal(parsePartBlobName(`${name}/x`), undefined);
  const later = partBlobName({ ...rec, seq: 4, etag: 'B'.repeat(32) }, 'zz');
  const legacy: PartRecord = { partNumber: 7, blob: 'old', size: 1, etag: 'C'.repeat(32), crc64: '1', lastModified: 9 };
  const { parts, maxSeq } = currentParts([later, name, 'debris.tmp'], [legacy]);
  assert.equal(parts.get(7)!.etag, 'B'.repeat(32));
  assert.equal(maxSeq, 4);
  assert.equal(currentParts([], [legacy]).parts.get(7)!.etag, 'C'.repeat(32));
});

test('a rewritten part leaves one file; rewrites keep their order across a restart', async () => {
  await withRoot(async (root, layout) => {
    let srv = await startTestServer({ root });
    await mkBucket(srv, B);
    const id = await initiate(srv, 'rewrite');
    const v = Array.from({ length: 4 }, () => randomBytes(100 * 1024 + 3));
    assert.equal((await uploadPart(srv, 'rewrite', id, 1, v[0]!)).status, 200);
    assert.equal((await uploadPart(srv, 'rewrite', id, 1, v[1]!)).status, 200);
    assert.equal((await uploadPart(srv, 'rewrite', id, 2, v[2]!)).status, 200);
    assert.equal((await readdir(layout.partBlobDir(B, id))).length, 2, 'the replaced part file was removed');
    assert.deepEqual(await listedEtags(srv, 'rewrite', id), [md5hex(v[1]!), md5hex(v[2]!)]);
    await srv.close();
    // A crash between a rewrite's rename and the removal of the part it replaced leaves both files.
    const names = await readdir(layout.partBlobDir(B, id));
    const one = parsePartBlobName(names.find((n) => n.startsWith('1.'))!)!;
    const stale = partBlobName({ ...one, seq: one.seq - 1, etag: md5hex(v[0]!) }, 'crashed');
    await writeFile(join(layout.partBlobDir(B, id), stale), v[0]!);
    srv = await startTestServer({ root });
    try {
      assert.deepEqual(await listedEtags(srv, 'rewrite', id), [md5hex(v[1]!), md5hex(v[2]!)], 'the later one wins');
      // A new process numbers its rewrites after the ones on disk, so its part 2 replaces the old one.
      assert.equal((await uploadPart(srv, 'rewrite', id, 2, v[3]!)).status, 200);
      assert.deepEqual(await listedEtags(srv, 'rewrite', id), [md5hex(v[1]!), md5hex(v[3]!)]);
      const done = await completeAll(srv, 'rewrite', id);
      assert.equal(done.status, 200, done.text);
      const got = await call(srv, { bucket: B, key: 'rewrite' });
      assert.ok(got.body.equals(Buffer.concat([v[1]!, v[3]!])));
      assert.equal(got.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(Buffer.concat([v[1]!, v[3]!]))));
    } finally {
      await srv.close();
    }
  });
});

test('parts recorded the old way (parts/<n>.json) are listed, completed and replaced', async () => {
  await withRoot(async (root, layout) => {
    let srv = await startTestServer({ root });
    await mkBucket(srv, B);
    const id = await initiate(srv, 'legacy');
    await srv.close();
    // What an earlier version left: a blob with a random name and a JSON record naming it.
    const old = [randomBytes(100 * 1024), randomBytes(5000)];
    await mkdir(layout.partsDir(B, id), { recursive: true });
    for (const [i, body] of old.entries()) {
      const blob = randomBytes(16).toString('hex');
      await writeFile(join(layout.partBlobDir(B, id), blob), body);
      const rec: PartRecord = {
        partNumber: i + 1,
        blob,
        size: body.length,
        etag: md5hex(body),
        crc64: crc64ToDecimal(crc64(body)),
        lastModified: Date.now(),
      };
      await writeFile(layout.partFile(B, id, i + 1), JSON.stringify(rec));
    }
    srv = await startTestServer({ root });
    try {
      assert.deepEqual(await listedEtags(srv, 'legacy', id), old.map(md5hex));
      const fresh = randomBytes(4000);
      assert.equal((await uploadPart(srv, 'legacy', id, 2, fresh)).status, 200);
      assert.deepEqual(await listedEtags(srv, 'legacy', id), [md5hex(old[0]!), md5hex(fresh)]);
      assert.deepEqual(await readdir(layout.partsDir(B, id)), ['1.json'], 'the replaced legacy record is gone');
      const done = await completeAll(srv, 'legacy', id);
      assert.equal(done.status, 200, done.text);
      assert.ok((await call(srv, { bucket: B, key: 'legacy' })).body.equals(Buffer.concat([old[0]!, fresh])));
    } finally {
      await srv.close();
    }
  });
});

test('an upload removed behind the server (another process) is refused with NoSuchUpload, no debris left', async () => {
  await withRoot(async (root, layout) => {
    const srv = await startTestServer({ root });
    try {
      await mkBucket(srv, B);
      const id = await initiate(srv, 'gone');
      assert.equal((await uploadPart(srv, 'gone', id, 1, randomBytes(1000))).status, 200);
      // The server remembers this upload; another process on the root aborts it (renames it away, as Abort does).
      await rename(layout.upload(B, id), join(root, 'elsewhere'));
      const r = await uploadPart(srv, 'gone', id, 2, randomBytes(1000));
      assert.equal(r.status, 404, r.text);
      assert.equal(errorCode(r), 'NoSuchUpload');
      assert.deepEqual(await readdir(join(root, 'elsewhere', 'blobs')).then((n) => n.length), 1);
      const [own] = await readdir(layout.tmpRoot); // the server's own temp dir
      assert.deepEqual(await readdir(join(layout.tmpRoot, own!)), [], 'the part body was removed');
      const again = await uploadPart(srv, 'gone', id, 3, randomBytes(1000));
      assert.equal(errorCode(again), 'NoSuchUpload', 'forgotten: the next part is refused before its body');
    } finally {
      await srv.close();
    }
  });
});

test('remembered uploads: the oldest idle ones are forgotten past the cap, one in use never is', () => {
  const states = new UploadStates(2);
  const a = states.acquire(B, 'A');
  a.seq = 7; // in use: an UploadPart between its rename and its reply
  const b = states.acquire(B, 'B');
  states.release(b);
  const c = states.acquire(B, 'C'); // past the cap: makes room, but never by dropping itself
  assert.equal(states.acquire(B, 'C'), c);
  states.release(c);
  states.release(c);
  assert.equal(states.acquire(B, 'A'), a, 'held: kept, with its sequence');
  assert.notEqual(states.acquire(B, 'B'), b, 'idle and oldest: forgotten, read again from disk');
  states.forget(a, true);
  assert.equal(a.removed, true);
  assert.notEqual(states.acquire(B, 'A'), a);
});
