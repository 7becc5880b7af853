// Every security case once against the embedded server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privacyProblems } from '../../torture/lib/checkpoints.js';
import { SECURITY_CASES, security } from '../../torture/scenarios/security.js';
import { checkIteration } from './check.js';

SECURITY_CASES.forEach((name, i) => {
  test(`security: ${name}`, async (t) => {
    await checkIteration(t, security, i);
  });
});

test('the checkpoint privacy check itself catches a planted secret and a loose mode', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-torture-privacy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const f = join(dir, 'x.ucp');
  await writeFile(f, 'header {"key":"LTAI-planted"}', { mode: 0o644 });
  const problems = await privacyProblems(f, ['LTAI-planted', 'absent-secret']);
  assert.equal(problems.length, 2, problems.join('; '));
});
