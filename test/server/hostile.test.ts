// Regressions of issue 11's outside attack on the embedded server (findings 1-6 and 8; finding 2's disk-full run is
// in diskfull.test.ts, finding 7 is client side). Each test failed on the code before its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQueryString } from '../../src/core/encode.js';
import { authorizationV4, formatV4Date, presignV4 } from '../../src/core/sign-v4.js';
import { startServer } from '../../src/server/index.js';
import { keyHash } from '../../src/server/store/layout.js';
import { startTestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, pathOf, put, send, signHeaders } from '../../harness/oss-http.js';
import { openRawRequest, tmpFiles } from '../../harness/raw-request.js';
import { cleanEnv, runCli, STACK } from '../../torture/lib/procs.js';

test('finding 1: DeleteBucket during a PUT body: the PUT fails NoSuchBucket and a re-created bucket is empty', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await mkBucket(srv, 'race');
  const body = Buffer.from('0123456789');
  const headers = signHeaders({ method: 'PUT', bucket: 'race', key: 'k' }, srv.credentials, body.length);
  const raw = await openRawRequest(srv.endpoint, 'PUT', pathOf('race', 'k'), headers);
  raw.write(body.subarray(0, 5));
  await new Promise((r) => setTimeout(r, 100));
  const del = await call(srv, { method: 'DELETE', bucket: 'race' });
  raw.write(body.subarray(5));
  const putAnswer = await raw.response;
  assert.ok(
    !(del.status === 204 && putAnswer.status === 200),
    `both succeeded: DeleteBucket ${del.status}, PUT ${putAnswer.status}`,
  );
  assert.equal(del.status, 204, del.text);
  assert.equal(putAnswer.status, 404, putAnswer.text);
  assert.match(putAnswer.text, /<Code>NoSuchBucket<\/Code>/);
  await mkBucket(srv, 'race');
  assert.equal(
    errorCode(await call(srv, { bucket: 'race', key: 'k' })),
    'NoSuchKey',
    'the re-created bucket starts empty',
  );
  assert.doesNotMatch((await call(srv, { bucket: 'race' })).text, /<Key>/);
});

test('finding 1: copies racing DeleteBucket: never both succeed, and the re-created bucket is empty', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await mkBucket(srv, 'src');
  await put(srv, 'src', 'k', 'source bytes');
  for (let round = 0; round < 10; round++) {
    await mkBucket(srv, 'dst');
    const copies = Array.from({ length: 4 }, (_, i) =>
      call(srv, { method: 'PUT', bucket: 'dst', key: `c${i}`, headers: { 'x-oss-copy-source': '/src/k' } }),
    );
    const del = call(srv, { method: 'DELETE', bucket: 'dst' });
    const [d, ...cs] = await Promise.all([del, ...copies]);
    const copied = cs.filter((c) => c.status === 200).length;
    if (d!.status === 204) {
      assert.equal(copied, 0, `round ${round}: DeleteBucket 204 and ${copied} copies 200`);
      await mkBucket(srv, 'dst');
      assert.doesNotMatch(
        (await call(srv, { bucket: 'dst' })).text,
        /<Key>/,
        `round ${round}: re-created bucket not empty`,
      );
    } else {
      assert.equal(errorCode(d!), 'BucketNotEmpty');
    }
    for (let i = 0; i < 4; i++) await call(srv, { method: 'DELETE', bucket: 'dst', key: `c${i}` });
    assert.equal((await call(srv, { method: 'DELETE', bucket: 'dst' })).status, 204);
  }
});

test('finding 2: an I/O error after the body was read is a logged 500 InternalError, not a reset, and leaves no temp file', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-eio-'));
  const lines: string[] = [];
  const srv = await startTestServer({ root, log: (l) => lines.push(l) });
  t.after(async () => {
    await srv.close();
    await rm(root, { recursive: true, force: true });
  });
  await mkBucket(srv, 'bkt');
  assert.equal((await put(srv, 'bkt', 'before', 'kept')).status, 200);
  // The key's metadata directory is a regular file: the commit's rename fails (ENOTDIR) after the body is in.
  const hh = keyHash('victim').slice(0, 2);
  assert.notEqual(hh, keyHash('before').slice(0, 2));
  await writeFile(join(root, 'buckets', 'bkt', 'meta', hh), 'not a directory');
  const r = await put(srv, 'bkt', 'victim', Buffer.alloc(200_000, 7));
  assert.equal(r.status, 500, r.text);
  assert.equal(errorCode(r), 'InternalError');
  const id = r.headers['x-oss-request-id'] as string;
  assert.ok(
    lines.some((l) => l.includes(id)),
    `the log names request ${id}: ${lines.join(' | ')}`,
  );
  assert.deepEqual(await tmpFiles(root), [], 'no temp file left');
  assert.equal((await call(srv, { bucket: 'bkt', key: 'before' })).text, 'kept');
  await rm(join(root, 'buckets', 'bkt', 'meta', hh));
  assert.equal((await put(srv, 'bkt', 'victim', 'now')).status, 200, 'works again once the fault is gone');
});

