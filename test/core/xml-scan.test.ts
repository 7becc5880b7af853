// The one-pass listing reader against fast-xml-parser's validate-then-parse, document by document: the same
// listing or the same error, on generated pages (every special character, both encodings, V1 and V2, empty,
// truncated, CommonPrefixes, pretty-printed) and on broken ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildListBucketResult, listBucketResultOf, parseListBucketResult, parseXml } from '../../src/core/xml.js';
import { REPEATABLE } from '../../src/core/xml-core.js';
import type { ListBucketResult, ObjectSummary } from '../../src/core/xml.js';
import { scanXml } from '../../src/core/xml-scan.js';
import { seededRandom } from '../../harness/fault-proxy.js';

const rng = seededRandom;

const SPECIAL = ['&', '<', '>', '"', "'", ' ', '/', '%', '+', '#', '?', '=', ';', '\t', '\n', '中', '😀', 'é', '\\'];
const CONTROL = ['\u0001', '\u001f', '\r', '\u000b'];

function key(r: () => number, control: boolean): string {
  const n = 1 + Math.floor(r() * 12);
  let k = '';
  for (let i = 0; i < n; i++) {
    const x = r();
    if (control && x < 0.1) k += CONTROL[Math.floor(r() * CONTROL.length)];
    else if (x < 0.5) k += SPECIAL[Math.floor(r() * SPECIAL.length)];
    else k += String.fromCharCode(97 + Math.floor(r() * 26));
  }
  return k;
}

function listing(r: () => number): ListBucketResult {
  const url = r() < 0.5;
  const count = r() < 0.15 ? 0 : Math.floor(r() * 30);
  const contents: ObjectSummary[] = [];
  for (let i = 0; i < count; i++) {
    contents.push({
      key: key(r, url),
      lastModified: '2026-12-06T15:00:00.000Z',
      etag: r() < 0.5 ? '5B3C1A2E053D763E1B002CC607C5A0FE' : '5B3C1A2E053D763E1B002CC607C5A0FE-3',
      type: r() < 0.5 ? 'Normal' : 'Multipart',
      size: Math.floor(r() * 1e12),
      storageClass: 'Standard',
      ...(r() < 0.5 ? { owner: { id: key(r, false), displayName: key(r, false) } } : {}),
    });
  }
  const prefixes = r() < 0.3 ? Array.from({ length: 1 + Math.floor(r() * 5) }, () => `${key(r, url)}/`) : [];
  const truncated = r() < 0.5;
  const base = {
    name: 'bucket-1',
    prefix: key(r, url),
    maxKeys: 1000,
    delimiter: prefixes.length > 0 ? '/' : '',
    isTruncated: truncated,
    ...(url ? { encodingType: 'url' } : {}),
    contents,
    commonPrefixes: prefixes,
  };
  if (r() < 0.5)
    return { listType: 1, ...base, marker: key(r, url), ...(truncated ? { nextMarker: key(r, url) } : {}) };
  return {
    listType: 2,
    ...base,
    ...(r() < 0.5 ? { continuationToken: key(r, url) } : {}),
    ...(truncated ? { nextContinuationToken: key(r, url) } : {}),
    ...(r() < 0.3 ? { startAfter: key(r, url) } : {}),
    keyCount: contents.length + prefixes.length,
  };
}

/** The same document as other writers send it: numeric references, pretty-printed, a namespace, no declaration. */
function variant(doc: string, r: () => number): string {
  let out = doc;
  // Text characters as decimal or hex references (Go's encoder writes &#34; for a quote).
  out = out.replace(/<(\w+)>([^<]+)<\/\1>/g, (_m, name: string, t: string) => {
    const text = t.replace(/&[^;]+;|[^&]/gu, (c) => {
      if (c.startsWith('&') || r() < 0.7) return c;
      const code = c.codePointAt(0)!;
      return r() < 0.5 ? `&#${code};` : `&#x${code.toString(16)};`;
    });
    return `<${name}>${text}</${name}>`;
  });
  if (r() < 0.5) out = out.replace(/></g, '>\n  <');
  if (r() < 0.3)
    out = out.replace('<ListBucketResult>', '<ListBucketResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">');
  if (r() < 0.3) out = out.replace(/^<\?xml[^>]*>\n?/, '');
  if (r() < 0.2) out = out.replace(/<Prefix><\/Prefix>/, '<Prefix/>');
  return out;
}

