// The page's V4 signer (WebCrypto) must produce exactly what Node's signer produces, and the embedded server must
// accept it: both are core's canonical request, hashed two ways. Runs under Node, which has WebCrypto too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signHeaders } from '../../src/client/sign.js';
import { signV4, type UnsignedRequest } from '../../src/browser/sign.js';

const creds = { accessKeyId: 'LTAI-test', accessKeySecret: 'secret-0123456789' };
const sts = { ...creds, securityToken: 'CAIS-token/with+chars==' };

const requests: UnsignedRequest[] = [
  { method: 'POST', bucket: 'b', key: 'dir/a file+1.bin', query: [['uploads', '']], headers: {} },
  {
    method: 'PUT',
    bucket: 'b',
    key: 'k',
    query: [
      ['partNumber', '3'],
      ['uploadId', 'ABC/def+'],
    ],
    headers: { 'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==' },
  },
  {
    method: 'POST',
    bucket: 'bucket-x',
    key: '中文/ключ ~!*()',
    query: [['uploadId', 'u1']],
    headers: { 'content-type': 'application/xml', 'x-oss-meta-author': 'Ada', 'cache-control': 'no-cache' },
  },
  {
    method: 'GET',
    bucket: 'b',
    query: [
      ['uploads', ''],
      ['prefix', 'a b'],
    ],
    headers: {},
  },
];

for (const [i, req] of requests.entries()) {
  for (const [name, c] of [
    ['keys', creds],
    ['STS', sts],
  ] as const) {
    test(`WebCrypto V4 equals node:crypto V4: request ${i + 1}, ${name}`, async () => {
      // Two dates on either side of midnight UTC: the signing key is cached per day, and must change with it.
      for (const date of [new Date('2026-03-01T23:59:59Z'), new Date('2026-03-02T00:00:01Z')]) {
        const expected = signHeaders(req, c, 'v4', 'cn-hangzhou', date);
        const actual = await signV4(req, c, 'cn-hangzhou', date);
        assert.deepEqual(actual, expected);
      }
    });
  }
}

test('another region or secret changes the signature (the cached key is keyed by both)', async () => {
  const req = requests[0]!;
  const date = new Date('2026-03-01T12:00:00Z');
  const a = await signV4(req, creds, 'cn-hangzhou', date);
  const b = await signV4(req, creds, 'cn-beijing', date);
  const c = await signV4(req, { ...creds, accessKeySecret: 'other' }, 'cn-hangzhou', date);
  assert.equal(a.authorization, signHeaders(req, creds, 'v4', 'cn-hangzhou', date).authorization);
  assert.equal(b.authorization, signHeaders(req, creds, 'v4', 'cn-beijing', date).authorization);
  assert.equal(
    c.authorization,
    signHeaders(req, { ...creds, accessKeySecret: 'other' }, 'v4', 'cn-hangzhou', date).authorization,
  );
  assert.notEqual(a.authorization, b.authorization);
  assert.notEqual(a.authorization, c.authorization);
});
