// Issue 26 item 2: every sub-resource OSS defines selects its API, implemented or 501 NotImplemented naming it,
// and V1 signatures cover every sub-resource the official SDKs sign. Driven with the request shapes that were
// served as PutBucket / ListObjects / ListBuckets before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { signatureV1 } from '../../../src/core/sign-v1.js';
import { canonicalizedResourceV1 } from '../../../src/core/sign-v1.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, send, xmlField } from '../../../harness/oss-http.js';
import { OSS_APIS } from '../../../src/server/oss-apis.js';
import type { OssRequest } from '../../../src/server/request.js';
import { IMPLEMENTED_OPERATIONS } from '../../../src/server/router.js';

let srv: TestServer;
const B = 'subres';
before(async () => {
  srv = await startTestServer();
  await mkBucket(srv, B);
  await put(srv, B, 'k', 'v');
});
after(() => srv.close());

interface Shape {
  method: string;
  bucket?: string;
  query: Array<[string, string]>;
  body?: string;
  api: string;
}

const SHAPES: Shape[] = [
  {
    method: 'PUT',
    bucket: B,
    query: [['accessmonitor', '']],
    body: '<AccessMonitorConfiguration><Status>Enabled</Status></AccessMonitorConfiguration>',
    api: 'PutBucketAccessMonitor',
  },
  { method: 'GET', bucket: B, query: [['accessmonitor', '']], api: 'GetBucketAccessMonitor' },
  { method: 'GET', bucket: B, query: [['accessPoint', '']], api: 'ListAccessPoints' },
  {
    method: 'PUT',
    bucket: B,
    query: [['accessPoint', '']],
    body: '<CreateAccessPointConfiguration><AccessPointName>ap</AccessPointName></CreateAccessPointConfiguration>',
    api: 'CreateAccessPoint',
  },
  { method: 'GET', bucket: B, query: [['httpsConfig', '']], api: 'GetBucketHttpsConfig' },
  {
    method: 'PUT',
    bucket: B,
    query: [['httpsConfig', '']],
    body: '<HttpsConfiguration><TLS><Enable>true</Enable></TLS></HttpsConfiguration>',
    api: 'PutBucketHttpsConfig',
  },
  { method: 'GET', bucket: B, query: [['overwriteConfig', '']], api: 'GetBucketOverwriteConfig' },
  { method: 'DELETE', bucket: B, query: [['overwriteConfig', '']], api: 'DeleteBucketOverwriteConfig' },
  { method: 'GET', bucket: B, query: [['bucketArchiveDirectRead', '']], api: 'GetBucketArchiveDirectRead' },
  {
    method: 'PUT',
    bucket: B,
    query: [['bucketArchiveDirectRead', '']],
    body: '<ArchiveDirectReadConfiguration><Enabled>true</Enabled></ArchiveDirectReadConfiguration>',
    api: 'PutBucketArchiveDirectRead',
  },
  { method: 'GET', bucket: B, query: [['userDefinedLogFieldsConfig', '']], api: 'GetUserDefinedLogFieldsConfig' },
  { method: 'GET', query: [['regions', '']], api: 'DescribeRegions' },
  { method: 'GET', query: [['cloudboxes', '']], api: 'ListCloudBoxes' },
  {
    method: 'POST',
    bucket: B,
    query: [
      ['MetaQuery', ''],
      ['action', 'query'],
    ],
    body: '<MetaQuery><Query>{}</Query></MetaQuery>',
    api: 'DoMetaQueryAction',
  },
  {
    method: 'POST',
    bucket: B,
    query: [
      ['metaQuery', ''],
      ['comp', 'add'],
    ],
    api: 'OpenMetaQuery',
  },
  // Object-level retention (ObjectWorm) is not served; bucket WORM is (protocol/worm.test.ts).
  { method: 'PUT', bucket: B, query: [['objectWorm', '']], api: 'PutBucketObjectWormConfiguration' },
  { method: 'POST', bucket: B, query: [['asyncFetch', '']], api: 'AsyncFetchTask' },
];

for (const sign of ['v1', 'v4'] as const) {
  test(`every listed sub-resource selects its API, answered 501 naming it (${sign})`, async () => {
    for (const s of SHAPES) {
      const r = await call(srv, { ...s, ...(s.body ? { body: s.body } : {}), sign });
      const what = `${s.method} ${s.bucket ?? ''}?${s.query.map(([k]) => k).join('&')}`;
      assert.equal(r.status, 501, `${what}: ${r.status} ${r.text}`);
      assert.equal(errorCode(r), 'NotImplemented', what);
      assert.equal(xmlField(r.text, 'API'), s.api, what);
      assert.match(xmlField(r.text, 'Message') ?? '', new RegExp(`does not implement ${s.api}\\b`), what);
    }
    // Nothing was created or listed on the way: the bucket still holds its one object and no bucket appeared.
    const listing = await call(srv, { bucket: B });
    assert.deepEqual(
      [...listing.text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]),
      ['k'],
    );
  });
}

