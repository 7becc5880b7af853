// Issue 26 bucket configurations: stored and returned as OSS shapes them, round-tripped with ali-oss where it
// has a method and with raw signed requests where it does not, durable across a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, xmlField, xmlFields } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

let srv: TestServer;
const B = 'subconfigs';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
});
after(() => srv.close());

const conf = (method: string, query: Array<[string, string]>, body?: string, sign: 'v1' | 'v4' = 'v1') =>
  call(srv, { method, bucket: B, query, sign, ...(body !== undefined ? { body } : {}) });

for (const mode of MODES) {
  test(`ali-oss round trip: tags, policy, encryption, request payment, inventory (${mode.name})`, async () => {
    const oss = aliClient(srv, mode, B);
    assert.deepEqual((await oss.getBucketTags(B)).tag, {});
    await oss.putBucketTags(B, { team: 'storage', env: 'test 1' });
    assert.deepEqual((await oss.getBucketTags(B)).tag, { team: 'storage', env: 'test 1' });
    await oss.deleteBucketTags(B);
    assert.deepEqual((await oss.getBucketTags(B)).tag, {});

    // ali-oss answers a missing policy with status 404 and policy null rather than throwing.
    assert.equal((await oss.getBucketPolicy(B)).status, 404);
    assert.equal(errorCode(await conf('GET', [['policy', '']])), 'NoSuchBucketPolicy');
    const policy = {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: ['oss:GetObject'], Principal: ['1234'], Resource: [`acs:oss:*:*:${B}/*`] },
      ],
    };
    await oss.putBucketPolicy(B, policy);
    assert.deepEqual((await oss.getBucketPolicy(B)).policy, policy);
    await oss.deleteBucketPolicy(B);
    assert.equal((await oss.getBucketPolicy(B)).policy, null);

    assert.equal((await failure(oss.getBucketEncryption(B))).code, 'NoSuchServerSideEncryptionRule');
    await oss.putBucketEncryption(B, { SSEAlgorithm: 'KMS', KMSMasterKeyID: 'key-1' });
    assert.deepEqual((await oss.getBucketEncryption(B)).encryption, { SSEAlgorithm: 'KMS', KMSMasterKeyID: 'key-1' });
    await oss.putBucketEncryption(B, { SSEAlgorithm: 'AES256' });
    assert.deepEqual((await oss.getBucketEncryption(B)).encryption, { SSEAlgorithm: 'AES256' });
    await oss.deleteBucketEncryption(B);
    assert.equal((await failure(oss.getBucketEncryption(B))).code, 'NoSuchServerSideEncryptionRule');

    assert.equal((await oss.getBucketRequestPayment(B)).payer, 'BucketOwner');
    await oss.putBucketRequestPayment(B, 'Requester');
    assert.equal((await oss.getBucketRequestPayment(B)).payer, 'Requester');
    await oss.putBucketRequestPayment(B, 'BucketOwner');

    const inventory = {
      id: 'daily',
      isEnabled: true,
      prefix: 'logs/',
      OSSBucketDestination: { format: 'CSV', accountId: '1000000000000000', rolename: 'AliyunOSSRole', bucket: B },
      frequency: 'Daily',
      includedObjectVersions: 'Current',
      optionalFields: { field: ['Size', 'LastModifiedDate'] },
    };
    await oss.putBucketInventory(B, inventory);
    await oss.putBucketInventory(B, { ...inventory, id: 'weekly', frequency: 'Weekly' });
    const got = (await oss.getBucketInventory(B, 'daily')).inventory;
    assert.equal(got.id, 'daily');
    assert.equal(got.prefix, 'logs/');
    assert.equal(got.frequency, 'Daily');
    assert.equal(got.OSSBucketDestination.bucket, B);
    const listed = await oss.listBucketInventory(B);
    assert.deepEqual(listed.inventoryList.map((i: { id: string }) => i.id).sort(), ['daily', 'weekly']);
    assert.equal(listed.isTruncated, false);
    await oss.deleteBucketInventory(B, 'daily');
    await oss.deleteBucketInventory(B, 'weekly');
    assert.equal((await failure(oss.getBucketInventory(B, 'daily'))).code, 'NoSuchInventory');
  });
}

