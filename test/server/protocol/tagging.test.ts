// Object tagging (GET/PUT/DELETE ?tagging) and the bucket checks SDKs make (GetBucketInfo, HEAD bucket,
// GetBucketLocation, GetBucketStat), with raw requests, ali-oss in every mode, and our client.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { OssClient } from '../../../src/client/index.js';
import { ServiceError } from '../../../src/core/errors.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField, xmlFields } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

let srv: TestServer;
const B = 'tags';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
});
after(() => srv.close());

const tagging = (tags: Array<[string, string]>) =>
  `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>`;

test('tags set with x-oss-tagging read back; PUT replaces, DELETE clears; Last-Modified unchanged', async () => {
  const p = await put(srv, B, 'k', 'bytes', { 'x-oss-tagging': 'team=a%20b&env=prod' });
  assert.equal(p.status, 200);
  const g = await call(srv, { bucket: B, key: 'k', query: [['tagging', '']] });
  assert.equal(g.status, 200);
  assert.deepEqual(xmlFields(g.text, 'Key'), ['team', 'env']);
  assert.deepEqual(xmlFields(g.text, 'Value'), ['a b', 'prod']);
  const before = (await call(srv, { method: 'HEAD', bucket: B, key: 'k' })).headers;
  assert.equal(before['x-oss-tagging-count'], '2');
  const r = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'k',
    query: [['tagging', '']],
    body: tagging([
      ['x', '1'],
      ['y', ''],
    ]),
  });
  assert.equal(r.status, 200, r.text);
  const after = await call(srv, { method: 'HEAD', bucket: B, key: 'k' });
  assert.equal(after.headers['x-oss-tagging-count'], '2');
  assert.equal(after.headers['last-modified'], before['last-modified']);
  assert.deepEqual(xmlFields((await call(srv, { bucket: B, key: 'k', query: [['tagging', '']] })).text, 'Key'), [
    'x',
    'y',
  ]);
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, key: 'k', query: [['tagging', '']] })).status, 204);
  const empty = await call(srv, { bucket: B, key: 'k', query: [['tagging', '']] });
  assert.equal(empty.status, 200);
  assert.deepEqual(xmlFields(empty.text, 'Key'), []);
  assert.equal((await call(srv, { bucket: B, key: 'k' })).text, 'bytes');
});

test('tag rules: count, duplicates, lengths, characters, header syntax, missing object', async () => {
  await put(srv, B, 'rules', 'x');
  const putTags = (body: string) =>
    call(srv, { method: 'PUT', bucket: B, key: 'rules', query: [['tagging', '']], body });
  const many = Array.from({ length: 11 }, (_, i): [string, string] => [`k${i}`, 'v']);
  assert.equal(errorCode(await putTags(tagging(many))), 'InvalidTag');
  assert.equal(
    errorCode(
      await putTags(
        tagging([
          ['a', '1'],
          ['a', '2'],
        ]),
      ),
    ),
    'InvalidTag',
  );
  assert.equal(errorCode(await putTags(tagging([['k'.repeat(129), 'v']]))), 'InvalidTag');
  assert.equal(errorCode(await putTags(tagging([['k', 'v'.repeat(257)]]))), 'InvalidTag');
  assert.equal(errorCode(await putTags(tagging([['a&amp;b', 'v']]))), 'InvalidTag');
  assert.equal((await putTags(tagging([['k'.repeat(128), 'v'.repeat(256)]]))).status, 200);
  assert.equal((await putTags(tagging([['a+-=._:/ b', 'ok']]))).status, 200);
  assert.equal(errorCode(await putTags('<Tagging><TagSet>')), 'MalformedXML');
  assert.equal(errorCode(await put(srv, B, 'bad-header', 'x', { 'x-oss-tagging': 'aa=bb=cc' })), 'InvalidTag');
  assert.equal((await call(srv, { bucket: B, key: 'bad-header' })).status, 404);
  assert.equal(errorCode(await call(srv, { bucket: B, key: 'nope', query: [['tagging', '']] })), 'NoSuchKey');
  assert.equal(
    errorCode(await call(srv, { method: 'DELETE', bucket: B, key: 'nope', query: [['tagging', '']] })),
    'NoSuchKey',
  );
  assert.equal(
    errorCode(await call(srv, { bucket: B, key: 'rules', query: [['tagging', '']], sign: 'none' })),
    'AccessDenied',
  );
});

