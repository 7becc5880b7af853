import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCompleteMultipartUpload,
  buildCompleteMultipartUploadResult,
  buildErrorXml,
  buildInitiateMultipartUploadResult,
  buildListAllMyBucketsResult,
  buildListBucketResult,
  buildListMultipartUploadsResult,
  buildListPartsResult,
  buildXml,
  escapeXml,
  parseCompleteMultipartUpload,
  parseCompleteMultipartUploadResult,
  parseErrorXml,
  parseInitiateMultipartUploadResult,
  parseListAllMyBucketsResult,
  parseListBucketResult,
  parseListMultipartUploadsResult,
  parseListPartsResult,
  parseXml,
} from '../../src/core/xml.js';
import type { ListBucketResult, ListMultipartUploadsResult, ListPartsResult } from '../../src/core/xml.js';
import { XmlError } from '../../src/core/errors.js';

const NASTY_KEYS = [
  'a&b',
  '<tag>',
  'quote"apos\'',
  '中文/😀 file.txt',
  ' leading and trailing ',
  '0123',
  'cr\rlf\n\ttab',
];
// XML 1.0 cannot carry these even as character references; OSS's answer is encoding-type=url.
const CONTROL_KEY = 'ctl\u0001\u001fx';

test('parseXml: no number conversion, entities decoded, repeatable elements are arrays', () => {
  const doc = parseXml(
    '<?xml version="1.0"?><CompleteMultipartUpload><Part><PartNumber>0007</PartNumber>' +
      '<ETag>&#34;ab&quot;</ETag></Part></CompleteMultipartUpload>',
  );
  assert.deepEqual(doc, { CompleteMultipartUpload: { Part: [{ PartNumber: '0007', ETag: '"ab"' }] } });
  // "Bucket" repeats only inside ListAllMyBucketsResult/Buckets; elsewhere it is a scalar.
  assert.deepEqual(parseXml('<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>'), {
    InitiateMultipartUploadResult: { Bucket: 'b' },
  });
});

test('parseXml rejects malformed XML and DOCTYPE/ENTITY declarations', () => {
  assert.throws(() => parseXml('<a><b></a>'), XmlError);
  assert.throws(() => parseXml('not xml at all <'), XmlError);
  assert.throws(() => parseXml(''), XmlError);
  assert.throws(() => parseXml('<!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>'), XmlError);
  assert.equal(new XmlError('x').code, 'MalformedXML');
});

test('escapeXml / buildXml escape & < > " \' and keep CR and control characters recoverable', () => {
  assert.equal(escapeXml(`&<>"'`), '&amp;&lt;&gt;&quot;&apos;');
  const xml = buildXml('Root', {
    A: 'x',
    Skip: undefined,
    N: 5,
    Big: 18446744073709551615n,
    T: true,
    L: ['1', '2'],
    O: { I: '' },
  });
  assert.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8"?>\n<Root><A>x</A><N>5</N><Big>18446744073709551615</Big><T>true</T><L>1</L><L>2</L><O><I></I></O></Root>',
  );
  for (const key of NASTY_KEYS) {
    const back = parseXml(buildXml('R', { K: key })) as { R: { K: string } };
    assert.equal(back.R.K, key, JSON.stringify(key));
  }
  assert.ok(buildXml('R', { K: CONTROL_KEY }).includes('<K>ctl&#1;&#31;x</K>'));
});

test('CompleteMultipartUpload round trip; ETags quoted on the wire, escaped by the builder', () => {
  const parts = [
    { partNumber: 1, etag: '4DE8075FB607DF4D13FBC480EA488EFA' },
    { partNumber: 5, etag: 'AF947EC157726CEA88ED83B3C989063B' },
  ];
  const body = buildCompleteMultipartUpload(parts);
  assert.ok(body.includes('<ETag>&quot;4DE8075FB607DF4D13FBC480EA488EFA&quot;</ETag>'));
  assert.deepEqual(parseCompleteMultipartUpload(body), parts);
});

test('CompleteMultipartUpload as clients send it: raw quotes, &#34;, &quot;, whitespace, single part', () => {
  const goStyle =
    '<CompleteMultipartUpload>\n  <Part>\n    <PartNumber>1</PartNumber>\n    <ETag>&#34;AAA&#34;</ETag>\n  </Part>\n' +
    '  <Part><PartNumber>2</PartNumber><ETag>"BBB"</ETag></Part>\n  <Part><PartNumber>3</PartNumber><ETag>&quot;CCC&quot;</ETag></Part>\n' +
    '</CompleteMultipartUpload>';
  assert.deepEqual(parseCompleteMultipartUpload(goStyle), [
    { partNumber: 1, etag: 'AAA' },
    { partNumber: 2, etag: 'BBB' },
    { partNumber: 3, etag: 'CCC' },
  ]);
  assert.deepEqual(
    parseCompleteMultipartUpload(
      '<CompleteMultipartUpload><Part><PartNumber>9</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>',
    ),
    [{ partNumber: 9, etag: 'x' }],
  );
  assert.deepEqual(parseCompleteMultipartUpload('<CompleteMultipartUpload></CompleteMultipartUpload>'), []);
});

