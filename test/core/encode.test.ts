import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildQueryString,
  decodeUrlField,
  encodeKeyPath,
  encodeUrlField,
  hasLoneSurrogate,
  parseQueryString,
  percentDecode,
  percentEncode,
} from '../../src/core/encode.js';
import { ArgumentError } from '../../src/core/errors.js';

test('percentEncode keeps exactly A-Za-z0-9-_.~', () => {
  assert.equal(percentEncode('AZaz09-_.~'), 'AZaz09-_.~');
  assert.equal(
    percentEncode(' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}'),
    '%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D',
  );
  assert.equal(percentEncode('é中😀'), '%C3%A9%E4%B8%AD%F0%9F%98%80');
});

test('encodeKeyPath keeps slashes, encodeUrlField does not (protocol §1 examples)', () => {
  assert.equal(encodeKeyPath('a b/c+d'), 'a%20b/c%2Bd');
  assert.equal(encodeUrlField('a b/c+d'), 'a%20b%2Fc%2Bd');
});

test('url fields round trip, including unicode and control characters', () => {
  for (const s of ['plain', 'a b/c+d', 'x&y<z>"\'', '中文/😀', '\u0001\u001f\n', '%41', '']) {
    assert.equal(decodeUrlField(encodeUrlField(s)), s);
  }
  assert.equal(decodeUrlField('a+b'), 'a+b', '+ is literal in url fields');
});

test('percentDecode is strict', () => {
  assert.equal(percentDecode('%e4%b8%ad', false), '中');
  assert.equal(percentDecode('a+b%20c', true), 'a b c');
  assert.throws(() => percentDecode('%zz', false), ArgumentError);
  assert.throws(() => percentDecode('abc%4', false), ArgumentError);
  assert.throws(() => percentDecode('%C3', false), ArgumentError, 'truncated UTF-8');
  assert.throws(() => percentDecode('%FF', false), ArgumentError);
  assert.equal(percentDecode('😀%20x', false), '😀 x', 'surrogate pairs next to escapes survive');
});

test('lone surrogates are refused when encoding', () => {
  assert.equal(hasLoneSurrogate('a\uD800b'), true);
  assert.equal(hasLoneSurrogate('a\uDC00'), true);
  assert.equal(hasLoneSurrogate('😀'), false);
  assert.throws(() => percentEncode('\uD800'), ArgumentError);
});

test('query strings: build and parse round trip in order, bare names, + as space', () => {
  const pairs: Array<[string, string]> = [
    ['uploads', ''],
    ['prefix', 'a b/c'],
    ['+param1', 'value3'],
    ['|x', '=&'],
  ];
  const qs = buildQueryString(pairs);
  assert.equal(qs, 'uploads&prefix=a%20b%2Fc&%2Bparam1=value3&%7Cx=%3D%26');
  assert.deepEqual(parseQueryString(`?${qs}`), pairs);
  assert.deepEqual(parseQueryString('a=1+2&&b&c='), [
    ['a', '1 2'],
    ['b', ''],
    ['c', ''],
  ]);
  assert.deepEqual(parseQueryString(''), []);
  assert.throws(() => parseQueryString('a=%G0'), ArgumentError);
});

test('decodeUrlField (decodeURIComponent first) gives exactly what percentDecode gives, errors included', () => {
  const pieces = [
    'a',
    '/',
    '%',
    '+',
    ' ',
    'é',
    '中',
    '😀',
    '\uFEFF',
    '\u0000',
    '~',
    '%2',
    '%GG',
    '%ED%A0%80',
    '%C0%AF',
  ];
  const escapes = ['%2F', '%2B', '%25', '%E4%B8%AD', '%F0%9F%98%80', '%EF%BB%BF', '%FF', '%C3', '%00', '%e4%b8%ad'];
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const outcome = (f: () => string) => {
    try {
      return `ok ${JSON.stringify(f())}`;
    } catch (err) {
      return `${(err as Error).constructor.name} ${(err as Error).message}`;
    }
  };
  for (let n = 0; n < 3000; n++) {
    let v = '';
    for (let i = Math.floor(next() * 6); i >= 0; i--) {
      const from = next() < 0.5 ? pieces : escapes;
      v += from[Math.floor(next() * from.length)];
    }
    if (n % 10 === 0) v = encodeUrlField(v.replace(/%/g, ''));
    assert.equal(
      outcome(() => decodeUrlField(v)),
      outcome(() => percentDecode(v, false)),
      JSON.stringify(v),
    );
  }
});
