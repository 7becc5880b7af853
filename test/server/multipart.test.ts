import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { crc64, crc64ToDecimal } from '../../src/core/crc64.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField, xmlFields } from '../../harness/oss-http.js';

let srv: TestServer;
const B = 'mpu';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
});
after(() => srv.close());

const md5hex = (b: Buffer | string) => createHash('md5').update(b).digest('hex').toUpperCase();
const KIB100 = 102400;

async function initiate(key: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await call(srv, { method: 'POST', bucket: B, key, query: [['uploads', '']], headers });
  assert.equal(r.status, 200, r.text);
  return xmlField(r.text, 'UploadId')!;
}

function uploadPart(key: string, id: string, n: number | string, body: Buffer, headers: Record<string, string> = {}) {
  return call(srv, {
    method: 'PUT',
    bucket: B,
    key,
    query: [
      ['partNumber', String(n)],
      ['uploadId', id],
    ],
    body,
    headers,
  });
}

function completeBody(parts: Array<[number, string]>): string {
  return `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
}

function complete(key: string, id: string, body: string, headers: Record<string, string> = {}) {
  return call(srv, { method: 'POST', bucket: B, key, query: [['uploadId', id]], body, headers });
}

test('UploadPart returns MD5 ETag and CRC-64; Complete gives the OSS multipart ETag and combined CRC', async () => {
  const p1 = randomBytes(KIB100 + 5);
  const p2 = randomBytes(777);
  const id = await initiate('two-parts');
  const r1 = await uploadPart('two-parts', id, 1, p1);
  assert.equal(r1.headers.etag, `"${md5hex(p1)}"`);
  assert.equal(r1.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(p1)));
  const r2 = await uploadPart('two-parts', id, 2, p2);
  // ETags arrive quoted raw, as &quot; or as Go's &#34;: all the same.
  const c = await complete(
    'two-parts',
    id,
    completeBody([
      [1, `&#34;${md5hex(p1)}&#34;`],
      [2, `&quot;${md5hex(p2)}&quot;`],
    ]),
  );
  assert.equal(c.status, 200, c.text);
  const expected = `${md5hex(md5hex(p1) + md5hex(p2))}-2`;
  assert.equal(xmlField(c.text, 'ETag'), `"${expected}"`);
  assert.equal(c.headers.etag, `"${expected}"`);
  const all = Buffer.concat([p1, p2]);
  assert.equal(c.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(all)));
  const g = await call(srv, { bucket: B, key: 'two-parts' });
  assert.ok(g.body.equals(all));
  assert.equal(g.headers['x-oss-object-type'], 'Multipart');
  assert.equal(g.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(all)));
  void r2;
  // The uploadId is gone after Complete.
  assert.equal(errorCode(await uploadPart('two-parts', id, 3, Buffer.from('x'))), 'NoSuchUpload');
});

test('the protocol ETag example', async () => {
  // Parts whose MD5s are the §2 example values are impractical to forge; check the formula on the values.
  const etag = md5hex('4DE8075FB607DF4D13FBC480EA488EFA' + 'AF947EC157726CEA88ED83B3C989063B');
  assert.equal(`${etag}-2`, '1C787C506EABFB9B45EAAA8DB039F4B2-2');
});

test('Complete validations: order, EntityTooSmall, InvalidPart, MalformedXML', async () => {
  const id = await initiate('validate');
  const small = Buffer.from('small');
  const big = randomBytes(KIB100);
  await uploadPart('validate', id, 1, small);
  await uploadPart('validate', id, 2, big);
  await uploadPart('validate', id, 3, big);
  const e = (b: Buffer) => `"${md5hex(b)}"`;
  let r = await complete(
    'validate',
    id,
    completeBody([
      [2, e(big)],
      [1, e(small)],
    ]),
  );
  assert.equal(r.status, 400);
  assert.equal(errorCode(r), 'InvalidPartOrder');
  r = await complete(
    'validate',
    id,
    completeBody([
      [1, e(small)],
      [2, e(big)],
    ]),
  );
  assert.equal(errorCode(r), 'EntityTooSmall');
  r = await complete(
    'validate',
    id,
    completeBody([
      [2, e(big)],
      [4, e(big)],
    ]),
  );
  assert.equal(errorCode(r), 'InvalidPart');
  r = await complete('validate', id, completeBody([[2, e(small)]]));
  assert.equal(errorCode(r), 'InvalidPart');
  r = await complete('validate', id, '<CompleteMultipartUpload><Part>');
  assert.equal(errorCode(r), 'MalformedXML');
  // Gaps are allowed; the small part may be last.
  r = await complete(
    'validate',
    id,
    completeBody([
      [2, e(big)],
      [3, e(big)],
    ]),
  );
  assert.equal(r.status, 200, r.text);
  assert.ok((await call(srv, { bucket: B, key: 'validate' })).body.equals(Buffer.concat([big, big])));
});