test('copy keeps the source tags unless x-oss-tagging-directive: Replace', async () => {
  await put(srv, B, 'src', 'x', { 'x-oss-tagging': 'a=1&b=2' });
  const copy = (key: string, h: Record<string, string>) =>
    call(srv, { method: 'PUT', bucket: B, key, headers: { 'x-oss-copy-source': `/${B}/src`, ...h } });
  assert.equal((await copy('c1', {})).status, 200);
  assert.equal((await call(srv, { method: 'HEAD', bucket: B, key: 'c1' })).headers['x-oss-tagging-count'], '2');
  assert.equal((await copy('c2', { 'x-oss-tagging-directive': 'REPLACE', 'x-oss-tagging': 'z=9' })).status, 200);
  assert.deepEqual(xmlFields((await call(srv, { bucket: B, key: 'c2', query: [['tagging', '']] })).text, 'Key'), ['z']);
  assert.equal((await copy('c3', { 'x-oss-tagging-directive': 'Replace' })).status, 200);
  assert.equal((await call(srv, { method: 'HEAD', bucket: B, key: 'c3' })).headers['x-oss-tagging-count'], undefined);
});

test('GetBucketInfo, HEAD bucket, GetBucketLocation, GetBucketStat; storage class from PutBucket is inherited', async () => {
  const create = `<CreateBucketConfiguration><StorageClass>IA</StorageClass></CreateBucketConfiguration>`;
  assert.equal(
    (await call(srv, { method: 'PUT', bucket: 'ia-bucket', body: create, headers: { 'x-oss-acl': 'public-read' } }))
      .status,
    200,
  );
  const info = await call(srv, { bucket: 'ia-bucket', query: [['bucketInfo', '']] });
  assert.equal(info.status, 200, info.text);
  assert.equal(xmlField(info.text, 'Name'), 'ia-bucket');
  assert.equal(xmlField(info.text, 'StorageClass'), 'IA');
  assert.equal(xmlField(info.text, 'Grant'), 'public-read');
  assert.equal(xmlField(info.text, 'Location'), 'oss-cn-hangzhou');
  assert.match(xmlField(info.text, 'CreationDate')!, /^\d{4}-\d\d-\d\dT.*Z$/);
  await put(srv, 'ia-bucket', 'o', 'abc');
  assert.equal(
    (await call(srv, { method: 'HEAD', bucket: 'ia-bucket', key: 'o' })).headers['x-oss-storage-class'],
    'IA',
  );
  await put(srv, 'ia-bucket', 'std', 'abcd', { 'x-oss-storage-class': 'standard' });
  assert.equal(
    (await call(srv, { method: 'HEAD', bucket: 'ia-bucket', key: 'std' })).headers['x-oss-storage-class'],
    'Standard',
  );
  assert.equal(
    errorCode(await put(srv, 'ia-bucket', 'bad', 'x', { 'x-oss-storage-class': 'Glacier' })),
    'InvalidArgument',
  );
  const badBucket = `<CreateBucketConfiguration><StorageClass>Cold</StorageClass></CreateBucketConfiguration>`;
  assert.equal(errorCode(await call(srv, { method: 'PUT', bucket: 'bad-class', body: badBucket })), 'InvalidArgument');
  const head = await call(srv, { method: 'HEAD', bucket: 'ia-bucket' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['x-oss-bucket-region'], 'oss-cn-hangzhou');
  const missing = await call(srv, { method: 'HEAD', bucket: 'no-such-bucket' });
  assert.equal(missing.status, 404);
  assert.equal(errorCode(missing), 'NoSuchBucket');
  assert.equal(errorCode(await call(srv, { bucket: 'no-such-bucket', query: [['bucketInfo', '']] })), 'NoSuchBucket');
  const loc = await call(srv, { bucket: 'ia-bucket', query: [['location', '']] });
  assert.match(loc.text, /<LocationConstraint>oss-cn-hangzhou<\/LocationConstraint>/);
  const stat = await call(srv, { bucket: 'ia-bucket', query: [['stat', '']] });
  assert.equal(xmlField(stat.text, 'ObjectCount'), '2');
  assert.equal(xmlField(stat.text, 'Storage'), '7');
  assert.equal(xmlField(stat.text, 'InfrequentAccessObjectCount'), '1');
});

test('an API ossup does not serve is a 501 NotImplemented naming it', async () => {
  const r = await call(srv, { method: 'PUT', bucket: B, query: [['replication', '']], body: '<x/>' });
  assert.equal(r.status, 501);
  assert.equal(errorCode(r), 'NotImplemented');
  assert.equal(xmlField(r.text, 'API'), 'PutBucketReplication');
  assert.match(xmlField(r.text, 'Message')!, /PutBucketReplication/);
});

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    test('object tagging and bucket info round-trip', async () => {
      const bucket = `tags-ali-${i}`;
      const c = aliClient(srv, mode, bucket);
      await c.putBucket(bucket, { StorageClass: 'Archive' });
      await c.put('obj', Buffer.from('data'), { headers: { 'x-oss-tagging': 'a=1' } });
      assert.deepEqual((await c.getObjectTagging('obj')).tag, { a: '1' });
      assert.equal((await c.putObjectTagging('obj', { team: 'x y', env: 'prod' })).status, 200);
      assert.deepEqual((await c.getObjectTagging('obj')).tag, { team: 'x y', env: 'prod' });
      assert.equal((await c.deleteObjectTagging('obj')).status, 204);
      assert.deepEqual((await c.getObjectTagging('obj')).tag, {});
      assert.equal((await failure(c.getObjectTagging('missing'))).status, 404);
      const info = await c.getBucketInfo(bucket);
      assert.equal(info.bucket.Name, bucket);
      assert.equal(info.bucket.StorageClass, 'Archive');
      assert.equal((await c.getBucketLocation(bucket)).location, 'oss-cn-hangzhou');
      assert.equal((await c.head('obj')).res.headers['x-oss-storage-class'], 'Archive');
      const stat = await c.getBucketStat(bucket);
      assert.equal(stat.stat.ObjectCount, '1');
    });
  });
});

test('our client: tagging, object ACL, bucket info', async () => {
  const c = new OssClient({ endpoint: srv.endpoint, credentials: srv.credentials });
  try {
    await c.putObject(B, 'ours', 'x', { acl: 'public-read', tagging: { a: '1' } });
    assert.deepEqual((await c.getObjectTagging(B, 'ours')).tags, { a: '1' });
    await c.putObjectTagging(B, 'ours', { k: 'v w', e: '' });
    assert.deepEqual((await c.getObjectTagging(B, 'ours')).tags, { k: 'v w', e: '' });
    await c.deleteObjectTagging(B, 'ours');
    assert.deepEqual((await c.getObjectTagging(B, 'ours')).tags, {});
    assert.equal((await c.getObjectAcl(B, 'ours')).acl, 'public-read');
    const info = await c.getBucketInfo(B);
    assert.deepEqual(
      [info.name, info.storageClass, info.acl, info.location],
      [B, 'Standard', 'private', 'oss-cn-hangzhou'],
    );
    await assert.rejects(
      c.putObjectTagging(B, 'ours', { 'a&b': '1' }),
      (e: unknown) => e instanceof ServiceError && e.code === 'InvalidTag',
    );
  } finally {
    await c.close();
  }
});
