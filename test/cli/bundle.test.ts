// The CLI runs as the bundle in dist/cli (scripts/build-cli.mjs): its hashing threads are files of the bundle that
// start and answer (the pools would otherwise fall back to hashing on the main thread, silently), packages loaded on
// first use come from the bundle's vendor/ files, and nothing is read from node_modules or dist/src.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { crc64 } from '../../src/core/crc64.js';
import type { HashReply, HashRequest } from '../../src/transfer/hash/pool.js';
import type { HasherReply, HasherRequest } from '../../src/server/store/hasher-worker.js';
import { finished, objectBytes, OSSUP, REPO, sandbox, startCliServer, stopCliServer } from '../../harness/cli.js';
import { bundledSources, spawnRecorded } from '../../harness/loaded.js';
import { OssClient } from '../../src/client/index.js';

const bundled = (name: string) => pathToFileURL(join(REPO, 'dist', 'cli', name));

/** Posts each message to a new worker on `file` and resolves with its first reply. */
async function ask<R>(file: URL, messages: unknown[]): Promise<R> {
  const worker = new Worker(file);
  try {
    const reply = new Promise<R>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) without answering`)));
    });
    for (const m of messages) worker.postMessage(m);
    return await reply;
  } finally {
    await worker.terminate();
  }
}

test("the bundle's hashing threads answer with the file's CRC-64 and MD5", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-bundle-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = Buffer.alloc(3 * 1024 * 1024 + 5);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 0xff;
  const file = join(dir, 'data.bin');
  await writeFile(file, data);

  const client = await ask<HashReply>(bundled('worker.js'), [
    { id: 7, file, start: 100, length: 2 * 1024 * 1024 } satisfies HashRequest,
  ]);
  assert.equal(client.error, undefined);
  assert.equal(client.id, 7);
  const range = data.subarray(100, 100 + 2 * 1024 * 1024);
  assert.equal((client as { crc64: bigint }).crc64, crc64(range));
  assert.equal(Buffer.from((client as { md5: Uint8Array }).md5).toString('hex'), md5(range));

  const server = await ask<HasherReply>(bundled('hasher-worker.js'), [
    { op: 'open', id: 3, path: file },
    { op: 'range', id: 3, position: 0, length: 1024 * 1024 },
    { op: 'range', id: 3, position: 1024 * 1024, length: data.length - 1024 * 1024 },
    { op: 'finish', id: 3 },
  ] satisfies HasherRequest[]);
  assert.equal(server.error, undefined);
  assert.deepEqual(
    { id: server.id, size: (server as { size: number }).size, crc64: (server as { crc64: bigint }).crc64 },
    { id: 3, size: data.length, crc64: crc64(data) },
  );
  assert.equal(Buffer.from((server as { md5: Uint8Array }).md5).toString('hex'), md5(data));
});

function md5(b: Uint8Array): string {
  return createHash('md5').update(b).digest('hex');
}

test("V8 takes the bundle's code cache; a cache it rejects, or none, leaves the CLI working", async (t) => {
  // The cache made at build time is this node's: V8 compiles the bundle from it, not from source.
  const cli = join(REPO, 'dist', 'cli');
  const source = await readFile(join(cli, 'main.cjs'), 'utf8');
  const script = new Script(source, {
    filename: join(cli, 'main.cjs'),
    cachedData: await readFile(join(cli, 'main.cjs.cache')),
  });
  assert.equal(script.cachedDataRejected, false, 'V8 rejected the code cache made by the build');

  // Another node's cache (here: bytes V8 cannot take), or none at all: the launcher compiles the source.
  const dir = await mkdtemp(join(tmpdir(), 'ossup-cache-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
  await cp(cli, join(dir, 'dist', 'cli'), { recursive: true });
  await cp(join(REPO, 'package.json'), join(dir, 'package.json'));
  const version = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  const box = await sandbox();
  t.after(() => box.cleanup());
  for (const cache of [Buffer.alloc(4096, 7), undefined]) {
    if (cache) await writeFile(join(dir, 'dist', 'cli', 'main.cjs.cache'), cache);
    else await rm(join(dir, 'dist', 'cli', 'main.cjs.cache'));
    const launched = spawn(process.execPath, [join(dir, 'bin', 'ossup.js'), '--version'], { env: box.env, cwd: dir });
    const run = await finished(launched);
    assert.deepEqual(
      { code: run.code, stdout: run.stdout, stderr: run.stderr },
      { code: 0, stdout: `${version}\n`, stderr: '' },
      cache ? 'a cache V8 rejects' : 'no cache',
    );
  }
});

test('--debug stack traces name the bundle; with node --enable-source-maps, the source files', async (t) => {
  const box = await sandbox({ OSS_ENDPOINT: 'http://127.0.0.1:1', OSS_ACCESS_KEY_ID: 'k', OSS_ACCESS_KEY_SECRET: 's' });
  t.after(() => box.cleanup());
  for (const [node, where] of [
    [[], /\(\S+\/dist\/cli\/main\.cjs:\d+:\d+\)/],
    [['--enable-source-maps'], /\(\S+\/src\/client\/transport\.ts:\d+:\d+\)/],
  ] as const) {
    const args = [...node, OSSUP, 'ls', 'oss://nowhere', '--retries', '0', '--debug'];
    const run = await finished(spawn(process.execPath, args, { env: box.env, cwd: REPO }));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^ossup: listing oss:\/\/nowhere\/ failed: network error/m);
    assert.match(run.stderr, where);
  }
});

test('a multipart cp starts its hashing threads from the bundle, ls of buckets its XML parser from vendor/', async () => {
  const srv = await startCliServer('bundle');
  try {
    const file = join(srv.box.dir, 'parts.bin');
    const data = Buffer.alloc(3 * 1024 * 1024, 'p');
    await writeFile(file, data);
    const env = { ...srv.box.env, OSS_ENDPOINT: srv.server.endpoint };
    // Parts under 1 MiB are read ahead on a hashing thread (larger ones are hashed as they are sent, on no thread).
    const cp = await spawnRecorded(srv.box.dir, ['cp', file, 'oss://bundle/parts.bin', '--part-size', '512KiB'], env);
    const up = await finished(cp.child);
    assert.equal(up.code, 0, up.stderr);
    assert.ok((await objectBytes(srv.client, 'bundle', 'parts.bin')).equals(data));
    const cpLoaded = await cp.loaded();
    assert.ok(cpLoaded.includes('dist/cli/worker.js'), `a hashing thread ran the bundle's worker: ${cpLoaded}`);
    assert.deepEqual(outsideBundle(cpLoaded), []);

    // An object listing is read by the one-pass reader (core/xml-scan.ts): no XML library is loaded for it.
    const ls = await spawnRecorded(srv.box.dir, ['ls', 'oss://bundle'], env);
    const listed = await finished(ls.child);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /parts\.bin/);
    const lsLoaded = await ls.loaded();
    assert.ok(!lsLoaded.includes('dist/cli/vendor/fast-xml-parser.cjs'), `no XML library: ${lsLoaded}`);
    assert.deepEqual(outsideBundle(lsLoaded), []);

    // Any other document (here ListAllMyBuckets) goes through fast-xml-parser, from the bundle's vendor/ file.
    const buckets = await spawnRecorded(srv.box.dir, ['ls'], env);
    const listedBuckets = await finished(buckets.child);
    assert.equal(listedBuckets.code, 0, listedBuckets.stderr);
    assert.match(listedBuckets.stdout, /bundle/);
    const bucketsLoaded = await buckets.loaded();
    assert.ok(bucketsLoaded.includes('dist/cli/vendor/fast-xml-parser.cjs'), `parsed: ${bucketsLoaded}`);
    assert.deepEqual(outsideBundle(bucketsLoaded), []);
    assert.ok(bundledSources(bucketsLoaded).some((s) => s.startsWith('node_modules/fast-xml-parser/')));
  } finally {
    await stopCliServer(srv);
  }
});

