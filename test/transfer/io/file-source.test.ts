import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { crc64 } from '../../../src/core/crc64.js';
import { FileChangedError, IntegrityError } from '../../../src/core/errors.js';
import { hashPool } from '../../../src/transfer/hash/pool.js';
import { FileSource } from '../../../src/transfer/io/file-source.js';
import { bytes, tempFile } from '../fixtures.js';

const MiB = 1024 * 1024;

/** One attempt of a part's body, read to its end as a sender would: the chunks joined. */
async function sendAll(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of (body as { open(): AsyncIterable<Buffer> }).open()) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

test('a part under 1 MiB hashed for its CRC-64 alone is kept in memory and sent from there: the file is read once', async (t) => {
  const data = bytes(3 * 512 * 1024 + 99, 5);
  const file = await tempFile(t, data);
  const source = await FileSource.open(file);
  const parts = [
    { number: 1, start: 0, size: 512 * 1024 + 50 },
    { number: 2, start: 512 * 1024 + 50, size: 512 * 1024 + 50 },
  ];
  const read = await Promise.all(parts.map((p) => source.read(p, { crcOnly: true })));
  for (const [i, p] of parts.entries()) {
    const want = data.subarray(p.start, p.start + p.size);
    const got = read[i]!;
    assert.equal(got.crc64, crc64(want));
    assert.equal(got.md5.length, 0, 'no MD5 unless Content-MD5 was asked for');
    assert.ok(got.data, 'the bytes hashed are the bytes sent');
    assert.deepEqual(Buffer.from(got.data), want);
    assert.equal(got.body, got.data);
  }
  // Given back, a buffer carries the next part; the first part's bytes are untouched by the second's read.
  read[1]!.release?.();
  const third = await source.read({ number: 3, start: 2 * (512 * 1024 + 50), size: 512 * 1024 - 1 }, { crcOnly: true });
  assert.deepEqual(Buffer.from(third.data!), data.subarray(2 * (512 * 1024 + 50)));
  assert.deepEqual(Buffer.from(read[0]!.data!), data.subarray(0, 512 * 1024 + 50));
  // Checking a part (discard) keeps nothing.
  assert.equal((await source.read(parts[0]!, { crcOnly: true, discard: true })).data, undefined);
});

test('a part of 1 MiB or more is read as it is sent, and its CRC-64 is that of exactly the bytes sent', async (t) => {
  const data = bytes(3 * MiB + 99, 6);
  const file = await tempFile(t, data);
  const source = await FileSource.open(file, false);
  const part = { number: 2, start: MiB - 7, size: 2 * MiB + 50 };
  const read = await source.read(part, { crcOnly: true });
  assert.equal(read.data, undefined, 'not read ahead into memory');
  assert.equal(read.md5.length, 0);
  assert.throws(() => read.crc64, IntegrityError, 'no CRC-64 before the bytes were sent');

  const sent = await sendAll(read.body);
  assert.deepEqual(sent, data.subarray(part.start, part.start + part.size));
  assert.equal(read.crc64, crc64(sent));

  // The file changes under the upload: the next attempt sends the new bytes, and the CRC-64 follows them (the
  // server's is compared with it; the change itself is caught by the ctime check before Complete).
  const changed = Buffer.from(data);
  changed.fill(0xab, MiB, MiB + 4096);
  writeFileSync(file, changed);
  const resent = await sendAll(read.body);
  assert.deepEqual(resent, changed.subarray(part.start, part.start + part.size));
  assert.equal(read.crc64, crc64(resent));
  assert.notEqual(read.crc64, crc64(sent));
});

test("a part read as it is sent has its CRC-64 once the last chunk is handed on, before the sender's next read", async (t) => {
  // A sender that waits for the socket to drain after its last write may get the server's answer first.
  const data = bytes(2 * MiB + 5, 7);
  const file = await tempFile(t, data);
  const source = await FileSource.open(file, false);
  const read = await source.read({ number: 1, start: 0, size: data.length }, { crcOnly: true });
  const chunks = (read.body as { open(): AsyncIterable<Buffer> }).open()[Symbol.asyncIterator]();
  let got = 0;
  while (got < data.length) got += (await chunks.next()).value!.length;
  assert.equal(read.crc64, crc64(data));
  assert.equal((await chunks.next()).done, true);
});

test('a few resumed parts are checked on the calling thread, a bulk re-check on the hashing threads: same CRC-64', async (t) => {
  const data = bytes(3 * MiB + 99, 7);
  const file = await tempFile(t, data);
  const source = await FileSource.open(file, false);
  const pool = hashPool();
  const hash = pool.hash;
  let pooled = 0;
  pool.hash = function (this: typeof pool, ...args: Parameters<typeof hash>) {
    pooled++;
    return hash.apply(this, args);
  };
  t.after(() => {
    pool.hash = hash;
  });
  const part = { number: 2, start: MiB - 7, size: 2 * MiB + 50 };
  const want = crc64(data.subarray(part.start, part.start + part.size));
  const here = await source.read(part, { crcOnly: true, discard: true });
  assert.equal(pooled, 0, 'no hashing thread for a few parts');
  assert.equal(here.crc64, want);
  assert.equal(here.data, undefined);
  assert.deepEqual(await sendAll(here.body), data.subarray(part.start, part.start + part.size));
  const bulk = await source.read(part, { crcOnly: true, discard: true, background: true });
  assert.equal(pooled, 1, 'a bulk re-check goes to the hashing threads');
  assert.equal(bulk.crc64, want);
  // The file shrank past the part: a changed file, on either path.
  writeFileSync(file, data.subarray(0, 2 * MiB));
  await assert.rejects(source.read(part, { crcOnly: true, discard: true }), FileChangedError);
  await assert.rejects(source.read(part, { crcOnly: true, discard: true, background: true }), FileChangedError);
});
