// The example page (examples/browser/, served by serve.js as the README says) in real Chromium: a picked file is
// uploaded with a moving bar; a reload half way shows which file to pick again, and picking it resumes the upload
// (parts already sent are not sent again); the object on the server holds exactly the file's bytes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { browserTest as test } from '../helpers/browser.js';
import type { Browser } from 'playwright-core';
import { objectBytes, REPO } from '../../harness/cli.js';
import { OssClient } from '../../src/client/index.js';
import { crc64, crc64ToDecimal } from '../../src/core/crc64.js';
import { launchChromium, within } from '../helpers/browser.js';

const SIZE = 24 * 1024 * 1024;

function fileBytes(): Buffer {
  const b = Buffer.alloc(SIZE);
  for (let i = 0; i + 4 <= SIZE; i += 4) b.writeUInt32LE((Math.imul(i, 2654435761) + 12345) >>> 0, i);
  return b;
}

test('the example page uploads a picked file and resumes it after a reload', { timeout: 180_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-example-page-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const child = spawn(
    process.execPath,
    [join(REPO, 'examples/browser/serve.js'), '--port', '0', '--root', join(root, 'data')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const first = String((await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()).value);
  const [, url, endpoint] = /open (\S+) \(OSS (\S+),/.exec(first) ?? [];
  assert.ok(url && endpoint, first);

  let browser: Browser | undefined;
  t.after(() => browser && within(browser.close(), 15_000, 'closing Chromium'));
  browser = await launchChromium();
  const page = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const ready = () =>
    page.waitForFunction(() => (globalThis as any).document.getElementById('status').textContent === 'ready', null, {
      timeout: 20_000,
    });
  const status = () => page.$eval('#status', (e) => e.textContent ?? '');
  // A file on disk, as a user picks it: picked again after the reload it has the same name, size and date, which
  // is what the page's resume is keyed on (a buffer handed to setInputFiles would get a new date each time).
  const bytes = fileBytes();
  const file = join(root, 'big.bin');
  await writeFile(file, bytes);
  const pick = () => page.setInputFiles('#file', file);

  await page.goto(url!);
  await ready();
  assert.equal(await page.$eval('#resume', (e) => (e as any).hidden), true, 'nothing to resume yet');
  // Parts take a while to answer, so the reload surely comes half way.
  await page.route(`${endpoint}/**`, async (route) => {
    if (route.request().method() === 'PUT') await new Promise((r) => setTimeout(r, 150));
    await route.continue();
  });
  await pick();
  await page.click('#start');
  await page.waitForFunction(() => Number((globalThis as any).document.getElementById('bar').value) >= 0.25, null, {
    timeout: 60_000,
  });
  await page.reload();
  await ready();
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.equal(await page.$eval('#resume', (e) => (e as any).hidden), false, `${errors}`);
  assert.match(await page.$eval('#resume', (e) => e.textContent ?? ''), /"big\.bin" \(25165824 bytes\) did not finish/);

  await pick();
  await page.click('#start');
  await page.waitForFunction(
    () => /^(done|failed)/.test((globalThis as any).document.getElementById('status').textContent),
    null,
    {
      timeout: 90_000,
    },
  );
  assert.match(await status(), /^done: oss:\/\/uploads\/big\.bin$/, `${errors}`);
  const result = JSON.parse(await page.$eval('#result', (e) => e.textContent ?? '')) as Record<string, unknown>;
  assert.equal(result.size, SIZE);
  assert.equal(result.crc64, crc64ToDecimal(crc64(bytes)));
  assert.ok(Number(result.resumedBytes) > 0, `resumed ${result.resumedBytes}`);
  assert.equal(Number(result.resumedBytes) + Number(result.transferredBytes), SIZE);
  assert.equal(await page.$eval('#bar', (b) => Number((b as any).value)), 1);
  assert.equal(await page.$eval('#resume', (e) => (e as any).hidden), true, 'nothing left to resume');

  const sts = await (await fetch(new URL('/sts', url))).json();
  const client = new OssClient({ endpoint: endpoint!, credentials: sts as never });
  t.after(() => client.close());
  assert.ok((await objectBytes(client, 'uploads', 'big.bin')).equals(bytes), 'the object is the file, byte for byte');
  child.kill('SIGTERM');
});
