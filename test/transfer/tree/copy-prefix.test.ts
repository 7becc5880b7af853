// copyPrefix and a copy with removeSource, the library on its own against a real server: counts, skips on a rerun,
// sources removed only by a move, and the options a copy needs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ArgumentError, OssClient } from '../../../src/index.js';
import { copyPrefix, syncTree, type TreeEvent } from '../../../src/transfer/tree/index.js';
import { objectBytes } from '../../../harness/cli.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';

let server: TestServer;
let client: OssClient;

before(async () => {
  server = await startTestServer();
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket('cp-lib-a');
  await client.putBucket('cp-lib-b');
});
after(async () => {
  await client.close();
  await server.close();
});

const keys = async (bucket: string, prefix: string) =>
  (await client.listObjects(bucket, { prefix })).objects.map((o) => o.key).sort();

test('copyPrefix copies on the server, reports each object, and skips them all on a rerun', async () => {
  await client.putObject('cp-lib-a', 'src/x.txt', Buffer.from('x'));
  await client.putObject('cp-lib-a', 'src/sub/y.txt', Buffer.from('yy'));
  const opts = { dir: '', sourceBucket: 'cp-lib-a', sourcePrefix: 'src', bucket: 'cp-lib-b', prefix: 'dst/' };
  const events: TreeEvent[] = [];
  const first = await copyPrefix(client, { ...opts, onEvent: (e) => events.push(e) });
  assert.equal(first.transferred, 2);
  assert.equal(first.failed.length, 0);
  const done = events.flatMap((e) => (e.type === 'done' ? [e.result] : []));
  assert.deepEqual(done.map((r) => [r.action, r.key, r.file]).sort(), [
    ['copy', 'dst/sub/y.txt', 'oss://cp-lib-a/src/sub/y.txt'],
    ['copy', 'dst/x.txt', 'oss://cp-lib-a/src/x.txt'],
  ]);
  assert.equal(String(await objectBytes(client, 'cp-lib-b', 'dst/sub/y.txt')), 'yy');
  const again = await copyPrefix(client, opts);
  assert.deepEqual([again.transferred, again.skipped], [0, 2]);
  assert.deepEqual(await keys('cp-lib-a', 'src/'), ['src/sub/y.txt', 'src/x.txt'], 'a copy removes nothing');

  // syncTree compares by mtime; a move compares by CRC-64 all the same before it removes anything.
  const moved = await syncTree(client, { ...opts, direction: 'copy', removeSource: true });
  assert.deepEqual([moved.transferred, moved.skipped, moved.failed.length], [0, 2, 0]);
  assert.deepEqual(await keys('cp-lib-a', 'src/'), [], 'a move removes the sources its copies match');
  assert.deepEqual(await keys('cp-lib-b', 'dst/'), ['dst/sub/y.txt', 'dst/x.txt']);
});

test('a copy without sourceBucket is an ArgumentError naming the field', async () => {
  await assert.rejects(
    syncTree(client, { dir: '', bucket: 'cp-lib-b', prefix: '', direction: 'copy' }),
    (err: unknown) => err instanceof ArgumentError && /sourceBucket/.test(err.message),
  );
});
