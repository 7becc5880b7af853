import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBucketName, validateObjectKey } from '../../src/core/names.js';
import { md5Base64, md5Hex, md5HexToBase64, multipartEtag, quoteEtag, unquoteEtag } from '../../src/core/etag.js';
import { ArgumentError } from '../../src/core/errors.js';

test('bucket names', () => {
  for (const ok of ['abc', 'a-b', 'my-bucket-01', '123', 'a'.repeat(63)])
    assert.equal(validateBucketName(ok), null, ok);
  for (const bad of ['', 'ab', 'a'.repeat(64), 'Abc', 'a_b', 'a.b', '-ab', 'ab-', 'a b', '中文桶']) {
    assert.equal(typeof validateBucketName(bad), 'string', bad);
  }
});

test('object keys: length in UTF-8 bytes, leading / or \\', () => {
  for (const ok of [
    'a',
    'dir/file.txt',
    'a/',
    '中'.repeat(341),
    'x'.repeat(1023),
    'a..b',
    '.hidden',
    'a/.b/c',
    '...',
    'a/.../b',
    'a./b..',
    '..a/b.',
    ' ',
    '😀',
  ]) {
    assert.equal(validateObjectKey(ok), null, ok.slice(0, 20));
  }
  assert.match(validateObjectKey('')!, /empty/);
  assert.match(validateObjectKey('x'.repeat(1024))!, /1024 bytes/);
  assert.match(validateObjectKey('中'.repeat(342))!, /1026 bytes/);
  assert.match(validateObjectKey('/a')!, /start/);
  assert.match(validateObjectKey('\\a')!, /start/);
});

test('object keys: NUL, lone surrogates and dot segments are refused', () => {
  assert.match(validateObjectKey('a\u0000b')!, /NUL/);
  assert.match(validateObjectKey('a\uD800b')!, /surrogate/);
  assert.match(validateObjectKey('a\uDC00')!, /surrogate/);
  for (const bad of ['.', '..', './a', '../a', 'a/./b', 'a/../b', 'a/..', 'a/.']) {
    assert.match(validateObjectKey(bad)!, /segment/, bad);
  }
});

test('md5Hex is upper-case hex; "hello world" matches protocol §1', () => {
  assert.equal(md5Hex(Buffer.from('hello world')), '5EB63BBBE01EEED093CB22BB8F5ACDC3');
  assert.equal(md5Hex('hello world'), '5EB63BBBE01EEED093CB22BB8F5ACDC3');
  assert.equal(md5Base64(''), '1B2M2Y8AsgTpgAmY7PhCfg==');
  assert.equal(md5HexToBase64('5EB63BBBE01EEED093CB22BB8F5ACDC3'), md5Base64('hello world'));
});

test('multipartEtag: protocol §2 example, quotes and case tolerated', () => {
  assert.equal(
    multipartEtag(['4DE8075FB607DF4D13FBC480EA488EFA', 'AF947EC157726CEA88ED83B3C989063B']),
    '1C787C506EABFB9B45EAAA8DB039F4B2-2',
  );
  assert.equal(
    multipartEtag(['"4de8075fb607df4d13fbc480ea488efa"', 'AF947EC157726CEA88ED83B3C989063B']),
    '1C787C506EABFB9B45EAAA8DB039F4B2-2',
  );
  assert.match(multipartEtag([md5Hex('x')]), /^[0-9A-F]{32}-1$/);
  assert.throws(() => multipartEtag([]), ArgumentError);
  assert.throws(() => multipartEtag(['nothex']), ArgumentError);
});

test('quote/unquote', () => {
  assert.equal(unquoteEtag('"ABC"'), 'ABC');
  assert.equal(unquoteEtag(' ABC '), 'ABC');
  assert.equal(unquoteEtag('"'), '"');
  assert.equal(quoteEtag('ABC'), '"ABC"');
  assert.equal(quoteEtag('"ABC"'), '"ABC"');
});
