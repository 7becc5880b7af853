// Issue 26 items 1, 3, 4 and 5: what the official SDKs' own tests read from OSS, each driven with the exact request
// shape (raw signed requests; ali-oss and ossup's client where they have a method).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { OssClient } from '../../../src/client/index.js';
import { parseListPartsResult } from '../../../src/core/xml.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField, xmlFields, type CallOptions } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

let srv: TestServer;
const B = 'shapes';
const STRANGER = { accessKeyId: 'LTAI-nobody-knows-me', accessKeySecret: 'whatever' };
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
});
after(() => srv.close());

function ours(): OssClient {
  return new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
}

test('a missing bucket is 404 NoSuchBucket before authentication; an existing one still checks the key', async () => {
  for (const sign of ['v1', 'v4', 'none'] as const) {
    const acl: CallOptions = { bucket: 'no-such-bucket-26', query: [['acl', '']], sign, creds: STRANGER };
    const r = await call(srv, acl);
    assert.deepEqual([r.status, errorCode(r)], [404, 'NoSuchBucket'], `${sign}: ${r.text}`);
    const head = await call(srv, { bucket: 'no-such-bucket-26', method: 'HEAD', sign, creds: STRANGER });
    assert.deepEqual([head.status, errorCode(head)], [404, 'NoSuchBucket']);
  }
  const known = await call(srv, { bucket: B, query: [['acl', '']], creds: STRANGER });
  assert.deepEqual([known.status, errorCode(known)], [403, 'InvalidAccessKeyId']);
  const anonymous = await call(srv, { bucket: B, query: [['acl', '']], sign: 'none' });
  assert.deepEqual([anonymous.status, errorCode(anonymous)], [403, 'AccessDenied']);
  // An invalid name is an error whoever asks, never "no such bucket".
  for (const creds of [STRANGER, srv.credentials]) {
    const bad = await call(srv, { bucket: 'Bad_Name', query: [['acl', '']], creds });
    assert.deepEqual([bad.status, errorCode(bad)], [400, 'InvalidBucketName']);
  }
  // PutBucket still authenticates: a stranger cannot create one.
  const create = await call(srv, { method: 'PUT', bucket: 'stranger-bucket', creds: STRANGER });
  assert.deepEqual([create.status, errorCode(create)], [403, 'InvalidAccessKeyId']);
  // ali-oss, as the SDKs' bucket-existence checks ask (GetBucketAcl), with a key the server does not know.
  for (const mode of MODES) {
    const c = aliClient({ ...srv, credentials: STRANGER }, mode);
    assert.equal((await failure(c.getBucketACL('no-such-bucket-26'))).code, 'NoSuchBucket');
    assert.equal((await failure(c.getBucketACL(B))).code, 'InvalidAccessKeyId');
  }
});

const CONTROL_KEY = 'ctl-a\x01b\x1fc';

test('DeleteMultipleObjects decodes numeric character references: control characters name the right key', async () => {
  await put(srv, B, CONTROL_KEY, 'x');
  await put(srv, B, 'ctl-abc', 'the key a lossy decoder would hit');
  const body = `<Delete><Quiet>false</Quiet><Object><Key>ctl-a&#01;b&#x1F;c</Key></Object></Delete>`;
  const headers = { 'content-md5': createHash('md5').update(body).digest('base64') };
  const url = await call(srv, {
    method: 'POST',
    bucket: B,
    query: [
      ['delete', ''],
      ['encoding-type', 'url'],
    ],
    headers,
    body,
  });
  assert.equal(url.status, 200, url.text);
  assert.equal(xmlField(url.text, 'EncodingType'), 'url');
  assert.deepEqual(xmlFields(url.text, 'Key'), ['ctl-a%01b%1Fc']);
  assert.equal((await call(srv, { bucket: B, key: CONTROL_KEY })).status, 404);
  assert.equal((await call(srv, { bucket: B, key: 'ctl-abc' })).text, 'the key a lossy decoder would hit');
  // Without encoding-type the key comes back as character references, decoded to the same key.
  await put(srv, B, CONTROL_KEY, 'x');
  const plain = await call(srv, { method: 'POST', bucket: B, query: [['delete', '']], headers, body });
  assert.deepEqual(xmlFields(plain.text, 'Key'), [CONTROL_KEY]);
  assert.equal((await call(srv, { bucket: B, key: CONTROL_KEY })).status, 404);
  // A named entity XML does not define is refused, not dropped into another key.
  const html = '<Delete><Object><Key>a&nbsp;b</Key></Object></Delete>';
  const refused = await call(srv, { method: 'POST', bucket: B, query: [['delete', '']], body: html });
  assert.deepEqual([refused.status, errorCode(refused)], [400, 'MalformedXML']);
  // ossup's own client writes control characters as references too.
  const c = ours();
  try {
    await c.putObject(B, CONTROL_KEY, 'y');
    assert.deepEqual((await c.deleteObjects(B, [CONTROL_KEY])).failed, []);
    assert.equal((await call(srv, { bucket: B, key: CONTROL_KEY })).status, 404);
  } finally {
    await c.close();
  }
});

