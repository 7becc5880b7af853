// The one page rule behind ListObjects and ListMultipartUploads, on plain sorted keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageKeys, searchEndOfPrefix, type PageOptions } from '../../src/server/store/paging.js';

function page(keys: string[], o: Partial<PageOptions>, start = 0) {
  const src = {
    keyAt: (i: number) => keys[i],
    endOfPrefix: (p: string, from: number) => searchEndOfPrefix((i) => keys[i], keys.length, p, from),
  };
  const p = pageKeys(src, start, { prefix: '', delimiter: '', after: '', max: 1000, ...o });
  return { ...p, keys: p.keys.map((i) => keys[i]) };
}

const KEYS = ['a', 'b/1', 'b/2', 'b/3/x', 'c', 'd/1', 'e'];

test('a delimiter rolls contiguous keys into one common prefix', () => {
  const p = page(KEYS, { delimiter: '/' });
  assert.deepEqual(p.keys, ['a', 'c', 'e']);
  assert.deepEqual(p.commonPrefixes, ['b/', 'd/']);
  assert.equal(p.isTruncated, false);
});

test('max counts keys and prefixes; the marker is the last one returned', () => {
  const p = page(KEYS, { delimiter: '/', max: 2 });
  assert.deepEqual(p.keys, ['a']);
  assert.deepEqual(p.commonPrefixes, ['b/']);
  assert.equal(p.isTruncated, true);
  assert.equal(p.nextMarker, 'b/');
  assert.equal(p.nextIsPrefix, true);
  const q = page(KEYS, { max: 2 });
  assert.deepEqual(q.keys, ['a', 'b/1']);
  assert.equal(q.nextMarker, 'b/1');
  assert.equal(q.nextIsPrefix, false);
});

test('a marker inside a common prefix does not report that prefix again', () => {
  // Resuming after key 'b/2' starts at 'b/3/x', whose prefix 'b/' sorts before the marker.
  const p = page(KEYS, { delimiter: '/', after: 'b/2' }, 3);
  assert.deepEqual(p.commonPrefixes, ['d/']);
  assert.deepEqual(p.keys, ['c', 'e']);
});

test('the page stops at the end of the prefix; a prefix narrows the roll-up', () => {
  const p = page(KEYS, { prefix: 'b/', delimiter: '/' }, 1);
  assert.deepEqual(p.keys, ['b/1', 'b/2']);
  assert.deepEqual(p.commonPrefixes, ['b/3/']);
  assert.equal(p.isTruncated, false);
});
