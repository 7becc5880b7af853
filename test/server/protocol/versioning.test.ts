// Bucket versioning (issue 26), driven with raw signed requests in the shapes OSS documents: PutBucketVersioning /
// GetBucketVersioning, versionId on GET/HEAD/DELETE/copy/tagging/ACL/objectMeta, delete markers, suspend, and
// ListObjectVersions paging.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../harness/server.js';
import { call, errorCode, mkBucket, put, xmlField, xmlFields, type CallResult } from '../../../harness/oss-http.js';
import { aliClient, failure, MODES } from './peers.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

function setVersioning(bucket: string, status: string): Promise<CallResult> {
  return call(srv, {
    method: 'PUT',
    bucket,
    query: [['versioning', '']],
    body: `<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration><Status>${status}</Status></VersioningConfiguration>`,
  });
}

async function versionedBucket(name: string): Promise<void> {
  await mkBucket(srv, name);
  const r = await setVersioning(name, 'Enabled');
  assert.equal(r.status, 200, r.text);
}

function vid(r: CallResult): string {
  const v = r.headers['x-oss-version-id'];
  assert.equal(typeof v, 'string', `x-oss-version-id missing (status ${r.status})`);
  return v as string;
}

const get = (bucket: string, key: string, versionId?: string, method = 'GET') =>
  call(srv, { method, bucket, key, query: versionId === undefined ? [] : [['versionId', versionId]] });

function listVersions(bucket: string, query: Array<[string, string]> = []): Promise<CallResult> {
  return call(srv, { bucket, query: [['versions', ''], ...query] });
}

test('GetBucketVersioning: no Status before versioning, then Enabled and Suspended; bad Status is MalformedXML', async () => {
  await mkBucket(srv, 'ver-status');
  const first = await call(srv, { bucket: 'ver-status', query: [['versioning', '']] });
  assert.equal(first.status, 200);
  assert.match(first.text, /<VersioningConfiguration><\/VersioningConfiguration>/);
  assert.equal(xmlField(first.text, 'Status'), undefined);
  assert.equal((await setVersioning('ver-status', 'Enabled')).status, 200);
  const on = await call(srv, { bucket: 'ver-status', query: [['versioning', '']] });
  assert.equal(xmlField(on.text, 'Status'), 'Enabled');
  assert.equal((await setVersioning('ver-status', 'Suspended')).status, 200);
  assert.equal(
    xmlField((await call(srv, { bucket: 'ver-status', query: [['versioning', '']] })).text, 'Status'),
    'Suspended',
  );
  const bad = await setVersioning('ver-status', 'Off');
  assert.equal(bad.status, 400);
  assert.equal(errorCode(bad), 'MalformedXML');
});

test('overwrite keeps the old version; GET/HEAD ?versionId= read it; x-oss-version-id on every answer', async () => {
  const B = 'ver-rw';
  await versionedBucket(B);
  const v1 = vid(await put(srv, B, 'k', 'one'));
  const v2 = vid(await put(srv, B, 'k', 'two!'));
  assert.notEqual(v1, v2);
  const latest = await get(B, 'k');
  assert.equal(latest.text, 'two!');
  assert.equal(vid(latest), v2);
  const old = await get(B, 'k', v1);
  assert.equal(old.status, 200);
  assert.equal(old.text, 'one');
  assert.equal(vid(old), v1);
  const head = await get(B, 'k', v1, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '3');
  const meta = await call(srv, {
    method: 'HEAD',
    bucket: B,
    key: 'k',
    query: [
      ['objectMeta', ''],
      ['versionId', v1],
    ],
  });
  assert.equal(meta.status, 200);
  assert.equal(vid(meta), v1);
  const missing = await get(B, 'k', 'CAEQnosuchversion');
  assert.equal(missing.status, 404);
  assert.equal(errorCode(missing), 'NoSuchVersion');
});

