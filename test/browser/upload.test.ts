// ossup/browser in real Chromium, from a page on one origin to the embedded server on another (CORS): a large upload
// arrives byte for byte, a reload or a lost network resumes without re-sending more than the parts in flight, a
// changed file never mixes into the object, expired STS credentials are refreshed through the signer, and a CORS rule
// that hides the headers an upload needs is named in one clear error. Every wait is bounded.
import assert from 'node:assert/strict';
import { browserAfter as after, browserBefore as before, browserTest as test } from '../helpers/browser.js';
import type { Page } from 'playwright-core';
import { objectBytes } from '../../harness/cli.js';
import { OssClient as NodeClient } from '../../src/client/index.js';
import { signHeaders } from '../../src/client/sign.js';
import { crc64 } from '../../src/core/crc64.js';
import type { ServerCredentials } from '../../src/server/index.js';
import { type BrowserTestbed, setBucketCors, startBrowserTestbed, uploaderCorsRule } from '../helpers/browser.js';
import {
  type FileSpec,
  fileBytes,
  finishUpload,
  openUploadPage,
  progressReaches,
  runUpload,
  startUpload,
  UPLOAD_PAGE,
  type UploadSpec,
} from './upload-page.js';

const MiB = 1024 * 1024;
const TEST_TIMEOUT = 180_000;

const stsOld: ServerCredentials = { accessKeyId: 'STS.old', accessKeySecret: 'old-secret', securityToken: 'old-token' };
const stsNew: ServerCredentials = { accessKeyId: 'STS.new', accessKeySecret: 'new-secret', securityToken: 'new-token' };

let tb: BrowserTestbed;
let node: NodeClient;
before(async () => {
  tb = await startBrowserTestbed({ site: { pages: { '/': UPLOAD_PAGE } }, server: { credentials: [stsOld, stsNew] } });
  node = new NodeClient({ endpoint: tb.srv.endpoint, credentials: tb.srv.credentials });
});
after(async () => {
  await node?.close();
  await tb?.close();
});

async function newUploadPage(): Promise<Page & { errors: string[] }> {
  const page = await tb.newPage();
  await openUploadPage(page, tb.site.url('/'));
  return page;
}

function spec(key: string, file: FileSpec, more: Partial<UploadSpec> = {}): UploadSpec {
  return { endpoint: tb.srv.endpoint, bucket: tb.bucket, key, file, credentials: tb.srv.credentials, ...more };
}

async function assertObjectIs(key: string, expected: Uint8Array): Promise<void> {
  const head = await node.headObject(tb.bucket, key);
  assert.equal(head.size, expected.length);
  assert.equal(head.crc64, crc64(expected), 'the server CRC-64 of the object is that of the bytes');
  assert.ok(
    (await objectBytes(node, tb.bucket, key)).equals(expected),
    'the object holds exactly the bytes of the file',
  );
}

/** Part numbers of the UploadPart requests the page starts, in order. */
function watchParts(page: Page): number[] {
  const parts: number[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (r.method() === 'PUT' && u.searchParams.has('partNumber')) parts.push(Number(u.searchParams.get('partNumber')));
  });
  return parts;
}

test('a 64 MiB file goes up in parallel parts and arrives byte for byte', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newUploadPage();
  const file: FileSpec = { seed: 1, size: 64 * MiB, name: 'big.bin', lastModified: 1_700_000_000_000 };
  const out = await runUpload(page, spec('big.bin', file));
  assert.equal(out.error, undefined, `${JSON.stringify(out.error)} ${page.errors.join('\n')}`);
  const expected = fileBytes(file);
  assert.equal(out.result!.size, expected.length);
  assert.equal(out.result!.crc64, crc64(expected).toString());
  assert.equal(out.result!.resumedBytes, 0);
  assert.equal(out.result!.parts, 64, 'the ladder: 1 MiB parts');
  const start = out.events.find((e) => e.type === 'start')!;
  assert.equal(start.concurrency, 5, 'five parts in flight by default');
  assert.deepEqual(
    out.events.filter((e) => e.type !== 'part').map((e) => e.type),
    ['start', 'completing', 'complete'],
  );
  await assertObjectIs('big.bin', expected);
  await page.context().close();
});

test('a file within one part goes up in one PutObject, checked by its CRC-64', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newUploadPage();
  const file: FileSpec = { seed: 8, size: 300 * 1024 + 3, name: 'small.bin', lastModified: 1_700_000_000_006 };
  const out = await runUpload(page, spec('small.bin', file));
  assert.equal(out.error, undefined, `${JSON.stringify(out.error)} ${page.errors.join('\n')}`);
  assert.equal(out.result!.parts, 1);
  assert.equal(out.result!.crc64, crc64(fileBytes(file)).toString());
  await assertObjectIs('small.bin', fileBytes(file));
  await page.context().close();
});