test('x-oss-complete-all completes every part in order; a body with it is refused', async () => {
  const id = await initiate('all');
  const a = randomBytes(KIB100);
  const b = randomBytes(10);
  await uploadPart('all', id, 2, b);
  await uploadPart('all', id, 1, a);
  const bad = await complete('all', id, completeBody([[1, `"${md5hex(a)}"`]]), { 'x-oss-complete-all': 'yes' });
  assert.equal(errorCode(bad), 'InvalidArgument');
  assert.equal(xmlField(bad.text, 'ArgumentName'), 'x-oss-complete-all');
  const ok = await complete('all', id, '', { 'x-oss-complete-all': 'yes' });
  assert.equal(ok.status, 200, ok.text);
  assert.ok((await call(srv, { bucket: B, key: 'all' })).body.equals(Buffer.concat([a, b])));
});

test('forbid-overwrite on Complete, part number range, unknown upload', async () => {
  await put(srv, B, 'exists', 'x');
  const id = await initiate('exists');
  const part = Buffer.from('p');
  await uploadPart('exists', id, 1, part);
  const r = await complete('exists', id, completeBody([[1, `"${md5hex(part)}"`]]), {
    'x-oss-forbid-overwrite': 'true',
  });
  assert.equal(r.status, 409);
  assert.equal(errorCode(r), 'FileAlreadyExists');
  assert.equal((await call(srv, { bucket: B, key: 'exists' })).text, 'x');
  for (const n of ['0', '10001', 'abc']) {
    const bad = await uploadPart('exists', id, n, part);
    assert.equal(errorCode(bad), 'InvalidArgument');
    assert.equal(xmlField(bad.text, 'ArgumentName'), 'PartNumber');
  }
  const none = await uploadPart('exists', '0123456789ABCDEF0123456789ABCDEF', 1, part);
  assert.equal(none.status, 404);
  assert.equal(errorCode(none), 'NoSuchUpload');
  assert.equal(none.headers['x-oss-ec'], '0042-00000104');
  // An uploadId of another key is no upload of this key.
  assert.equal(errorCode(await uploadPart('other-key', id, 1, part)), 'NoSuchUpload');
  assert.equal(
    (await call(srv, { method: 'DELETE', bucket: B, key: 'exists', query: [['uploadId', id]] })).status,
    204,
  );
  assert.equal(
    errorCode(await call(srv, { method: 'DELETE', bucket: B, key: 'exists', query: [['uploadId', id]] })),
    'NoSuchUpload',
  );
});

test('UploadPart Content-MD5 is verified', async () => {
  const id = await initiate('md5');
  const r = await uploadPart('md5', id, 1, Buffer.from('abc'), {
    'content-md5': createHash('md5').update('abd').digest('base64'),
  });
  assert.equal(errorCode(r), 'InvalidDigest');
  const lp = await call(srv, { bucket: B, key: 'md5', query: [['uploadId', id]] });
  assert.equal(xmlFields(lp.text, 'PartNumber').length, 0);
});

test('ListParts pages with max-parts and part-number-marker', async () => {
  const id = await initiate('paged');
  for (let n = 1; n <= 7; n++) await uploadPart('paged', id, n, Buffer.from(`part-${n}`));
  const seen: string[] = [];
  let marker = '0';
  for (let page = 0; page < 5; page++) {
    const r = await call(srv, {
      bucket: B,
      key: 'paged',
      query: [
        ['uploadId', id],
        ['max-parts', '3'],
        ['part-number-marker', marker],
      ],
    });
    assert.equal(r.status, 200);
    seen.push(...xmlFields(r.text, 'PartNumber'));
    assert.deepEqual(xmlFields(r.text, 'HashCrc64ecma').length, xmlFields(r.text, 'PartNumber').length);
    if (xmlField(r.text, 'IsTruncated') !== 'true') break;
    marker = xmlField(r.text, 'NextPartNumberMarker')!;
  }
  assert.deepEqual(seen, ['1', '2', '3', '4', '5', '6', '7']);
  const sizes = xmlFields((await call(srv, { bucket: B, key: 'paged', query: [['uploadId', id]] })).text, 'Size');
  assert.deepEqual(sizes, ['6', '6', '6', '6', '6', '6', '6']);
});

