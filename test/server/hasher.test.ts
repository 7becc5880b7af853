// The server's hashing thread (store/hasher.ts): digests of batches read back from the temp file and of chunks
// moved to the thread are those of the whole body, in order, whichever way each batch went; a writer faster than
// the thread never waits and never piles bytes up on it: past a few MiB, its batches are read back instead.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc64 } from '../../src/core/crc64.js';
import { HasherPool, REMOTE_MIN } from '../../src/server/store/hasher.js';

const pool = new HasherPool(1);
after(() => pool.close());

/** Fresh buffers, each its own ArrayBuffer, as node hands request-body chunks over. */
function ownChunks(data: Buffer, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(new Uint8Array(data.subarray(i, i + size)));
  return out;
}

test('moved chunks and read-back ranges give the digests of the whole body; moved chunks are taken', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-hasher-'));
  try {
    const body = randomBytes(24 << 20); // six times the bytes a writer may have on the thread
    const file = join(dir, 'body');
    await writeFile(file, body);
    const h = pool.forBody(file, body.length);
    const batch = 1 << 20;
    const handedOver: Uint8Array[][] = [];
    // All at once, with no turn of the event loop: the thread cannot report any batch hashed meanwhile.
    for (let at = 0; at < body.length; at += batch) {
      const n = Math.min(batch, body.length - at);
      // Every fourth batch as another source's: not handed over, so read back from the file.
      const handOver = (at / batch) % 4 !== 3;
      const chunks = handOver ? ownChunks(body.subarray(at, at + n), 65536) : [body.subarray(at, at + n)];
      for (const c of chunks) h.chunk(c); // as the writer does (an inline hasher's only input)
      h.written(at, n, chunks, handOver);
      if (handOver) handedOver.push(chunks);
    }
    const digest = await h.finish();
    assert.deepEqual(digest.md5, createHash('md5').update(body).digest());
    assert.equal(digest.crc64, crc64(body));
    const moved = handedOver.filter((chunks) => chunks[0]!.byteLength === 0).length;
    assert.ok(moved >= 1, 'handed-over chunks were moved to the thread, not copied');
    assert.ok(moved <= 4, `at most 4 MiB moved ahead of the thread, then read back (moved ${moved} of 18)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a chunk that is a slice of a larger buffer is never moved, even when handed over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-hasher-'));
  try {
    const big = randomBytes(REMOTE_MIN * 2);
    const file = join(dir, 'body');
    await writeFile(file, big);
    const h = pool.forBody(file, big.length);
    const first = big.subarray(0, REMOTE_MIN);
    const second = big.subarray(REMOTE_MIN);
    h.chunk(first);
    h.written(0, first.length, [first], true);
    h.chunk(second);
    h.written(REMOTE_MIN, second.length, [second], true);
    const digest = await h.finish();
    assert.deepEqual(digest.md5, createHash('md5').update(big).digest());
    assert.equal(big.byteLength, REMOTE_MIN * 2, 'the shared buffer is intact');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