test('CompleteMultipartUpload shape errors are XmlError (MalformedXML)', () => {
  for (const bad of [
    '<CompleteMultipartUpload><Part><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    '<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
    '<Other/>',
  ]) {
    assert.throws(() => parseCompleteMultipartUpload(bad), XmlError, bad);
  }
});

test('Initiate and Complete results round trip, with and without encoding-type=url', () => {
  for (const key of [...NASTY_KEYS, CONTROL_KEY]) {
    for (const encodingType of key === CONTROL_KEY ? ['url'] : [undefined, 'url']) {
      const init = {
        bucket: 'b',
        key,
        uploadId: '97BD544A65DB46F9A8735C93917A960F',
        ...(encodingType ? { encodingType } : {}),
      };
      assert.deepEqual(parseInitiateMultipartUploadResult(buildInitiateMultipartUploadResult(init)), init);
      const done = {
        location: 'http://b.host/k',
        bucket: 'b',
        key,
        etag: '1C787C506EABFB9B45EAAA8DB039F4B2-2',
        ...(encodingType ? { encodingType } : {}),
      };
      assert.deepEqual(parseCompleteMultipartUploadResult(buildCompleteMultipartUploadResult(done)), done);
    }
  }
  const wire = buildInitiateMultipartUploadResult({ bucket: 'b', key: 'a b/c+d', uploadId: 'U', encodingType: 'url' });
  assert.ok(wire.includes('<Key>a%20b%2Fc%2Bd</Key>'));
  assert.ok(wire.includes('<EncodingType>url</EncodingType>'));
});

test('ListPartsResult round trip including CRC-64 and one-part lists', () => {
  const r: ListPartsResult = {
    bucket: 'b',
    key: 'k&<',
    uploadId: 'U',
    partNumberMarker: 0,
    nextPartNumberMarker: 2,
    maxParts: 1000,
    isTruncated: false,
    encodingType: 'url',
    parts: [
      {
        partNumber: 1,
        lastModified: '2012-02-23T07:01:34.000Z',
        etag: '3349DC700140D7F86A0784842780E5DB',
        size: 6291456,
        hashCrc64ecma: 18446744073709551615n,
      },
      { partNumber: 2, lastModified: '2012-02-23T07:01:35.000Z', etag: 'AF947EC157726CEA88ED83B3C989063B', size: 1 },
    ],
  };
  assert.deepEqual(parseListPartsResult(buildListPartsResult(r)), r);
  const one = { ...r, parts: r.parts.slice(0, 1) };
  assert.deepEqual(parseListPartsResult(buildListPartsResult(one)).parts.length, 1);
  assert.throws(
    () =>
      parseListPartsResult(
        '<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>"a"</ETag><Size>1</Size><HashCrc64ecma>-5</HashCrc64ecma></Part></ListPartsResult>',
      ),
    XmlError,
  );
});

test('ListMultipartUploadsResult round trip', () => {
  const r: ListMultipartUploadsResult = {
    bucket: 'b',
    keyMarker: 'a/b',
    uploadIdMarker: '',
    nextKeyMarker: 'c d',
    nextUploadIdMarker: 'U2',
    delimiter: '/',
    prefix: 'p&',
    maxUploads: 1000,
    isTruncated: true,
    encodingType: 'url',
    uploads: [{ key: 'p&/x y', uploadId: 'U1', initiated: '2012-02-23T04:18:23.000Z' }],
    commonPrefixes: ['p&/dir/'],
  };
  assert.deepEqual(parseListMultipartUploadsResult(buildListMultipartUploadsResult(r)), r);
  const plain = { ...r, encodingType: undefined, uploads: [], commonPrefixes: [] };
  const { encodingType: _e, ...expected } = plain;
  assert.deepEqual(parseListMultipartUploadsResult(buildListMultipartUploadsResult(plain)), expected);
});

