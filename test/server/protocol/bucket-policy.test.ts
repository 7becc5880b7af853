// Bucket policy enforcement (plain Allow/Deny on principal, action and resource) and Block Public Access
// (public ACLs and public policy grants ignored and refused), driven with raw signed and anonymous requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField } from '../../../harness/oss-http.js';

let srv: TestServer;
const OTHER = { accessKeyId: 'LTAI-other-key', accessKeySecret: 'other-secret-0123456789' };
before(async () => {
  srv = await startTestServer({ credentials: [OTHER] });
});
after(() => srv.close());

const policy = (...statements: object[]) => JSON.stringify({ Version: '1', Statement: statements });
const setPolicy = (bucket: string, doc: string) =>
  call(srv, { method: 'PUT', bucket, query: [['policy', '']], body: doc });
const anon = (bucket: string, key?: string, method = 'GET') =>
  call(srv, { method, bucket, ...(key !== undefined ? { key } : {}), sign: 'none' });

test('an Allow for "*" grants anonymous read of the matching keys of a private bucket, and only those', async () => {
  const B = 'policy-allow';
  await mkBucket(srv, B);
  await put(srv, B, 'pub/a.txt', 'public bytes');
  await put(srv, B, 'priv/b.txt', 'private bytes');
  assert.equal((await anon(B, 'pub/a.txt')).status, 403);
  const doc = policy({
    Effect: 'Allow',
    Principal: ['*'],
    Action: ['oss:GetObject'],
    Resource: [`acs:oss:*:*:${B}/pub/*`],
  });
  assert.equal((await setPolicy(B, doc)).status, 200);
  const got = await anon(B, 'pub/a.txt');
  assert.equal(got.status, 200);
  assert.equal(got.text, 'public bytes');
  assert.equal((await anon(B, 'pub/a.txt', 'HEAD')).status, 200);
  assert.equal((await anon(B, 'priv/b.txt')).status, 403);
  // GetObject does not grant listing, writing or reading the policy.
  assert.equal((await anon(B)).status, 403);
  assert.equal((await call(srv, { method: 'PUT', bucket: B, key: 'pub/new', body: 'x', sign: 'none' })).status, 403);
  assert.equal((await call(srv, { bucket: B, query: [['policy', '']], sign: 'none' })).status, 403);
  const status = await call(srv, { bucket: B, query: [['policyStatus', '']] });
  assert.equal(xmlField(status.text, 'IsPublic'), 'true');
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, query: [['policy', '']] })).status, 204);
  assert.equal((await anon(B, 'pub/a.txt')).status, 403);
});

test('a Deny on oss:GetObject refuses anonymous and signed callers alike; other actions stay allowed', async () => {
  const B = 'policy-deny';
  await mkBucket(srv, B, { 'x-oss-acl': 'public-read' });
  await put(srv, B, 'secret/s.txt', 'secret');
  await put(srv, B, 'open.txt', 'open');
  const doc = policy({
    Effect: 'Deny',
    Principal: ['*'],
    Action: ['oss:GetObject'],
    Resource: [`acs:oss:*:*:${B}/secret/*`],
  });
  assert.equal((await setPolicy(B, doc)).status, 200);
  assert.equal(errorCode(await anon(B, 'secret/s.txt')), 'AccessDenied');
  assert.equal(errorCode(await call(srv, { bucket: B, key: 'secret/s.txt' })), 'AccessDenied');
  assert.equal(errorCode(await call(srv, { bucket: B, key: 'secret/s.txt', creds: OTHER })), 'AccessDenied');
  assert.equal((await anon(B, 'open.txt')).text, 'open');
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, key: 'secret/s.txt' })).status, 204);
  // A Deny naming one AccessKeyId refuses that key only.
  await setPolicy(
    B,
    policy({ Effect: 'Deny', Principal: [OTHER.accessKeyId], Action: ['oss:*'], Resource: [`acs:oss:*:*:${B}/*`] }),
  );
  assert.equal(errorCode(await call(srv, { bucket: B, key: 'open.txt', creds: OTHER })), 'AccessDenied');
  assert.equal((await call(srv, { bucket: B, key: 'open.txt' })).text, 'open');
  // The policy itself stays manageable, so a bad Deny can always be removed.
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, query: [['policy', '']], creds: OTHER })).status, 204);
  assert.equal((await call(srv, { bucket: B, key: 'open.txt', creds: OTHER })).text, 'open');
});

test('a policy that is not a plain statement list is refused with InvalidPolicyDocument', async () => {
  const B = 'policy-bad';
  await mkBucket(srv, B);
  for (const doc of [
    'not json',
    JSON.stringify({ Version: '2', Statement: [] }),
    policy({ Effect: 'Maybe', Principal: ['*'], Action: ['oss:GetObject'], Resource: ['*'] }),
    policy({ Effect: 'Allow', Principal: ['*'], Resource: ['*'] }),
  ]) {
    const r = await setPolicy(B, doc);
    assert.equal(r.status, 400, doc);
    assert.equal(errorCode(r), 'InvalidPolicyDocument', doc);
  }
  assert.equal(errorCode(await call(srv, { bucket: B, query: [['policy', '']] })), 'NoSuchBucketPolicy');
});

test('Block Public Access: public ACLs and policies are ignored and cannot be set; off again restores them', async () => {
  const B = 'block-public';
  await mkBucket(srv, B, { 'x-oss-acl': 'public-read' });
  await put(srv, B, 'k', 'bytes');
  assert.equal((await anon(B, 'k')).status, 200);
  const pab = (on: boolean) =>
    `<PublicAccessBlockConfiguration><BlockPublicAccess>${on}</BlockPublicAccess></PublicAccessBlockConfiguration>`;
  const get = async () =>
    xmlField((await call(srv, { bucket: B, query: [['publicAccessBlock', '']] })).text, 'BlockPublicAccess');
  assert.equal(await get(), 'false');
  assert.equal(
    (await call(srv, { method: 'PUT', bucket: B, query: [['publicAccessBlock', '']], body: pab(true) })).status,
    200,
  );
  assert.equal(await get(), 'true');
  assert.equal(
    xmlField((await call(srv, { bucket: B, query: [['bucketInfo', '']] })).text, 'BlockPublicAccess'),
    'true',
  );
  assert.equal(errorCode(await anon(B, 'k')), 'AccessDenied');
  assert.equal(errorCode(await anon(B)), 'AccessDenied');
  const publicAcl = await call(srv, {
    method: 'PUT',
    bucket: B,
    query: [['acl', '']],
    headers: { 'x-oss-acl': 'public-read' },
  });
  assert.equal(errorCode(publicAcl), 'AccessDenied');
  assert.equal(errorCode(await put(srv, B, 'k2', 'x', { 'x-oss-object-acl': 'public-read-write' })), 'AccessDenied');
  assert.equal((await put(srv, B, 'k3', 'x', { 'x-oss-object-acl': 'private' })).status, 200);
  const publicPolicy = policy({ Effect: 'Allow', Principal: ['*'], Action: ['oss:GetObject'], Resource: ['*'] });
  assert.equal(errorCode(await setPolicy(B, publicPolicy)), 'AccessDenied');
  // Signed callers are not affected.
  assert.equal((await call(srv, { bucket: B, key: 'k' })).text, 'bytes');
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, query: [['publicAccessBlock', '']] })).status, 204);
  assert.equal(await get(), 'false');
  assert.equal((await anon(B, 'k')).text, 'bytes');
});
