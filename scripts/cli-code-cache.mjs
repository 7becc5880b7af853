// V8's code cache for the CLI's bundle (issue 27): node 20 compiles every function a command runs from source on
// each start (module.enableCompileCache is node 22), ~40 ms of `cp`'s start-up. This runs the commands the cache is
// for in one process, on dist/cli/main.cjs compiled as bin/ossup.js compiles it, against an `ossup serve` of their
// own (a child process, so the server's functions stay out of the cache), then writes the script's code, with every
// function those commands compiled, to dist/cli/main.cjs.cache. bin/ossup.js hands it to V8, which takes it only
// if it was made by the same V8 with the same flags for the same source; otherwise it compiles as before.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { createRequire } from 'node:module';

const FILE = resolve('dist/cli/main.cjs');
const KEYS = { OSS_ACCESS_KEY_ID: 'build-cache-key', OSS_ACCESS_KEY_SECRET: 'build-cache-secret' };

/** The commands whose start-up the cache is for: a small upload first (issue 27's target), then the usual others. */
const commands = (dir) => [
  ['mb', 'oss://cache'],
  ['cp', join(dir, 'small.bin'), 'oss://cache/small.bin', '-q'],
  // A tree of small files each way: the per-file code of `cp -r` (walk, jobs, one-request transfers) and `sync`.
  ['cp', '-r', join(dir, 'tree'), 'oss://cache/tree/', '-q', '--no-progress'],
  ['cp', '-r', 'oss://cache/tree/', join(dir, 'down'), '-q', '--no-progress'],
  ['ls', 'oss://cache'],
  ['stat', 'oss://cache/small.bin'],
  ['--version'],
  ['--help'],
];

export async function makeCodeCache() {
  const dir = mkdtempSync(join(tmpdir(), 'ossup-code-cache-'));
  // The user's OSS_* and OSSUP_* settings are not the commands': a sandbox like the tests' (harness/cli.ts).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OSS_|OSSUP_|NODE_OPTIONS$)/.test(k)));
  Object.assign(env, KEYS, { HOME: dir, OSSUP_HOME: join(dir, 'home') });
  const server = spawn(process.execPath, ['bin/ossup.js', 'serve', '--port', '0', '--root', join(dir, 'root')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    env.OSS_ENDPOINT = await listening(server);
    writeFileSync(join(dir, 'small.bin'), Buffer.alloc(4096, 'c'));
    mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
    for (const name of ['a', 'b', 'sub/c', 'sub/d']) writeFileSync(join(dir, 'tree', name), Buffer.alloc(4096, name));
    const source = readFileSync(FILE, 'utf8');
    const script = new Script(source, { filename: FILE });
    const module = { exports: {} };
    const url = pathToFileURL(FILE);
    script.runInThisContext()(module.exports, createRequire(url), module, FILE, resolve(FILE, '..'), url.href);
    const sink = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: false, columns: 80 });
    for (const args of commands(dir)) {
      const code = await module.exports.main(args, { stdout: sink, stderr: sink, env, stdin: process.stdin });
      if (code !== 0) throw new Error(`ossup ${args.join(' ')} exited ${code} while making the code cache`);
    }
    const data = script.createCachedData();
    if (new Script(source, { filename: FILE, cachedData: data }).cachedDataRejected)
      throw new Error('V8 rejects the code cache it just made');
    writeFileSync(`${FILE}.cache`, data);
    return data.length;
  } finally {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function listening(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`ossup serve exited (${code}): ${out}`)));
  });
}
