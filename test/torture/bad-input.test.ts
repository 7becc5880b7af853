// Every bad-input case once: clear error, right exit code, nothing stored. Cases run three at a time (each is a
// short-lived CLI child), so the whole matrix stays within a few seconds of CI per core.
import { test } from 'node:test';
import { BAD_INPUT_CASES, badInput } from '../../torture/scenarios/bad-input.js';
import { checkIteration } from './check.js';

test('bad-input matrix', { concurrency: 3 }, async (t) => {
  await Promise.all(
    BAD_INPUT_CASES.map((name, i) =>
      t.test(name, async (st) => {
        await checkIteration(st, badInput, i);
      }),
    ),
  );
});
