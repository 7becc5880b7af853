import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../../src/core/errors.js';
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from '../../../src/core/limits.js';
import { planParts, regrowPlan } from '../../../src/transfer/engine/plan.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

function assertCovers(fileSize: number, plan: ReturnType<typeof planParts>) {
  let next = 0;
  plan.parts.forEach((p, i) => {
    assert.equal(p.number, i + 1);
    assert.equal(p.start, next);
    next += p.size;
  });
  assert.equal(next, fileSize);
}

test('default part size is 100 KiB and a file of one part or less is a single PutObject', () => {
  assert.deepEqual(planParts(0), { partSize: MIN_PART_SIZE, single: true, parts: [{ number: 1, start: 0, size: 0 }] });
  assert.equal(planParts(MIN_PART_SIZE).single, true);
  const two = planParts(MIN_PART_SIZE + 1);
  assert.equal(two.single, false);
  assert.deepEqual(
    two.parts.map((p) => p.size),
    [MIN_PART_SIZE, 1],
  );
});

test('parts cover the file exactly, last part short', () => {
  const size = 10 * MiB + 12345;
  const plan = planParts(size, MiB);
  assert.equal(plan.parts.length, 11);
  assert.equal(plan.parts.at(-1)!.size, 12345);
  assertCovers(size, plan);
});

test('part size bounds are enforced and name the field', () => {
  for (const bad of [MIN_PART_SIZE - 1, MAX_PART_SIZE + 1, 0, -5, 1.5, NaN]) {
    assert.throws(
      () => planParts(10 * MiB, bad),
      (e: unknown) => e instanceof ArgumentError && e.field === 'partSize',
    );
  }
  assert.doesNotThrow(() => planParts(10 * MiB, MIN_PART_SIZE));
  assert.doesNotThrow(() => planParts(10 * GiB, MAX_PART_SIZE));
  assert.throws(
    () => planParts(-1),
    (e: unknown) => e instanceof ArgumentError && e.field === 'fileSize',
  );
});

test('the part size is raised so no upload needs more than 10,000 parts', () => {
  // 100 KiB * 10,000 = ~977 MiB fits exactly; one byte more must raise the size.
  const exact = MIN_PART_SIZE * MAX_PARTS;
  assert.equal(planParts(exact).parts.length, MAX_PARTS);
  assert.equal(planParts(exact).partSize, MIN_PART_SIZE);
  const over = planParts(exact + 1);
  assert.ok(over.partSize > MIN_PART_SIZE);
  assert.ok(over.parts.length <= MAX_PARTS);
  assert.equal(over.partSize % 4096, 0);
  assertCovers(exact + 1, over);

  const big = 3 * 1024 * GiB + 7; // 3 TiB
  const plan = planParts(big, 8 * MiB);
  assert.ok(plan.parts.length <= MAX_PARTS);
  assert.ok(plan.partSize >= Math.ceil(big / MAX_PARTS));
  assertCovers(big, plan);
});

test('the largest possible object plans to exactly 10,000 parts of 5 GiB; beyond it is refused', () => {
  const max = MAX_PART_SIZE * MAX_PARTS;
  const plan = planParts(max);
  assert.equal(plan.partSize, MAX_PART_SIZE);
  assert.equal(plan.parts.length, MAX_PARTS);
  assert.throws(
    () => planParts(max + 1),
    (e: unknown) => e instanceof ArgumentError && e.field === 'fileSize',
  );
});

test('regrowPlan cuts the parts from an index on again, larger, and keeps those before it', () => {
  const plan = planParts(10 * MiB + 5, MiB);
  const grown = regrowPlan(plan, 3, 4 * MiB);
  assertCovers(10 * MiB + 5, grown);
  assert.deepEqual(grown.parts.slice(0, 3), plan.parts.slice(0, 3));
  assert.deepEqual(
    grown.parts.map((p) => p.size),
    [MiB, MiB, MiB, 4 * MiB, 3 * MiB + 5],
  );
  // The header keeps the first size; the single flag is the plan's.
  assert.equal(grown.partSize, MiB);
  assert.equal(grown.single, false);
  // Cut twice: the second cut starts where the first cut's parts stood.
  const twice = regrowPlan(regrowPlan(planParts(40 * MiB, MiB), 2, 2 * MiB), 5, 8 * MiB);
  assertCovers(40 * MiB, twice);
  assert.deepEqual(
    twice.parts.map((p) => p.size / MiB),
    [1, 1, 2, 2, 2, 8, 8, 8, 8],
  );
  // A cut at the end changes nothing.
  assert.deepEqual(regrowPlan(plan, plan.parts.length, 8 * MiB), plan);
});
