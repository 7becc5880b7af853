// Start-up and small files (issue 27): `ossup cp` of a small file loads what an upload needs and nothing else (no
// server, no download, stream, copy or tree code, no progress bar off a terminal) and sends one request; a tree of
// small files goes over --jobs kept-alive connections, one listing and one request per file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { finished, objectBytes, OSSUP, REPO, runCli, startCliServer, stopCliServer } from '../../harness/cli.js';
import { startRequestLog } from '../../harness/request-log.js';

/**
 * Module hooks that append every ES module URL the loader loads to the file named in the data passed to them; the
 * CommonJS modules (required through createRequire, which bypasses the hooks) are added from require.cache at exit.
 */
const HOOKS = `import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); }
`;

/** Runs the CLI with the hooks; resolves with its result and the repository-relative paths of what it loaded. */
async function runRecorded(dir: string, args: string[], env: NodeJS.ProcessEnv) {
  const hooks = join(dir, 'hooks.mjs');
  const out = join(dir, 'modules.txt');
  await writeFile(hooks, HOOKS);
  await writeFile(out, '');
  const register =
    `import { appendFileSync } from 'node:fs'; import { createRequire, register } from 'node:module';` +
    `import { pathToFileURL } from 'node:url';` +
    `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { out: ${JSON.stringify(out)} } });` +
    `process.on('exit', () => appendFileSync(${JSON.stringify(out)}, ` +
    `Object.keys(createRequire(import.meta.url).cache).map((f) => pathToFileURL(f).href + '\\n').join('')));`;
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, OSSUP, ...args],
    { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const result = await finished(child);
  const root = `${pathToFileURL(REPO).href}/`;
  const loaded = (await readFile(out, 'utf8'))
    .split('\n')
    .filter((u) => u.startsWith(root))
    .map((u) => u.slice(root.length));
  return { result, loaded };
}

test('cp of a small file loads only the upload path and makes one request', async () => {
  const srv = await startCliServer('start-up');
  const log = await startRequestLog({ host: srv.server.server.host, port: srv.server.server.port });
  try {
    const file = join(srv.box.dir, 'small.bin');
    await writeFile(file, 'x'.repeat(4096));
    const env = { ...srv.box.env, OSS_ENDPOINT: log.endpoint };
    const { result, loaded } = await runRecorded(srv.box.dir, ['cp', file, 'oss://start-up/small.bin', '-q'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await objectBytes(srv.client, 'start-up', 'small.bin')).toString(), 'x'.repeat(4096));
    assert.deepEqual(log.requests, ['PUT /start-up/small.bin'], 'one PutObject, nothing before it');

    assert.ok(loaded.includes('dist/src/transfer/upload/upload.js'), `the upload was loaded: ${loaded.join(' ')}`);
    const unneeded = [
      /^dist\/src\/server\//, // the embedded server: the endpoint is remote
      /^dist\/src\/transfer\/(download|stream|copy)\//,
      /^dist\/src\/transfer\/tree\/(walk|run|listing|jobs|select|delete|dest-path)\.js$/,
      /^dist\/src\/cli\/commands\/(download|copy|stream|tree|cp-many|no-clobber|ls|stat|serve|sign|mv)\.js$/,
      /^dist\/src\/cli\/tree-progress\.js$/,
      /^node_modules\/(cli-progress|picomatch|ini|fast-xml-parser)\//,
    ];
    const extra = loaded.filter((m) => unneeded.some((re) => re.test(m)));
    assert.deepEqual(extra, [], 'modules a small upload does not need');
  } finally {
    await log.close();
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
