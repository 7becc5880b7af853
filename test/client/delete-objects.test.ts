// deleteObjects (DeleteMultipleObjects): up to 1,000 keys in one signed request with Content-MD5, quiet mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError, OssClient } from '../../src/index.js';
import { parseDeleteResult } from '../../src/client/docs.js';
import { startTestServer } from '../../harness/server.js';

test('deleteObjects deletes 1,000 keys in one request, leaves the rest, and refuses 0 or 1,001 keys', async (t) => {
  const server = await startTestServer();
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  await client.putBucket('delete-many');
  const keys = Array.from({ length: 1001 }, (_, i) => `k/${i} with space/ü`);
  for (let i = 0; i < keys.length; i += 50)
    await Promise.all(keys.slice(i, i + 50).map((k) => client.putObject('delete-many', k, 'x')));

  const r = await client.deleteObjects('delete-many', keys.slice(0, 1000));
  assert.deepEqual(r.failed, []);
  const left = await client.listObjects('delete-many', { prefix: 'k/' });
  assert.deepEqual(
    left.objects.map((o) => o.key),
    [keys[1000]],
  );
  assert.throws(() => client.deleteObjects('delete-many', keys), ArgumentError);
  assert.throws(() => client.deleteObjects('delete-many', []), ArgumentError);
});

test('a DeleteMultipleObjects answer: <Error> keys are the failures (URL-decoded), <Deleted> ones are not', () => {
  const body =
    '<?xml version="1.0"?><DeleteResult><EncodingType>url</EncodingType>' +
    '<Error><Key>a%20b</Key><Code>AccessDenied</Code></Error><Deleted><Key>c</Key></Deleted></DeleteResult>';
  assert.deepEqual(parseDeleteResult(body), ['a b']);
  assert.deepEqual(parseDeleteResult(''), []);
  assert.deepEqual(parseDeleteResult('<DeleteResult><Deleted><Key>x</Key></Deleted></DeleteResult>'), []);
});
