// Short CI run of the issue-11 and issue-21 scenarios: every hostile-server case once (races, I/O errors, slow clients, one-key
// writers, ACL matrix, V4 edges, forged checkpoints), crash-busy (server SIGKILLed under many writes) and
// crash-versions (the same in a versioned bucket) twice each.
import { test } from 'node:test';
import { crashBusy } from '../../torture/scenarios/crash-busy.js';
import { crashVersions } from '../../torture/scenarios/crash-versions.js';
import { HOSTILE_CASES, hostileServer } from '../../torture/scenarios/hostile-server.js';
import { checkIteration } from './check.js';

HOSTILE_CASES.forEach((name, i) => {
  test(`hostile-server: ${name}`, async (t) => {
    await checkIteration(t, hostileServer, i);
  });
});

for (const i of [0, 1]) {
  test(`crash-busy #${i}`, async (t) => {
    await checkIteration(t, crashBusy, i);
  });
}

for (const i of [0, 1]) {
  test(`crash-versions #${i}`, async (t) => {
    await checkIteration(t, crashVersions, i);
  });
}
