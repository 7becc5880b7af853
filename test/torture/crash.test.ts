// Short CI run of the crash harness: ossup cp SIGKILLed at random moments (upload and download), and ossup serve
// SIGKILLed mid-upload / mid-Complete and restarted on its root.
import { test } from 'node:test';
import { crashDownload } from '../../torture/scenarios/crash-download.js';
import { crashServer } from '../../torture/scenarios/crash-server.js';
import { crashUpload } from '../../torture/scenarios/crash-upload.js';
import { checkIteration } from './check.js';

for (const s of [crashUpload, crashDownload, crashServer]) {
  for (const i of [0, 1]) {
    test(`${s.name} #${i}`, async (t) => {
      await checkIteration(t, s, i);
    });
  }
}
