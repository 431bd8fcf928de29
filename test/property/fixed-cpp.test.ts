/**
 * @fileoverview The TypeScript core and the C++ header (templates/ap_types) evaluate the same
 * run-time rules identically on random inputs: C++-style comparisons with mixed signedness,
 * to_double, to_float, to_int64 (with the I <= 0 quirk) and division with its wrap quirk. Both were
 * written from SEMANTICS.md; this catches a slip in either. Cases come from fast-check with a logged
 * seed (FASTML_SEED replays a run). Skipped only when g++ is missing.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  divRaw,
  equalsCpp,
  fixedType,
  fracBits,
  rawBounds,
  rawToDouble,
  rawToFloat,
  relationalCpp,
  toInt64,
  type FixedType,
} from '../../src/fixed/index.js';

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const hasGxx = spawnSync('g++', ['--version']).status === 0;
const seed = process.env.FASTML_SEED ? Number(process.env.FASTML_SEED) : Date.now() % 2 ** 31;
const RUNS = 4000;

const arbType = (maxW: number): fc.Arbitrary<FixedType> =>
  fc
    .tuple(fc.integer({ min: 1, max: maxW }), fc.integer({ min: -8, max: 8 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean())
    .map(([w, di, f, s]) => fixedType(w, Math.round(f * w) + di, s));

/** A type and a raw value in its range (edges favoured). */
const arbValue = (maxW: number): fc.Arbitrary<[FixedType, bigint]> =>
  arbType(maxW).chain((t) => {
    const { lo, hi } = rawBounds(t);
    return fc.tuple(fc.constant(t), fc.oneof(fc.bigInt({ min: lo, max: hi }), fc.constantFrom(lo, hi, 0n, hi > 0n ? 1n : 0n, t.signed ? -1n : 0n)));
  });

const s = (b: boolean): string => (b ? '1' : '0');

describe.skipIf(!hasGxx)('TypeScript core and C++ header agree (random cases)', () => {
  it(`comparisons, to_double, to_float (subnormals too), to_int64 and division (seed ${seed})`, () => {
    console.log(`fixed TS/C++ cross-check: seed ${seed} (replay with FASTML_SEED=${seed})`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastml-cross-'));
    const exe = path.join(dir, 'cross_ops');
    const cc = spawnSync('g++', ['-std=c++11', '-O1', '-Wall', '-Werror', '-I', path.join(projectRoot, 'templates/ap_types'), path.join(projectRoot, 'test/unit/fixed/cpp/cross_ops.cpp'), '-o', exe], {
      encoding: 'utf8',
    });
    expect(cc.status, cc.stderr).toBe(0);

    const lines: string[] = [];
    const want: string[] = [];
    const ops = ['<', '<=', '>', '>='] as const;
    const pairs = fc.sample(fc.tuple(arbValue(64), arbValue(64), fc.integer({ min: 0, max: 5 })), { seed, numRuns: RUNS });
    for (const [[a, ar], [b, br], op] of pairs) {
      lines.push(`cmp ${op} ${ar} ${a.w} ${fracBits(a)} ${s(a.signed)} ${br} ${b.w} ${fracBits(b)} ${s(b.signed)}`);
      const r = op < 4 ? relationalCpp(ops[op]!, ar, a, br, b) : equalsCpp(ar, a, br, b) === (op === 4);
      want.push(r ? '1' : '0');
    }
    const dv = new DataView(new ArrayBuffer(8));
    for (const [t, r] of fc.sample(arbValue(128), { seed: seed + 1, numRuns: RUNS })) {
      lines.push(`dbl ${r} ${fracBits(t)}`);
      dv.setFloat64(0, rawToDouble(r, t));
      want.push(dv.getBigUint64(0).toString(16).padStart(16, '0'));
      lines.push(`flt ${r} ${fracBits(t)}`);
      dv.setFloat32(0, rawToFloat(r, t));
      want.push(dv.getUint32(0).toString(16).padStart(8, '0'));
      lines.push(`int ${r} ${fracBits(t)} ${t.i}`);
      want.push(String(toInt64(r, t)));
    }
    // Deep fractions: results in the float and double subnormal ranges (rounded once, at 2^-149 / 2^-1074).
    const deep = fc.tuple(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.integer({ min: 100, max: 1200 }));
    for (const [r, f] of fc.sample(deep, { seed: seed + 3, numRuns: RUNS })) {
      const t = fixedType(64, 64 - f, true);
      lines.push(`dbl ${r} ${f}`);
      dv.setFloat64(0, rawToDouble(r, t));
      want.push(dv.getBigUint64(0).toString(16).padStart(16, '0'));
      lines.push(`flt ${r} ${f}`);
      dv.setFloat32(0, rawToFloat(r, t));
      want.push(dv.getUint32(0).toString(16).padStart(8, '0'));
    }
    for (const [[a, ar], [b, br]] of fc.sample(fc.tuple(arbValue(64), arbValue(64)), { seed: seed + 2, numRuns: RUNS })) {
      if (br === 0n) continue;
      lines.push(`div ${ar} ${a.w} ${fracBits(a)} ${s(a.signed)} ${br} ${b.w} ${fracBits(b)} ${s(b.signed)}`);
      want.push(String(divRaw(ar, a, br, b).raw));
    }
    const r = spawnSync(exe, [], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
    const got = r.stdout.trim().split('\n');
    const bad: string[] = [];
    for (let k = 0; k < lines.length; k++) if (got[k] !== want[k]) bad.push(`${lines[k]}: C++ ${got[k]}, TS ${want[k]}`);
    console.log(`fixed TS/C++ cross-check: ${lines.length - bad.length} agree, ${bad.length} differ`);
    expect(bad.slice(0, 10)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
