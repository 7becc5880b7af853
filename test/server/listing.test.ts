import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, mkBucket, put, xmlField, xmlFields } from '../../harness/oss-http.js';

let srv: TestServer;
const B = 'listing';
const KEYS = ['a', 'a/1', 'a/2', 'a/b/3', 'b c', 'b+c', 'b/x', 'z', '\u{FF5E}', '😀'];

before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
  for (const k of KEYS) await put(srv, B, k, k);
});
after(() => srv.close());

const list = (query: Array<[string, string]>) => call(srv, { bucket: B, query });

test('keys list in UTF-8 byte order (astral after U+FF5E)', async () => {
  const r = await list([]);
  assert.deepEqual(
    xmlFields(r.text, 'Key'),
    [...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
  );
  assert.deepEqual(xmlFields(r.text, 'Key').slice(-2), ['\u{FF5E}', '😀']);
  assert.equal(xmlField(r.text, 'MaxKeys'), '100');
  assert.match(r.text, /<Type>Normal<\/Type>/);
});

test('prefix and delimiter roll up common prefixes', async () => {
  const r = await list([['delimiter', '/']]);
  assert.deepEqual(xmlFields(r.text, 'Key'), ['a', 'b c', 'b+c', 'z', '\u{FF5E}', '😀']);
  assert.deepEqual(xmlFields(r.text, 'Prefix').slice(1), ['a/', 'b/']);
  const r2 = await list([
    ['prefix', 'a/'],
    ['delimiter', '/'],
  ]);
  assert.deepEqual(xmlFields(r2.text, 'Key'), ['a/1', 'a/2']);
  assert.deepEqual(xmlFields(r2.text, 'Prefix').slice(1), ['a/b/']);
});

test('V1 paging with marker counts prefixes and keys together', async () => {
  const seen: string[] = [];
  let marker = '';
  for (let i = 0; i < 20; i++) {
    const r = await list([
      ['delimiter', '/'],
      ['max-keys', '2'],
      ['marker', marker],
    ]);
    seen.push(...xmlFields(r.text, 'Key'), ...xmlFields(r.text, 'Prefix').slice(1));
    if (xmlField(r.text, 'IsTruncated') !== 'true') break;
    marker = xmlField(r.text, 'NextMarker')!;
  }
  assert.deepEqual(seen.sort(), ['a', 'a/', 'b c', 'b+c', 'b/', 'z', '\u{FF5E}', '😀'].sort());
});

test('V2: start-after, continuation-token, KeyCount, fetch-owner', async () => {
  const r = await list([
    ['list-type', '2'],
    ['start-after', 'a/2'],
    ['max-keys', '3'],
  ]);
  assert.deepEqual(xmlFields(r.text, 'Key'), ['a/b/3', 'b c', 'b+c']);
  assert.equal(xmlField(r.text, 'KeyCount'), '3');
  assert.equal(xmlField(r.text, 'StartAfter'), 'a/2');
  assert.doesNotMatch(r.text, /<Owner>/);
  const token = xmlField(r.text, 'NextContinuationToken')!;
  const r2 = await list([
    ['list-type', '2'],
    ['continuation-token', token],
    ['fetch-owner', 'true'],
  ]);
  assert.deepEqual(xmlFields(r2.text, 'Key'), ['b/x', 'z', '\u{FF5E}', '😀']);
  assert.equal(xmlField(r2.text, 'ContinuationToken'), token);
  assert.match(r2.text, /<Owner>/);
});

test('encoding-type=url percent-encodes keys, prefixes, markers and delimiter', async () => {
  const r = await list([
    ['encoding-type', 'url'],
    ['prefix', 'b'],
    ['delimiter', '/'],
    ['marker', 'a'],
  ]);
  assert.equal(xmlField(r.text, 'EncodingType'), 'url');
  assert.deepEqual(xmlFields(r.text, 'Key'), ['b%20c', 'b%2Bc']);
  assert.deepEqual(xmlFields(r.text, 'Prefix'), ['b', 'b%2F']);
  assert.equal(xmlField(r.text, 'Delimiter'), '%2F');
});

test('max-keys outside 1..1000 is InvalidArgument', async () => {
  assert.equal((await list([['max-keys', '1001']])).status, 400);
  assert.equal((await list([['max-keys', '1000']])).status, 200);
});
