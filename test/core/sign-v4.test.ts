import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { SignableRequest } from '../../src/core/canonical.js';
import {
  authorizationV4,
  canonicalQueryV4,
  canonicalRequestV4,
  canonicalUriV4,
  formatV4Date,
  parseAuthorizationV4,
  presignV4,
  signatureV4,
  signingKeyV4,
  stringToSignV4,
} from '../../src/core/sign-v4.js';
import { ArgumentError } from '../../src/core/errors.js';

const creds = { accessKeyId: 'ak', accessKeySecret: 'sk' };
const region = 'cn-hangzhou';
const KEY = '1234+-/123/1.txt';
// url.Values{param1=value1, +param1=value3, |param1=value4, +param2=, |param2=, param2=}, decoded.
const QUERY: Array<[string, string]> = [
  ['param1', 'value1'],
  ['+param1', 'value3'],
  ['|param1', 'value4'],
  ['+param2', ''],
  ['|param2', ''],
  ['param2', ''],
];
const HEADERS = {
  'x-oss-head1': 'value',
  abc: 'value',
  zabc: 'value',
  xyz: 'value',
  'content-type': 'text/plain',
  'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
};

function headerRequest(unix: number, extra: Record<string, string> = {}): { date: Date; req: SignableRequest } {
  const date = new Date(unix * 1000);
  return {
    date,
    req: {
      method: 'PUT',
      bucket: 'bucket',
      key: KEY,
      query: QUERY,
      headers: { ...HEADERS, 'x-oss-date': formatV4Date(date), ...extra },
    },
  };
}

function presignRequest(unix: number): { date: Date; req: SignableRequest } {
  const { 'x-oss-content-sha256': _omit, ...rest } = HEADERS;
  return {
    date: new Date(unix * 1000),
    req: {
      method: 'PUT',
      bucket: 'bucket',
      key: KEY,
      query: QUERY,
      headers: { ...rest, 'content-type': 'application/octet-stream' },
    },
  };
}

test('V4 vector 1: canonical request and Authorization', () => {
  const { date, req } = headerRequest(1702743657);
  assert.equal(
    canonicalRequestV4(req, []),
    'PUT\n/bucket/1234%2B-/123/1.txt\n%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\n' +
      'content-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231216T162057Z\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD',
  );
  assert.equal(
    authorizationV4(req, creds, { date, region }),
    'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,' +
      'Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
  );
});

test('V4 vector 2: STS token in x-oss-security-token', () => {
  const { date, req } = headerRequest(1702784856, { 'x-oss-security-token': 'token' });
  assert.equal(
    authorizationV4(req, { ...creds, securityToken: 'token' }, { date, region }),
    'OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,' +
      'Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea',
  );
});

test('V4 vector 3: additional headers [ZAbc, abc] -> abc;zabc', () => {
  const { date, req } = headerRequest(1702747512);
  assert.equal(
    authorizationV4(req, creds, { date, region, additionalHeaders: ['ZAbc', 'abc'] }),
    'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,' +
      'Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f',
  );
});

test('V4 vector 4: presigned', () => {
  const { date, req } = presignRequest(1702781677);
  const pairs = presignV4(req, creds, { date, region }, 1702782276 - 1702781677);
  assert.deepEqual(pairs, [
    ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
    ['x-oss-credential', 'ak/20231217/cn-hangzhou/oss/aliyun_v4_request'],
    ['x-oss-date', '20231217T025437Z'],
    ['x-oss-expires', '599'],
    ['x-oss-signature', 'a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe'],
  ]);
});

test('V4 vector 4: presigned with token', () => {
  const { date, req } = presignRequest(1702785388);
  const pairs = presignV4(req, { ...creds, securityToken: 'token' }, { date, region }, 599);
  assert.deepEqual(
    pairs.find(([k]) => k === 'x-oss-date'),
    ['x-oss-date', '20231217T035628Z'],
  );
  assert.deepEqual(
    pairs.find(([k]) => k === 'x-oss-security-token'),
    ['x-oss-security-token', 'token'],
  );
  assert.deepEqual(pairs.at(-1), [
    'x-oss-signature',
    '3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5',
  ]);
});

test('V4 vector 4: presigned with additional headers', () => {
  const { date, req } = presignRequest(1702783809);
  const pairs = presignV4(req, creds, { date, region, additionalHeaders: ['ZAbc', 'abc'] }, 599);
  assert.deepEqual(
    pairs.find(([k]) => k === 'x-oss-date'),
    ['x-oss-date', '20231217T033009Z'],
  );
  assert.deepEqual(
    pairs.find(([k]) => k === 'x-oss-additional-headers'),
    ['x-oss-additional-headers', 'abc;zabc'],
  );
  assert.deepEqual(pairs.at(-1), [
    'x-oss-signature',
    '6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7',
  ]);
});

