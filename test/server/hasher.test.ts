// The server's hashing thread (store/hasher.ts): the digests of a body whose batches are read back from its temp
// file as they are written are those of the whole body, in order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc64 } from '../../src/core/crc64.js';
import { HasherPool } from '../../src/server/store/hasher.js';

const pool = new HasherPool(1);
after(() => pool.close());

test('batches read back from the temp file give the digests of the whole body', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-hasher-'));
  try {
    const body = randomBytes((5 << 20) + 12345);
    const file = join(dir, 'body');
    await writeFile(file, body);
    const h = pool.forBody(file, body.length);
    for (let at = 0; at < body.length; at += 1 << 20) {
      const n = Math.min(1 << 20, body.length - at);
      h.chunk(body.subarray(at, at + n)); // as the writer does (an inline hasher's only input)
      h.written(at, n);
    }
    const digest = await h.finish();
    assert.deepEqual(digest.md5, createHash('md5').update(body).digest());
    assert.equal(digest.crc64, crc64(body));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
