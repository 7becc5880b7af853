import { crashCp } from '../lib/crash-cp.js';
import type { Scenario } from '../lib/types.js';

export const crashUpload: Scenario = {
  name: 'crash-upload',
  description: 'ossup cp (upload) SIGKILLed 1-4 times at random moments, then rerun to the end',
  cases: 0,
  run: (ctx) => crashCp('upload', ctx),
};
