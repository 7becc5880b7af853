// `ossup du` and `ossup ls -l` / `--limit` through the built CLI: counts and bytes by storage class, the columns of a
// long listing, and a listing that stops after N entries.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli, startCliServer, stopCliServer, type CliServer } from '../../harness/cli.js';

let env: CliServer;
const ossup = (...a: string[]) => runCli([...a, '--endpoint', env.server.endpoint], env.box.env);

before(async () => {
  env = await startCliServer('du-test');
  const put = (key: string, size: number, storageClass?: string) =>
    env.client.putObject('du-test', key, Buffer.alloc(size, 1), storageClass ? { storageClass } : {});
  await put('logs/a.log', 1000);
  await put('logs/b.log', 2048);
  await put('logs/old/c.log', 3 * 1024 * 1024, 'IA');
  await put('logs/old/d.log', 10, 'Archive');
  await put('logs2/elsewhere', 7);
  await put('top.txt', 5);
});
after(() => stopCliServer(env));

test('du sums objects and bytes under a prefix, by storage class; --json has the same figures', async () => {
  let r = await ossup('du', 'oss://du-test/logs/');
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.match(rows[0]!, /^STORAGE CLASS\s+OBJECTS\s+SIZE\s+BYTES$/);
  assert.match(r.stdout, /^Standard\s+2\s+3\.0 KiB\s+3048$/m);
  assert.match(r.stdout, /^IA\s+1\s+3\.0 MiB\s+3145728$/m);
  assert.match(r.stdout, /^Archive\s+1\s+10 B\s+10$/m);
  assert.match(rows.at(-1)!, /^total\s+4\s+3\.0 MiB\s+3148786$/);
  for (const row of rows) assert.ok(row.length <= 80, row);

  r = await ossup('du', 'oss://du-test', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(j, {
    bucket: 'du-test',
    prefix: '',
    objects: 6,
    bytes: 3148798,
    storageClasses: {
      Standard: { objects: 4, bytes: 3060 },
      IA: { objects: 1, bytes: 3145728 },
      Archive: { objects: 1, bytes: 10 },
    },
  });

  r = await ossup('du', 'oss://du-test/nothing-here/');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^total\s+0\s+0 B\s+0$/m);
  r = await ossup('du', 'oss://du-missing');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /NoSuchBucket/);
});

test('ls -l shows the storage class; --limit stops after N entries and says more exist', async () => {
  let r = await ossup('ls', '-l', '-r', 'oss://du-test/logs/');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+3\.0 MiB {2}IA\s+oss:\/\/du-test\/logs\/old\/c\.log$/m);
  assert.match(r.stdout, /^\S+ \S+\s+1000 B {2}Standard\s+oss:\/\/du-test\/logs\/a\.log$/m);
  assert.match(r.stdout, /^4 objects, 3\.0 MiB$/m);

  r = await ossup('ls', '-r', 'oss://du-test', '--limit', '2');
  assert.equal(r.code, 0, r.stderr);
  const shown = r.stdout.trim().split('\n');
  assert.equal(shown.length, 3, r.stdout);
  assert.match(shown[0]!, /oss:\/\/du-test\/logs\/a\.log$/);
  assert.match(shown[1]!, /oss:\/\/du-test\/logs\/b\.log$/);
  assert.equal(shown[2], '(stopped at --limit 2; there are more)');

  // One level: prefixes and objects interleave in key order, and count alike.
  r = await ossup('ls', 'oss://du-test/', '--limit', '2', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .map((e) => e.prefix ?? e.key),
    ['logs/', 'logs2/'],
  );

  // Exactly as many as there are: no "more" note.
  r = await ossup('ls', '-r', 'oss://du-test/logs/old/', '--limit', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /stopped at --limit/);
  assert.match(r.stdout, /^2 objects, 3\.0 MiB$/m);

  r = await ossup('ls', 'oss://du-test', '--limit', 'ten');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--limit "ten" must be a whole number of entries/);
});