test('finding 3: a body that stalls is answered 400 RequestTimeout; stalled clients cannot starve the rest', async (t) => {
  const srv = await startTestServer({ bodyTimeoutMs: 300, idleTimeoutMs: 5000, maxConnections: 8 });
  t.after(() => srv.close());
  await mkBucket(srv, 'slow');
  const headers = signHeaders({ method: 'PUT', bucket: 'slow', key: 'k' }, srv.credentials, 100);
  const raw = await openRawRequest(srv.endpoint, 'PUT', pathOf('slow', 'k'), headers);
  raw.write(Buffer.alloc(1));
  const r = await raw.within(5000);
  assert.equal(r.status, 400, r.text);
  assert.match(r.text, /<Code>RequestTimeout<\/Code>/);
  assert.deepEqual(await tmpFiles(srv.root), [], 'the stalled body left no temp file');
  assert.equal(errorCode(await call(srv, { bucket: 'slow', key: 'k' })), 'NoSuchKey');
  // Twenty stalled PUTs against a cap of eight connections: descriptors stay bounded, and once the stalls time
  // out the server answers again.
  const fdsBefore = (await readdir('/proc/self/fd')).length;
  const stalled = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const s = await openRawRequest(srv.endpoint, 'PUT', pathOf('slow', 'k'), headers).catch(() => undefined);
      s?.write(Buffer.alloc(1));
      return s;
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const fdsDuring = (await readdir('/proc/self/fd')).length;
  // Each connection costs the test's socket and the server's socket, plus the server's temp file.
  assert.ok(fdsDuring - fdsBefore <= 20 + 8 * 2 + 4, `descriptors grew by ${fdsDuring - fdsBefore}`);
  await Promise.all(stalled.map((s) => s?.within(5000).catch(() => undefined)));
  assert.equal((await put(srv, 'slow', 'after', 'fine')).status, 200);
  assert.deepEqual(await tmpFiles(srv.root), []);
});

test('finding 4: a V4 presigned URL dated in the future (beyond 15 minutes) is refused', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await mkBucket(srv, 'pre');
  await put(srv, 'pre', 'k', 'secret');
  const req = { method: 'GET', bucket: 'pre', key: 'k', query: [] as Array<[string, string]>, headers: {} };
  const url = (ms: number) =>
    `${pathOf('pre', 'k')}?${buildQueryString(presignV4(req, srv.credentials, { date: new Date(Date.now() + ms), region: 'cn-hangzhou' }, 3600))}`;
  const yearAhead = await send(srv.endpoint, 'GET', url(365 * 86_400_000), {});
  assert.equal(yearAhead.status, 403, yearAhead.text);
  assert.equal(errorCode(yearAhead), 'AccessDenied');
  assert.match(yearAhead.text, /not valid yet/);
  assert.equal((await send(srv.endpoint, 'GET', url(16 * 60_000), {})).status, 403);
  assert.equal(
    (await send(srv.endpoint, 'GET', url(10 * 60_000), {})).text,
    'secret',
    'within the clock-skew allowance',
  );
});

test('finding 5: a V4 request with a signed payload hash is refused and stores nothing', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await mkBucket(srv, 'vfour');
  const date = new Date();
  const body = Buffer.from('EVIL!');
  const headers: Record<string, string> = {
    'content-length': String(body.length),
    'x-oss-date': formatV4Date(date),
    'x-oss-content-sha256': createHash('sha256').update('GOOD').digest('hex'),
  };
  headers.authorization = authorizationV4(
    { method: 'PUT', bucket: 'vfour', key: 'k', query: [], headers },
    srv.credentials,
    { date, region: 'cn-hangzhou' },
  );
  const r = await send(srv.endpoint, 'PUT', pathOf('vfour', 'k'), headers, body);
  assert.equal(r.status, 400, r.text);
  assert.equal(errorCode(r), 'InvalidArgument');
  assert.match(r.text, /UNSIGNED-PAYLOAD/);
  assert.equal(errorCode(await call(srv, { bucket: 'vfour', key: 'k' })), 'NoSuchKey', 'nothing stored');
  assert.equal(
    (await call(srv, { method: 'PUT', bucket: 'vfour', key: 'k', sign: 'v4', body: 'ok' })).status,
    200,
    'UNSIGNED-PAYLOAD still works',
  );
});