test('SelectObject and an object version are named in the 501', async () => {
  const select = await call(srv, {
    method: 'POST',
    bucket: B,
    key: 'k',
    query: [['x-oss-process', 'csv/select']],
    body: '<SelectRequest><Expression>c2VsZWN0ICogZnJvbSBvc3NvYmplY3Q=</Expression></SelectRequest>',
  });
  assert.equal(select.status, 501);
  assert.equal(xmlField(select.text, 'API'), 'SelectObject');
  // An operation that cannot address one version refuses a versionId rather than act on the latest.
  const versioned = await call(srv, {
    method: 'POST',
    bucket: B,
    key: 'k',
    query: [
      ['append', ''],
      ['position', '0'],
      ['versionId', 'v1'],
    ],
  });
  assert.equal(versioned.status, 501);
  assert.equal(xmlField(versioned.text, 'API'), 'AppendObject (versionId)');
});

/** A V1 header signature over an explicit CanonicalizedResource, as an SDK with its own list computes it. */
async function sdkSignedV1(method: string, path: string, resource: string, body = '') {
  const date = new Date().toUTCString();
  const contentType = body ? 'application/xml' : '';
  const sts = `${method}\n\n${contentType}\n${date}\n${resource}`;
  const sig = signatureV1(srv.credentials.accessKeySecret, sts);
  const headers: Record<string, string> = {
    date,
    authorization: `OSS ${srv.credentials.accessKeyId}:${sig}`,
    'content-length': String(Buffer.byteLength(body)),
  };
  if (contentType) headers['content-type'] = contentType;
  return send(srv.endpoint, method, path, headers, Buffer.from(body));
}

test('V1: the sub-resources the SDKs sign are in the CanonicalizedResource, client and server alike', async () => {
  for (const sub of ['accessPoint', 'httpsConfig', 'overwriteConfig', 'publicAccessBlock', 'bucketArchiveDirectRead']) {
    assert.equal(canonicalizedResourceV1({ bucket: B, query: [[sub, '']] }), `/${B}/?${sub}`);
    const r = await sdkSignedV1('GET', `/${B}/?${sub}`, `/${B}/?${sub}`);
    assert.notEqual(r.status, 403, `${sub}: ${r.text}`);
  }
  const meta = await sdkSignedV1('POST', `/${B}/?MetaQuery&action=query`, `/${B}/?MetaQuery`, '<MetaQuery/>');
  assert.equal(meta.status, 501, meta.text);
  assert.equal(xmlField(meta.text, 'API'), 'DoMetaQueryAction');
  assert.equal((await sdkSignedV1('GET', '/?cloudboxes', '/?cloudboxes')).status, 501);
});

test('V1: accessmonitor and regions, which the v2 SDKs leave unsigned, verify either way', async () => {
  for (const resource of [`/${B}/`, `/${B}/?accessmonitor`]) {
    const r = await sdkSignedV1('GET', `/${B}/?accessmonitor`, resource);
    assert.equal(r.status, 501, `${resource}: ${r.text}`);
  }
  for (const resource of ['/', '/?regions']) {
    const r = await sdkSignedV1('GET', '/?regions', resource);
    assert.equal(xmlField(r.text, 'API'), 'DescribeRegions', `${resource}: ${r.text}`);
  }
  // Any other sub-resource must be signed: dropping it is a forged request.
  const forged = await sdkSignedV1('GET', `/${B}/?httpsConfig`, `/${B}/`);
  assert.equal(errorCode(forged), 'SignatureDoesNotMatch');
});

test('every implemented operation is an OSS API of the table', () => {
  // Entries chosen by the request are read with each variant that chooses between them.
  const variants: Array<Partial<OssRequest>> = [
    { query: [], headers: {} },
    { query: [['list-type', '2']], headers: {} },
    { query: [], headers: { 'x-oss-copy-source': '/b/k' } },
    ...['add', 'delete', 'token', 'query'].map((comp) => ({
      query: [['comp', comp]] as Array<[string, string]>,
      headers: {},
    })),
  ];
  const apis = new Set(
    Object.values(OSS_APIS).flatMap((n) =>
      typeof n === 'string' ? [n] : variants.map((v) => n({ query: [], headers: {}, ...v } as OssRequest)),
    ),
  );
  for (const op of IMPLEMENTED_OPERATIONS) assert.ok(apis.has(op), `${op} is not in OSS_APIS`);
});
