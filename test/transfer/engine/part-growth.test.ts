// The size an upload's parts not handed out yet are cut at again (part-growth.ts regrownSize).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PART_SIZE } from '../../../src/core/limits.js';
import { regrownSize } from '../../../src/transfer/engine/part-growth.js';

const MiB = 1024 ** 2;
const GiB = 1024 * MiB;

test('regrownSize doubles towards the size wanted while every connection keeps two parts of what is left', () => {
  // Loopback at 16 connections: the controller wants 32 MiB; 633 MiB left gives each connection two of 16 MiB.
  assert.equal(regrownSize(8 * MiB, 32 * MiB, 633 * MiB, 16), 16 * MiB);
  // With fewer connections the whole of what is wanted fits.
  assert.equal(regrownSize(8 * MiB, 32 * MiB, 633 * MiB, 4), 32 * MiB);
  // By doublings of the size in use: never a size between.
  assert.equal(regrownSize(8 * MiB, 60 * MiB, 10 * GiB, 4), 32 * MiB);
});

test('regrownSize keeps the size in use when nothing larger is wanted or the rest is too short', () => {
  assert.equal(regrownSize(8 * MiB, 8 * MiB, 10 * GiB, 4), 8 * MiB);
  assert.equal(regrownSize(8 * MiB, 4 * MiB, 10 * GiB, 4), 8 * MiB, 'never smaller');
  assert.equal(regrownSize(8 * MiB, 64 * MiB, 100 * MiB, 8), 8 * MiB, 'the tail stays in the size it has');
  assert.equal(regrownSize(8 * MiB, 64 * MiB, 64 * MiB, 0), 32 * MiB, 'no connection counts as one');
});

test('regrownSize stays within OSS 5 GiB parts', () => {
  assert.equal(regrownSize(4 * GiB, Number.POSITIVE_INFINITY, 1e15, 1), 4 * GiB);
  assert.equal(regrownSize(2 * GiB, Number.POSITIVE_INFINITY, 1e15, 1), 4 * GiB);
  assert.ok(4 * GiB <= MAX_PART_SIZE && 8 * GiB > MAX_PART_SIZE);
});
