import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import { writevAll, writevLoopSync } from '../../src/io/writev.js';

/** A handle whose writev writes at most `limit` bytes per call into `file`, at the position given. */
function shortWriter(file: Buffer, limit: number): { handle: FileHandle; calls: number } {
  const state = { calls: 0, handle: undefined as unknown as FileHandle };
  state.handle = {
    writev: async (buffers: Uint8Array[], position: number) => {
      state.calls++;
      const all = Buffer.concat(buffers);
      const n = Math.min(limit, all.length);
      all.copy(file, position, 0, n);
      return { bytesWritten: n, buffers };
    },
  } as unknown as FileHandle;
  return state;
}

test('writevAll finishes short writevs from exactly where they stopped, at the given position', async () => {
  const file = Buffer.alloc(40, 0);
  const parts = [Buffer.from('abcdefg'), Buffer.from('hij'), Buffer.from('klmnopqrstu')];
  const w = shortWriter(file, 4);
  await writevAll(w.handle, parts, 21, 7);
  assert.equal(file.subarray(7, 28).toString(), 'abcdefghijklmnopqrstu');
  assert.ok(
    file.subarray(0, 7).every((b) => b === 0) && file.subarray(28).every((b) => b === 0),
    'nothing outside the range',
  );
  assert.equal(w.calls, 6, 'ceil(21 / 4) writevs');
});

test('writevAll fails instead of looping when nothing is written', async () => {
  const w = shortWriter(Buffer.alloc(8), 0);
  await assert.rejects(writevAll(w.handle, [Buffer.from('x')], 1, 3), /no byte written at offset 3/);
});

test('writevLoopSync finishes short writevs from exactly where they stopped, and fails when nothing is written', () => {
  const file = Buffer.alloc(30, 0);
  let calls = 0;
  const writev = (limit: number) => (buffers: Uint8Array[], position: number) => {
    calls++;
    const all = Buffer.concat(buffers);
    const n = Math.min(limit, all.length);
    all.copy(file, position, 0, n);
    return n;
  };
  writevLoopSync(writev(3), [Buffer.from('abcde'), Buffer.from('fghijk')], 11, 5);
  assert.equal(file.subarray(5, 16).toString(), 'abcdefghijk');
  assert.ok(file.subarray(0, 5).every((b) => b === 0) && file.subarray(16).every((b) => b === 0));
  assert.equal(calls, 4, 'ceil(11 / 3) writevs');
  assert.throws(() => writevLoopSync(writev(0), [Buffer.from('x')], 1, 9), /no byte written at offset 9/);
});
