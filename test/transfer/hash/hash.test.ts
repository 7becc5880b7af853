import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc64 } from '../../../src/core/crc64.js';
import { BUFFER_LIMIT, hashFileRange } from '../../../src/transfer/hash/hash.js';
import { bytes } from '../fixtures.js';

test('range digests match MD5 and CRC-64 of exactly those bytes; large ranges are not kept in memory', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-hash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'f');
  const data = bytes(3 * 1024 * 1024 + 11, 5);
  await writeFile(file, data);
  for (const [start, len] of <Array<[number, number]>>[
    [0, 0],
    [0, 1],
    [17, 1024 * 1024 + 3],
    [1024 * 1024 - 1, 2 * 1024 * 1024 + 12],
  ]) {
    const slice = data.subarray(start, start + len);
    for (const keep of [true, false]) {
      const d = await hashFileRange(file, start, len, { keep });
      assert.equal(d.md5.toString('hex'), createHash('md5').update(slice).digest('hex'));
      assert.equal(d.crc64, crc64(slice));
      assert.equal(d.data !== undefined, keep);
      if (keep) assert.deepEqual(d.data, slice);
    }
  }
  assert.equal((await hashFileRange(file, 0, 1000)).data?.length, 1000, 'small ranges are kept by default');
  assert.ok(BUFFER_LIMIT <= 16 * 1024 * 1024, 'the in-memory limit stays small');
  await assert.rejects(hashFileRange(file, data.length - 10, 20), { code: 'ESHORTFILE' });
});
