// FileChanged names what changed: the size, the modification time, the file itself, or only its change time.
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertUnchanged, snapshotFile } from '../../../src/transfer/checkpoint/file-identity.js';

test('FileChanged says whether the size, the mtime, the inode or only the ctime changed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-changed-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'f.bin');
  await writeFile(file, Buffer.alloc(1000));

  let before = await snapshotFile(file);
  await utimes(file, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
  await assert.rejects(assertUnchanged(before), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'FileChanged');
    assert.match(err.message, /\(modification time .* -> 2026-01-01T00:00:00\.000Z, size unchanged\)/);
    assert.doesNotMatch(err.message, /size 1000 -> 1000/);
    return true;
  });

  before = await snapshotFile(file);
  await writeFile(file, Buffer.alloc(1001));
  await assert.rejects(assertUnchanged(before), /\(size 1000 -> 1001 bytes\)/);

  before = await snapshotFile(file);
  await writeFile(join(dir, 'other'), Buffer.alloc(1001));
  await rename(join(dir, 'other'), file);
  await assert.rejects(assertUnchanged(before), /\(replaced by another file: its inode changed\)/);

  // A whole-millisecond mtime, so that putting it back restores it exactly.
  const mtime = new Date('2025-06-01T12:00:00Z');
  await utimes(file, mtime, mtime);
  before = await snapshotFile(file);
  await new Promise((resolve) => setTimeout(resolve, 20)); // let the change time move on coarse clocks
  await writeFile(file, Buffer.alloc(1001, 1));
  await utimes(file, mtime, mtime);
  assert.equal((await snapshotFile(file)).mtimeNs, before.mtimeNs);
  await assert.rejects(
    assertUnchanged(before),
    /\(rewritten with its size and modification time put back: its change time moved\)/,
  );
});