test('a reload half way resumes, re-sending at most the parts that were in flight', {
  timeout: TEST_TIMEOUT,
}, async () => {
  const page = await newUploadPage();
  const parts = watchParts(page);
  const file: FileSpec = { seed: 2, size: 48 * MiB, name: 'reload.bin', lastModified: 1_700_000_000_001 };
  const upload = spec('reload.bin', file, { partSize: MiB, concurrency: 4 });
  await startUpload(page, upload);
  await progressReaches(page, 24 * MiB);
  await page.reload();
  const before = new Set(parts);
  parts.length = 0;
  await openUploadPage(page, tb.site.url('/'));
  const out = await runUpload(page, upload);
  assert.equal(out.error, undefined, `${JSON.stringify(out.error)} ${page.errors.join('\n')}`);
  const resent = parts.filter((n) => before.has(n));
  assert.ok(resent.length <= 4, `re-sent ${resent.length} parts already sent before the reload: ${resent}`);
  assert.ok(out.result!.resumedBytes >= 20 * MiB, `resumed ${out.result!.resumedBytes} bytes`);
  assert.equal(out.result!.resumedBytes + out.result!.transferredBytes, file.size);
  await assertObjectIs('reload.bin', fileBytes(file));
  await page.context().close();
});

test('a file picked through a handle resumes after a reload with no new pick', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newUploadPage();
  const file: FileSpec = { seed: 9, size: 24 * MiB, name: 'handle.bin', lastModified: 0 };
  const upload = spec('handle.bin', file, { partSize: MiB, concurrency: 3, handle: 'opfs' });
  await startUpload(page, upload);
  await progressReaches(page, 10 * MiB);
  await page.reload();
  await openUploadPage(page, tb.site.url('/'));
  const pending = await page.evaluate(async () =>
    (await (globalThis as any).ossup.pendingUploads()).map((p: any) => ({ ...p, handle: p.handle?.kind })),
  );
  assert.equal(pending.length, 1, JSON.stringify(pending));
  assert.deepEqual(
    [pending[0].bucket, pending[0].key, pending[0].name, pending[0].size, pending[0].handle],
    [tb.bucket, 'handle.bin', 'handle.bin', file.size, 'file'],
  );
  const out = await runUpload(page, { ...upload, handle: 'pending' });
  assert.equal(out.error, undefined, `${JSON.stringify(out.error)} ${page.errors.join('\n')}`);
  assert.ok(out.result!.resumedBytes >= 6 * MiB, `resumed ${out.result!.resumedBytes} bytes`);
  await assertObjectIs('handle.bin', fileBytes(file));
  assert.deepEqual(await page.evaluate(() => (globalThis as any).ossup.pendingUploads()), [], 'checkpoint removed');
  await page.context().close();
});

test('a second tab uploading the same file is refused while the first holds it', {
  timeout: TEST_TIMEOUT,
}, async () => {
  const first = await newUploadPage();
  const second = await first.context().newPage();
  await openUploadPage(second, tb.site.url('/'));
  const file: FileSpec = { seed: 10, size: 16 * MiB, name: 'tabs.bin', lastModified: 1_700_000_000_007 };
  const upload = spec('tabs.bin', file, { partSize: MiB, concurrency: 2 });
  await startUpload(first, upload);
  await progressReaches(first, 2 * MiB);
  const refused = await runUpload(second, upload);
  assert.equal(refused.error?.code, 'CheckpointLocked', JSON.stringify(refused.error));
  const out = await finishUpload(first);
  assert.equal(out.error, undefined, JSON.stringify(out.error));
  await assertObjectIs('tabs.bin', fileBytes(file));
  await first.context().close();
});

test('going offline mid-way fails the upload as a network error; back online, it resumes', {
  timeout: TEST_TIMEOUT,
}, async () => {
  const page = await newUploadPage();
  const file: FileSpec = { seed: 3, size: 32 * MiB, name: 'offline.bin', lastModified: 1_700_000_000_002 };
  const upload = spec('offline.bin', file, { partSize: MiB, concurrency: 4 });
  await startUpload(page, upload);
  await progressReaches(page, 12 * MiB);
  const offline = `${tb.srv.endpoint}/**`;
  await page.route(offline, (route) => route.abort('internetdisconnected'));
  const failed = await finishUpload(page);
  assert.equal(failed.error?.code, 'NetworkError', JSON.stringify(failed.error));
  await page.unroute(offline);
  const out = await runUpload(page, upload);
  assert.equal(out.error, undefined, `${JSON.stringify(out.error)} ${page.errors.join('\n')}`);
  assert.ok(out.result!.resumedBytes >= 8 * MiB, `resumed ${out.result!.resumedBytes} bytes`);
  await assertObjectIs('offline.bin', fileBytes(file));
  await page.context().close();
});