/** Both readers on one document: the same listing, or the same error (class and message). */
function same(doc: string, label: string): 'listing' | 'error' {
  let want: { ok: ListBucketResult } | { err: Error };
  try {
    want = { ok: listBucketResultOf(parseXml(doc)) };
  } catch (err) {
    want = { err: err as Error };
  }
  let got: { ok: ListBucketResult } | { err: Error };
  try {
    got = { ok: parseListBucketResult(doc) };
  } catch (err) {
    got = { err: err as Error };
  }
  if ('ok' in want) {
    assert.ok('ok' in got, `${label}: the one-pass reader failed where parseXml did not: ${JSON.stringify(doc)}`);
    assert.deepStrictEqual(got.ok, want.ok, `${label}: ${JSON.stringify(doc)}`);
    return 'listing';
  }
  assert.ok(
    'err' in got,
    `${label}: the one-pass reader returned a listing for a document parseXml refuses: ${JSON.stringify(doc)}`,
  );
  assert.equal(got.err.constructor, want.err.constructor, label);
  assert.equal(got.err.message, want.err.message, `${label}: ${JSON.stringify(doc)}`);
  return 'error';
}

test('generated listings read the same in one pass as through fast-xml-parser, and take the one-pass path', () => {
  for (let seed = 1; seed <= 400; seed++) {
    const r = rng(seed);
    const l = listing(r);
    const doc = variant(buildListBucketResult(l), r);
    assert.notEqual(scanXml(doc, REPEATABLE), undefined, `seed ${seed}: not read in one pass: ${JSON.stringify(doc)}`);
    assert.equal(same(doc, `seed ${seed}`), 'listing');
    // The round trip holds too: what was built is what is read.
    assert.deepStrictEqual(parseListBucketResult(buildListBucketResult(l)), l, `seed ${seed}`);
  }
});

test('empty listings, CommonPrefixes only, and truncated pages with their next markers', () => {
  const empty1: ListBucketResult = {
    listType: 1,
    name: 'b-1',
    prefix: 'p/',
    marker: '',
    maxKeys: 1000,
    delimiter: '',
    isTruncated: false,
    contents: [],
    commonPrefixes: [],
  };
  const prefixesOnly: ListBucketResult = {
    listType: 2,
    name: 'b-1',
    prefix: '',
    maxKeys: 2,
    delimiter: '/',
    isTruncated: true,
    encodingType: 'url',
    nextContinuationToken: 'next&<token>',
    keyCount: 2,
    contents: [],
    commonPrefixes: ['a&b/', '<dir>/'],
  };
  const truncatedV1 = { ...empty1, isTruncated: true, nextMarker: 'a"b\'c', contents: [] };
  for (const l of [empty1, prefixesOnly, truncatedV1]) {
    const doc = buildListBucketResult(l);
    assert.notEqual(scanXml(doc, REPEATABLE), undefined);
    assert.deepStrictEqual(parseListBucketResult(doc), l);
    same(doc, l.listType === 1 ? 'v1' : 'v2');
  }
  for (const doc of [
    '<ListBucketResult/>',
    '<ListBucketResult></ListBucketResult>',
    '<ListBucketResult>\n</ListBucketResult>',
  ])
    assert.equal(same(doc, doc), 'listing');
});

