// Issue 21, finding 6: a tree download never writes through a symbolic link inside its destination that it did not
// make. `dest/lnk -> elsewhere` with objects t/lnk/keep and t/lnk/new (small and multipart), and a file link
// `dest/f -> elsewhere/f`: each such file fails with a message naming the link, everything else downloads, and
// `elsewhere` is byte for byte as it was.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OssClient } from '../../src/client/index.js';
import type { TestServer } from '../../harness/server.js';
import { runCli, STACK, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';

const BUCKET = 'links';
let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);
const BIG = randomBytes(350 * 1024);

before(async () => {
  ({ server, box, client } = await startCliServer(BUCKET));
  const objects: Record<string, Buffer> = {
    't/lnk/keep': Buffer.from('remote keep'),
    't/lnk/new': Buffer.from('remote new'),
    't/lnk/big': BIG,
    't/lnk/sub/deep': Buffer.from('deep'),
    't/f': Buffer.from('remote f'),
    't/bigf': BIG,
    't/ok/fine': Buffer.from('fine'),
  };
  for (const [key, body] of Object.entries(objects)) await client.putObject(BUCKET, key, body);
});
after(() => stopCliServer({ server, box, client }));

/** Every file below `dir` with its contents (links as `-> target`). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = join(e.parentPath, e.name);
    out[full.slice(dir.length)] = e.isSymbolicLink()
      ? `-> ${await readlink(full)}`
      : e.isFile()
        ? (await readFile(full)).toString('base64')
        : 'dir';
  }
  return out;
}

for (const verb of [['cp', '-r'], ['sync']]) {
  test(`${verb.join(' ')} oss://.../t/ dest: links in dest are not followed, the other files arrive`, async () => {
    const base = join(box.dir, verb.join(''));
    const elsewhere = join(base, 'elsewhere');
    const dest = join(base, 'dest');
    await mkdir(elsewhere, { recursive: true });
    await mkdir(dest, { recursive: true });
    await writeFile(join(elsewhere, 'keep'), 'precious');
    await writeFile(join(elsewhere, 'f'), 'precious f');
    await writeFile(join(elsewhere, 'bigf'), 'precious bigf');
    await symlink(elsewhere, join(dest, 'lnk'));
    await symlink(join(elsewhere, 'f'), join(dest, 'f'));
    await symlink(join(elsewhere, 'bigf'), join(dest, 'bigf'));
    const before = await snapshot(elsewhere);

    const r = await ossup(...verb, `oss://${BUCKET}/t/`, dest, '--part-size', '100KiB');
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, STACK);
    for (const name of ['lnk', 'f', 'bigf']) {
      assert.match(r.stderr, new RegExp(`${join(dest, name)} is a symbolic link`), r.stderr);
    }
    assert.deepEqual(await snapshot(elsewhere), before, 'nothing was written through a link');
    assert.equal(await readFile(join(dest, 'ok', 'fine'), 'utf8'), 'fine');
    assert.equal(await readlink(join(dest, 'lnk')), elsewhere, 'the link itself is left as it was');
    assert.equal(await readlink(join(dest, 'f')), join(elsewhere, 'f'));
  });
}
