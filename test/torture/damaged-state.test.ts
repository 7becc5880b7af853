// Every damaged-state case once: damaged checkpoints, temp files and sources never yield a wrong object or file.
import { test } from 'node:test';
import { DAMAGE_CASES, damagedState } from '../../torture/scenarios/damaged-state.js';
import { checkIteration } from './check.js';

DAMAGE_CASES.forEach((name, i) => {
  test(`damaged-state: ${name}`, async (t) => {
    await checkIteration(t, damagedState, i);
  });
});
