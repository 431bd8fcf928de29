/**
 * @fileoverview For tests that run the built CLI (dist/, as a user runs it): fail with the command
 * to run when dist/ is missing or older than src/, rather than test stale code.
 */

import { expect } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './data.js';

/** Newest modification time of the files tsc compiles or copies (.ts, .json) under a folder. */
function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir)) {
    const abs = path.join(dir, f);
    const st = statSync(abs);
    if (st.isDirectory()) t = Math.max(t, newest(abs));
    else if (/\.(ts|json)$/.test(f)) t = Math.max(t, st.mtimeMs);
  }
  return t;
}

/** Expects dist/cli/main.js to exist and to be no older than src/; returns its path. */
export function expectBuiltDist(): string {
  const main = path.join(projectRoot, 'dist/cli/main.js');
  expect(existsSync(main), 'dist/ is missing: run `npm run build`').toBe(true);
  expect(statSync(main).mtimeMs, 'dist/ is older than src/: run `npm run build`').toBeGreaterThanOrEqual(newest(path.join(projectRoot, 'src')) - 1000);
  return main;
}
