/**
 * @fileoverview vitest global setup: every test run gets its own temporary folder (TMPDIR, which
 * os.tmpdir() and g++ read, is pointed at it before the test workers start) and the folder is
 * removed when the run ends, so the many projects, models and reports the tests write never pile
 * up in the system's /tmp.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fastml-tests-'));
  const before = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  return () => {
    if (before === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = before;
    if (!process.env['FASTML_KEEP_TEST_TMP']) rmSync(dir, { recursive: true, force: true });
  };
}
