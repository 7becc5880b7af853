// The browser harness itself: a page on one origin reads an object from the embedded server on another, allowed by
// the bucket's CORS rule and blocked without one (what every browser test stands on).
import assert from 'node:assert/strict';
import { browserAfter as after, browserBefore as before, browserTest as test } from '../helpers/browser.js';
import { put } from '../../harness/oss-http.js';
import { OssClient } from '../../src/client/index.js';
import { type BrowserTestbed, setBucketCors, startBrowserTestbed, uploaderCorsRule } from '../helpers/browser.js';

let tb: BrowserTestbed;
let client: OssClient;
before(async () => {
  tb = await startBrowserTestbed({ site: { pages: { '/': '<!doctype html><title>ossup test page</title>' } } });
  client = new OssClient({ endpoint: tb.srv.endpoint, credentials: tb.srv.credentials });
  await put(tb.srv, tb.bucket, 'hello.txt', 'hello from oss');
});
after(async () => {
  await client?.close();
  await tb?.close();
});

/** Fetches `url` in the page; a CORS refusal surfaces as the thrown TypeError's message. */
async function fetchInPage(
  url: string,
): Promise<{ status?: number; text?: string; etag?: string | null; error?: string }> {
  const page = await tb.newPage();
  try {
    await page.goto(tb.site.url('/'));
    return await page.evaluate(async (u) => {
      try {
        const r = await fetch(u);
        return { status: r.status, text: await r.text(), etag: r.headers.get('etag') };
      } catch (e) {
        return { error: String(e) };
      }
    }, url);
  } finally {
    await page.context().close();
  }
}

test('a cross-origin page reads an object through a presigned URL when the CORS rule allows its origin', {
  timeout: 120_000,
}, async () => {
  assert.notEqual(new URL(tb.site.origin).port, new URL(tb.srv.endpoint).port, 'two origins');
  const got = await fetchInPage(await client.presignUrl('GET', tb.bucket, 'hello.txt'));
  assert.equal(got.error, undefined);
  assert.equal(got.status, 200);
  assert.equal(got.text, 'hello from oss');
  assert.match(String(got.etag), /^"[0-9A-F]{32}"$/, 'ETag is exposed');
});

test('without a CORS rule the same read is blocked by the browser', { timeout: 120_000 }, async (t) => {
  await setBucketCors(tb.srv, tb.bucket, []);
  t.after(() => setBucketCors(tb.srv, tb.bucket, [uploaderCorsRule([tb.site.origin])]));
  const got = await fetchInPage(await client.presignUrl('GET', tb.bucket, 'hello.txt'));
  assert.equal(got.status, undefined);
  assert.match(String(got.error), /TypeError: Failed to fetch/);
});
