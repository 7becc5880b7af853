// PostObject as a browser sends it: multipart/form-data to the bucket URL, signed policy in form fields
// (signed by ali-oss's own helpers, V1 and V4). A valid policy stores the object; a violating one is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, xmlField } from '../../../harness/oss-http.js';
import { aliClient, MODES } from './peers.js';

let srv: TestServer;
const B = 'forms';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
  await mkBucket(srv, 'open-forms', { 'x-oss-acl': 'public-read-write' });
});
after(() => srv.close());

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
const policyOf = (conditions: unknown[], expiration = inAnHour()) => ({ expiration, conditions });

function v1Fields(policy: object): Record<string, string> {
  const s = aliClient(srv, MODES[0], B).calculatePostSignature(policy) as {
    OSSAccessKeyId: string;
    Signature: string;
    policy: string;
  };
  return { OSSAccessKeyId: s.OSSAccessKeyId, policy: s.policy, Signature: s.Signature };
}

function v4Fields(policy: { expiration: string; conditions: unknown[] }): Record<string, string> {
  const c = aliClient(srv, MODES[1], B);
  const date = new Date();
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const credential = `${TEST_CREDENTIALS.accessKeyId}/${stamp.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`;
  const full = {
    ...policy,
    conditions: [
      ...policy.conditions,
      { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
      { 'x-oss-credential': credential },
      { 'x-oss-date': stamp },
    ],
  };
  const signature = c.signPostObjectPolicyV4(full, date) as string;
  return {
    policy: Buffer.from(JSON.stringify(full)).toString('base64'),
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-credential': credential,
    'x-oss-date': stamp,
    'x-oss-signature': signature,
  };
}

async function post(
  bucket: string,
  fields: Record<string, string>,
  file?: { name: string; data: Buffer; type: string },
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([file.data], { type: file.type }), file.name);
  const r = await fetch(`${srv.endpoint}/${bucket}`, { method: 'POST', body: form, headers, redirect: 'manual' });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text };
}

const codeOf = (text: string) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];

