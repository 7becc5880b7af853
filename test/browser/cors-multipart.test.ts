// A page on another origin uploads through the embedded server's CORS: InitiateMultipartUpload, UploadPart and
// CompleteMultipartUpload with fetch, each URL presigned in Node (the page's backend signs, the page holds no key).
// Each request is preflighted by Chromium (POST/PUT with a query and a signed Content-Type), so this is the test of
// the server's preflight handling as a browser exercises it; with no CORS rule the browser blocks the first request.
import assert from 'node:assert/strict';
import { browserAfter as after, browserBefore as before, browserTest as test } from '../helpers/browser.js';
import { objectBytes } from '../../harness/cli.js';
import { crc64, crc64ToDecimal } from '../../src/core/crc64.js';
import { OssClient, type SignatureVersion } from '../../src/client/index.js';
import { type BrowserTestbed, setBucketCors, startBrowserTestbed, uploaderCorsRule } from '../helpers/browser.js';

let tb: BrowserTestbed;
let client: OssClient;
before(async () => {
  tb = await startBrowserTestbed({ site: { pages: { '/': '<!doctype html><title>multipart from a page</title>' } } });
  client = new OssClient({ endpoint: tb.srv.endpoint, credentials: tb.srv.credentials });
});
after(async () => {
  await client?.close();
  await tb?.close();
});

/** Part sizes: the first at OSS's 100 KiB minimum, the last smaller. */
const PARTS = [100 * 1024, 3000];

/** The bytes the page uploads, made the same way in Node and in the page: byte i is (i * 7 + 3) mod 251. */
function expected(): Buffer {
  const all = Buffer.alloc(PARTS.reduce((a, b) => a + b, 0));
  for (let i = 0; i < all.length; i++) all[i] = (i * 7 + 3) % 251;
  return all;
}

interface PageResult {
  error?: string;
  uploadId?: string;
  etags?: Array<string | null>;
  crc64?: string | null;
  status?: number;
}

/**
 * Runs the three-step upload in a fresh page; the page asks Node for each URL through an exposed `presign`
 * function (the shape of a backend signer).
 */
async function uploadFromPage(key: string, version: SignatureVersion): Promise<PageResult> {
  const page = await tb.newPage();
  try {
    await page.exposeFunction(
      'presign',
      (method: string, query: Array<[string, string]>, headers: Record<string, string>) =>
        client.presignUrl(method, tb.bucket, key, { query, headers, signatureVersion: version }),
    );
    await page.goto(tb.site.url('/'));
    const result = await page.evaluate(async (sizes): Promise<PageResult> => {
      const presign = (globalThis as any).presign as (
        m: string,
        q: Array<[string, string]>,
        h: Record<string, string>,
      ) => Promise<string>;
      try {
        const init = await fetch(await presign('POST', [['uploads', '']], {}), { method: 'POST' });
        if (!init.ok) return { status: init.status, error: await init.text() };
        const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await init.text())![1]!;
        const etags: Array<string | null> = [];
        let offset = 0;
        for (let n = 0; n < sizes.length; n++) {
          const part = new Uint8Array(sizes[n]!);
          for (let i = 0; i < part.length; i++) part[i] = ((offset + i) * 7 + 3) % 251;
          offset += part.length;
          const query: Array<[string, string]> = [
            ['partNumber', String(n + 1)],
            ['uploadId', uploadId],
          ];
          const r = await fetch(await presign('PUT', query, {}), { method: 'PUT', body: part });
          if (!r.ok) return { status: r.status, error: await r.text() };
          etags.push(r.headers.get('etag'));
        }
        const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
        const type = { 'content-type': 'application/xml' };
        const done = await fetch(await presign('POST', [['uploadId', uploadId]], type), {
          method: 'POST',
          headers: type,
          body: xml,
        });
        if (!done.ok) return { status: done.status, error: await done.text() };
        return { status: done.status, uploadId, etags, crc64: done.headers.get('x-oss-hash-crc64ecma') };
      } catch (e) {
        return { error: String(e) };
      }
    }, PARTS);
    if (result.error && page.errors.length) result.error += ` (page: ${page.errors.join('; ')})`;
    return result;
  } finally {
    await page.context().close();
  }
}

for (const version of ['v1', 'v4'] as const) {
  test(`cross-origin multipart upload from a page with ${version} presigned URLs`, { timeout: 120_000 }, async () => {
    const key = `from-page-${version}.bin`;
    const got = await uploadFromPage(key, version);
    assert.equal(got.error, undefined);
    assert.equal(got.status, 200);
    assert.equal(got.etags?.length, PARTS.length);
    for (const etag of got.etags ?? []) assert.match(String(etag), /^"[0-9A-F]{32}"$/, 'part ETags are exposed');
    assert.match(String(got.crc64), /^\d+$/, 'the CRC-64 header is exposed');
    const bytes = await objectBytes(client, tb.bucket, key);
    assert.ok(bytes.equals(expected()), 'the object holds exactly the bytes the page sent');
    assert.equal(got.crc64, crc64ToDecimal(crc64(expected())));
    assert.equal((await client.headObject(tb.bucket, key)).crc64?.toString(), got.crc64);
  });
}

test('with no CORS rule the browser blocks the upload before it starts', { timeout: 120_000 }, async (t) => {
  await setBucketCors(tb.srv, tb.bucket, []);
  t.after(() => setBucketCors(tb.srv, tb.bucket, [uploaderCorsRule([tb.site.origin])]));
  const got = await uploadFromPage('blocked.bin', 'v4');
  assert.equal(got.status, undefined);
  assert.match(String(got.error), /TypeError: Failed to fetch/);
  // The bodiless Initiate POST is a simple request (no preflight): it may reach the server, but the page cannot read
  // its UploadId, so no part is sent and nothing is stored.
  assert.equal(await objectExists('blocked.bin'), false);
});

test('a rule for another origin blocks it the same way', { timeout: 120_000 }, async (t) => {
  await setBucketCors(tb.srv, tb.bucket, [uploaderCorsRule(['http://localhost:5173'])]);
  t.after(() => setBucketCors(tb.srv, tb.bucket, [uploaderCorsRule([tb.site.origin])]));
  const got = await uploadFromPage('other-origin.bin', 'v1');
  assert.match(String(got.error), /TypeError: Failed to fetch/);
  assert.equal(await objectExists('other-origin.bin'), false);
});

async function objectExists(key: string): Promise<boolean> {
  return client.headObject(tb.bucket, key).then(
    () => true,
    (e: { status?: number }) => {
      if (e.status === 404) return false;
      throw e;
    },
  );
}
