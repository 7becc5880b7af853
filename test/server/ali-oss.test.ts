// Conformance with the official Node SDK, which no one here wrote: V1 and V4 signing, and both the
// IP-endpoint form (bucket in a `<bucket>.<region>.aliyuncs.com` Host header) and path-style (sldEnable).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startTestServer, type TestServer } from '../../harness/server.js';

let srv: TestServer;
let dir: string;
before(async () => {
  srv = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'ossup-alioss-'));
});
after(async () => {
  await srv.close();
  await rm(dir, { recursive: true, force: true });
});

// ali-oss ships no type declarations; load it untyped rather than declare the module project-wide.
const OSS = createRequire(import.meta.url)('ali-oss') as new (opts: Record<string, unknown>) => any;

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex').toUpperCase();

type Client = any;

const MODES = [
  { name: 'V1, IP endpoint', v4: false, sld: false },
  { name: 'V4, IP endpoint', v4: true, sld: false },
  { name: 'V1, path-style (sldEnable)', v4: false, sld: true },
  { name: 'V4, path-style (sldEnable)', v4: true, sld: true },
];

function client(mode: (typeof MODES)[number], bucket: string, override: Record<string, string> = {}): Client {
  const port = new URL(srv.endpoint).port;
  // sldEnable only means path-style with a host name: with an IP endpoint ali-oss still sets a virtual Host.
  const endpoint = mode.sld ? `http://localhost:${port}` : `http://127.0.0.1:${port}`;
  return new OSS({
    endpoint,
    region: 'oss-cn-hangzhou',
    accessKeyId: srv.credentials.accessKeyId,
    accessKeySecret: srv.credentials.accessKeySecret,
    bucket,
    authorizationV4: mode.v4,
    sldEnable: mode.sld,
    timeout: 20000,
    ...override,
  });
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; status: number };
    return { code: e.code, status: e.status };
  }
  assert.fail('expected an error');
}

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    const bucket = `alioss-${i}`;
    let c: Client;
    before(async () => {
      c = client(mode, bucket);
      const r = await c.putBucket(bucket);
      assert.equal(r.res.status, 200);
    });

    test('put, get (whole and ranges), head, copy, delete', async () => {
      const data = randomBytes(5000);
      const key = 'dir/odd name+plus%.bin';
      const p = await c.put(key, data, { headers: { 'x-oss-meta-owner': 'test' }, mime: 'application/x-test' });
      assert.equal(p.res.status, 200);
      assert.equal(p.res.headers.etag, `"${md5(data)}"`);
      const g = await c.get(key);
      assert.ok(Buffer.from(g.content).equals(data));
      const r = await c.get(key, { headers: { Range: 'bytes=100-199' } });
      assert.equal(r.res.status, 206);
      assert.ok(Buffer.from(r.content).equals(data.subarray(100, 200)));
      const s = await c.get(key, { headers: { Range: 'bytes=-10' } });
      assert.ok(Buffer.from(s.content).equals(data.subarray(-10)));
      const h = await c.head(key);
      assert.equal(h.status, 200);
      assert.equal(h.res.headers['content-length'], '5000');
      assert.equal(h.res.headers['content-type'], 'application/x-test');
      assert.equal(h.meta.owner, 'test');
      const cp = await c.copy('copied.bin', key);
      assert.equal(cp.res.status, 200);
      assert.ok(Buffer.from((await c.get('copied.bin')).content).equals(data));
      await c.delete('copied.bin');
      assert.equal((await codeOf(c.get('copied.bin'))).code, 'NoSuchKey');
      await c.put('multi/1', Buffer.from('1'));
      await c.put('multi/2', Buffer.from('2'));
      const dm = await c.deleteMulti(['multi/1', 'multi/2', 'multi/none']);
      assert.deepEqual([...dm.deleted.map((d: { Key: string }) => d.Key)].sort(), ['multi/1', 'multi/2', 'multi/none']);
      assert.equal(((await c.list({ prefix: 'multi/' }, {})).objects ?? []).length, 0);
    });

    test('list (V1) and listV2 with prefix, delimiter and paging', async () => {
      for (const k of ['l/a', 'l/b', 'l/sub/c', 'l/sub/d', 'l/z']) await c.put(k, Buffer.from(k));
      const v1 = await c.list({ prefix: 'l/', delimiter: '/', 'max-keys': 10 }, {});
      assert.deepEqual(
        v1.objects.map((o: { name: string }) => o.name),
        ['l/a', 'l/b', 'l/z'],
      );
      assert.deepEqual(v1.prefixes, ['l/sub/']);
      const page1 = await c.list({ prefix: 'l/', 'max-keys': 2 }, {});
      assert.equal(page1.isTruncated, true);
      const page2 = await c.list({ prefix: 'l/', 'max-keys': 10, marker: page1.nextMarker }, {});
      assert.deepEqual(
        page2.objects.map((o: { name: string }) => o.name),
        ['l/sub/c', 'l/sub/d', 'l/z'],
      );
      const v2a = await c.listV2({ prefix: 'l/', 'max-keys': 3 }, {});
      assert.equal(v2a.keyCount, 3);
      assert.equal(v2a.isTruncated, true);
      const v2b = await c.listV2({ prefix: 'l/', 'max-keys': 3, 'continuation-token': v2a.nextContinuationToken }, {});
      assert.deepEqual(
        v2b.objects.map((o: { name: string }) => o.name),
        ['l/sub/d', 'l/z'],
      );
    });

    test('multipartUpload with parallel parts; cancel and resume from the checkpoint', async () => {
      const data = randomBytes(1024 * 1024 + 7);
      const file = join(dir, `mpu-${i}.bin`);
      await writeFile(file, data);
      const r = await c.multipartUpload('big.bin', file, { parallel: 4, partSize: 100 * 1024 });
      assert.equal(r.res.status, 200);
      const g = await c.get('big.bin');
      assert.ok(Buffer.from(g.content).equals(data));
      const h = await c.head('big.bin');
      assert.equal(h.res.headers['x-oss-object-type'], 'Multipart');
      assert.match(h.res.headers.etag, /^"[0-9A-F]{32}-11"$/);

      // Cancel part-way through, then resume from the checkpoint object ali-oss handed to progress().
      let checkpoint: unknown;
      const c2 = client(mode, bucket);
      const cancelled = await codeOf(
        c2
          .multipartUpload('resumed.bin', file, {
            parallel: 2,
            partSize: 100 * 1024,
            progress: (p: number, cpt: unknown) => {
              checkpoint = cpt;
              if (p > 0.3) c2.cancel();
            },
          })
          .then(() => undefined),
      ).catch(() => ({ code: 'none', status: 0 }));
      assert.ok(cancelled !== undefined);
      assert.ok(checkpoint, 'progress gave a checkpoint');
      const uploads = await c.listUploads({ prefix: 'resumed' });
      assert.equal(uploads.uploads.length, 1);
      const resumed = await c.multipartUpload('resumed.bin', file, { checkpoint, parallel: 2, partSize: 100 * 1024 });
      assert.equal(resumed.res.status, 200);
      assert.ok(Buffer.from((await c.get('resumed.bin')).content).equals(data));
      assert.equal((await c.listUploads({ prefix: 'resumed' })).uploads.length, 0);
    });

    test('listUploads and abortMultipartUpload', async () => {
      const init = await c.initMultipartUpload('aborted.bin');
      const list = await c.listUploads({ prefix: 'aborted' });
      assert.deepEqual(
        list.uploads.map((u: { uploadId: string }) => u.uploadId),
        [init.uploadId],
      );
      const abort = await c.abortMultipartUpload('aborted.bin', init.uploadId);
      assert.equal(abort.res.status, 204);
      assert.equal((await c.listUploads({ prefix: 'aborted' })).uploads.length, 0);
      assert.equal((await codeOf(c.abortMultipartUpload('aborted.bin', init.uploadId))).code, 'NoSuchUpload');
    });

    test('error codes as ali-oss reports them', async () => {
      assert.deepEqual(await codeOf(c.get('no-such-key')), { code: 'NoSuchKey', status: 404 });
      const head = await codeOf(c.head('no-such-key'));
      assert.equal(head.status, 404);
      assert.equal(head.code, 'NoSuchKey');
      assert.deepEqual(await codeOf(client(mode, 'no-such-bucket').get('k')), { code: 'NoSuchBucket', status: 404 });
      const init = await c.initMultipartUpload('invalid-part.bin');
      await c.uploadPart('invalid-part.bin', init.uploadId, 1, Buffer.from('abc'), 0, 3).catch(async () => {
        // Older ali-oss signatures take a file; fall back to the raw-part API.
        await c._uploadPart('invalid-part.bin', init.uploadId, 1, { stream: Buffer.from('abc'), size: 3 });
      });
      const bad = await codeOf(
        c.completeMultipartUpload('invalid-part.bin', init.uploadId, [
          { number: 1, etag: '"00000000000000000000000000000000"' },
        ]),
      );
      assert.deepEqual(bad, { code: 'InvalidPart', status: 400 });
      assert.deepEqual(await codeOf(c.abortMultipartUpload('k', '0123456789ABCDEF0123456789ABCDEF')), {
        code: 'NoSuchUpload',
        status: 404,
      });
      const wrongSecret = client(mode, bucket, { accessKeySecret: 'wrong-secret' });
      assert.deepEqual(await codeOf(wrongSecret.get('dir/odd name+plus%.bin')), {
        code: 'SignatureDoesNotMatch',
        status: 403,
      });
      const wrongKey = client(mode, bucket, { accessKeyId: 'LTAI-unknown' });
      assert.deepEqual(await codeOf(wrongKey.get('dir/odd name+plus%.bin')), {
        code: 'InvalidAccessKeyId',
        status: 403,
      });
    });
  });
});
