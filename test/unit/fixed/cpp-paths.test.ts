/**
 * @fileoverview Compiles test/unit/fixed/cpp/convert_paths.cpp with g++ and runs it: the ap_types
 * header's 128-bit conversion fast path must agree with its general 256-bit path on random inputs
 * (every mode, widths 1..64). Skipped only when g++ is missing.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './golden-data.js';

const hasGxx = spawnSync('g++', ['--version']).status === 0;

describe.skipIf(!hasGxx)('ap_types conversion paths (g++)', () => {
  it('the fast and the wide conversion agree on 2 million random cases', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastml-paths-'));
    const exe = path.join(dir, 'convert_paths');
    const cc = spawnSync(
      'g++',
      ['-std=c++11', '-O1', '-Wall', '-Werror', '-I', path.join(projectRoot, 'templates/ap_types'), path.join(projectRoot, 'test/unit/fixed/cpp/convert_paths.cpp'), '-o', exe],
      { encoding: 'utf8' },
    );
    expect(cc.status, cc.stderr).toBe(0);
    const r = spawnSync(exe, ['2000000'], { encoding: 'utf8' });
    console.log(`ap_types conversion paths: ${r.stdout.trim().split('\n').pop()}`);
    expect(r.stdout).toMatch(/^2000000 checked, 0 mismatches$/m);
    expect(r.status).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