test('server-side verification of a presigned URL reproduces the signature from the received query', () => {
  const { date, req } = presignRequest(1702783809);
  const pairs = presignV4(req, creds, { date, region, additionalHeaders: ['abc', 'zabc'] }, 599);
  // The server sees every pair, including x-oss-signature, which canonicalQueryV4 leaves out.
  const received: SignableRequest = { ...req, query: [...req.query, ...pairs] };
  const sts = stringToSignV4(canonicalRequestV4(received, ['abc', 'zabc']), date, region);
  assert.equal(signatureV4('sk', sts, date, region), pairs.at(-1)?.[1]);
});

test('canonical URI and query forms', () => {
  assert.equal(canonicalUriV4(), '/');
  assert.equal(canonicalUriV4('b'), '/b/');
  assert.equal(canonicalUriV4('b', 'a b/c~d*e'), '/b/a%20b/c~d%2Ae');
  assert.equal(canonicalUriV4('b', '中'), '/b/%E4%B8%AD');
  assert.equal(
    canonicalQueryV4([
      ['acl', ''],
      ['b', 'x y'],
      ['a', '2'],
      ['a', '1'],
    ]),
    'a=1&a=2&acl&b=x%20y',
  );
});

test('signing key is the documented HMAC chain', () => {
  assert.equal(signingKeyV4('sk', '20231216', region).length, 32);
  assert.notDeepEqual(signingKeyV4('sk', '20231216', region), signingKeyV4('sk', '20231217', region));
});

test('the kept signing key follows a new day, region and secret (signatures as if derived afresh)', () => {
  // The chain written out here, independent of signingKeyV4's cache.
  const hmac = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();
  const fresh = (secret: string, day: string, r: string) =>
    hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, day), r), 'oss'), 'aliyun_v4_request');
  const sts = 'OSS4-HMAC-SHA256\n...';
  const expect = (secret: string, at: Date, r: string) =>
    createHmac('sha256', fresh(secret, formatV4Date(at).slice(0, 8), r))
      .update(sts)
      .digest('hex');
  const day1 = new Date(Date.UTC(2026, 11, 6, 23, 59, 59));
  const day2 = new Date(Date.UTC(2026, 11, 7, 0, 0, 0)); // one second later, the next UTC day
  for (const [secret, at, r] of [
    ['sk', day1, region],
    ['sk', day1, region], // kept
    ['sk', day2, region], // midnight: a new key
    ['sk2', day2, region], // rotated secret
    ['sk2', day2, 'cn-beijing'], // another region
    ['sk', day1, region], // and back
  ] as const) {
    assert.equal(signatureV4(secret, sts, at, r), expect(secret, at, r), `${secret} ${at.toISOString()} ${r}`);
  }
});

test('authorizationV4 refuses a missing/mismatched x-oss-date or a missing token header', () => {
  const { date, req } = headerRequest(1702743657);
  assert.throws(() => authorizationV4(req, creds, { date: new Date(date.getTime() + 1000), region }), ArgumentError);
  assert.throws(() => authorizationV4(req, { ...creds, securityToken: 'token' }, { date, region }), ArgumentError);
  assert.deepEqual(req.headers['x-oss-security-token'], undefined, 'input not mutated');
});

test('presignV4 bounds x-oss-expires to 1..604800', () => {
  const { date, req } = presignRequest(1702781677);
  assert.throws(() => presignV4(req, creds, { date, region }, 0), ArgumentError);
  assert.throws(() => presignV4(req, creds, { date, region }, 604801), ArgumentError);
  assert.equal(presignV4(req, creds, { date, region }, 604800).length, 5);
});

test('formatV4Date', () => {
  assert.equal(formatV4Date(new Date(1702743657000)), '20231216T162057Z');
  assert.equal(formatV4Date(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))), '20240102T030405Z');
});

test('parseAuthorizationV4 accepts the SDK forms and rejects garbage', () => {
  const sig = 'e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe';
  assert.deepEqual(
    parseAuthorizationV4(
      `OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, AdditionalHeaders=abc;zabc, Signature=${sig}`,
    ),
    { accessKeyId: 'ak', date: '20231216', region: 'cn-hangzhou', additionalHeaders: ['abc', 'zabc'], signature: sig },
  );
  assert.deepEqual(
    parseAuthorizationV4(`OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=${sig}`)
      ?.additionalHeaders,
    [],
  );
  assert.equal(
    parseAuthorizationV4(`OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/s3/aws4_request,Signature=${sig}`),
    null,
  );
  assert.equal(parseAuthorizationV4('OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request'), null);
  assert.equal(parseAuthorizationV4('OSS ak:sig'), null);
});

test('V4 canonical headers: names in any case are lower-cased and sorted with the rest, values trimmed', () => {
  const { req } = headerRequest(1702743657);
  const lower = canonicalRequestV4(req, []);
  const mixed: SignableRequest = { ...req, headers: {} };
  // The same headers, some named in upper case and in another order: the same canonical request.
  for (const [name, value] of Object.entries(req.headers).reverse()) {
    const upper = name.startsWith('x-oss-head') || name === 'content-type';
    mixed.headers[upper ? name.toUpperCase() : name] = upper ? ` ${value} ` : value;
  }
  assert.equal(canonicalRequestV4(mixed, []), lower);
  assert.match(lower, /\ncontent-type:text\/plain\nx-oss-content-sha256:/);
});
