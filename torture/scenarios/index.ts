import { badInput } from './bad-input.js';
import { crashDownload } from './crash-download.js';
import { crashServer } from './crash-server.js';
import { crashUpload } from './crash-upload.js';
import { damagedState } from './damaged-state.js';
import { downloadFaults, uploadFaults } from './faults.js';
import { security } from './security.js';
import { hostileServer } from './hostile-server.js';
import { crashBusy } from './crash-busy.js';
import { crashVersions } from './crash-versions.js';
import { crashTree } from './crash-tree.js';
import type { Scenario } from '../lib/types.js';

/** Every scenario, in the order the table lists them. */
export const SCENARIOS: Scenario[] = [
  uploadFaults,
  downloadFaults,
  crashUpload,
  crashDownload,
  crashServer,
  damagedState,
  badInput,
  security,
  hostileServer,
  crashBusy,
  crashVersions,
  crashTree,
];
