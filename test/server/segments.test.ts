// A completed multipart object is stored as its part blobs (segments), linked in without a copy. Reads cross
// segment boundaries, copies clone every segment, and an overwrite or delete never pulls a segment from under a
// reader that has not reached it yet. Records written before segments existed (one `blob`) stay readable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc64, crc64ToDecimal } from '../../src/core/crc64.js';
import { Layout } from '../../src/server/store/layout.js';
import { BlobRefs } from '../../src/server/store/segments.js';
import type { ObjectRecord } from '../../src/server/store/types.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, put, signHeaders, pathOf, xmlField } from '../../harness/oss-http.js';

let srv: TestServer;
const B = 'seg';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
});
after(() => srv.close());

const md5hex = (b: Buffer | string) => createHash('md5').update(b).digest('hex').toUpperCase();

/** Uploads `parts` as a multipart object and completes it; returns the whole body. */
async function multipart(key: string, parts: Buffer[], bucket = B): Promise<Buffer> {
  const init = await call(srv, { method: 'POST', bucket, key, query: [['uploads', '']] });
  const id = xmlField(init.text, 'UploadId')!;
  for (const [i, p] of parts.entries()) {
    const r = await call(srv, {
      method: 'PUT',
      bucket,
      key,
      query: [
        ['partNumber', String(i + 1)],
        ['uploadId', id],
      ],
      body: p,
    });
    assert.equal(r.status, 200, r.text);
  }
  const c = await call(srv, {
    method: 'POST',
    bucket,
    key,
    query: [['uploadId', id]],
    headers: { 'x-oss-complete-all': 'yes' },
  });
  assert.equal(c.status, 200, c.text);
  return Buffer.concat(parts);
}

async function record(key: string, bucket = B): Promise<ObjectRecord> {
  return JSON.parse(await readFile(new Layout(srv.root).metaFile(bucket, key), 'utf8')) as ObjectRecord;
}

/** Every blob file in the bucket's blob area. */
async function blobFiles(bucket = B): Promise<string[]> {
  const root = new Layout(srv.root).blobRoot(bucket);
  const out: string[] = [];
  for (const d of await readdir(root).catch(() => [] as string[])) out.push(...(await readdir(join(root, d))));
  return out.sort();
}

/** The blobs named by every object record of the bucket. */
async function referencedBlobs(bucket = B): Promise<string[]> {
  const root = new Layout(srv.root).metaRoot(bucket);
  const out: string[] = [];
  for (const d of await readdir(root)) {
    for (const f of await readdir(join(root, d))) {
      const rec = JSON.parse(await readFile(join(root, d, f), 'utf8')) as ObjectRecord;
      out.push(...(rec.segments?.map((s) => s.blob) ?? [rec.blob!]));
    }
  }
  return out.sort();
}