test('DELETE without versionId makes a delete marker; GET is 404 with x-oss-delete-marker; versions survive', async () => {
  const B = 'ver-del';
  await versionedBucket(B);
  const v1 = vid(await put(srv, B, 'k', 'keep me'));
  const del = await call(srv, { method: 'DELETE', bucket: B, key: 'k' });
  assert.equal(del.status, 204);
  assert.equal(del.headers['x-oss-delete-marker'], 'true');
  const marker = vid(del);
  const gone = await get(B, 'k');
  assert.equal(gone.status, 404);
  assert.equal(errorCode(gone), 'NoSuchKey');
  assert.equal(gone.headers['x-oss-delete-marker'], 'true');
  assert.equal(gone.headers['x-oss-version-id'], marker);
  // ListObjects no longer shows it; the old version still reads.
  assert.deepEqual(xmlFields((await call(srv, { bucket: B })).text, 'Key'), []);
  assert.equal((await get(B, 'k', v1)).text, 'keep me');
  const onMarker = await get(B, 'k', marker);
  assert.equal(onMarker.status, 405);
  assert.equal(onMarker.headers['x-oss-delete-marker'], 'true');
  // Deleting the marker by id brings the version back.
  const undo = await call(srv, { method: 'DELETE', bucket: B, key: 'k', query: [['versionId', marker]] });
  assert.equal(undo.status, 204);
  assert.equal(undo.headers['x-oss-delete-marker'], 'true');
  assert.equal(vid(undo), marker);
  const back = await get(B, 'k');
  assert.equal(back.text, 'keep me');
  assert.equal(vid(back), v1);
  // Deleting a version by id removes it for good.
  assert.equal((await call(srv, { method: 'DELETE', bucket: B, key: 'k', query: [['versionId', v1]] })).status, 204);
  assert.equal((await get(B, 'k')).status, 404);
  assert.equal(errorCode(await get(B, 'k', v1)), 'NoSuchVersion');
  // Nothing left: the bucket can go.
  assert.equal((await call(srv, { method: 'DELETE', bucket: B })).status, 204);
});

test('a bucket holding only old versions or delete markers is not empty', async () => {
  const B = 'ver-notempty';
  await versionedBucket(B);
  await put(srv, B, 'k', 'x');
  await call(srv, { method: 'DELETE', bucket: B, key: 'k' });
  const r = await call(srv, { method: 'DELETE', bucket: B });
  assert.equal(r.status, 409);
  assert.equal(errorCode(r), 'BucketNotEmpty');
});

test('ListObjectVersions: Version and DeleteMarker entries, IsLatest, and paging by key and version markers', async () => {
  const B = 'ver-list';
  await versionedBucket(B);
  const a1 = vid(await put(srv, B, 'a', '1'));
  const a2 = vid(await put(srv, B, 'a', '22'));
  const m = vid(await call(srv, { method: 'DELETE', bucket: B, key: 'a' }));
  const b1 = vid(await put(srv, B, 'b', '333'));
  await put(srv, B, 'dir/x', 'x');
  const all = await listVersions(B);
  assert.equal(all.status, 200, all.text);
  assert.match(all.text, /^<\?xml[^>]*>\s*<ListVersionsResult>/);
  const markers = [...all.text.matchAll(/<DeleteMarker>(.*?)<\/DeleteMarker>/g)].map((x) => x[1]!);
  assert.equal(markers.length, 1);
  assert.equal(xmlField(markers[0]!, 'VersionId'), m);
  assert.equal(xmlField(markers[0]!, 'IsLatest'), 'true');
  const versions = [...all.text.matchAll(/<Version>(.*?)<\/Version>/g)].map((x) => x[1]!);
  assert.deepEqual(
    versions.map((v) => [xmlField(v, 'Key'), xmlField(v, 'VersionId'), xmlField(v, 'IsLatest'), xmlField(v, 'Size')]),
    [
      ['a', a2, 'false', '2'],
      ['a', a1, 'false', '1'],
      ['b', b1, 'true', '3'],
      ['dir/x', xmlField(versions[3]!, 'VersionId'), 'true', '1'],
    ],
  );
  assert.equal(xmlField(versions[0]!, 'ETag'), '"B6D767D2F8ED5D21A44B0E5886680CB9"');
  assert.deepEqual(xmlFields(all.text, 'VersionId'), [m, a2, a1, b1, xmlField(versions[3]!, 'VersionId')]);
  // Delimiter rolls dir/ up.
  const rolled = await listVersions(B, [['delimiter', '/']]);
  assert.deepEqual(xmlFields(rolled.text, 'Prefix'), ['', 'dir/']);
  // Two per page: the page stops inside key a and resumes there.
  const seen: string[] = [];
  let keyMarker = '';
  let idMarker = '';
  for (let i = 0; i < 5; i++) {
    const page = await listVersions(B, [
      ['max-keys', '2'],
      ['key-marker', keyMarker],
      ['version-id-marker', idMarker],
    ]);
    assert.equal(page.status, 200, page.text);
    const entries = [...page.text.matchAll(/<(?:Version|DeleteMarker)>(.*?)<\/(?:Version|DeleteMarker)>/g)];
    seen.push(...entries.map((e) => xmlField(e[1]!, 'VersionId')!));
    if (xmlField(page.text, 'IsTruncated') !== 'true') break;
    keyMarker = xmlField(page.text, 'NextKeyMarker')!;
    idMarker = xmlField(page.text, 'NextVersionIdMarker')!;
  }
  assert.deepEqual(new Set(seen), new Set([m, a2, a1, b1, xmlField(versions[3]!, 'VersionId')]));
  assert.equal(seen.length, 5);
});

