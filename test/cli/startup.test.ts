// Start-up and small files (issue 27): `ossup cp` of a small file runs what an upload needs and nothing else (no
// server, no download, stream, copy or tree code, no progress bar off a terminal) and sends one request; a tree of
// small files goes over --jobs kept-alive connections, one listing and one request per file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { finished, OSSUP, objectBytes, runCli, startCliServer, stopCliServer } from '../../harness/cli.js';
import { spawnRecorded } from '../../harness/loaded.js';
import { startRequestLog } from '../../harness/request-log.js';
import { nativeCrc64 } from '../../src/io/crc64-native.js';

const ADDON = 'build/Release/ossup_crc64.node';

test('cp of a small file loads only the upload path and makes one request', async () => {
  const srv = await startCliServer('start-up');
  const log = await startRequestLog({ host: srv.server.server.host, port: srv.server.server.port });
  try {
    const file = join(srv.box.dir, 'small.bin');
    await writeFile(file, 'x'.repeat(4096));
    const env = { ...srv.box.env, OSS_ENDPOINT: log.endpoint };
    const run = await spawnRecorded(srv.box.dir, ['cp', file, 'oss://start-up/small.bin', '-q'], env);
    const result = await finished(run.child);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await objectBytes(srv.client, 'start-up', 'small.bin')).toString(), 'x'.repeat(4096));
    assert.deepEqual(log.requests, ['PUT /start-up/small.bin'], 'one PutObject, nothing before it');
    // One request has nothing to resume: no checkpoint, lock or journal was made (not even their directory).
    assert.equal(existsSync(join(srv.box.env.OSSUP_HOME!, 'checkpoints')), false, 'a checkpoint directory');

    // The CLI is the bundle (dist/cli): nothing from node_modules or the library's dist/src. Its one file holds the
    // embedded server's code too, which the code cache lets V8 skip; that code never runs (below).
    const loaded = await run.loaded();
    assert.ok(loaded.includes('dist/cli/main.cjs'), `the bundle was run: ${loaded.join(' ')}`);
    const outside = loaded.filter((f) => !f.startsWith('dist/cli/') && f !== 'bin/ossup.js');
    assert.deepEqual(outside, [], 'files loaded from outside the bundle');
    assert.ok(!loaded.includes(ADDON), 'the native CRC-64 kernel: a 4 KiB CRC goes byte by byte');
    // The other modules a small upload does not need are in the bundle's files, but never run.
    const ran = await run.evaluated();
    assert.ok(ran.includes('src/transfer/upload/upload.ts'), `the upload ran: ${ran.join(' ')}`);
    const unneeded = [
      /^src\/server\//,
      /^src\/transfer\/(download|stream|copy)\//,
      /^src\/transfer\/tree\/(walk|run|listing|jobs|select|delete|dest-path)\.ts$/,
      /^src\/cli\/commands\/(download|copy|stream|tree|cp-many|no-clobber|ls|stat|serve|sign|mv)\.ts$/,
      /^src\/cli\/tree-progress\.ts$/,
      /^node_modules\/(cli-progress|picomatch|ini|fast-xml-parser|mime)\//,
    ];
    const extra = ran.filter((m) => unneeded.some((re) => re.test(m)));
    assert.deepEqual(extra, [], 'modules a small upload does not need');
  } finally {
    await log.close();
    await stopCliServer(srv);
  }
});

test('cp takes the Content-Type from the file name, as the mime package does (the bundle holds its table)', async () => {
  const srv = await startCliServer('types');
  try {
    const types: Record<string, string> = {
      'page.HTML': 'text/html',
      'photo.jpeg': 'image/jpeg',
      'data.tar.gz': 'application/gzip',
      'notes.md': 'text/markdown',
      'font.woff2': 'font/woff2',
      README: 'application/octet-stream',
      'x.not-a-type': 'application/octet-stream',
    };
    for (const [name, type] of Object.entries(types)) {
      const file = join(srv.box.dir, name);
      await writeFile(file, name);
      const r = await runCli(['cp', file, `oss://types/${name}`, '-q'], {
        ...srv.box.env,
        OSS_ENDPOINT: srv.server.endpoint,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await srv.client.headObject('types', name)).contentType, type, name);
    }
  } finally {
    await stopCliServer(srv);
  }
});

/**
 * Runs `ossup ARGS` with stdout a file and a preloaded hook that records, at exit, whether node loaded its internal
 * module `name` (process.moduleLoadList): "true" or "false".
 */