test('Content-Language is stored and returned; HEAD ?objectMeta answers the size in Content-Length', async () => {
  await put(srv, B, 'lang', 'twelve bytes', { 'Content-Language': 'zh-CN' });
  for (const method of ['GET', 'HEAD']) {
    const r = await call(srv, { method, bucket: B, key: 'lang' });
    assert.equal(r.headers['content-language'], 'zh-CN');
  }
  const meta = await call(srv, { method: 'HEAD', bucket: B, key: 'lang', query: [['objectMeta', '']] });
  assert.equal(meta.status, 200);
  assert.equal(meta.headers['content-length'], '12');
  assert.equal(meta.body.length, 0);
  const ali = aliClient(srv, MODES[1], B);
  assert.equal((await ali.getObjectMeta('lang')).res.headers['content-length'], '12');
  await ali.put('ali-lang', Buffer.from('x'), { headers: { 'Content-Language': 'en-GB' } });
  assert.equal((await ali.head('ali-lang')).res.headers['content-language'], 'en-GB');
});

test('CopyObject REPLACE keeps the source Content-Type and client-side encryption envelope unless it sends its own', async () => {
  const envelope = {
    'x-oss-meta-client-side-encryption-key': 'nyXOp7delQ/MQLjKQMhHLaTHIB6q+C+RA6lGwqqYVa+n3aV5uWhygyv1MWmESurppg=',
    'x-oss-meta-client-side-encryption-cek-alg': 'AES/CTR/NoPadding',
  };
  await put(srv, B, 'cse-src', 'sealed', { 'Content-Type': 'text/plain', 'x-oss-meta-old': 'dropped', ...envelope });
  const copy = (key: string, headers: Record<string, string>) =>
    call(srv, {
      method: 'PUT',
      bucket: B,
      key,
      headers: { 'x-oss-copy-source': `/${B}/cse-src`, 'x-oss-metadata-directive': 'REPLACE', ...headers },
    });
  assert.equal((await copy('cse-dst', { 'x-oss-meta-flag': 'true' })).status, 200);
  const h = (await call(srv, { method: 'HEAD', bucket: B, key: 'cse-dst' })).headers;
  assert.equal(h['content-type'], 'text/plain');
  assert.equal(h['x-oss-meta-flag'], 'true');
  assert.equal(h['x-oss-meta-old'], undefined);
  assert.equal(h['x-oss-meta-client-side-encryption-key'], envelope['x-oss-meta-client-side-encryption-key']);
  assert.equal(h['x-oss-meta-client-side-encryption-cek-alg'], 'AES/CTR/NoPadding');
  // A request with its own Content-Type and envelope replaces both.
  await copy('cse-own', { 'Content-Type': 'text/csv', 'x-oss-meta-client-side-encryption-key': 'mine' });
  const own = (await call(srv, { method: 'HEAD', bucket: B, key: 'cse-own' })).headers;
  assert.equal(own['content-type'], 'text/csv');
  assert.equal(own['x-oss-meta-client-side-encryption-key'], 'mine');
  assert.equal(own['x-oss-meta-client-side-encryption-cek-alg'], undefined);
});

