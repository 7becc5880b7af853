// Pure pieces of the server: UTF-8 key order, the key index, range and conditional semantics, routing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareUtf8, KeyIndex } from '../../src/server/store/key-index.js';
import { checkConditions, parseRange } from '../../src/server/preconditions.js';
import { route } from '../../src/server/router.js';
import type { OssRequest } from '../../src/server/request.js';

test('compareUtf8 agrees with Buffer.compare of the UTF-8 bytes', () => {
  const samples = [
    '',
    'a',
    'ab',
    'b',
    'Z',
    '~',
    '\u00e9',
    '\u07ff',
    '\u0800',
    '\uffff',
    '\ue000',
    '\ud7ff',
    '😀',
    '😀a',
    '𝄞',
    'a😀',
    'a\uff5e',
  ];
  for (const x of samples) {
    for (const y of samples) {
      const expected = Math.sign(Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.equal(Math.sign(compareUtf8(x, y)), expected, `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
  }
});

test('KeyIndex keeps keys sorted through inserts and deletes', () => {
  const idx = new KeyIndex();
  const entry = (key: string) => ({
    key,
    size: 0,
    etag: '',
    lastModified: 0,
    type: 'Normal',
    storageClass: 'Standard',
  });
  idx.load(['m', 'c', 'x'].map(entry));
  for (const k of ['a', 'n', 'z', 'c', 'b']) idx.set(entry(k));
  idx.delete('m');
  idx.delete('absent');
  const keys = Array.from({ length: idx.size }, (_, i) => idx.keyAt(i));
  assert.deepEqual(keys, ['a', 'b', 'c', 'n', 'x', 'z']);
  assert.equal(idx.lowerBound('c'), 2);
  assert.equal(idx.lowerBound('c', true), 3);
});

test('parseRange: forms, clamping, legacy and standard behaviour', () => {
  assert.deepEqual(parseRange('bytes=0-0', 10, false), { start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=3-', 10, false), { start: 3, end: 9 });
  assert.deepEqual(parseRange('bytes=-4', 10, false), { start: 6, end: 9 });
  assert.equal(parseRange('bytes=-40', 10, false), 'whole');
  assert.deepEqual(parseRange('bytes=-40', 10, true), { start: 0, end: 9 });
  assert.equal(parseRange('bytes=5-20', 10, false), 'whole');
  assert.deepEqual(parseRange('bytes=5-20', 10, true), { start: 5, end: 9 });
  assert.equal(parseRange('bytes=0-1,3-4', 10, true), 'whole');
  assert.equal(parseRange(undefined, 10, true), 'whole');
  assert.throws(() => parseRange('bytes=10-', 10, true), /range/i);
  assert.throws(() => parseRange('bytes=0-0', 0, true));
  assert.equal(parseRange('bytes=0-0', 0, false), 'whole');
});

test('checkConditions: precedence of If-Match over If-Unmodified-Since and If-None-Match over If-Modified-Since', () => {
  const v = { etag: 'ABC', lastModified: Date.parse('2024-01-01T00:00:00.500Z') };
  const later = new Date('2024-06-01').toUTCString();
  const earlier = new Date('2023-06-01').toUTCString();
  assert.equal(checkConditions({ 'if-match': '"ABC"', 'if-unmodified-since': earlier }, v), undefined);
  assert.equal(checkConditions({ 'if-match': '"abc"' }, v), undefined);
  assert.equal(checkConditions({ 'if-match': '*' }, v), undefined);
  assert.equal(checkConditions({ 'if-none-match': '"X", "ABC"' }, v), 304);
  assert.equal(checkConditions({ 'if-none-match': '"X"', 'if-modified-since': later }, v), undefined);
  assert.equal(checkConditions({ 'if-modified-since': new Date('2024-01-01T00:00:00Z').toUTCString() }, v), 304);
  assert.equal(checkConditions({ 'if-unmodified-since': earlier }, v), 412);
});

test('router: operations by level, method and selecting sub-resources', () => {
  const req = (
    method: string,
    bucket: string | undefined,
    key: string | undefined,
    query: Array<[string, string]> = [],
    headers: Record<string, string> = {},
  ) => ({ method, bucket, key, query, headers }) as unknown as OssRequest;
  assert.equal(route(req('GET', undefined, undefined)), 'ListBuckets');
  assert.equal(
    route(
      req('GET', 'b', undefined, [
        ['list-type', '2'],
        ['prefix', 'x'],
      ]),
    ),
    'ListObjectsV2',
  );
  assert.equal(
    route(
      req('PUT', 'b', 'k', [
        ['uploadId', 'X'],
        ['partNumber', '1'],
      ]),
    ),
    'UploadPart',
  );
  assert.equal(
    route(
      req(
        'PUT',
        'b',
        'k',
        [
          ['uploadId', 'X'],
          ['partNumber', '1'],
        ],
        { 'x-oss-copy-source': '/b/s' },
      ),
    ),
    'UploadPartCopy',
  );
  assert.equal(
    route(
      req('GET', 'b', 'k', [
        ['response-content-type', 'x'],
        ['security-token', 't'],
      ]),
    ),
    'GetObject',
  );
  assert.equal(route(req('GET', 'b', 'k', [['versionId', 'null']])), 'GetObject');
  assert.equal(route(req('GET', 'b', 'k', [['versionId', 'v1']])), 'GetObject');
  assert.equal(
    route(
      req('POST', 'b', 'k', [
        ['append', ''],
        ['position', '0'],
        ['versionId', 'v1'],
      ]),
    ),
    undefined,
  );
  assert.equal(route(req('GET', 'b', undefined, [['versions', '']])), 'ListObjectVersions');
  assert.equal(route(req('PUT', 'b', undefined, [['versioning', '']])), 'PutBucketVersioning');
  assert.equal(route(req('GET', 'b', 'k', [['x-oss-process', 'image/resize']])), undefined);
  assert.equal(
    route(
      req('GET', 'b', 'k', [
        ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
        ['x-oss-credential', 'c'],
        ['x-oss-date', 'd'],
        ['x-oss-expires', '1'],
        ['x-oss-signature', 's'],
      ]),
    ),
    'GetObject',
  );
  assert.equal(route(req('PATCH', 'b', 'k')), undefined);
});