async function loadedByExit(
  srv: Awaited<ReturnType<typeof startCliServer>>,
  args: string[],
  name: string,
): Promise<string> {
  const env = { ...srv.box.env, OSS_ENDPOINT: srv.server.endpoint };
  const tag = `${args[0]}-${name.replace(/\W/g, '_')}-${Math.random().toString(36).slice(2)}`;
  const hook = join(srv.box.dir, `hook-${tag}.cjs`);
  const record = join(srv.box.dir, `loaded-${tag}.txt`);
  await writeFile(
    hook,
    "process.on('exit', () => require('node:fs').appendFileSync(process.env.LOADED_FILE, " +
      `process.moduleLoadList.includes(${JSON.stringify(`NativeModule ${name}`)}) + '\\n'));`,
  );
  const out = await open(join(srv.box.dir, `out-${tag}.txt`), 'w');
  try {
    const child = spawn(process.execPath, ['--require', hook, OSSUP, ...args], {
      env: { ...env, LOADED_FILE: record },
      stdio: ['ignore', out.fd, 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const [code] = await once(child, 'close');
    assert.equal(code, 0, stderr);
  } finally {
    await out.close();
  }
  return (await readFile(record, 'utf8')).trim();
}

test('cp -q makes no stdout stream: it is made on the first write (ls makes one)', async () => {
  const srv = await startCliServer('no-stdout');
  try {
    const file = join(srv.box.dir, 'small.bin');
    await writeFile(file, 'x'.repeat(4096));
    // With stdout a file, making process.stdout loads node's SyncWriteStream.
    const stream = 'internal/fs/sync_write_stream';
    assert.equal(await loadedByExit(srv, ['cp', file, 'oss://no-stdout/k.bin', '-q'], stream), 'false', 'cp -q');
    assert.equal(await loadedByExit(srv, ['ls', 'oss://no-stdout'], stream), 'true', 'ls wrote through stdout');
  } finally {
    await stopCliServer(srv);
  }
});

test('cp of a small file, ls and stat never load fs/promises; a download does, at its first call', async () => {
  const srv = await startCliServer('no-fsp');
  try {
    const file = join(srv.box.dir, 'small.bin');
    await writeFile(file, 'x'.repeat(4096));
    const fsp = 'fs/promises';
    // The bundle forwards each fs/promises function to the built-in, loaded at the first call (scripts/build-cli.mjs).
    assert.equal(await loadedByExit(srv, ['cp', file, 'oss://no-fsp/k.bin', '-q'], fsp), 'false', 'cp');
    assert.equal(await loadedByExit(srv, ['ls', 'oss://no-fsp'], fsp), 'false', 'ls');
    assert.equal(await loadedByExit(srv, ['stat', 'oss://no-fsp/k.bin'], fsp), 'false', 'stat');
    // A download writes through fs/promises: the hook sees the module when it is loaded.
    const down = join(srv.box.dir, 'down.bin');
    assert.equal(await loadedByExit(srv, ['cp', 'oss://no-fsp/k.bin', down, '-q'], fsp), 'true', 'a download');
    assert.equal((await readFile(down)).toString(), 'x'.repeat(4096));
  } finally {
    await stopCliServer(srv);
  }
});

test('cp -r of many small files reuses --jobs connections: one listing, one request per file', async () => {
  const srv = await startCliServer('reuse');
  const log = await startRequestLog({ host: srv.server.server.host, port: srv.server.server.port });
  try {
    const dir = join(srv.box.dir, 'tree');
    await mkdir(join(dir, 'sub'), { recursive: true });
    for (let i = 0; i < 40; i++) await writeFile(join(dir, i % 2 ? 'sub' : '', `f${i}.txt`), `file ${i}`);
    const env = { ...srv.box.env, OSS_ENDPOINT: log.endpoint };
    const up = await runCli(['cp', '-r', dir, 'oss://reuse/t/', '--jobs', '4', '-q'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(log.requests.filter((r) => /^GET \/reuse\/?\?/.test(r)).length, 1, 'one listing page');
    assert.equal(log.requests.filter((r) => r.startsWith('PUT /reuse/t/')).length, 40);
    assert.equal(log.requests.length, 41, log.requests.join('\n'));
    assert.ok(log.connections <= 4, `at most --jobs connections, kept alive: ${log.connections}`);
    assert.equal((await objectBytes(srv.client, 'reuse', 't/sub/f7.txt')).toString(), 'file 7');
  } finally {
    await log.close();
    await stopCliServer(srv);
  }
});

test('the bundled CLI finds the native CRC-64 kernel when a download needs one, unless OSSUP_CRC64=wasm', {
  skip: nativeCrc64() ? false : `the native CRC-64 addon is not built (${ADDON})`,
}, async () => {
  const srv = await startCliServer('native-crc');
  try {
    const bytes = randomBytes(3 << 20);
    await srv.client.putObject('native-crc', 'big.bin', bytes);
    for (const kernel of ['native', 'wasm']) {
      const file = join(srv.box.dir, `big-${kernel}.bin`);
      const env = {
        ...srv.box.env,
        OSS_ENDPOINT: srv.server.endpoint,
        ...(kernel === 'wasm' ? { OSSUP_CRC64: 'wasm' } : {}),
      };
      const run = await spawnRecorded(srv.box.dir, ['cp', 'oss://native-crc/big.bin', file, '-q'], env);
      const result = await finished(run.child);
      assert.equal(result.code, 0, result.stderr);
      assert.ok((await readFile(file)).equals(bytes), `${kernel}: the bytes`);
      const loaded = await run.loaded();
      assert.equal(loaded.includes(ADDON), kernel === 'native', `${kernel}: ${loaded.join(' ')}`);
    }
  } finally {
    await stopCliServer(srv);
  }
});