test('ListParts has StorageClass and ClientEncryption*; ListMultipartUploads always names the next markers', async () => {
  await mkBucket(srv, 'shapes-mpu');
  const init = await call(srv, {
    method: 'POST',
    bucket: 'shapes-mpu',
    key: 'enc.bin',
    query: [['uploads', '']],
    headers: {
      'x-oss-storage-class': 'IA',
      'x-oss-meta-client-side-encryption-key': 'a2V5',
      'x-oss-meta-client-side-encryption-start': 'c3RhcnQ=',
      'x-oss-meta-client-side-encryption-cek-alg': 'AES/CTR/NoPadding',
      'x-oss-meta-client-side-encryption-wrap-alg': 'RSA/NONE/PKCS1Padding',
      'x-oss-meta-client-side-encryption-data-size': '1024000',
      'x-oss-meta-client-side-encryption-part-size': '102400',
    },
  });
  const uploadId = xmlField(init.text, 'UploadId')!;
  const parts = await call(srv, { bucket: 'shapes-mpu', key: 'enc.bin', query: [['uploadId', uploadId]] });
  assert.equal(xmlField(parts.text, 'StorageClass'), 'IA');
  assert.equal(xmlField(parts.text, 'ClientEncryptionKey'), 'a2V5');
  assert.equal(xmlField(parts.text, 'ClientEncryptionStart'), 'c3RhcnQ=');
  assert.equal(xmlField(parts.text, 'ClientEncryptionCekAlg'), 'AES/CTR/NoPadding');
  assert.equal(xmlField(parts.text, 'ClientEncryptionWrapAlg'), 'RSA/NONE/PKCS1Padding');
  assert.equal(xmlField(parts.text, 'ClientEncryptionDataSize'), '1024000');
  assert.equal(xmlField(parts.text, 'ClientEncryptionPartSize'), '102400');
  assert.equal(parseListPartsResult(parts.text).storageClass, 'IA');
  const uploads = await call(srv, { bucket: 'shapes-mpu', query: [['uploads', '']] });
  assert.equal(xmlField(uploads.text, 'IsTruncated'), 'false');
  assert.equal(xmlField(uploads.text, 'NextKeyMarker'), 'enc.bin');
  assert.equal(xmlField(uploads.text, 'NextUploadIdMarker'), uploadId);
});

test('RestoreObject answers x-oss-object-restore-priority for ColdArchive and DeepColdArchive', async () => {
  const restore = (key: string, body: string) =>
    call(srv, { method: 'POST', bucket: B, key, query: [['restore', '']], body });
  await put(srv, B, 'cold', 'c', { 'x-oss-storage-class': 'ColdArchive' });
  const tiered = '<RestoreRequest><Days>1</Days><JobParameters><Tier>Expedited</Tier></JobParameters></RestoreRequest>';
  const r = await restore('cold', tiered);
  assert.deepEqual([r.status, r.headers['x-oss-object-restore-priority']], [202, 'Expedited']);
  await put(srv, B, 'deep', 'd', { 'x-oss-storage-class': 'DeepColdArchive' });
  const d = await restore('deep', '<RestoreRequest><Days>2</Days></RestoreRequest>');
  assert.deepEqual([d.status, d.headers['x-oss-object-restore-priority']], [202, 'Standard']);
  await put(srv, B, 'archive', 'a', { 'x-oss-storage-class': 'Archive' });
  const a = await restore('archive', '');
  assert.deepEqual([a.status, a.headers['x-oss-object-restore-priority']], [202, undefined]);
});

test('GetBucketInfo BlockPublicAccess, GetBucketStat DeepColdArchive* and DeleteMarkerCount', async () => {
  await mkBucket(srv, 'shapes-stat');
  await put(srv, 'shapes-stat', 'deep-1', 'abc', { 'x-oss-storage-class': 'DeepColdArchive' });
  await put(srv, 'shapes-stat', 'std', 'abcdef');
  const info = await call(srv, { bucket: 'shapes-stat', query: [['bucketInfo', '']] });
  assert.equal(xmlField(info.text, 'BlockPublicAccess'), 'false');
  const stat = await call(srv, { bucket: 'shapes-stat', query: [['stat', '']] });
  assert.equal(xmlField(stat.text, 'DeepColdArchiveObjectCount'), '1');
  assert.equal(xmlField(stat.text, 'DeepColdArchiveStorage'), '3');
  assert.equal(xmlField(stat.text, 'DeepColdArchiveRealStorage'), '3');
  assert.equal(xmlField(stat.text, 'DeleteMarkerCount'), '0');
  assert.equal(xmlField(stat.text, 'StandardObjectCount'), '1');
});

test('CORS AllowedHeader comes back lower-case, as OSS normalises it', async () => {
  const body =
    '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>' +
    '<AllowedHeader>GET</AllowedHeader><AllowedHeader>X-Oss-Meta-Foo</AllowedHeader>' +
    '<ExposeHeader>x-oss-test</ExposeHeader></CORSRule></CORSConfiguration>';
  assert.equal((await call(srv, { method: 'PUT', bucket: B, query: [['cors', '']], body })).status, 200);
  const got = await call(srv, { bucket: B, query: [['cors', '']] });
  assert.deepEqual(xmlFields(got.text, 'AllowedHeader'), ['get', 'x-oss-meta-foo']);
  assert.deepEqual(xmlFields(got.text, 'ExposeHeader'), ['x-oss-test']);
  const preflight = await call(srv, {
    method: 'OPTIONS',
    bucket: B,
    key: 'k',
    sign: 'none',
    headers: {
      Origin: 'http://a.example',
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'X-OSS-META-FOO',
    },
  });
  assert.equal(preflight.status, 200);
});