test('Suspended: writes are the null version, replacing each other; older versions stay', async () => {
  const B = 'ver-suspend';
  await versionedBucket(B);
  const v1 = vid(await put(srv, B, 'k', 'versioned'));
  assert.equal((await setVersioning(B, 'Suspended')).status, 200);
  assert.equal(vid(await put(srv, B, 'k', 'null one')), 'null');
  assert.equal(vid(await put(srv, B, 'k', 'null two')), 'null');
  const ids = xmlFields((await listVersions(B)).text, 'VersionId');
  assert.deepEqual(ids, ['null', v1]);
  assert.equal((await get(B, 'k', 'null')).text, 'null two');
  assert.equal((await get(B, 'k', v1)).text, 'versioned');
  const del = await call(srv, { method: 'DELETE', bucket: B, key: 'k' });
  assert.equal(del.headers['x-oss-delete-marker'], 'true');
  assert.equal(vid(del), 'null');
  assert.deepEqual(xmlFields((await listVersions(B)).text, 'VersionId'), ['null', v1]);
});

test('CopyObject from x-oss-copy-source ?versionId= restores an old version as the latest', async () => {
  const B = 'ver-copy';
  await versionedBucket(B);
  const v1 = vid(await put(srv, B, 'doc', 'first draft'));
  await put(srv, B, 'doc', 'ruined');
  const r = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'doc',
    headers: { 'x-oss-copy-source': `/${B}/doc?versionId=${v1}` },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['x-oss-copy-source-version-id'], v1);
  const v3 = vid(r);
  const now = await get(B, 'doc');
  assert.equal(now.text, 'first draft');
  assert.equal(vid(now), v3);
  assert.equal(xmlFields((await listVersions(B)).text, 'VersionId').length, 3);
  const missing = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'other',
    headers: { 'x-oss-copy-source': `/${B}/doc?versionId=CAEQnone` },
  });
  assert.equal(errorCode(missing), 'NoSuchVersion');
});

test('tagging and ACL of one version by ?versionId=; DeleteMultipleObjects with VersionId', async () => {
  const B = 'ver-meta';
  await versionedBucket(B);
  const v1 = vid(await put(srv, B, 'k', 'old'));
  const v2 = vid(await put(srv, B, 'k', 'new'));
  const tag = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'k',
    query: [
      ['tagging', ''],
      ['versionId', v1],
    ],
    body: '<Tagging><TagSet><Tag><Key>era</Key><Value>old</Value></Tag></TagSet></Tagging>',
  });
  assert.equal(tag.status, 200, tag.text);
  assert.equal(vid(tag), v1);
  const t1 = await call(srv, {
    bucket: B,
    key: 'k',
    query: [
      ['tagging', ''],
      ['versionId', v1],
    ],
  });
  assert.equal(xmlField(t1.text, 'Value'), 'old');
  assert.equal(xmlField((await call(srv, { bucket: B, key: 'k', query: [['tagging', '']] })).text, 'Value'), undefined);
  const acl = await call(srv, {
    method: 'PUT',
    bucket: B,
    key: 'k',
    query: [
      ['acl', ''],
      ['versionId', v1],
    ],
    headers: { 'x-oss-object-acl': 'public-read' },
  });
  assert.equal(acl.status, 200, acl.text);
  assert.equal(
    xmlField(
      (
        await call(srv, {
          bucket: B,
          key: 'k',
          query: [
            ['acl', ''],
            ['versionId', v1],
          ],
        })
      ).text,
      'Grant',
    ),
    'public-read',
  );
  assert.equal(xmlField((await call(srv, { bucket: B, key: 'k', query: [['acl', '']] })).text, 'Grant'), 'default');
  assert.equal((await get(B, 'k', v1)).text, 'old');

  const multi = await call(srv, {
    method: 'POST',
    bucket: B,
    query: [['delete', '']],
    body: `<Delete><Quiet>false</Quiet><Object><Key>k</Key><VersionId>${v1}</VersionId></Object><Object><Key>k</Key></Object></Delete>`,
  });
  assert.equal(multi.status, 200, multi.text);
  const deleted = [...multi.text.matchAll(/<Deleted>(.*?)<\/Deleted>/g)].map((x) => x[1]!);
  assert.equal(xmlField(deleted[0]!, 'VersionId'), v1);
  assert.equal(xmlField(deleted[1]!, 'DeleteMarker'), 'true');
  const markerId = xmlField(deleted[1]!, 'DeleteMarkerVersionId')!;
  assert.ok(markerId.length > 0);
  const left = await listVersions(B);
  assert.deepEqual(xmlFields(left.text, 'VersionId'), [markerId, v2]);
});

