// What a new user meets with no endpoint configured (issue 24, items 2 and 9): the embedded-server note once, the
// first bucket made for the README's first command, and a typo'd bucket refused as OSS refuses it.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, sandbox } from '../../harness/cli.js';

test('the embedded note shows once per OSSUP_HOME, never under -q; only the first bucket is made on its own', async () => {
  const box = await sandbox();
  try {
    await mkdir(join(box.dir, 'src'));
    const file = join(box.dir, 'src', 'demo.bin');
    await writeFile(file, 'demo');
    const quiet = await runCli(['ls', '-q'], box.env);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', '-q: no note, and the note is still owed');

    const first = await runCli(['cp', file, 'oss://demo/demo.bin'], box.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      /^ossup: no endpoint configured; using the embedded server with data in .*this note is shown once\)$/m,
    );
    assert.match(
      first.stderr,
      /^ossup: created bucket oss:\/\/demo \(the embedded store had none; more with ossup mb\)$/m,
    );

    const typo = await runCli(['cp', file, 'oss://dmeo/demo.bin'], box.env);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /NoSuchBucket/);
    assert.match(typo.stderr, /^hint: create it with: ossup mb oss:\/\/dmeo$/m);
    assert.doesNotMatch(typo.stderr, /no endpoint configured/, 'the note was shown once already');
    const ls = await runCli(['ls'], box.env);
    assert.match(ls.stdout, /^\S+ \S+ {2}oss:\/\/demo\n$/, 'the typo made no bucket');
    assert.equal(ls.stderr, '');

    assert.equal((await runCli(['mb', 'oss://dmeo'], box.env)).code, 0);
    const again = await runCli(['cp', '-r', join(box.dir, 'src'), 'oss://dmeo/tree/', '-q'], box.env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, '');
  } finally {
    await box.cleanup();
  }
});
