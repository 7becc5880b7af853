// Lifecycle: rules stored and returned, validated, and applied by the server against its (injected) clock:
// expiration, transition, and AbortMultipartUpload after N days, by an explicit sweep and by the timer.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, xmlField, xmlFields, type CallOptions } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

const DAY = 86_400_000;
let offset = 0;
const now = () => Date.now() + offset;
let srv: TestServer;
const B = 'life';
before(async () => {
  srv = await startTestServer({ now, lifecycleIntervalMs: 3_600_000 });
  await mkBucket(srv, B);
});
after(() => srv.close());

// Requests are signed at the server's (moved) time.
const at = (o: CallOptions) => call(srv, { ...o, date: new Date(now()) });
const RULES = `<LifecycleConfiguration>
  <Rule><ID>logs</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
  <Rule><ID>parts</ID><Prefix></Prefix><Status>Enabled</Status><AbortMultipartUpload><Days>2</Days></AbortMultipartUpload></Rule>
  <Rule><ID>cold</ID><Prefix>cold/</Prefix><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>IA</StorageClass></Transition></Rule>
  <Rule><ID>off</ID><Prefix>keep/</Prefix><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>
</LifecycleConfiguration>`;

test('rules apply on the server clock: expiration, transition, orphaned uploads aborted after N days', async () => {
  assert.equal(errorCode(await at({ bucket: B, query: [['lifecycle', '']] })), 'NoSuchLifecycle');
  const p = await at({ method: 'PUT', bucket: B, query: [['lifecycle', '']], body: RULES });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual(xmlFields((await at({ bucket: B, query: [['lifecycle', '']] })).text, 'ID'), [
    'logs',
    'parts',
    'cold',
    'off',
  ]);
  for (const key of ['logs/a', 'keep/b', 'cold/c']) await at({ method: 'PUT', bucket: B, key, body: key });
  const init = await at({ method: 'POST', bucket: B, key: 'big/x', query: [['uploads', '']] });
  const uploadId = xmlField(init.text, 'UploadId')!;
  await at({
    method: 'PUT',
    bucket: B,
    key: 'big/x',
    query: [
      ['partNumber', '1'],
      ['uploadId', uploadId],
    ],
    body: 'part',
  });

  assert.deepEqual(await srv.server.sweepLifecycle(), { expired: 0, transitioned: 0, aborted: 0 });
  offset = 1.5 * DAY;
  assert.deepEqual(await srv.server.sweepLifecycle(), { expired: 1, transitioned: 1, aborted: 0 });
  assert.equal((await at({ bucket: B, key: 'logs/a' })).status, 404);
  const cold = await at({ method: 'HEAD', bucket: B, key: 'cold/c' });
  assert.equal(cold.headers['x-oss-storage-class'], 'IA');
  assert.equal((await at({ bucket: B, key: 'keep/b' })).text, 'keep/b', 'a Disabled rule does nothing');
  assert.equal((await at({ bucket: B, key: 'big/x', query: [['uploadId', uploadId]] })).status, 200);
  offset = 2.5 * DAY;
  assert.deepEqual(await srv.server.sweepLifecycle(), { expired: 0, transitioned: 0, aborted: 1 });
  assert.equal(errorCode(await at({ bucket: B, key: 'big/x', query: [['uploadId', uploadId]] })), 'NoSuchUpload');
  assert.equal((await at({ method: 'DELETE', bucket: B, query: [['lifecycle', '']] })).status, 204);
  assert.equal(errorCode(await at({ bucket: B, query: [['lifecycle', '']] })), 'NoSuchLifecycle');
  offset = 0;
});

