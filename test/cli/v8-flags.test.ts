// The ossup process's V8 flags (src/cli/v8-flags.ts): every command lets the heap grow; a tree (cp -r, sync) runs
// its first files without TurboFan and brings it back (tiering up sooner) once it has started enough files or bytes;
// a single cp, a sync with nothing to send and rm -r change nothing more. main() driven in a test's own process
// never changes that process's V8.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import v8 from 'node:v8';
import { Writable } from 'node:stream';
import { OSSUP, objectBytes, startCliServer, stopCliServer } from '../../harness/cli.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/session.js';
import {
  SERVE_FLAGS,
  TREE_FLAGS,
  TREE_START_FLAGS,
  TREE_WARM_BYTES,
  TREE_WARM_FILES,
  TreeTiering,
} from '../../src/cli/v8-flags.js';

const HEAP = '--heap-growing-percent=400';

test('a tree that transfers starts without TurboFan; a single cp, a no-op sync, rm -r and a usage error do not', async () => {
  const srv = await startCliServer('flags');
  try {
    const dir = join(srv.box.dir, 'tree');
    await mkdir(join(dir, 'sub'), { recursive: true });
    for (let i = 0; i < 6; i++) await writeFile(join(dir, i % 2 ? 'sub' : '', `f${i}`), `file ${i}`);
    const env = { ...srv.box.env, OSS_ENDPOINT: srv.server.endpoint };
    // A preloaded hook records every flag string the process sets at run time.
    const hook = join(srv.box.dir, 'flags-hook.cjs');
    await writeFile(
      hook,
      "const v8 = require('node:v8'); const set = v8.setFlagsFromString.bind(v8); const fs = require('node:fs');\n" +
        'v8.setFlagsFromString = (f) => { fs.appendFileSync(process.env.FLAGS_FILE, f + "\\n"); set(f); };\n',
    );
    let n = 0;
    const flagsOf = async (args: string[], want = 0): Promise<string[]> => {
      const record = join(srv.box.dir, `flags-${n++}.txt`);
      await writeFile(record, '');
      const child = spawn(process.execPath, ['--require', hook, OSSUP, ...args], {
        env: { ...env, FLAGS_FILE: record },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
      const [code] = await once(child, 'close');
      assert.equal(code, want, `${args.join(' ')}: ${stderr}`);
      return (await readFile(record, 'utf8')).split('\n').filter(Boolean);
    };
    assert.deepEqual(await flagsOf(['cp', join(dir, 'f0'), 'oss://flags/one', '-q']), [HEAP]);
    assert.deepEqual(await flagsOf(['cp', '-r', dir, 'oss://flags/t/', '-q']), [HEAP, TREE_START_FLAGS]);
    assert.equal((await objectBytes(srv.client, 'flags', 't/sub/f3')).toString(), 'file 3');
    const down = join(srv.box.dir, 'down');
    assert.deepEqual(await flagsOf(['cp', '-r', 'oss://flags/t/', down, '-q']), [HEAP, TREE_START_FLAGS]);
    assert.equal(await readFile(join(down, 'sub', 'f5'), 'utf8'), 'file 5');
    assert.deepEqual(await flagsOf(['sync', dir, 'oss://flags/s/', '-q']), [HEAP, TREE_START_FLAGS]);
    // Nothing to send (a sync of unchanged files), or nothing sent at all (rm -r): V8's default budget.
    assert.deepEqual(await flagsOf(['sync', dir, 'oss://flags/s/', '-q']), [HEAP]);
    assert.deepEqual(await flagsOf(['rm', '-r', 'oss://flags/s/', '-q']), [HEAP]);
    assert.equal((await srv.client.listObjects('flags', { prefix: 's/' })).objects.length, 0);
    // `ossup serve` in its own process: its hashing threads may free hashed batches themselves (Node 20 needs a flag).
    const record = join(srv.box.dir, 'flags-serve.txt');
    await writeFile(record, '');
    const serve = spawn(
      process.execPath,
      ['--require', hook, OSSUP, 'serve', '--port', '0', '--root', join(srv.box.dir, 'served')],
      { env: { ...env, FLAGS_FILE: record, OSS_ACCESS_KEY_ID: 'ak', OSS_ACCESS_KEY_SECRET: 'sk123456' } },
    );
    const [listening] = (await once(serve.stdout!.setEncoding('utf8'), 'data')) as [string];
    assert.match(listening, /listening on http:/);
    serve.kill('SIGINT');
    assert.deepEqual(await once(serve, 'close'), [0, null]);
    const builtIn = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';
    assert.deepEqual(
      (await readFile(record, 'utf8')).split('\n').filter(Boolean),
      builtIn ? [HEAP] : [HEAP, SERVE_FLAGS],
    );
    // A command line refused before any work: nothing tiered up.
    assert.deepEqual(await flagsOf(['cp', '-r', join(dir, 'missing'), 'oss://flags/x/', '-q'], 2), [HEAP]);
    assert.equal(existsSync(join(srv.box.dir, 'missing')), false);
  } finally {
    await stopCliServer(srv);
  }
});

test('a tree brings TurboFan back once it has started enough files or bytes, once', () => {
  const byFiles: string[] = [];
  const files = new TreeTiering((f) => byFiles.push(f));
  for (let i = 1; i < TREE_WARM_FILES; i++) files.fileStarting(4096);
  assert.deepEqual(byFiles, [TREE_START_FLAGS]);
  files.fileStarting(4096);
  assert.deepEqual(byFiles, [TREE_START_FLAGS, TREE_FLAGS]);
  for (let i = 0; i < 10; i++) files.fileStarting(TREE_WARM_BYTES);
  assert.deepEqual(byFiles, [TREE_START_FLAGS, TREE_FLAGS]);

  const byBytes: string[] = [];
  const bytes = new TreeTiering((f) => byBytes.push(f));
  bytes.fileStarting(TREE_WARM_BYTES / 2);
  bytes.fileStarting(TREE_WARM_BYTES / 2 - 1);
  assert.deepEqual(byBytes, [TREE_START_FLAGS]);
  bytes.fileStarting(1);
  assert.deepEqual(byBytes, [TREE_START_FLAGS, TREE_FLAGS]);

  // A first file that large: TurboFan is never turned off.
  const large: string[] = [];
  new TreeTiering((f) => large.push(f)).fileStarting(TREE_WARM_BYTES);
  assert.deepEqual(large, [TREE_FLAGS]);
  assert.match(TREE_FLAGS, /--opt\b/);
});

test("main() in a test's own process sets no V8 flag, a tree command included", async (t) => {
  const srv = await startCliServer('inproc');
  const set = v8.setFlagsFromString;
  const seen: string[] = [];
  v8.setFlagsFromString = (f: string) => {
    seen.push(f);
  };
  t.after(() => {
    v8.setFlagsFromString = set;
  });
  try {
    const dir = join(srv.box.dir, 'tree');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'a'), 'a');
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const env = { ...srv.box.env, OSS_ENDPOINT: srv.server.endpoint };
    const io = { stdout: sink, stderr: sink, env } as unknown as Io;
    const code = await main(['cp', '-r', dir, 'oss://inproc/t/', '-q'], io);
    assert.equal(code, 0);
    assert.equal((await objectBytes(srv.client, 'inproc', 't/a')).toString(), 'a');
    assert.deepEqual(seen, []);
  } finally {
    await stopCliServer(srv);
  }
});
