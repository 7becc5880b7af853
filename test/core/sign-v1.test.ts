import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignableRequest } from '../../src/core/canonical.js';
import {
  authorizationV1,
  canonicalizedResourceV1,
  parseAuthorizationV1,
  presignV1,
  presignedStringToSignV1,
  signatureV1,
  stringToSignV1,
} from '../../src/core/sign-v1.js';
import { buildQueryString } from '../../src/core/encode.js';
import { ArgumentError } from '../../src/core/errors.js';

const creds = { accessKeyId: 'ak', accessKeySecret: 'sk' };
const DATE = 'Wed, 28 Dec 2022 10:27:41 GMT';

const vector1: SignableRequest = {
  method: 'PUT',
  bucket: 'examplebucket',
  key: 'nelson',
  query: [],
  headers: {
    'content-md5': 'eB5eJF1ptWaXm4bijSPyxw==',
    'content-type': 'text/html',
    'x-oss-meta-author': 'alice',
    'x-oss-meta-magic': 'abracadabra',
    'x-oss-date': DATE,
  },
};

test('V1 vector 1: object PUT with x-oss-* headers', () => {
  assert.equal(
    stringToSignV1(vector1),
    'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n' +
      'x-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson',
  );
  assert.equal(authorizationV1(vector1, creds), 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=');
});

test('V1 vector 1 with ?acl', () => {
  assert.equal(authorizationV1({ ...vector1, query: [['acl', '']] }, creds), 'OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=');
});

test('V1 vector 2: bucket GET, only sub-resources are signed, sorted', () => {
  const req: SignableRequest = {
    method: 'GET',
    bucket: 'examplebucket',
    query: [
      ['resourceGroup', ''],
      ['non-resousce', 'null'],
    ],
    headers: { 'x-oss-date': DATE },
  };
  assert.equal(
    stringToSignV1(req),
    'GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/?resourceGroup',
  );
  assert.equal(authorizationV1(req, creds), 'OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=');
  const withAcl: SignableRequest = {
    ...req,
    query: [
      ['resourceGroup', ''],
      ['acl', ''],
    ],
  };
  assert.equal(canonicalizedResourceV1(withAcl), '/examplebucket/?acl&resourceGroup');
  assert.equal(authorizationV1(withAcl, creds), 'OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=');
});

test('V1 vector 3: presigned GET with versionId', () => {
  const req: SignableRequest = {
    method: 'GET',
    bucket: 'bucket',
    key: 'key',
    query: [['versionId', 'versionId']],
    headers: {},
  };
  const pairs = presignV1(req, creds, 1699807420);
  assert.deepEqual(pairs, [
    ['OSSAccessKeyId', 'ak'],
    ['Expires', '1699807420'],
    ['Signature', 'dcLTea+Yh9ApirQ8o8dOPqtvJXQ='],
  ]);
  assert.ok(buildQueryString(pairs).includes('Signature=dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D'));
});

test('V1 vector 3: presigned with STS token signs security-token in the resource', () => {
  const req: SignableRequest = {
    method: 'GET',
    bucket: 'bucket',
    key: 'key+123',
    query: [['versionId', 'versionId']],
    headers: {},
  };
  const pairs = presignV1(req, { ...creds, securityToken: 'token' }, 1699808204);
  assert.deepEqual(pairs, [
    ['OSSAccessKeyId', 'ak'],
    ['Expires', '1699808204'],
    ['Signature', 'jzKYRrM5y6Br0dRFPaTGOsbrDhY='],
    ['security-token', 'token'],
  ]);
  // What the server recomputes from the received query (all four pairs plus versionId).
  const received: SignableRequest = { ...req, query: [['versionId', 'versionId'], ...pairs] };
  assert.equal(
    presignedStringToSignV1(received, '1699808204'),
    'GET\n\n\n1699808204\n/bucket/key+123?security-token=token&versionId=versionId',
  );
  assert.equal(signatureV1('sk', presignedStringToSignV1(received, 1699808204)), 'jzKYRrM5y6Br0dRFPaTGOsbrDhY=');
});

test('V1 vector 4: Alibaba documented example', () => {
  const req: SignableRequest = {
    method: 'PUT',
    bucket: 'oss-example',
    key: 'nelson',
    query: [],
    headers: {
      'content-md5': 'ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=',
      'content-type': 'text/html',
      date: 'Thu, 17 Nov 2005 18:49:58 GMT',
      'x-oss-magic': 'abracadabra',
      'x-oss-meta-author': 'foo@bar.com',
    },
  };
  const sts =
    'PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\n' +
    'x-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson';
  assert.equal(stringToSignV1(req), sts);
  assert.equal(signatureV1('OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV', sts), '26NBxoKdsyly4EDv6inkoDft/yA=');
});

test('canonical resource: service, bucket, decoded key, x-oss-* query keys, values decoded', () => {
  assert.equal(canonicalizedResourceV1({ query: [] }), '/');
  assert.equal(
    canonicalizedResourceV1({
      bucket: 'b',
      query: [
        ['prefix', 'a'],
        ['max-keys', '5'],
      ],
    }),
    '/b/',
  );
  assert.equal(
    canonicalizedResourceV1({
      bucket: 'b',
      key: 'dir/a b+c&d',
      query: [
        ['x-oss-process', 'image/resize,w_10'],
        ['uploadId', 'U1'],
        ['encoding-type', 'url'],
        ['partNumber', '3'],
      ],
    }),
    '/b/dir/a b+c&d?partNumber=3&uploadId=U1&x-oss-process=image/resize,w_10',
  );
});

test('x-oss-date wins the Date slot over date; header values are trimmed', () => {
  const req: SignableRequest = {
    method: 'get',
    bucket: 'b',
    key: 'k',
    query: [],
    headers: { date: 'D1', 'x-oss-date': 'D2', 'x-oss-meta-a': '  spaced  ' },
  };
  assert.equal(stringToSignV1(req), 'GET\n\n\nD2\nx-oss-date:D2\nx-oss-meta-a:spaced\n/b/k');
});

test('STS credentials without the token header are refused rather than signed wrongly', () => {
  assert.throws(() => authorizationV1(vector1, { ...creds, securityToken: 't' }), ArgumentError);
  const withToken = { ...vector1, headers: { ...vector1.headers, 'x-oss-security-token': 't' } };
  assert.match(authorizationV1(withToken, { ...creds, securityToken: 't' }), /^OSS ak:/);
});

test('presignV1 rejects a non-positive or fractional Expires', () => {
  const req: SignableRequest = { method: 'GET', bucket: 'b', key: 'k', query: [], headers: {} };
  assert.throws(() => presignV1(req, creds, 0), ArgumentError);
  assert.throws(() => presignV1(req, creds, 1.5), ArgumentError);
});

test('parseAuthorizationV1', () => {
  assert.deepEqual(parseAuthorizationV1('OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M='), {
    accessKeyId: 'ak',
    signature: 'kSHKmLxlyEAKtZPkJhG9bZb5k7M=',
  });
  assert.equal(parseAuthorizationV1('OSS ak'), null);
  assert.equal(parseAuthorizationV1('Bearer x'), null);
});
