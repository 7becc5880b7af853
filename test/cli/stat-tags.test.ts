// `ossup stat` shows the object's ACL and tags (GetObjectAcl, GetObjectTagging) next to what HEAD says.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { lastJson, runCli, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

before(async () => {
  ({ server, box, client } = await startCliServer('stat-tags'));
});
after(() => stopCliServer({ server, box, client }));

test('stat prints ACL and tags, and --json carries them', async () => {
  await client.putObject('stat-tags', 'tagged.txt', 'hello', {
    acl: 'public-read',
    tagging: { team: 'a b', env: 'prod' },
  });
  let r = await ossup('stat', 'oss://stat-tags/tagged.txt');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ACL:\s+public-read$/m);
  assert.match(r.stdout, /^Tags:\s+team=a b&env=prod$/m);
  r = await ossup('stat', 'oss://stat-tags/tagged.txt', '--json');
  const st = lastJson(r.stdout);
  assert.equal(st.acl, 'public-read');
  assert.deepEqual(st.tags, { team: 'a b', env: 'prod' });

  await client.putObject('stat-tags', 'plain.txt', 'x');
  r = await ossup('stat', 'oss://stat-tags/plain.txt');
  assert.match(r.stdout, /^ACL:\s+default$/m);
  assert.match(r.stdout, /^Tags:\s+\(none\)$/m);
});