test('ListBucketResult V1 and V2 round trip', () => {
  const contents = NASTY_KEYS.map((key, i) => ({
    key,
    lastModified: '2012-02-24T08:42:32.000Z',
    etag: '5B3C1A2E053D763E1B002CC607C5A0FE',
    type: 'Normal',
    size: i,
    storageClass: 'Standard',
    owner: { id: '00220120222', displayName: 'user' },
  }));
  const v1: ListBucketResult = {
    listType: 1,
    name: 'b',
    prefix: '',
    marker: '',
    maxKeys: 100,
    delimiter: '/',
    isTruncated: true,
    nextMarker: 'n&',
    contents,
    commonPrefixes: ['dir/', 'a&b/'],
  };
  assert.deepEqual(parseListBucketResult(buildListBucketResult(v1)), v1);
  const withControl = { ...v1, encodingType: 'url', contents: [...contents, { ...contents[0]!, key: CONTROL_KEY }] };
  assert.deepEqual(parseListBucketResult(buildListBucketResult(withControl)), withControl);
  const v2: ListBucketResult = {
    listType: 2,
    name: 'b',
    prefix: 'p',
    maxKeys: 2,
    delimiter: '',
    isTruncated: true,
    encodingType: 'url',
    continuationToken: 'tok/1',
    nextContinuationToken: 'tok 2',
    startAfter: 'a',
    keyCount: 1,
    contents: contents.slice(0, 1),
    commonPrefixes: [],
  };
  assert.deepEqual(parseListBucketResult(buildListBucketResult(v2)), v2);
});

test('ListBucketResult from a real-looking pretty-printed response', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult>
  <Name>examplebucket</Name>
  <Prefix></Prefix>
  <Marker></Marker>
  <MaxKeys>100</MaxKeys>
  <Delimiter></Delimiter>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>fun/movie/001.avi</Key>
    <LastModified>2012-02-24T08:43:07.000Z</LastModified>
    <ETag>"5B3C1A2E053D763E1B002CC607C5A0FE1****"</ETag>
    <Type>Normal</Type>
    <Size>344606</Size>
    <StorageClass>Standard</StorageClass>
    <Owner>
      <ID>0022012****</ID>
      <DisplayName>user-example</DisplayName>
    </Owner>
  </Contents>
</ListBucketResult>`;
  const r = parseListBucketResult(xml);
  assert.equal(r.listType, 1);
  assert.equal(r.contents.length, 1);
  assert.equal(r.contents[0]!.key, 'fun/movie/001.avi');
  assert.equal(r.contents[0]!.etag, '5B3C1A2E053D763E1B002CC607C5A0FE1****');
  assert.equal(r.contents[0]!.size, 344606);
  assert.deepEqual(r.contents[0]!.owner, { id: '0022012****', displayName: 'user-example' });
  assert.deepEqual(r.commonPrefixes, []);
});

test('ListAllMyBucketsResult round trip', () => {
  const r = {
    owner: { id: '51264', displayName: '51264' },
    buckets: [
      {
        name: 'app-base-oss',
        creationDate: '2014-02-17T18:12:43.000Z',
        location: 'oss-cn-shanghai',
        storageClass: 'Standard',
        extranetEndpoint: 'oss-cn-shanghai.aliyuncs.com',
        intranetEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
        region: 'cn-shanghai',
      },
    ],
    prefix: 'my',
    marker: 'm',
    maxKeys: 10,
    isTruncated: true,
    nextMarker: 'mybucket10',
  };
  assert.deepEqual(parseListAllMyBucketsResult(buildListAllMyBucketsResult(r)), r);
  assert.deepEqual(
    parseListAllMyBucketsResult(
      '<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets></Buckets></ListAllMyBucketsResult>',
    ).buckets,
    [],
  );
});

test('error document round trip; extra fields and EC order', () => {
  const xml = buildErrorXml({
    code: 'SignatureDoesNotMatch',
    message: 'm & m',
    requestId: '6556E3AED11E553933CCDEDF',
    hostId: 'h',
    ec: '0002-00000040',
    extra: { StringToSign: 'PUT\n\n\n<date>\n/b/k', OSSAccessKeyId: 'ak' },
  });
  assert.match(
    xml,
    /<HostId>h<\/HostId><StringToSign>.*<\/StringToSign><OSSAccessKeyId>ak<\/OSSAccessKeyId><EC>0002-00000040<\/EC><\/Error>$/s,
  );
  assert.deepEqual(parseErrorXml(xml), {
    code: 'SignatureDoesNotMatch',
    message: 'm & m',
    requestId: '6556E3AED11E553933CCDEDF',
    hostId: 'h',
    ec: '0002-00000040',
    extra: { StringToSign: 'PUT\n\n\n<date>\n/b/k', OSSAccessKeyId: 'ak' },
  });
  assert.ok(!buildErrorXml({ code: 'X', message: 'y', ec: '' }).includes('<EC>'));
  assert.throws(() => parseErrorXml('<Error><Message>no code</Message></Error>'), XmlError);
});
