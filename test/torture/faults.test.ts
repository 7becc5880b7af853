// Short CI run of upload-faults and download-faults: light and heavy fault plans and one hopeless plan each
// (iteration 7 is the hopeless one: every connection faulted, the CLI must give up cleanly with exit 1).
import { test } from 'node:test';
import { downloadFaults, uploadFaults } from '../../torture/scenarios/faults.js';
import { checkIteration } from './check.js';

for (const s of [uploadFaults, downloadFaults]) {
  for (const i of [0, 1, 2, 3, 7]) {
    test(`${s.name} #${i}`, async (t) => {
      await checkIteration(t, s, i);
    });
  }
}