test('a bucket never versioned answers as before: no version header, ListObjectVersions shows null versions', async () => {
  const B = 'ver-never';
  await mkBucket(srv, B);
  const p = await put(srv, B, 'k', 'plain');
  assert.equal(p.headers['x-oss-version-id'], undefined);
  assert.equal((await get(B, 'k')).headers['x-oss-version-id'], undefined);
  assert.equal((await get(B, 'k', 'null')).text, 'plain');
  const list = await listVersions(B);
  assert.deepEqual(xmlFields(list.text, 'VersionId'), ['null']);
  const del = await call(srv, { method: 'DELETE', bucket: B, key: 'k' });
  assert.equal(del.status, 204);
  assert.equal(del.headers['x-oss-delete-marker'], undefined);
  assert.equal((await get(B, 'k')).status, 404);
  // An operation that cannot take a version refuses one rather than acting on the current object.
  const r = await call(srv, {
    method: 'POST',
    bucket: B,
    key: 'k',
    query: [
      ['append', ''],
      ['position', '0'],
      ['versionId', 'v'],
    ],
  });
  assert.equal(r.status, 501);
});

MODES.forEach((mode, i) => {
  describe(`ali-oss ${mode.name}`, () => {
    test('putBucketVersioning, getBucketVersioning, getBucketVersions, get/head/copy/delete with versionId', async () => {
      const bucket = `ver-ali-${i}`;
      const c = aliClient(srv, mode, bucket);
      await c.putBucket(bucket);
      assert.equal((await c.getBucketVersioning(bucket)).versionStatus, undefined);
      await c.putBucketVersioning(bucket, 'Enabled');
      assert.equal((await c.getBucketVersioning(bucket)).versionStatus, 'Enabled');
      const v1 = (await c.put('k', Buffer.from('one'))).res.headers['x-oss-version-id'];
      await c.put('k', Buffer.from('two'));
      assert.equal((await c.get('k', { versionId: v1 })).content.toString(), 'one');
      assert.equal((await c.head('k', { versionId: v1 })).res.headers['x-oss-version-id'], v1);
      const del = await c.delete('k');
      assert.equal(del.res.headers['x-oss-delete-marker'], 'true');
      assert.equal((await failure(c.get('k'))).status, 404);
      const listed = await c.getBucketVersions({ maxKeys: 100 });
      assert.deepEqual(
        listed.objects.map((o: { name: string; isLatest: boolean; size: number }) => [o.name, o.isLatest, o.size]),
        [
          ['k', false, 3],
          ['k', false, 3],
        ],
      );
      assert.equal(listed.deleteMarker.length, 1);
      assert.equal(listed.deleteMarker[0].versionId, del.res.headers['x-oss-version-id']);
      // Restore the first version by copying it over the key.
      await c.copy('k', 'k', bucket, { versionId: v1 });
      assert.equal((await c.get('k')).content.toString(), 'one');
      await c.delete('k', { versionId: v1 });
      assert.equal((await failure(c.get('k', { versionId: v1 }))).status, 404);
      const multi = await c.deleteMulti([{ key: 'k', versionId: del.res.headers['x-oss-version-id'] }]);
      assert.equal(multi.res.status, 200);
      await c.putBucketVersioning(bucket, 'Suspended');
      assert.equal((await c.getBucketVersioning(bucket)).versionStatus, 'Suspended');
    });
  });
});
