// crc64OfFile reads through a few reused buffers: many files hashed at once each get their own bytes' CRC-64, a
// file of several chunks is hashed whole (and the `also` hook sees every byte once), and an aborted read throws.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc64 } from '../../../src/core/crc64.js';
import { crc64OfFile } from '../../../src/transfer/tree/compare.js';
import { bytes } from '../fixtures.js';

test('crc64OfFile: files hashed at once, across chunks, with the hook seeing every byte', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-crcfile-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sizes = [0, 4096, 1024 * 1024, 1024 * 1024 + 4, 2.5 * 1024 * 1024, 70_000, 5];
  const files = await Promise.all(
    sizes.map(async (size, i) => {
      const data = size === 0 ? Buffer.alloc(0) : bytes(size, i + 1);
      const file = join(dir, `f${i}`);
      await writeFile(file, data);
      return { file, data };
    }),
  );
  const got = await Promise.all(
    files.map(async ({ file }) => {
      const md5 = createHash('md5');
      const crc = await crc64OfFile(file, undefined, (chunk) => md5.update(chunk));
      return { crc, md5: md5.digest('hex') };
    }),
  );
  for (const [i, { data }] of files.entries()) {
    assert.equal(got[i]!.crc, crc64(data), `CRC-64 of ${sizes[i]} bytes`);
    assert.equal(got[i]!.md5, createHash('md5').update(data).digest('hex'), `MD5 of ${sizes[i]} bytes`);
  }
  await assert.rejects(crc64OfFile(files[4]!.file, AbortSignal.abort()), { name: 'AbortedError' });
  await assert.rejects(crc64OfFile(join(dir, 'missing')), { code: 'ENOENT' });
});
