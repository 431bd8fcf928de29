/**
 * @fileoverview Small C++ programs against the ap_types header, compiled with g++ -std=c++11 -Wall
 * -Werror: convert_paths.cpp (the 128-bit conversion fast path agrees with the general 256-bit path
 * on random inputs, every mode, widths 1..64) and semantics_examples.cpp (the worked examples of
 * SEMANTICS.md through the public API only). Skipped only when g++ is missing.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './golden-data.js';

const hasGxx = spawnSync('g++', ['--version']).status === 0;

/** Compiles one test program; returns the executable (in a fresh temp dir) and the dir to remove. */
function build(name: string): { exe: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastml-apt-'));
  const exe = path.join(dir, name);
  const cc = spawnSync(
    'g++',
    ['-std=c++11', '-O1', '-Wall', '-Werror', '-I', path.join(projectRoot, 'templates/ap_types'), path.join(projectRoot, `test/unit/fixed/cpp/${name}.cpp`), '-o', exe],
    { encoding: 'utf8' },
  );
  expect(cc.status, cc.stderr).toBe(0);
  return { exe, dir };
}

describe.skipIf(!hasGxx)('ap_types header programs (g++)', () => {
  it('follows the worked examples of SEMANTICS.md', () => {
    const { exe, dir } = build('semantics_examples');
    const r = spawnSync(exe, [], { encoding: 'utf8' });
    console.log(`ap_types semantics examples: ${r.stdout.trim().split('\n').pop()}`);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(r.stdout).toMatch(/^\d+ checks, 0 failed$/m);
    expect(r.status).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the fast and the wide conversion agree on 2 million random cases', () => {
    const { exe, dir } = build('convert_paths');
    const r = spawnSync(exe, ['2000000'], { encoding: 'utf8' });
    console.log(`ap_types conversion paths: ${r.stdout.trim().split('\n').pop()}`);
    expect(r.stdout).toMatch(/^2000000 checked, 0 mismatches$/m);
    expect(r.status).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
