// writeTempBlob batches socket-sized chunks into ~1 MiB writes: the file, its MD5 and its CRC-64 must still be
// exactly the bytes received, whatever the chunking, and a failure mid-body must leave no temp file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc64 } from '../../src/core/crc64.js';
import { BodyIncompleteError, BodyTooLargeError, writeTempBlob } from '../../src/server/store/blob.js';

async function* chunked(data: Buffer, sizes: number[], failAfter?: number): AsyncGenerator<Uint8Array> {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    if (failAfter !== undefined && off >= failAfter) throw new Error('client went away');
    const n = sizes[i % sizes.length]!;
    yield data.subarray(off, off + n);
    off += n;
    if (i % 7 === 0) await new Promise((r) => setImmediate(r));
  }
}

test('bytes, MD5 and CRC-64 match the body for any chunking, across several write batches', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-blob-'));
  try {
    for (const [len, sizes] of [
      [0, [1]],
      [1, [1]],
      [(3 << 20) + 17, [65536, 1, 300_000, 4093]],
      [(1 << 20) - 1, [65536]],
      [1 << 20, [1 << 20]],
      [5 << 20, [3 << 20]],
    ] as Array<[number, number[]]>) {
      const data = randomBytes(len);
      const w = await writeTempBlob(chunked(data, sizes), dir, { expectedLength: len });
      assert.equal(w.size, len);
      assert.ok((await readFile(w.tmpPath)).equals(data), `content of ${len}`);
      assert.ok(w.md5.equals(createHash('md5').update(data).digest()));
      assert.equal(w.crc64, crc64(data));
      await rm(w.tmpPath);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a source failing, running long or ending short after batches were written leaves no temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-blob-'));
  try {
    const data = randomBytes(4 << 20);
    await assert.rejects(writeTempBlob(chunked(data, [65536], 3 << 20), dir), /client went away/);
    await assert.rejects(writeTempBlob(chunked(data, [65536]), dir, { maxLength: (2 << 20) + 5 }), BodyTooLargeError);
    await assert.rejects(
      writeTempBlob(chunked(data, [65536]), dir, { expectedLength: (4 << 20) + 1 }),
      BodyIncompleteError,
    );
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('large bodies received at the same time (hashed on the hashing threads, interleaved) each get their own digests', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-blob-'));
  try {
    const bodies = [randomBytes((2 << 20) + 3), randomBytes(3 << 20), randomBytes((1 << 20) + 65536)];
    const written = await Promise.all(
      bodies.map((data, i) =>
        writeTempBlob(chunked(data, [65536 - i, 4093 + i]), dir, { expectedLength: data.length }),
      ),
    );
    written.forEach((w, i) => {
      assert.ok(w.md5.equals(createHash('md5').update(bodies[i]!).digest()), `MD5 of body ${i}`);
      assert.equal(w.crc64, crc64(bodies[i]!), `CRC-64 of body ${i}`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