/** A GET that reads its first chunk and then stops reading until `resume()` (the server hits backpressure). */
function pausedGet(key: string): Promise<{ resume: () => Promise<Buffer>; abort: () => void }> {
  const headers = signHeaders({ method: 'GET', bucket: B, key }, srv.credentials, 0);
  const url = new URL(srv.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: pathOf(B, key), headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.once('data', (c: Buffer) => {
        chunks.push(c);
        res.pause();
        resolve({
          abort: () => req.destroy(),
          resume: () =>
            new Promise((done, fail) => {
              res.on('data', (c2: Buffer) => chunks.push(c2));
              res.on('end', () => done(Buffer.concat(chunks)));
              res.on('error', fail);
              res.resume();
            }),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const KIB100 = 102400;

test('Complete links the parts as segments: same ETag and CRC-64 as before, no copy', async () => {
  const parts = [randomBytes(KIB100 + 11), randomBytes(KIB100 * 2 + 3), randomBytes(1234)];
  const body = await multipart('three', parts);
  const rec = await record('three');
  assert.equal(rec.blob, undefined);
  assert.deepEqual(
    rec.segments!.map((s) => s.size),
    parts.map((p) => p.length),
  );
  assert.equal(rec.etag, `${md5hex(parts.map(md5hex).join(''))}-3`);
  assert.equal(rec.crc64, crc64ToDecimal(crc64(body)));
  const g = await call(srv, { bucket: B, key: 'three' });
  assert.ok(g.body.equals(body));
  assert.equal(g.headers['x-oss-hash-crc64ecma'], rec.crc64);
  const h = await call(srv, { method: 'HEAD', bucket: B, key: 'three' });
  assert.equal(h.headers['content-length'], String(body.length));
  assert.equal(h.headers.etag, `"${rec.etag}"`);
  // A one-part object is written in the old single-blob form.
  await multipart('one', [randomBytes(500)]);
  assert.equal(typeof (await record('one')).blob, 'string');
});

test('range GETs within, across and at the edges of segments', async () => {
  const parts = [randomBytes(KIB100), randomBytes(KIB100 + 7), randomBytes(999)];
  const body = await multipart('ranges', parts);
  const b1 = parts[0]!.length;
  const b2 = b1 + parts[1]!.length;
  const ranges: Array<[number, number]> = [
    [0, 0],
    [5, 100],
    [b1 - 1, b1],
    [b1, b1],
    [b1 - 10, b2 + 10],
    [0, body.length - 1],
    [b2 - 1, body.length - 1],
    [b1 + 3, b2 - 1],
    [body.length - 1, body.length - 1],
  ];
  for (const [a, z] of ranges) {
    const r = await call(srv, { bucket: B, key: 'ranges', headers: { Range: `bytes=${a}-${z}` } });
    assert.equal(r.status, 206, `${a}-${z}`);
    assert.ok(r.body.equals(body.subarray(a, z + 1)), `${a}-${z}`);
  }
  const suffix = await call(srv, { bucket: B, key: 'ranges', headers: { Range: `bytes=-${parts[2]!.length + 5}` } });
  assert.ok(suffix.body.equals(body.subarray(body.length - parts[2]!.length - 5)));
  const open = await call(srv, { bucket: B, key: 'ranges', headers: { Range: `bytes=${b1 - 2}-` } });
  assert.ok(open.body.equals(body.subarray(b1 - 2)));
});

for (const action of ['overwrite', 'delete'] as const) {
  test(`${action} while a GET of a 3-segment object streams: the reader gets the old bytes, then they are freed`, async () => {
    const key = `busy-${action}`;
    const before = await blobFiles();
    const body = await multipart(key, [randomBytes(8 << 20), randomBytes(8 << 20), randomBytes(8 << 20)]);
    const oldBlobs = (await record(key)).segments!.map((s) => s.blob);
    const reading = await pausedGet(key);
    if (action === 'overwrite') assert.equal((await put(srv, B, key, 'new')).status, 200);
    else assert.equal((await call(srv, { method: 'DELETE', bucket: B, key })).status, 204);
    // The reader has not reached the later segments yet: they must still be there for it.
    const during = await blobFiles();
    for (const b of oldBlobs.slice(1)) assert.ok(during.includes(b), `segment ${b} kept while read`);
    const got = await reading.resume();
    assert.ok(got.equals(body), 'the reader got the object it started with');
    const after = action === 'overwrite' ? [...before, (await record(key)).blob!].sort() : before;
    for (let i = 0; i < 50 && (await blobFiles()).length !== after.length; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await blobFiles(), after, 'the old segments are unlinked once the reader is done');
    if (action === 'overwrite') assert.equal((await call(srv, { bucket: B, key })).text, 'new');
    else assert.equal(errorCode(await call(srv, { bucket: B, key })), 'NoSuchKey');
  });
}

test('a segmented object replaced by another of the same shape is never served from the parsed-record cache', async () => {
  const sizes = [KIB100, KIB100, 10];
  for (let round = 0; round < 3; round++) {
    const body = await multipart(
      'same-shape',
      sizes.map((n) => randomBytes(n)),
    );
    assert.ok((await call(srv, { bucket: B, key: 'same-shape' })).body.equals(body), `round ${round}`);
    const r = await call(srv, { bucket: B, key: 'same-shape', headers: { Range: `bytes=${KIB100 - 1}-${KIB100}` } });
    assert.ok(r.body.equals(body.subarray(KIB100 - 1, KIB100 + 1)));
  }
});

test('a reader that goes away mid-stream lets go of its segments: a delete then frees them', async () => {
  const before = await blobFiles();
  await multipart('abandoned', [randomBytes(8 << 20), randomBytes(8 << 20), randomBytes(8 << 20)]);
  const reading = await pausedGet('abandoned');
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, key: 'abandoned' })).status, 204);
  assert.notDeepEqual(await blobFiles(), before, 'held while the reader is there');
  reading.abort();
  for (let i = 0; i < 100 && (await blobFiles()).length !== before.length; i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await blobFiles(), before);
});

test('CopyObject clones every segment; the copy outlives its source', async () => {
  await mkBucket(srv, 'seg-dst');
  const body = await multipart('copy-src', [randomBytes(KIB100 + 1), randomBytes(KIB100 + 2), randomBytes(3)]);
  const src = await record('copy-src');
  for (const [bucket, key] of [
    [B, 'copy-same'],
    ['seg-dst', 'copy-other'],
  ] as const) {
    const c = await call(srv, { method: 'PUT', bucket, key, headers: { 'x-oss-copy-source': `/${B}/copy-src` } });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.headers.etag, `"${src.etag}"`);
    const rec = await record(key, bucket);
    assert.equal(rec.segments!.length, 3);
    assert.ok(rec.segments!.every((s, i) => s.blob !== src.segments![i]!.blob && s.size === src.segments![i]!.size));
    assert.equal(rec.crc64, src.crc64);
  }
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, key: 'copy-src' })).status, 204);
  for (const [bucket, key] of [
    [B, 'copy-same'],
    ['seg-dst', 'copy-other'],
  ] as const) {
    const g = await call(srv, { bucket, key, headers: { Range: `bytes=${KIB100 - 5}-${KIB100 * 2 + 4}` } });
    assert.ok(g.body.equals(body.subarray(KIB100 - 5, KIB100 * 2 + 5)));
    assert.ok((await call(srv, { bucket, key })).body.equals(body));
  }
  assert.deepEqual(await blobFiles('seg-dst'), await referencedBlobs('seg-dst'));
});