test('validation: statuses, days, dates, actions, transition classes, malformed XML', async () => {
  const rule = (inner: string, status = 'Enabled') =>
    `<LifecycleConfiguration><Rule><ID>r</ID><Prefix>p</Prefix><Status>${status}</Status>${inner}</Rule></LifecycleConfiguration>`;
  const putRules = (body: string) => at({ method: 'PUT', bucket: B, query: [['lifecycle', '']], body });
  assert.equal(errorCode(await putRules(rule('<Expiration><Days>1</Days></Expiration>', 'On'))), 'MalformedXML');
  assert.equal(errorCode(await putRules(rule('<Expiration><Days>0</Days></Expiration>'))), 'InvalidArgument');
  assert.equal(
    errorCode(
      await putRules(
        rule('<Expiration><Days>1</Days><CreatedBeforeDate>2024-01-01T00:00:00.000Z</CreatedBeforeDate></Expiration>'),
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(
    errorCode(
      await putRules(rule('<Expiration><CreatedBeforeDate>2024-01-01T10:00:00.000Z</CreatedBeforeDate></Expiration>')),
    ),
    'InvalidArgument',
  );
  assert.equal(
    (await putRules(rule('<Expiration><CreatedBeforeDate>2024-01-01T00:00:00.000Z</CreatedBeforeDate></Expiration>')))
      .status,
    200,
  );
  assert.equal(errorCode(await putRules(rule(''))), 'InvalidArgument');
  assert.equal(
    errorCode(await putRules(rule('<Transition><Days>1</Days><StorageClass>Standard</StorageClass></Transition>'))),
    'InvalidArgument',
  );
  assert.equal(
    errorCode(
      await putRules(
        rule(
          '<Transition><Days>30</Days><StorageClass>IA</StorageClass></Transition><Expiration><Days>10</Days></Expiration>',
        ),
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(errorCode(await putRules('<LifecycleConfiguration></LifecycleConfiguration>')), 'MalformedXML');
  assert.equal(errorCode(await putRules('<LifecycleConfiguration><Rule>')), 'MalformedXML');
});

test('the server applies the rules on its own timer', async () => {
  let shift = 0;
  const timed = await startTestServer({ now: () => Date.now() + shift, lifecycleIntervalMs: 20 });
  try {
    const c = (o: CallOptions) => call(timed, { ...o, date: new Date(Date.now() + shift) });
    await mkBucket(timed, 'timer');
    await c({
      method: 'PUT',
      bucket: 'timer',
      query: [['lifecycle', '']],
      body: '<LifecycleConfiguration><Rule><ID>a</ID><Prefix></Prefix><Status>Enabled</Status><AbortMultipartUpload><Days>1</Days></AbortMultipartUpload></Rule></LifecycleConfiguration>',
    });
    const id = xmlField(
      (await c({ method: 'POST', bucket: 'timer', key: 'orphan', query: [['uploads', '']] })).text,
      'UploadId',
    )!;
    shift = 2 * DAY;
    let gone = false;
    for (let i = 0; i < 200 && !gone; i++) {
      await sleep(20);
      gone = errorCode(await c({ bucket: 'timer', key: 'orphan', query: [['uploadId', id]] })) === 'NoSuchUpload';
    }
    assert.ok(gone, 'the orphaned upload was aborted by the timer');
  } finally {
    await timed.close();
  }
});

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    test('putBucketLifecycle, getBucketLifecycle, deleteBucketLifecycle', async () => {
      const bucket = `life-ali-${i}`;
      const c = aliClient(srv, mode, bucket);
      await c.putBucket(bucket);
      await c.putBucketLifecycle(bucket, [
        { id: 'r1', prefix: 'logs/', status: 'Enabled', expiration: { days: 30 } },
        {
          id: 'r2',
          prefix: 'tmp/',
          status: 'Enabled',
          abortMultipartUpload: { days: 1 },
          transition: { days: 10, storageClass: 'IA' },
        },
      ]);
      const got = await c.getBucketLifecycle(bucket);
      assert.deepEqual(
        got.rules.map((r: { id: string }) => r.id),
        ['r1', 'r2'],
      );
      assert.equal(got.rules[0].expiration.days, '30');
      assert.equal(got.rules[1].abortMultipartUpload.days, '1');
      assert.equal(got.rules[1].transition.storageClass, 'IA');
      await c.deleteBucketLifecycle(bucket);
      assert.equal((await failure(c.getBucketLifecycle(bucket))).status, 404);
    });
  });
});
