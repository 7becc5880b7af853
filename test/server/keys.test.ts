// Odd keys either round-trip byte for byte or are refused with InvalidObjectName, and no request, whatever its
// key, touches a file outside the storage root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, put, send, xmlFields } from '../../harness/oss-http.js';

let srv: TestServer;
let box: string;
let outside: string;
const B = 'keys';
before(async () => {
  // A directory of our own holding the root and a sibling with a canary file: any traversal would land in the
  // sibling or beside the root, and nothing else writes here (the shared tmpdir changes under a busy machine).
  box = await mkdtemp(join(tmpdir(), 'ossup-keys-'));
  outside = join(box, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'canary'), 'untouched');
  const root = join(box, 'root');
  await mkdir(root);
  srv = await startTestServer({ root });
  await mkBucket(srv, B);
});
after(async () => {
  await srv.close();
  await rm(box, { recursive: true, force: true });
});

async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const s = await stat(join(dir, name));
    out.push(`${name}:${s.size}:${s.mtimeMs}`);
  }
  return out.sort();
}

const ROUND_TRIP = [
  '...',
  '.hidden',
  '..foo',
  'a//b',
  'dir/',
  'a/b../..c/d...',
  ' spaces ',
  'ümlaut/日本語/😀',
  'percent%2F%00',
  'plus+and&amp=?#',
  'back\\slash\\..\\x',
  'k'.repeat(1023),
  `${'é'.repeat(511)}a`, // 1023 bytes
];

const REFUSED = [
  '..',
  'a/../b',
  './x',
  'a/./b',
  'x/..',
  'k'.repeat(1024),
  `${'é'.repeat(512)}`,
  'nul\0byte',
  '\\leading',
];

test('odd keys round-trip through put, get, list and delete', async () => {
  for (const key of ROUND_TRIP) {
    const p = await put(srv, B, key, `body of ${key}`);
    assert.equal(p.status, 200, `${JSON.stringify(key)}: ${p.text}`);
    const g = await call(srv, { bucket: B, key });
    assert.equal(g.text, `body of ${key}`, JSON.stringify(key));
  }
  const listed = xmlFields(
    (
      await call(srv, {
        bucket: B,
        query: [
          ['max-keys', '1000'],
          ['encoding-type', 'url'],
        ],
      })
    ).text,
    'Key',
  ).map(decodeURIComponent);
  assert.deepEqual(new Set(listed), new Set(ROUND_TRIP));
  for (const key of ROUND_TRIP) assert.equal((await call(srv, { method: 'DELETE', bucket: B, key })).status, 204);
});

test('refused keys answer InvalidObjectName and store nothing', async () => {
  for (const key of REFUSED) {
    const r = await put(srv, B, key, 'x');
    assert.equal(r.status, 400, JSON.stringify(key));
    assert.equal(errorCode(r), 'InvalidObjectName', JSON.stringify(key));
  }
  const listed = xmlFields((await call(srv, { bucket: B })).text, 'Key');
  assert.deepEqual(listed, []);
});

test('raw traversal paths never reach outside the root', async () => {
  const before = await snapshot(outside);
  const parent = join(srv.root, '..');
  const parentBefore = await snapshot(parent);
  const name = outside.split('/').pop()!;
  const paths = [
    `/${B}/../../${name}/canary`,
    `/${B}/..%2F..%2F${name}%2Fcanary`,
    `/${B}/%2e%2e/%2e%2e/${name}/canary`,
    `/../${name}/canary`,
    `/${B}//etc/passwd`,
    `/${B}/%2Fetc%2Fpasswd`,
    `/${B}/%ff%fe`,
    `/..%2f..%2f/x`,
  ];
  for (const path of paths) {
    for (const method of ['PUT', 'GET', 'DELETE']) {
      const r = await send(
        srv.endpoint,
        method,
        path,
        { date: new Date().toUTCString(), 'content-length': '4' },
        Buffer.from('evil'),
      );
      assert.ok(r.status >= 400, `${method} ${path} -> ${r.status}`);
    }
  }
  // Signed requests with traversal-looking keys are refused as names, not resolved as paths.
  for (const key of ['../../escape', `../${name}/canary`]) {
    assert.equal(errorCode(await put(srv, B, key, 'evil')), 'InvalidObjectName');
  }
  assert.deepEqual(await snapshot(outside), before);
  // Only the root itself may have changed in its parent directory.
  const rootName = srv.root.split('/').pop()!;
  const strip = (l: string[]) => l.filter((e) => !e.startsWith(`${rootName}:`));
  assert.deepEqual(strip(await snapshot(parent)), strip(parentBefore));
});

test('bucket names that look like paths are InvalidBucketName', async () => {
  for (const bucket of ['..', '.', 'a..b', 'UPPER', 'x', 'has_underscore']) {
    const r = await call(srv, { method: 'PUT', bucket });
    assert.ok(r.status === 400, `${bucket} -> ${r.status}`);
  }
});
