// Bucket retention policy (WORM): the InProgress -> Locked state machine, OSS's XML and error codes, and its
// enforcement (no delete or overwrite of a retained object, no lifecycle expiry of one) on the server's injected
// clock; with raw signed requests and ali-oss. The policy survives a restart.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, xmlField, type CallOptions } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

const DAY = 86_400_000;
let offset = 0;
const now = () => Date.now() + offset;
let srv: TestServer;
before(async () => {
  srv = await startTestServer({ now, lifecycleIntervalMs: 3_600_000 });
});
after(() => srv.close());

// Requests are signed at the server's (moved) time.
const at = (o: CallOptions, t: TestServer = srv) => call(t, { ...o, date: new Date(now()) });
const initiate = (bucket: string, days: number | string, t?: TestServer) =>
  at(
    {
      method: 'POST',
      bucket,
      query: [['worm', '']],
      body: `<InitiateWormConfiguration><RetentionPeriodInDays>${days}</RetentionPeriodInDays></InitiateWormConfiguration>`,
    },
    t,
  );
const getWorm = (bucket: string, t?: TestServer) => at({ bucket, query: [['worm', '']] }, t);
const complete = (bucket: string, id: string) => at({ method: 'POST', bucket, query: [['wormId', id]] });
const extend = (bucket: string, id: string, days: number) =>
  at({
    method: 'POST',
    bucket,
    query: [
      ['wormExtend', ''],
      ['wormId', id],
    ],
    body: `<ExtendWormConfiguration><RetentionPeriodInDays>${days}</RetentionPeriodInDays></ExtendWormConfiguration>`,
  });
const putObj = (bucket: string, key: string, body: string) => at({ method: 'PUT', bucket, key, body });
const del = (bucket: string, key: string) => at({ method: 'DELETE', bucket, key });

