import { crashCp } from '../lib/crash-cp.js';
import type { Scenario } from '../lib/types.js';

export const crashDownload: Scenario = {
  name: 'crash-download',
  description: 'ossup cp (download) SIGKILLed 1-4 times at random moments, then rerun to the end',
  cases: 0,
  run: (ctx) => crashCp('download', ctx),
};