const BROKEN = [
  '',
  '   ',
  'not xml',
  '<ListBucketResult>',
  '<ListBucketResult><Name>b</Name>',
  '<ListBucketResult><Name>b</Nam></ListBucketResult>',
  '<ListBucketResult><Name>b</Name></ListBucketResult>junk',
  '<ListBucketResult><Name>a & b</Name></ListBucketResult>',
  '<ListBucketResult><Name>a &foo; b</Name></ListBucketResult>',
  '<ListBucketResult><Name>&#xZZ;</Name></ListBucketResult>',
  '<ListBucketResult><Name>&#99999999;</Name></ListBucketResult>',
  '<ListBucketResult><Name>&#xD800;</Name></ListBucketResult>',
  '<ListBucketResult><Name>&#;</Name></ListBucketResult>',
  '<ListBucketResult><Name>&X;</Name></ListBucketResult>',
  '<ListBucketResult><Contents><Key>k</Key><Size>x</Size></Contents></ListBucketResult>',
  '<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>',
  '<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>',
  '<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>',
  '<ListBucketResult><Name>a</Name><Name>b</Name></ListBucketResult>',
  '<ListBucketResult><Contents><Key><x/></Key><Size>1</Size></Contents></ListBucketResult>',
  '<ListBucketResult><Contents>text<Key>k</Key><Size>1</Size></Contents></ListBucketResult>',
  '<ListAllMyBucketsResult></ListAllMyBucketsResult>',
  '<!DOCTYPE x [<!ENTITY e "boom">]><ListBucketResult><Name>&e;</Name></ListBucketResult>',
  '<ListBucketResult><!-- a comment --><Name>b</Name></ListBucketResult>',
  '<ListBucketResult><Name><![CDATA[a<b]]></Name></ListBucketResult>',
  '<ListBucketResult><Name a="1">b</Name></ListBucketResult>',
  '<ListBucketResult x="1" x="2"><Name>b</Name></ListBucketResult>',
  '<ListBucketResult x=1><Name>b</Name></ListBucketResult>',
  '<ListBucketResult><Name>b\r\nc</Name></ListBucketResult>',
  '<ListBucketResult><__proto__>b</__proto__></ListBucketResult>',
  '<ListBucketResult><a:Name>b</a:Name></ListBucketResult>',
  '<ListBucketResult><Name >b</Name ></ListBucketResult >',
  '<ListBucketResult></ListBucketResult><ListBucketResult></ListBucketResult>',
  '\uFEFF<ListBucketResult></ListBucketResult>',
  '<?xml version="1.0"?><?pi x?><ListBucketResult></ListBucketResult>',
  '<?xml version="1.0" ?><ListBucketResult><Name>b</Name></ListBucketResult>',
  '<?xml version=1.0?><ListBucketResult></ListBucketResult>',
  '<ListBucketResult><Name>b</Name></ListBucketResult',
  '<ListBucketResult><Name>b<</Name></ListBucketResult>',
  '<ListBucketResult><1Name>b</1Name></ListBucketResult>',
];

test('odd and malformed documents: the same listing or the same error as fast-xml-parser gives', () => {
  let errors = 0;
  for (const doc of BROKEN) if (same(doc, JSON.stringify(doc)) === 'error') errors++;
  assert.ok(errors >= 25, `most of these are errors (${errors})`);
});

test('generated documents broken at random: the same error or listing as fast-xml-parser gives', () => {
  const cuts = ['<', '>', '&', '/', '</X>', '<Y>', '&amp', '"', '\r'];
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed * 7919);
    const doc = variant(buildListBucketResult(listing(r)), r);
    const at = Math.floor(r() * doc.length);
    const how = r();
    const broken =
      how < 0.3
        ? doc.slice(0, at)
        : how < 0.6
          ? doc.slice(0, at) + doc.slice(at + 1)
          : doc.slice(0, at) + cuts[Math.floor(r() * cuts.length)] + doc.slice(at);
    same(broken, `seed ${seed}`);
  }
});
