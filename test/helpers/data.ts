/**
 * @fileoverview Where the tests' data is: test/fixtures (the project's own copy of what the tests
 * need, refreshed from the shared folder by `npm run fixtures`), or FASTML_SHARED_DIR when it is set
 * (how extra or held-back data sets are run). The folder has the shared folder's layout: models/,
 * reference/hls4ml/, truth/, golden/ap_fixed/.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = path.join(projectRoot, 'test', 'fixtures');

/** The data folder every test reads: FASTML_SHARED_DIR, or test/fixtures. */
export const dataDir: string = process.env['FASTML_SHARED_DIR']
  ? path.resolve(process.env['FASTML_SHARED_DIR'])
  : fixturesDir;
