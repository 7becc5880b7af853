// Re-checking a resume's adopted parts: a few (up to HERE_BYTES, the parts a late resume's journal missed) are read
// on the calling thread, more on the hashing threads (ReadOptions.background); either way a part whose bytes differ
// from the server's CRC-64 is reported for sending again, and the rest come back with their CRC-64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PartBytes, PartSource, PlannedPart, ReadOptions } from '../../../src/transfer/engine/ports.js';
import type { UnverifiedPart } from '../../../src/transfer/upload/types.js';
import { HERE_BYTES, verifyResumedParts } from '../../../src/transfer/upload/verify.js';

const MiB = 1024 * 1024;

/** A source whose part N has CRC-64 N (part `changed` differs), recording how each read was asked for. */
function fakeSource(changed?: number): PartSource & { asked: ReadOptions[] } {
  const asked: ReadOptions[] = [];
  return {
    asked,
    replayable: true,
    name: 'fake',
    size: undefined,
    identity: undefined,
    async read(part: PlannedPart, opts: ReadOptions = {}): Promise<PartBytes> {
      asked.push(opts);
      const crc64 = part.number === changed ? 0n : BigInt(part.number);
      return { size: part.size, body: new Uint8Array(0), md5: new Uint8Array(0), crc64 };
    },
  };
}

function parts(count: number, size: number): UnverifiedPart[] {
  return Array.from({ length: count }, (_, i) => ({
    partNumber: i + 1,
    start: i * size,
    size,
    etag: `"e${i + 1}"`,
    crc64: BigInt(i + 1),
    unrecorded: true,
  }));
}

test('the parts a late resume missed are checked here; a bulk re-check goes to the hashing threads', async () => {
  const few = fakeSource(2);
  const fewParts = parts(HERE_BYTES / (8 * MiB), 8 * MiB);
  const checked = await verifyResumedParts(few, fewParts, new AbortController().signal);
  assert.deepEqual(
    few.asked.map((o) => o.background),
    fewParts.map(() => false),
  );
  assert.ok(few.asked.every((o) => o.crcOnly && o.discard));
  assert.deepEqual(
    checked.mismatched.map((p) => p.partNumber),
    [2],
  );
  assert.deepEqual(
    checked.verified.map((v) => [v.part.partNumber, v.crc64]),
    fewParts.filter((p) => p.partNumber !== 2).map((p) => [p.partNumber, BigInt(p.partNumber)]),
  );

  const many = fakeSource();
  const manyParts = parts(HERE_BYTES / (8 * MiB) + 1, 8 * MiB);
  const all = await verifyResumedParts(many, manyParts, new AbortController().signal);
  assert.ok(many.asked.every((o) => o.background === true));
  assert.equal(all.verified.length, manyParts.length);
  assert.equal(all.mismatched.length, 0);
});
