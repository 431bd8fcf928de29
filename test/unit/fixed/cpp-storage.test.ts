/**
 * @fileoverview Width-dependent storage in the clean-room ap_types header (fx_store in
 * templates/ap_types/fastml_ap_core.h): every storage size (1, 2, 4, 8, 16 and 32 bytes) holds the
 * extreme values of its widths, signed and unsigned, at both edges of each size, and arithmetic
 * through them gives the exact result (sums and products that wrap, values read back as decimal
 * strings, compared with BigInt values computed here). Also: ap_fixed<16,6> takes at most 4 bytes
 * (it took 32), which is what lets a 256x256x64 feature map be a static C-simulation buffer
 * without -mcmodel.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './golden-data.js';

const hasGxx = spawnSync('g++', ['--version']).status === 0;

/** Widths at the edges of each storage size (W + 1 bits must fit the integer chosen). */
const WIDTHS = [1, 6, 7, 8, 14, 15, 16, 30, 31, 32, 62, 63, 64, 100, 126, 127, 128, 200];

function program(): string {
  const lines: string[] = [];
  for (const w of WIDTHS) {
    // Largest and smallest values, minus one, and a wrapping sum and product (result type of the
    // same width, as C++ assignment back to the type does).
    lines.push(`  { ap_int<${w}> a = 0, b = 0; a = ~a; a = a.range(${w - 1}, 0); ap_int<${w}> mx = 0; mx[${w - 1}] = 0; for (int k = 0; k < ${w - 1}; ++k) mx[k] = 1;`);
    lines.push(`    ap_int<${w}> mn = mx; mn = mn + ap_int<${w}>(1); ap_int<${w}> s = mx; s += ap_int<${w}>(1); ap_int<${w}> p = mx;${2 * w <= 240 ? ` p *= ap_int<${w}>(3);` : ''}`);
    lines.push(`    std::printf("int${w} %s %s %s %s %s %s\\n", a.to_string(10).c_str(), mx.to_string(10).c_str(), mn.to_string(10).c_str(), s.to_string(10).c_str(), p.to_string(10).c_str(), b.to_string(10).c_str()); }`);
    lines.push(`  { ap_uint<${w}> a = 0; a = ~a; ap_uint<${w}> s = a; s += ap_uint<${w}>(1); ap_uint<${w}> p = a;${2 * w <= 240 ? ` p *= ap_uint<${w}>(3);` : ''}`);
    lines.push(`    std::printf("uint${w} %s %s %s\\n", a.to_string(10).c_str(), s.to_string(10).c_str(), p.to_string(10).c_str()); }`);
  }
  return `#include <cstdio>
#include "ap_fixed.h"
#include "ap_int.h"
static_assert(sizeof(ap_fixed<16, 6>) <= 4, "ap_fixed<16,6> in 4 bytes");
static_assert(sizeof(ap_ufixed<7, 3>) == 1, "7 bits in 1 byte");
static_assert(sizeof(ap_int<64>) == 16 && sizeof(ap_uint<63>) == 8, "64-bit edge");
static_assert(sizeof(ap_int<200>) == 32, "wide values keep the 256-bit core");
int main() {
${lines.join('\n')}
  return 0;
}
`;
}

/** The same values computed with BigInt: wrap(v) to W bits, signed or not. */
function expected(): string[] {
  const out: string[] = [];
  const wrap = (v: bigint, w: number, signed: boolean): bigint => {
    const m = 1n << BigInt(w);
    let r = ((v % m) + m) % m;
    if (signed && r >= m >> 1n) r -= m;
    return r;
  };
  for (const w of WIDTHS) {
    const W = BigInt(w);
    const mx = w === 1 ? 0n : (1n << (W - 1n)) - 1n;
    const a = wrap(-1n, w, true);
    // (Products of widths over 120 would need 240+ bits; those print the unmultiplied value.)
    const k = 2 * w <= 240 ? 3n : 1n;
    out.push(`int${w} ${a} ${mx} ${wrap(mx + 1n, w, true)} ${wrap(mx + 1n, w, true)} ${wrap(mx * k, w, true)} 0`);
    const ua = (1n << W) - 1n;
    out.push(`uint${w} ${ua} ${wrap(ua + 1n, w, false)} ${wrap(ua * k, w, false)}`);
  }
  return out;
}

describe.skipIf(!hasGxx)('ap_types storage by width', () => {
  it('holds and computes the extreme values of every storage size exactly', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fml-apstore-'));
    try {
      const src = path.join(dir, 'storage.cpp');
      fs.writeFileSync(src, program());
      const exe = path.join(dir, 'storage');
      const cc = spawnSync('g++', ['-std=c++11', '-O1', '-Wall', '-Werror', '-I', path.join(projectRoot, 'templates/ap_types'), '-o', exe, src], { encoding: 'utf8' });
      expect(cc.stderr).toBe('');
      expect(cc.status).toBe(0);
      const run = spawnSync(exe, [], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual(expected());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