test('ossup serve hashes a large body on a thread started from the bundle', async () => {
  const box = await sandbox({ OSS_ACCESS_KEY_ID: 'bundle-key-id', OSS_ACCESS_KEY_SECRET: 'bundle-key-secret' });
  const serve = await spawnRecorded(box.dir, ['serve', '--port', '0', '--root', join(box.dir, 'root')], box.env);
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let out = '';
      serve.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      serve.child.once('exit', (code) => reject(new Error(`ossup serve exited (${code}): ${out}`)));
    });
    const client = new OssClient({
      endpoint,
      credentials: { accessKeyId: 'bundle-key-id', accessKeySecret: 'bundle-key-secret' },
    });
    try {
      await client.putBucket('served');
      const body = Buffer.alloc(2 * 1024 * 1024, 's');
      const put = await client.putObject('served', 'big.bin', body);
      assert.equal(put.crc64, crc64(body));
    } finally {
      await client.close();
    }
    const loaded = await serve.loaded();
    assert.ok(loaded.includes('dist/cli/hasher-worker.js'), `the server's hashing thread: ${loaded}`);
    assert.deepEqual(outsideBundle(loaded), []);
  } finally {
    serve.child.kill('SIGINT');
    await new Promise((resolve) => serve.child.once('close', resolve));
    await box.cleanup();
  }
});

/** Loaded files that are not the launcher or the bundle's. */
function outsideBundle(loaded: string[]): string[] {
  return loaded.filter((f) => f !== 'bin/ossup.js' && !f.startsWith('dist/cli/'));
}
