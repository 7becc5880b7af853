// The browser bundle (npm run build -> dist/browser/ossup.js) is one ES module with no Node built-in in it, and the
// build refuses any entry whose reachable code needs one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/[\\/]dist[\\/]?$/, '');
const script = join(root, 'scripts/build-browser.mjs');
const run = promisify(execFile);

async function build(entry: string): Promise<{ code: number; out: string; text: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-bundle-'));
  const out = join(dir, 'out.js');
  try {
    const { stdout, stderr } = await run(process.execPath, [script, join(root, entry), out], { cwd: root });
    return { code: 0, out: stdout + stderr, text: await readFile(out, 'utf8') };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr, text: '' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('dist/browser/ossup.js is an ES module without Node built-ins, exporting OssClient and uploadFile', async () => {
  const file = join(root, 'dist/browser/ossup.js');
  const text = await readFile(file, 'utf8');
  assert.doesNotMatch(text, /["']node:[a-z_/]+["']/);
  assert.doesNotMatch(text, /\brequire\(/);
  const mod = (await import(file)) as Record<string, unknown>;
  assert.equal(typeof mod.OssClient, 'function');
  assert.equal(typeof mod.uploadFile, 'function');
  assert.equal(typeof mod.ServiceError, 'function');
});

test('the build refuses an entry whose code reaches a Node built-in, naming it', { timeout: 60_000 }, async () => {
  const r = await build('test/fixtures/browser/reaches-node.ts');
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /reaches the Node built-in node:crypto createHash/);
});

test('the build accepts an entry that imports a module with Node imports it never reaches', {
  timeout: 60_000,
}, async () => {
  const r = await build('test/fixtures/browser/pure-only.ts');
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.text, /node:crypto/);
  assert.match(r.text, /ABC/);
});
