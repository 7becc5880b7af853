import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc64 } from '../../../src/core/crc64.js';
import { FileSource } from '../../../src/transfer/io/file-source.js';
import { bytes, tempFile } from '../fixtures.js';

test('a part hashed for its CRC-64 alone is kept in memory and sent from there: the file is read once', async (t) => {
  const data = bytes(3 * 1024 * 1024 + 99, 5);
  const file = await tempFile(t, data);
  const source = await FileSource.open(file);
  const parts = [
    { number: 1, start: 0, size: 1024 * 1024 + 50 },
    { number: 2, start: 1024 * 1024 + 50, size: 1024 * 1024 + 50 },
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
  const third = await source.read(
    { number: 3, start: 2 * (1024 * 1024 + 50), size: 1024 * 1024 - 1 },
    { crcOnly: true },
  );
  assert.deepEqual(Buffer.from(third.data!), data.subarray(2 * (1024 * 1024 + 50)));
  assert.deepEqual(Buffer.from(read[0]!.data!), data.subarray(0, 1024 * 1024 + 50));
  // Checking a part (discard) keeps nothing.
  assert.equal((await source.read(parts[0]!, { crcOnly: true, discard: true })).data, undefined);
});