test('bucket tags: checked as OSS checks them; DELETE ?tagging=k removes only those keys', async () => {
  const tags = (pairs: string[][]) =>
    `<Tagging><TagSet>${pairs.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>`;
  assert.equal(
    (
      await conf(
        'PUT',
        [['tagging', '']],
        tags([
          ['a', '1'],
          ['b', '2'],
          ['c', '3'],
        ]),
      )
    ).status,
    200,
  );
  assert.equal((await conf('DELETE', [['tagging', 'a,c']])).status, 204);
  assert.deepEqual(xmlFields((await conf('GET', [['tagging', '']])).text, 'Key'), ['b']);
  assert.equal(
    errorCode(
      await conf(
        'PUT',
        [['tagging', '']],
        tags([
          ['a', '1'],
          ['a', '2'],
        ]),
      ),
    ),
    'InvalidTag',
  );
  const many = Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']);
  assert.equal(errorCode(await conf('PUT', [['tagging', '']], tags(many))), 'InvalidTag');
  assert.equal(errorCode(await conf('PUT', [['tagging', '']], '<Tagging><TagSet>')), 'MalformedXML');
  await conf('DELETE', [['tagging', '']]);
});

test('raw: resource group, transfer acceleration, encryption errors, with V4 too', async () => {
  assert.equal(xmlField((await conf('GET', [['resourceGroup', '']])).text, 'ResourceGroupId'), 'rg-default');
  for (const sign of ['v1', 'v4'] as const) {
    const rg =
      '<BucketResourceGroupConfiguration><ResourceGroupId>rg-aek27tc1234</ResourceGroupId></BucketResourceGroupConfiguration>';
    assert.equal((await conf('PUT', [['resourceGroup', '']], rg, sign)).status, 200);
    assert.equal(
      xmlField((await conf('GET', [['resourceGroup', '']], undefined, sign)).text, 'ResourceGroupId'),
      'rg-aek27tc1234',
    );
    assert.equal(
      errorCode(await conf('PUT', [['resourceGroup', '']], rg.replace('rg-aek27tc1234', 'nope'), sign)),
      'InvalidArgument',
    );

    await conf(
      'PUT',
      [['transferAcceleration', '']],
      '<TransferAccelerationConfiguration><Enabled>false</Enabled></TransferAccelerationConfiguration>',
      sign,
    );
    const ta = '<TransferAccelerationConfiguration><Enabled>true</Enabled></TransferAccelerationConfiguration>';
    assert.equal((await conf('PUT', [['transferAcceleration', '']], ta, sign)).status, 200);
    assert.equal(
      xmlField((await conf('GET', [['transferAcceleration', '']], undefined, sign)).text, 'Enabled'),
      'true',
    );
    assert.equal(
      errorCode(await conf('PUT', [['transferAcceleration', '']], ta.replace('true', 'yes'), sign)),
      'InvalidArgument',
    );
  }
  const sse = (alg: string) =>
    `<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${alg}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>`;
  assert.equal(errorCode(await conf('PUT', [['encryption', '']], sse('DES'))), 'InvalidEncryptionAlgorithmError');
  assert.equal((await conf('PUT', [['encryption', '']], sse('SM4'))).status, 200);
  assert.equal(xmlField((await conf('GET', [['encryption', '']])).text, 'SSEAlgorithm'), 'SM4');
  // Anonymous callers cannot read or change a configuration.
  assert.equal((await call(srv, { bucket: B, query: [['encryption', '']], sign: 'none' })).status, 403);
});