test('UploadPartCopy from a segmented source, whole and with a range across a boundary', async () => {
  const body = await multipart('upc-src', [randomBytes(KIB100 + 9), randomBytes(KIB100 + 9), randomBytes(50)]);
  const init = await call(srv, { method: 'POST', bucket: B, key: 'upc', query: [['uploads', '']] });
  const id = xmlField(init.text, 'UploadId')!;
  const a = KIB100 - 100;
  const z = 2 * KIB100 + 20;
  const copy = (n: number, range?: string) =>
    call(srv, {
      method: 'PUT',
      bucket: B,
      key: 'upc',
      query: [
        ['partNumber', String(n)],
        ['uploadId', id],
      ],
      headers: { 'x-oss-copy-source': `/${B}/upc-src`, ...(range ? { 'x-oss-copy-source-range': range } : {}) },
    });
  const r1 = await copy(1, `bytes=${a}-${z}`);
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.headers.etag, `"${md5hex(body.subarray(a, z + 1))}"`);
  assert.equal((await copy(2)).status, 200);
  const c = await call(srv, {
    method: 'POST',
    bucket: B,
    key: 'upc',
    query: [['uploadId', id]],
    headers: { 'x-oss-complete-all': 'yes' },
  });
  assert.equal(c.status, 200, c.text);
  assert.ok((await call(srv, { bucket: B, key: 'upc' })).body.equals(Buffer.concat([body.subarray(a, z + 1), body])));
});

test('a record in the old single-blob format (written by hand) is read, ranged, copied, overwritten and deleted', async () => {
  const layout = new Layout(srv.root);
  const data = randomBytes(5000);
  const blob = 'ab'.padEnd(32, '0');
  await mkdir(layout.blobDir(B, blob), { recursive: true });
  await writeFile(layout.blobFile(B, blob), data);
  const old = {
    key: 'legacy',
    blob,
    size: data.length,
    etag: md5hex(data),
    crc64: crc64ToDecimal(crc64(data)),
    contentMd5: createHash('md5').update(data).digest('base64'),
    lastModified: Date.now(),
    type: 'Normal',
    storageClass: 'Standard',
    acl: 'default',
    headers: { contentType: 'text/plain' },
    userMeta: { a: '1' },
  };
  await mkdir(layout.metaDir(B, 'legacy'), { recursive: true });
  await writeFile(layout.metaFile(B, 'legacy'), JSON.stringify(old));
  const g = await call(srv, { bucket: B, key: 'legacy' });
  assert.ok(g.body.equals(data));
  assert.equal(g.headers['x-oss-meta-a'], '1');
  assert.ok(
    (await call(srv, { bucket: B, key: 'legacy', headers: { Range: 'bytes=10-19' } })).body.equals(
      data.subarray(10, 20),
    ),
  );
  assert.equal(
    (
      await call(srv, {
        method: 'PUT',
        bucket: B,
        key: 'legacy-copy',
        headers: { 'x-oss-copy-source': `/${B}/legacy` },
      })
    ).status,
    200,
  );
  assert.ok((await call(srv, { bucket: B, key: 'legacy-copy' })).body.equals(data));
  assert.equal(
    (
      await call(srv, {
        method: 'PUT',
        bucket: B,
        key: 'legacy',
        query: [['acl', '']],
        headers: { 'x-oss-object-acl': 'private' },
      })
    ).status,
    200,
  );
  assert.equal((await record('legacy')).blob, blob, 'a metadata update keeps the blob');
  assert.equal((await put(srv, B, 'legacy', 'v2')).status, 200);
  assert.ok(!(await blobFiles()).includes(blob), 'overwrite unlinked the old blob');
  assert.ok((await call(srv, { bucket: B, key: 'legacy-copy' })).body.equals(data));
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, key: 'legacy-copy' })).status, 204);
  assert.deepEqual(await blobFiles(), await referencedBlobs());
});

test('BlobRefs: a removal waits for the last reader', async () => {
  const { mkdtemp, stat } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'ossup-refs-'));
  const p = join(dir, 'blob');
  await writeFile(p, 'x');
  const refs = new BlobRefs();
  refs.acquire([p]);
  refs.acquire([p]);
  await refs.remove(p);
  refs.release([p]);
  assert.ok(await stat(p), 'still held by one reader');
  refs.release([p]);
  for (let i = 0; i < 50 && (await stat(p).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await stat(p).catch(() => undefined), undefined);
  assert.equal(refs.held, 0);
  await refs.remove(p); // unheld and already gone: quiet
  await rm(dir, { recursive: true, force: true });
});