test('finding 6: anonymous probes of a private bucket get 403 whether or not the key exists', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await mkBucket(srv, 'priv');
  await mkBucket(srv, 'open', { 'x-oss-acl': 'public-read-write' });
  await put(srv, 'priv', 'exists', 'x');
  await put(srv, 'priv', 'public', 'shared', { 'x-oss-object-acl': 'public-read' });
  const probes: Array<{ name: string; o: Parameters<typeof call>[1] }> = [];
  for (const key of ['exists', 'missing']) {
    probes.push({ name: `GET ${key}`, o: { bucket: 'priv', key } });
    probes.push({ name: `HEAD ${key}`, o: { method: 'HEAD', bucket: 'priv', key } });
    probes.push({ name: `objectMeta ${key}`, o: { method: 'HEAD', bucket: 'priv', key, query: [['objectMeta', '']] } });
    probes.push({ name: `acl ${key}`, o: { bucket: 'priv', key, query: [['acl', '']] } });
    probes.push({
      name: `copy from ${key}`,
      o: { method: 'PUT', bucket: 'open', key: 'c', headers: { 'x-oss-copy-source': `/priv/${key}` } },
    });
  }
  probes.push({
    name: 'copy from a missing bucket',
    o: { method: 'PUT', bucket: 'open', key: 'c', headers: { 'x-oss-copy-source': '/nobucket/k' } },
  });
  for (const p of probes) {
    const r = await call(srv, { ...p.o, sign: 'none' });
    assert.equal(r.status, 403, `${p.name}: ${r.status} ${errorCode(r)}`);
    assert.equal(errorCode(r), 'AccessDenied', p.name);
  }
  assert.equal(
    (await call(srv, { bucket: 'priv', key: 'public', sign: 'none' })).text,
    'shared',
    'a public object is still served',
  );
  assert.equal(
    errorCode(await call(srv, { bucket: 'open', key: 'missing', sign: 'none' })),
    'NoSuchKey',
    'a public bucket lists anyway',
  );
});

test('finding 8: a root holding a symbolic link is refused; a link planted later is not followed', async (t) => {
  const parent = await mkdtemp(join(tmpdir(), 'ossup-links-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const outside = join(parent, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'outside the root');
  const root = join(parent, 'root');
  const srv = await startTestServer({ root });
  await mkBucket(srv, 'bkt');
  await put(srv, 'bkt', 'k', 'inside');
  await put(srv, 'bkt', 'other', 'inside too');
  // Planted while running: the object's blob becomes a link to a file outside the root.
  const meta = join(root, 'buckets', 'bkt', 'meta', keyHash('k').slice(0, 2), `${keyHash('k')}.json`);
  const blob = (JSON.parse(await readFile(meta, 'utf8')) as { blob: string }).blob;
  const blobPath = join(root, 'buckets', 'bkt', 'blobs', blob.slice(0, 2), blob);
  await rm(blobPath);
  await symlink(join(outside, 'secret'), blobPath);
  const r = await call(srv, { bucket: 'bkt', key: 'k' });
  assert.doesNotMatch(r.text, /outsid/, 'the planted link was followed');
  assert.notEqual(r.status, 200);
  await srv.close();
  // And a planted directory link (the bucket's blobs folder sent outside) stops the next start.
  await rm(join(root, 'buckets', 'bkt', 'blobs'), { recursive: true });
  await symlink(outside, join(root, 'buckets', 'bkt', 'blobs'));
  await assert.rejects(startServer({ root, port: 0 }), (err: Error) => {
    assert.match(err.message, /symbolic link buckets\/bkt\/blobs -> .*outside/);
    assert.match(err.message, /Remove the link/);
    return true;
  });
  assert.deepEqual((await readdir(outside)).sort(), ['secret'], 'nothing was written outside');
  const cli = await runCli(
    ['serve', '--root', root, '--port', '0', '--access-key-id', 'a', '--access-key-secret', 'b'],
    cleanEnv({}),
    30_000,
  );
  assert.equal(cli.code, 1, cli.stderr);
  assert.match(
    cli.stderr,
    /^ossup: the data root .* contains a symbolic link buckets\/bkt\/blobs -> .*\(ForeignLink\)\n/,
  );
  assert.doesNotMatch(cli.stderr, STACK);
});
