import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlignedArena } from '../../src/core/aligned-memory.js';

test('aligned arena: page-aligned regions that never overlap, reused up to its limit', () => {
  const size = 100 * 1024; // not a multiple of the 64 KiB page: regions are a whole number of pages apart
  const arena = new AlignedArena(size, 3, 1);
  const taken = [arena.take(), arena.take(), arena.take()];
  for (const [i, r] of taken.entries()) {
    assert.equal(r.size, size);
    assert.equal(r.offset % 65536, 0, 'each region starts on a page');
    assert.ok(r.buffer.byteLength >= r.offset + size, 'the region lies within its buffer');
    new Uint8Array(r.buffer, r.offset, size).fill(i + 1);
  }
  // The memory grew twice after the first region was filled: every region still holds what was written to it.
  for (const [i, r] of taken.entries()) {
    assert.ok(
      new Uint8Array(r.buffer, r.offset, size).every((b) => b === i + 1),
      `region ${i} kept its bytes`,
    );
  }
  // Past `maxRegions`: a plain buffer of the same size, still usable.
  const extra = arena.take();
  assert.equal(extra.offset, 0);
  assert.equal(extra.buffer.byteLength, size);
  arena.give(taken[0]!);
  arena.give(taken[1]!); // beyond `keep`: dropped
  arena.give({ buffer: new SharedArrayBuffer(10), offset: 0, size: 10 }); // not of its size
  assert.equal(arena.take(), taken[0], 'a given-back region is handed out again');
  assert.notEqual(arena.take(), taken[1], 'only `keep` regions are kept');
});