for (const [name, sign] of [
  ['V1', v1Fields],
  ['V4', v4Fields],
] as const) {
  test(`${name}: a valid policy stores the object (204 default, 201 with the XML answer, 200)`, async () => {
    const policy = policyOf([
      { bucket: B },
      ['starts-with', '$key', 'uploads/'],
      ['content-length-range', 1, 10_000],
      ['in', '$x-oss-meta-kind', ['photo', 'doc']],
    ]);
    const data = randomBytes(5000);
    const r = await post(
      B,
      { key: `uploads/${name}/\${filename}`, 'x-oss-meta-kind': 'photo', 'Cache-Control': 'no-cache', ...sign(policy) },
      { name: 'cat.png', data, type: 'image/png' },
    );
    assert.equal(r.status, 204, r.text);
    assert.match(String(r.headers.get('etag')), /^"[0-9A-F]{32}"$/);
    const g = await call(srv, { bucket: B, key: `uploads/${name}/cat.png` });
    assert.ok(g.body.equals(data));
    assert.equal(g.headers['content-type'], 'image/png');
    assert.equal(g.headers['x-oss-meta-kind'], 'photo');
    assert.equal(g.headers['cache-control'], 'no-cache');
    const created = await post(
      B,
      { key: `uploads/${name}/b.txt`, success_action_status: '201', 'x-oss-meta-kind': 'doc', ...sign(policy) },
      { name: 'b.txt', data: Buffer.from('bee'), type: 'text/plain' },
    );
    assert.equal(created.status, 201);
    assert.equal(xmlField(created.text, 'Key'), `uploads/${name}/b.txt`);
    assert.equal(xmlField(created.text, 'Bucket'), B);
    assert.match(xmlField(created.text, 'Location')!, /\/forms\/uploads\//);
    const ok = await post(
      B,
      { key: `uploads/${name}/c.txt`, success_action_status: '200', 'x-oss-meta-kind': 'doc', ...sign(policy) },
      { name: 'c.txt', data: Buffer.from('c'), type: 'text/plain' },
    );
    assert.equal(ok.status, 200);
  });

  test(`${name}: a form violating its policy is refused and nothing is stored`, async () => {
    const policy = policyOf([{ bucket: B }, ['starts-with', '$key', 'uploads/'], ['content-length-range', 10, 100]]);
    const file = { name: 'f.bin', data: randomBytes(50), type: 'application/octet-stream' };
    const outside = await post(B, { key: `elsewhere/${name}`, ...sign(policy) }, file);
    assert.equal(outside.status, 403);
    assert.equal(codeOf(outside.text), 'AccessDenied');
    assert.match(outside.text, /Invalid according to Policy/);
    assert.equal((await call(srv, { bucket: B, key: `elsewhere/${name}` })).status, 404);
    const big = await post(B, { key: `uploads/${name}-big`, ...sign(policy) }, { ...file, data: randomBytes(101) });
    assert.equal(codeOf(big.text), 'EntityTooLarge');
    const small = await post(B, { key: `uploads/${name}-small`, ...sign(policy) }, { ...file, data: randomBytes(9) });
    assert.equal(codeOf(small.text), 'EntityTooSmall');
    assert.equal((await call(srv, { bucket: B, key: `uploads/${name}-small` })).status, 404);
    const expired = await post(
      B,
      { key: `uploads/${name}-late`, ...sign(policyOf([], new Date(Date.now() - 1000).toISOString())) },
      file,
    );
    assert.equal(expired.status, 403);
    assert.match(expired.text, /Policy expired/);
    const otherBucket = await post(B, { key: `uploads/${name}-b`, ...sign(policyOf([{ bucket: 'another' }])) }, file);
    assert.equal(codeOf(otherBucket.text), 'AccessDenied');
    const tampered = { ...sign(policy) };
    tampered.policy = Buffer.from(JSON.stringify(policyOf([]))).toString('base64');
    assert.equal(
      codeOf((await post(B, { key: `uploads/${name}-t`, ...tampered }, file)).text),
      'SignatureDoesNotMatch',
    );
  });
}

test('form errors: partial auth fields, no file, two files, broken policy, anonymous on a private bucket', async () => {
  const file = { name: 'f', data: Buffer.from('x'), type: 'text/plain' };
  const partial = await post(B, { key: 'k', OSSAccessKeyId: TEST_CREDENTIALS.accessKeyId, policy: 'e30=' }, file);
  assert.equal(partial.status, 400);
  assert.equal(codeOf(partial.text), 'InvalidArgument');
  assert.equal(
    codeOf((await post(B, { key: 'k', ...v1Fields(policyOf([])) })).text),
    'IncorrectNumberOfFilesInPOSTRequest',
  );
  const broken = Buffer.from('not json').toString('base64');
  const sig = createHmac('sha1', TEST_CREDENTIALS.accessKeySecret).update(broken).digest('base64');
  assert.equal(
    codeOf(
      (await post(B, { key: 'k', OSSAccessKeyId: TEST_CREDENTIALS.accessKeyId, policy: broken, Signature: sig }, file))
        .text,
    ),
    'InvalidPolicyDocument',
  );
  const anon = await post(B, { key: 'anon' }, file);
  assert.equal(anon.status, 403);
  assert.equal(codeOf(anon.text), 'AccessDenied');
  const form = new FormData();
  form.append('key', 'two');
  form.append('file', new Blob(['a']), 'a');
  form.append('file', new Blob(['b']), 'b');
  const two = await fetch(`${srv.endpoint}/open-forms`, { method: 'POST', body: form });
  assert.equal(codeOf(await two.text()), 'IncorrectNumberOfFilesInPOSTRequest');
  const notForm = await call(srv, {
    method: 'POST',
    bucket: B,
    body: 'key=k',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(errorCode(notForm), 'MalformedPOSTRequest');
});

test('anonymous form upload to a public-read-write bucket; redirect; CORS headers for the browser', async () => {
  await call(srv, {
    method: 'PUT',
    bucket: 'open-forms',
    query: [['cors', '']],
    body: '<CORSConfiguration><CORSRule><AllowedOrigin>http://app.test</AllowedOrigin><AllowedMethod>POST</AllowedMethod></CORSRule></CORSConfiguration>',
  });
  const r = await post(
    'open-forms',
    { key: 'anon.txt' },
    { name: 'anon.txt', data: Buffer.from('hi'), type: 'text/plain' },
    { origin: 'http://app.test' },
  );
  assert.equal(r.status, 204, r.text);
  assert.equal(r.headers.get('access-control-allow-origin'), 'http://app.test');
  assert.equal((await call(srv, { bucket: 'open-forms', key: 'anon.txt' })).text, 'hi');
  const redirect = await post(
    'open-forms',
    { key: 'r.txt', success_action_redirect: 'http://app.test/done' },
    { name: 'r.txt', data: Buffer.from('r'), type: 'text/plain' },
  );
  assert.equal(redirect.status, 303);
  const to = new URL(redirect.headers.get('location')!);
  assert.equal(to.origin + to.pathname, 'http://app.test/done');
  assert.equal(to.searchParams.get('key'), 'r.txt');
});