test('ListMultipartUploads pages by key-marker/upload-id-marker and rolls up prefixes', async () => {
  const srv2 = await startTestServer();
  try {
    await mkBucket(srv2, 'lu-bucket');
    const ids: Array<[string, string]> = [];
    for (const key of ['a/1', 'a/2', 'b', 'b', 'c d+e']) {
      const r = await call(srv2, { method: 'POST', bucket: 'lu-bucket', key, query: [['uploads', '']] });
      ids.push([key, xmlField(r.text, 'UploadId')!]);
    }
    const seen: string[] = [];
    let km = '';
    let im = '';
    for (let i = 0; i < 10; i++) {
      const r = await call(srv2, {
        bucket: 'lu-bucket',
        query: [
          ['uploads', ''],
          ['max-uploads', '2'],
          ['key-marker', km],
          ['upload-id-marker', im],
        ],
      });
      seen.push(...xmlFields(r.text, 'UploadId'));
      if (xmlField(r.text, 'IsTruncated') !== 'true') break;
      km = xmlField(r.text, 'NextKeyMarker')!;
      im = xmlField(r.text, 'NextUploadIdMarker')!;
    }
    assert.deepEqual(new Set(seen), new Set(ids.map(([, id]) => id)));
    assert.equal(seen.length, 5);
    const d = await call(srv2, {
      bucket: 'lu-bucket',
      query: [
        ['uploads', ''],
        ['delimiter', '/'],
        ['encoding-type', 'url'],
      ],
    });
    assert.deepEqual(
      xmlFields(d.text, 'Prefix').filter((p) => p !== ''),
      ['a%2F'],
    );
    assert.deepEqual(xmlFields(d.text, 'Key'), ['b', 'b', 'c%20d%2Be']);
    assert.equal(xmlField(d.text, 'EncodingType'), 'url');
  } finally {
    await srv2.close();
  }
});

test('UploadPartCopy copies a source range into a part', async () => {
  const src = randomBytes(KIB100 * 2);
  await put(srv, B, 'copy-src', src);
  const id = await initiate('copy-dst');
  const r = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'copy-dst',
    query: [
      ['partNumber', '1'],
      ['uploadId', id],
    ],
    headers: { 'x-oss-copy-source': `/${B}/copy-src`, 'x-oss-copy-source-range': `bytes=0-${KIB100 - 1}` },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(xmlField(r.text, 'ETag'), `"${md5hex(src.subarray(0, KIB100))}"`);
  await uploadPart('copy-dst', id, 2, src.subarray(KIB100));
  const c = await complete('copy-dst', id, '', { 'x-oss-complete-all': 'yes' });
  assert.equal(c.status, 200);
  assert.ok((await call(srv, { bucket: B, key: 'copy-dst' })).body.equals(src));
});

test('concurrent uploads of one part number never mix: last complete write wins', async () => {
  const id = await initiate('race');
  const size = 512 * 1024;
  const bodies = Array.from({ length: 6 }, () => randomBytes(size));
  const results = await Promise.all(bodies.map((b) => uploadPart('race', id, 1, b)));
  for (const r of results) assert.equal(r.status, 200);
  const lp = await call(srv, { bucket: B, key: 'race', query: [['uploadId', id]] });
  const etag = xmlField(lp.text, 'ETag')!.replace(/"/g, '');
  const crc = xmlField(lp.text, 'HashCrc64ecma')!;
  const winner = bodies.find((b) => md5hex(b) === etag);
  assert.ok(winner, 'the listed part is exactly one of the uploaded bodies');
  assert.equal(crc, crc64ToDecimal(crc64(winner)));
  const c = await complete('race', id, completeBody([[1, `"${etag}"`]]));
  assert.equal(c.status, 200);
  const g = await call(srv, { bucket: B, key: 'race' });
  assert.ok(g.body.equals(winner));
  assert.equal(g.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(winner)));
});

test('concurrent PutObject of one key: the object is always exactly one of the bodies', async () => {
  const bodies = Array.from({ length: 6 }, () => randomBytes(256 * 1024));
  await Promise.all(bodies.map((b) => put(srv, B, 'put-race', b)));
  const g = await call(srv, { bucket: B, key: 'put-race' });
  const winner = bodies.find((b) => b.equals(g.body));
  assert.ok(winner);
  assert.equal(g.headers.etag, `"${md5hex(winner)}"`);
  assert.equal(g.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(winner)));
});

test('reads racing overwrites always get one complete version', async () => {
  const versions = Array.from({ length: 4 }, () => randomBytes(1024 * 1024));
  await put(srv, B, 'read-race', versions[0]!);
  const ops: Array<Promise<unknown>> = [];
  const reads: Buffer[] = [];
  for (let i = 0; i < 12; i++) {
    ops.push(call(srv, { bucket: B, key: 'read-race' }).then((r) => reads.push(r.body)));
    if (i % 3 === 0) ops.push(put(srv, B, 'read-race', versions[(i / 3) % versions.length]!));
  }
  await Promise.all(ops);
  for (const body of reads)
    assert.ok(
      versions.some((v) => v.equals(body)),
      'a read returned a mix or a truncated body',
    );
});