test('a changed file with the same name is never mixed into the object', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newUploadPage();
  const parts = watchParts(page);
  const original: FileSpec = { seed: 4, size: 16 * MiB, name: 'same.bin', lastModified: 1_700_000_000_003 };
  const upload = spec('same.bin', original, { partSize: MiB, concurrency: 2 });
  await startUpload(page, upload);
  await progressReaches(page, 8 * MiB);
  await page.evaluate(() => (globalThis as unknown as { ctrl: AbortController }).ctrl.abort());
  assert.equal((await finishUpload(page)).error?.code, 'Aborted');
  // Rewritten in place with its size and modification time put back: the checkpoint matches, the bytes do not. The
  // resume re-checks the parts on the server against the file's CRC-64 and sends the changed one again.
  const rewritten: FileSpec = { ...original, patch: { at: 0, size: 1000, seed: 99 } };
  parts.length = 0;
  const out = await runUpload(page, { ...upload, file: rewritten });
  assert.equal(out.error, undefined, `${JSON.stringify(out.error)} ${page.errors.join('\n')}`);
  assert.ok(parts.includes(1), 'part 1, whose bytes changed, was sent again');
  assert.ok(out.result!.resumedBytes > 0, 'the unchanged parts were resumed');
  await assertObjectIs('same.bin', fileBytes(rewritten));
  // A file of the same name with another modification time is another file: a fresh upload.
  const other: FileSpec = { ...original, seed: 5, lastModified: original.lastModified + 1000 };
  const fresh = await runUpload(page, { ...upload, file: other });
  assert.equal(fresh.error, undefined, JSON.stringify(fresh.error));
  assert.equal(fresh.result!.resumedBytes, 0);
  await assertObjectIs('same.bin', fileBytes(other));
  await page.context().close();
});

test('expired STS credentials are refreshed through the signer', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newUploadPage();
  const refreshes: boolean[] = [];
  let current = stsOld;
  await page.exposeFunction('nodeSign', (req: Parameters<typeof signHeaders>[0] & { refresh: boolean }) => {
    refreshes.push(req.refresh);
    if (req.refresh) current = stsNew; // the app's backend asks STS again
    return { headers: signHeaders(req, current, 'v4', 'cn-hangzhou', new Date()) };
  });
  const file: FileSpec = { seed: 6, size: 16 * MiB, name: 'sts.bin', lastModified: 1_700_000_000_004 };
  const upload = spec('sts.bin', file, { partSize: MiB, concurrency: 3, signer: true, credentials: undefined });
  await startUpload(page, upload);
  await progressReaches(page, 4 * MiB);
  stsOld.expiration = new Date(Date.now() - 1000).toISOString();
  const out = await finishUpload(page);
  assert.equal(out.error, undefined, `${JSON.stringify(out.error)} ${page.errors.join('\n')}`);
  const asked = refreshes.filter(Boolean).length;
  assert.ok(asked >= 1 && asked <= 3, `asked for fresh credentials ${asked} times (once per refused request)`);
  await assertObjectIs('sts.bin', fileBytes(file));
  await page.context().close();
});

test('a CORS rule without ExposeHeader fails once, naming the rule and the command', {
  timeout: TEST_TIMEOUT,
}, async (t) => {
  await setBucketCors(tb.srv, tb.bucket, [{ ...uploaderCorsRule([tb.site.origin]), ExposeHeader: [] }]);
  t.after(() => setBucketCors(tb.srv, tb.bucket, [uploaderCorsRule([tb.site.origin])]));
  const page = await newUploadPage();
  const parts = watchParts(page);
  const file: FileSpec = { seed: 7, size: 8 * MiB, name: 'cors.bin', lastModified: 1_700_000_000_005 };
  const out = await runUpload(page, spec('cors.bin', file, { partSize: MiB, concurrency: 2 }));
  assert.equal(out.error?.code, 'CorsHeadersHidden', JSON.stringify(out.error));
  assert.match(out.error!.message, /ETag, x-oss-hash-crc64ecma, x-oss-request-id/);
  assert.match(out.error!.message, /<ExposeHeader>ETag<\/ExposeHeader>/);
  assert.match(out.error!.message, new RegExp(`ossup cors set oss://${tb.bucket} --origin ${tb.site.origin}`));
  assert.ok(parts.length <= 2, `stopped at the first answers: ${parts.length} parts sent`);
  await page.context().close();
});