test('Initiate -> Get (InProgress) -> Complete (Locked) -> Extend; Abort only while InProgress', async () => {
  offset = 0;
  const B = 'worm-states';
  await mkBucket(srv, B);
  assert.equal(errorCode(await getWorm(B)), 'NoSuchWORMConfiguration');
  assert.equal((await getWorm(B)).status, 404);
  assert.equal(errorCode(await initiate(B, 0)), 'InvalidWORMConfiguration');
  assert.equal(errorCode(await initiate(B, 25551)), 'InvalidWORMConfiguration');
  assert.equal(
    errorCode(await at({ method: 'POST', bucket: B, query: [['worm', '']], body: '<InitiateWormConfiguration/>' })),
    'MalformedXML',
  );

  const init = await initiate(B, 2);
  assert.equal(init.status, 200, init.text);
  const id = init.headers['x-oss-worm-id'] as string;
  assert.match(id, /^[0-9A-F]{16}$/);
  const got = await getWorm(B);
  assert.equal(got.status, 200);
  assert.equal(xmlField(got.text, 'WormId'), id);
  assert.equal(xmlField(got.text, 'State'), 'InProgress');
  assert.equal(xmlField(got.text, 'RetentionPeriodInDays'), '2');
  assert.match(xmlField(got.text, 'CreationDate') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.match(got.text, /<WormConfiguration><WormId>.*<\/WormId><State>.*<\/State><RetentionPeriodInDays>/s);
  // One policy at a time; Extend applies to a locked policy only; a wrong ID is 404.
  assert.equal(errorCode(await initiate(B, 3)), 'InvalidWORMConfiguration');
  assert.equal(errorCode(await extend(B, id, 5)), 'InvalidWORMConfiguration');
  assert.equal(errorCode(await complete(B, 'NOT-THE-ID')), 'NoSuchWORMConfiguration');

  // Abort while InProgress: gone; its ID no longer locks anything.
  assert.equal((await at({ method: 'DELETE', bucket: B, query: [['worm', '']] })).status, 204);
  assert.equal(errorCode(await getWorm(B)), 'NoSuchWORMConfiguration');
  assert.equal(errorCode(await complete(B, id)), 'NoSuchWORMConfiguration');
  assert.equal(errorCode(await at({ method: 'DELETE', bucket: B, query: [['worm', '']] })), 'NoSuchWORMConfiguration');

  const id2 = (await initiate(B, 2)).headers['x-oss-worm-id'] as string;
  assert.notEqual(id2, id);
  assert.equal((await complete(B, id2)).status, 200);
  assert.equal(xmlField((await getWorm(B)).text, 'State'), 'Locked');
  const abort = await at({ method: 'DELETE', bucket: B, query: [['worm', '']] });
  assert.equal(abort.status, 403);
  assert.equal(errorCode(abort), 'WORMConfigurationLocked');
  assert.equal(errorCode(await initiate(B, 9)), 'WORMConfigurationLocked');
  assert.equal(errorCode(await extend(B, id2, 2)), 'InvalidWORMConfiguration', 'not longer');
  assert.equal(errorCode(await extend(B, id2, 1)), 'InvalidWORMConfiguration', 'shorter');
  assert.equal((await extend(B, id2, 30)).status, 200);
  assert.equal(xmlField((await getWorm(B)).text, 'RetentionPeriodInDays'), '30');
});

test('an InProgress policy lapses after 24 hours of server time', async () => {
  offset = 0;
  const B = 'worm-lapse';
  await mkBucket(srv, B);
  const id = (await initiate(B, 1)).headers['x-oss-worm-id'] as string;
  offset = 23 * 3600 * 1000;
  assert.equal(xmlField((await getWorm(B)).text, 'State'), 'InProgress');
  offset = 25 * 3600 * 1000;
  assert.equal(errorCode(await getWorm(B)), 'NoSuchWORMConfiguration');
  assert.equal(errorCode(await complete(B, id)), 'NoSuchWORMConfiguration');
  assert.equal((await initiate(B, 1)).status, 200, 'a lapsed policy makes way for a new one');
  offset = 0;
});

test('a retained object is neither deleted nor overwritten; after the retention period it is', async () => {
  offset = 0;
  const B = 'worm-enforce';
  await mkBucket(srv, B);
  await putObj(B, 'old', 'v1');
  await putObj(B, 'k', 'kept');
  const id = (await initiate(B, 1)).headers['x-oss-worm-id'] as string;
  // InProgress already protects (OSS: "within the 24 hours, the retention policy protects the data").
  const refused = await del(B, 'k');
  assert.equal(refused.status, 409);
  assert.equal(errorCode(refused), 'FileImmutable');
  assert.equal((await complete(B, id)).status, 200);

  assert.equal(errorCode(await del(B, 'k')), 'FileImmutable');
  assert.equal(errorCode(await putObj(B, 'k', 'overwrite')), 'FileImmutable');
  assert.equal(
    errorCode(await at({ method: 'PUT', bucket: B, key: 'k', headers: { 'x-oss-copy-source': `/${B}/old` } })),
    'FileImmutable',
  );
  const batch = await at({
    method: 'POST',
    bucket: B,
    query: [['delete', '']],
    body: '<Delete><Quiet>false</Quiet><Object><Key>new-free</Key></Object><Object><Key>k</Key></Object></Delete>',
  });
  assert.equal(errorCode(batch), 'FileImmutable');
  // Multipart completion onto the key is an overwrite too.
  const up = xmlField((await at({ method: 'POST', bucket: B, key: 'k', query: [['uploads', '']] })).text, 'UploadId')!;
  const part = await at({
    method: 'PUT',
    bucket: B,
    key: 'k',
    query: [
      ['partNumber', '1'],
      ['uploadId', up],
    ],
    body: 'part',
  });
  const done = await at({
    method: 'POST',
    bucket: B,
    key: 'k',
    query: [['uploadId', up]],
    body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag}</ETag></Part></CompleteMultipartUpload>`,
  });
  assert.equal(errorCode(done), 'FileImmutable');
  assert.equal((await at({ bucket: B, key: 'k' })).text, 'kept', 'the object is untouched');
  // New keys can still be written (WORM: write once, read many); the bucket with objects cannot be deleted.
  assert.equal((await putObj(B, 'fresh', 'new')).status, 200);
  assert.equal(errorCode(await at({ method: 'DELETE', bucket: B })), 'BucketNotEmpty');

  offset = 1.5 * DAY;
  assert.equal((await putObj(B, 'k', 'rewritten')).status, 200);
  assert.equal((await at({ bucket: B, key: 'k' })).text, 'rewritten');
  // 'k' was just rewritten: retained again from its new Last-Modified.
  assert.equal(errorCode(await del(B, 'k')), 'FileImmutable');
  assert.equal((await del(B, 'old')).status, 204);
  offset = 0;
});

test('lifecycle expiry skips a retained object and takes it once the period is over', async () => {
  offset = 0;
  const B = 'worm-life';
  await mkBucket(srv, B);
  await at({
    method: 'PUT',
    bucket: B,
    query: [['lifecycle', '']],
    body: '<LifecycleConfiguration><Rule><ID>x</ID><Prefix></Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>',
  });
  await putObj(B, 'doc', 'retained');
  const id = (await initiate(B, 3)).headers['x-oss-worm-id'] as string;
  await complete(B, id);
  offset = 2 * DAY;
  await srv.server.sweepLifecycle();
  assert.equal((await at({ bucket: B, key: 'doc' })).text, 'retained');
  offset = 3.5 * DAY;
  await srv.server.sweepLifecycle();
  assert.equal((await at({ bucket: B, key: 'doc' })).status, 404);
  offset = 0;
});

test('with versioning enabled a plain delete adds a marker; deleting a retained version is refused', async () => {
  offset = 0;
  const B = 'worm-versions';
  await mkBucket(srv, B);
  await at({
    method: 'PUT',
    bucket: B,
    query: [['versioning', '']],
    body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
  });
  const v1 = (await putObj(B, 'k', 'one')).headers['x-oss-version-id'] as string;
  const id = (await initiate(B, 1)).headers['x-oss-worm-id'] as string;
  await complete(B, id);
  assert.equal((await putObj(B, 'k', 'two')).status, 200, 'a new version keeps the old one');
  const marker = await del(B, 'k');
  assert.equal(marker.status, 204);
  assert.equal(marker.headers['x-oss-delete-marker'], 'true');
  const refused = await at({ method: 'DELETE', bucket: B, key: 'k', query: [['versionId', v1]] });
  assert.equal(errorCode(refused), 'FileImmutable');
  const markerId = marker.headers['x-oss-version-id'] as string;
  assert.equal((await at({ method: 'DELETE', bucket: B, key: 'k', query: [['versionId', markerId]] })).status, 204);
  assert.equal((await at({ bucket: B, key: 'k', query: [['versionId', v1]] })).text, 'one');
});

test('the policy survives a server restart', async () => {
  const first = await startTestServer({ now });
  const root = first.root;
  let second: TestServer | undefined;
  try {
    await mkBucket(first, 'worm-restart');
    await at({ method: 'PUT', bucket: 'worm-restart', key: 'k', body: 'x' }, first);
    const id = (await initiate('worm-restart', 7, first)).headers['x-oss-worm-id'] as string;
    await first.server.close();
    second = await startTestServer({ now, root });
    const got = await getWorm('worm-restart', second);
    assert.equal(xmlField(got.text, 'WormId'), id);
    assert.equal(xmlField(got.text, 'RetentionPeriodInDays'), '7');
    assert.equal(errorCode(await at({ method: 'DELETE', bucket: 'worm-restart', key: 'k' }, second)), 'FileImmutable');
  } finally {
    await second?.server.close();
    const { rm } = await import('node:fs/promises');
    await rm(root, { recursive: true, force: true });
  }
});

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    test('initiateBucketWorm, getBucketWorm, completeBucketWorm, extendBucketWorm, abortBucketWorm', async () => {
      offset = 0;
      const bucket = `worm-ali-${i}`;
      const c = aliClient(srv, mode, bucket);
      await c.putBucket(bucket);
      const init = await c.initiateBucketWorm(bucket, '1');
      assert.equal(init.status, 200);
      assert.ok(init.wormId);
      const got = await c.getBucketWorm(bucket);
      assert.equal(got.wormId, init.wormId);
      assert.equal(got.state, 'InProgress');
      assert.equal(got.days, '1');
      assert.equal((await c.abortBucketWorm(bucket)).status, 204);
      assert.equal((await failure(c.getBucketWorm(bucket))).code, 'NoSuchWORMConfiguration');
      const again = await c.initiateBucketWorm(bucket, '1');
      assert.equal((await c.completeBucketWorm(bucket, again.wormId)).status, 200);
      assert.equal((await c.extendBucketWorm(bucket, again.wormId, '2')).status, 200);
      const locked = await c.getBucketWorm(bucket);
      assert.equal(locked.state, 'Locked');
      assert.equal(locked.days, '2');
      await c.put('k', Buffer.from('x'));
      assert.equal((await failure(c.delete('k'))).code, 'FileImmutable');
    });
  });
});