test('raw: image styles, CNAMEs and replication rules, each a named collection', async () => {
  const style = (content: string) => `<Style><Content>${content}</Content></Style>`;
  assert.equal(
    (
      await conf(
        'PUT',
        [
          ['style', ''],
          ['styleName', 'thumb'],
        ],
        style('image/resize,p_50'),
      )
    ).status,
    200,
  );
  assert.equal(
    (
      await conf(
        'PUT',
        [
          ['style', ''],
          ['styleName', 'big'],
        ],
        style('image/resize,p_200'),
      )
    ).status,
    200,
  );
  const one = await conf('GET', [
    ['style', ''],
    ['styleName', 'thumb'],
  ]);
  assert.equal(xmlField(one.text, 'Name'), 'thumb');
  assert.equal(xmlField(one.text, 'Content'), 'image/resize,p_50');
  assert.deepEqual(xmlFields((await conf('GET', [['style', '']])).text, 'Name').sort(), ['big', 'thumb']);
  assert.equal(
    (
      await conf('DELETE', [
        ['style', ''],
        ['styleName', 'thumb'],
      ])
    ).status,
    204,
  );
  assert.equal(
    errorCode(
      await conf('GET', [
        ['style', ''],
        ['styleName', 'thumb'],
      ]),
    ),
    'NoSuchStyle',
  );

  const cname = (d: string) =>
    `<BucketCnameConfiguration><Cname><Domain>${d}</Domain></Cname></BucketCnameConfiguration>`;
  assert.equal(
    (
      await conf(
        'POST',
        [
          ['cname', ''],
          ['comp', 'add'],
        ],
        cname('static.example.com'),
      )
    ).status,
    200,
  );
  const cnames = await conf('GET', [['cname', '']]);
  assert.deepEqual(xmlFields(cnames.text, 'Domain'), ['static.example.com']);
  assert.equal(xmlField(cnames.text, 'Status'), 'Enabled');
  assert.equal(
    errorCode(
      await conf(
        'POST',
        [
          ['cname', ''],
          ['comp', 'add'],
        ],
        cname('not a domain'),
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(
    (
      await conf(
        'POST',
        [
          ['cname', ''],
          ['comp', 'delete'],
        ],
        cname('static.example.com'),
      )
    ).status,
    200,
  );
  assert.deepEqual(xmlFields((await conf('GET', [['cname', '']])).text, 'Domain'), []);
  const token = await conf(
    'POST',
    [
      ['cname', ''],
      ['comp', 'token'],
    ],
    cname('a.example.com'),
  );
  assert.equal(xmlField(token.text, 'API'), 'CreateCnameToken');

  assert.equal(errorCode(await conf('GET', [['replication', '']])), 'NoSuchReplicationConfiguration');
  const rule =
    '<ReplicationConfiguration><Rule><PrefixSet><Prefix>docs/</Prefix></PrefixSet><Action>PUT</Action><Destination><Bucket>dest</Bucket><Location>oss-cn-beijing</Location></Destination><HistoricalObjectReplication>enabled</HistoricalObjectReplication></Rule></ReplicationConfiguration>';
  const added = await conf(
    'POST',
    [
      ['replication', ''],
      ['comp', 'add'],
    ],
    rule,
  );
  assert.equal(added.status, 200);
  const id = String(added.headers['x-oss-replication-rule-id']);
  const got = (await conf('GET', [['replication', '']])).text;
  assert.equal(xmlField(got, 'ID'), id);
  assert.equal(xmlField(got, 'Prefix'), 'docs/');
  assert.equal(xmlField(got, 'Location'), 'oss-cn-beijing');
  assert.equal(xmlField(got, 'Status'), 'starting');
  const del = `<ReplicationRules><ID>${id}</ID></ReplicationRules>`;
  assert.equal(
    (
      await conf(
        'POST',
        [
          ['replication', ''],
          ['comp', 'delete'],
        ],
        del,
      )
    ).status,
    200,
  );
  assert.equal(errorCode(await conf('GET', [['replication', '']])), 'NoSuchReplicationConfiguration');
});

test('configurations survive a restart and go with the bucket', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-subconfigs-'));
  const a = await startTestServer({ root });
  try {
    await mkBucket(a, 'durable');
    const pab =
      '<PublicAccessBlockConfiguration><BlockPublicAccess>true</BlockPublicAccess></PublicAccessBlockConfiguration>';
    await call(a, { method: 'PUT', bucket: 'durable', query: [['publicAccessBlock', '']], body: pab });
    await call(a, {
      method: 'PUT',
      bucket: 'durable',
      query: [['tagging', '']],
      body: '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>',
    });
  } finally {
    await a.close();
  }
  const b = await startTestServer({ root });
  try {
    const block = await call(b, { bucket: 'durable', query: [['publicAccessBlock', '']] });
    assert.equal(xmlField(block.text, 'BlockPublicAccess'), 'true');
    assert.deepEqual(xmlFields((await call(b, { bucket: 'durable', query: [['tagging', '']] })).text, 'Key'), ['k']);
    // A bucket deleted and made again starts without its predecessor's configurations.
    assert.equal((await call(b, { method: 'DELETE', bucket: 'durable' })).status, 204);
    await mkBucket(b, 'durable');
    assert.deepEqual(xmlFields((await call(b, { bucket: 'durable', query: [['tagging', '']] })).text, 'Key'), []);
  } finally {
    await b.close();
    await rm(root, { recursive: true, force: true });
  }
});
