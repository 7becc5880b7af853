// Shared by the short CI versions of the torture scenarios: run iterations through the same harness as
// `npm run torture` and assert on outcomes: never a wrong object or file, and every run passed (or was skipped
// for a stated reason). No failure is "known": a documented finding that comes back fails like any other.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { runIteration, type IterationResult } from '../../torture/lib/harness.js';
import type { Scenario } from '../../torture/lib/types.js';

/** The seed CI uses; a failure message names it with the iteration, for `npm run torture -- --iteration`. */
export const CI_SEED = 1;

export async function checkIteration(
  t: TestContext,
  s: Scenario,
  iteration: number,
  size = 1024 * 1024,
): Promise<IterationResult> {
  const r = await runIteration(s, { seed: CI_SEED, iteration, size, timeoutMs: 120_000 });
  const where = `${s.name}#${iteration} (npm run torture -- --seed ${CI_SEED} --size ${size} --scenarios ${s.name} --iteration ${iteration}): ${r.label}`;
  assert.equal(r.wrong, false, `WRONG object or file: ${where}: ${r.detail}`);
  if (r.skipped) {
    t.skip(r.detail);
    return r;
  }
  assert.ok(r.passed, `${where}: ${r.detail}`);
  return r;
}
