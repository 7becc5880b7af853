// Logging, website and referer configurations: validated, stored and returned as written; website documents
// served to anonymous readers; the referer list checked on anonymous access.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

let srv: TestServer;
const B = 'configs';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B, { 'x-oss-acl': 'public-read' });
  await mkBucket(srv, 'log-target');
});
after(() => srv.close());

const conf = (method: string, name: string, body?: string) =>
  call(srv, { method, bucket: B, query: [[name, '']], ...(body !== undefined ? { body } : {}) });

test('logging: stored as written, target bucket checked, empty status or DELETE turns it off', async () => {
  assert.equal(xmlField((await conf('GET', 'logging')).text, 'TargetBucket'), undefined);
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<BucketLoggingStatus><LoggingEnabled><TargetBucket>log-target</TargetBucket><TargetPrefix>access/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>';
  assert.equal((await conf('PUT', 'logging', xml)).status, 200);
  assert.equal((await conf('GET', 'logging')).text, xml);
  assert.equal(
    errorCode(await conf('PUT', 'logging', xml.replace('log-target', 'no-such-target'))),
    'InvalidTargetBucketForLogging',
  );
  assert.equal(errorCode(await conf('PUT', 'logging', '<BucketLoggingStatus><LoggingEnabled>')), 'MalformedXML');
  assert.equal((await conf('PUT', 'logging', '<BucketLoggingStatus></BucketLoggingStatus>')).status, 200);
  assert.equal(xmlField((await conf('GET', 'logging')).text, 'TargetBucket'), undefined);
  await conf('PUT', 'logging', xml);
  assert.equal((await conf('DELETE', 'logging')).status, 204);
  assert.equal(xmlField((await conf('GET', 'logging')).text, 'TargetBucket'), undefined);
});

test('website: stored as written; index and error documents served to anonymous readers', async () => {
  assert.equal(errorCode(await conf('GET', 'website')), 'NoSuchWebsiteConfiguration');
  const xml =
    '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix><SupportSubDir>true</SupportSubDir></IndexDocument><ErrorDocument><Key>404.html</Key><HttpStatus>404</HttpStatus></ErrorDocument></WebsiteConfiguration>';
  assert.equal((await conf('PUT', 'website', xml)).status, 200);
  assert.equal((await conf('GET', 'website')).text, xml);
  await put(srv, B, 'index.html', '<h1>home</h1>', { 'content-type': 'text/html' });
  await put(srv, B, 'docs/index.html', '<h1>docs</h1>', { 'content-type': 'text/html' });
  await put(srv, B, '404.html', 'not here');
  await put(srv, B, 'page.txt', 'plain page');
  const anon = (key?: string) => call(srv, { bucket: B, ...(key !== undefined ? { key } : {}), sign: 'none' });
  const home = await anon();
  assert.equal(home.status, 200);
  assert.equal(home.text, '<h1>home</h1>');
  assert.equal(home.headers['content-type'], 'text/html');
  assert.equal((await anon('docs/')).text, '<h1>docs</h1>');
  assert.equal((await anon('page.txt')).text, 'plain page');
  const missing = await anon('nope.html');
  assert.equal(missing.status, 404);
  assert.equal(missing.text, 'not here');
  // Signed requests are ordinary API calls: the root lists, a missing key is NoSuchKey.
  assert.match((await call(srv, { bucket: B })).text, /<ListBucketResult>/);
  assert.equal(errorCode(await call(srv, { bucket: B, key: 'nope.html' })), 'NoSuchKey');
  assert.equal(
    errorCode(
      await conf(
        'PUT',
        'website',
        '<WebsiteConfiguration><IndexDocument><Suffix>a/b.html</Suffix></IndexDocument></WebsiteConfiguration>',
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(
    errorCode(
      await conf(
        'PUT',
        'website',
        '<WebsiteConfiguration><ErrorDocument><Key>e</Key><HttpStatus>500</HttpStatus></ErrorDocument></WebsiteConfiguration>',
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(
    errorCode(await conf('PUT', 'website', '<WebsiteConfiguration></WebsiteConfiguration>')),
    'MalformedXML',
  );
  assert.equal((await conf('DELETE', 'website')).status, 204);
  assert.equal(errorCode(await anon('nope.html')), 'NoSuchKey');
});

test('referer: stored as written; anonymous access checked against the list, signed requests are not', async () => {
  assert.equal(xmlField((await conf('GET', 'referer')).text, 'AllowEmptyReferer'), 'true');
  const xml =
    '<RefererConfiguration><AllowEmptyReferer>false</AllowEmptyReferer><RefererList><Referer>http://*.example.com</Referer><Referer>https://app.test/?</Referer></RefererList></RefererConfiguration>';
  assert.equal((await conf('PUT', 'referer', xml)).status, 200);
  assert.equal((await conf('GET', 'referer')).text, xml);
  await put(srv, B, 'pic.png', 'png');
  const anon = (referer?: string) =>
    call(srv, { bucket: B, key: 'pic.png', sign: 'none', headers: referer ? { referer } : {} });
  assert.equal((await anon('http://www.example.com')).text, 'png');
  assert.equal((await anon('http://www.example.com?x=1')).text, 'png', 'the query string is truncated by default');
  assert.equal((await anon('https://app.test/a')).text, 'png');
  const hot = await anon('http://evil.test/');
  assert.equal(hot.status, 403);
  assert.match(hot.text, /referer policy/);
  assert.equal(errorCode(await anon()), 'AccessDenied', 'an empty Referer is refused when AllowEmptyReferer is false');
  assert.equal((await call(srv, { bucket: B, key: 'pic.png' })).text, 'png', 'signed requests are not checked');
  assert.equal(
    errorCode(
      await conf(
        'PUT',
        'referer',
        '<RefererConfiguration><AllowEmptyReferer>maybe</AllowEmptyReferer></RefererConfiguration>',
      ),
    ),
    'InvalidArgument',
  );
  await conf(
    'PUT',
    'referer',
    '<RefererConfiguration><AllowEmptyReferer>true</AllowEmptyReferer><RefererList/></RefererConfiguration>',
  );
  assert.equal((await anon('http://evil.test/')).text, 'png');
});

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    test('logging, website and referer round-trip', async () => {
      const bucket = `cfg-ali-${i}`;
      const c = aliClient(srv, mode, bucket);
      await c.putBucket(bucket);
      await c.putBucketLogging(bucket, 'logs/');
      const log = await c.getBucketLogging(bucket);
      assert.deepEqual([log.enable, log.prefix], [true, 'logs/']);
      await c.deleteBucketLogging(bucket);
      assert.equal((await c.getBucketLogging(bucket)).enable, false);
      await c.putBucketWebsite(bucket, { index: 'home.html', error: 'err.html' });
      const site = await c.getBucketWebsite(bucket);
      assert.deepEqual([site.index, site.error], ['home.html', 'err.html']);
      await c.deleteBucketWebsite(bucket);
      assert.equal((await failure(c.getBucketWebsite(bucket))).status, 404);
      await c.putBucketReferer(bucket, false, ['https://a.test/*']);
      const ref = await c.getBucketReferer(bucket);
      assert.deepEqual([ref.allowEmpty, ref.referers], [false, ['https://a.test/*']]);
      await c.deleteBucketReferer(bucket);
      assert.equal((await c.getBucketReferer(bucket)).allowEmpty, true);
    });
  });
});
