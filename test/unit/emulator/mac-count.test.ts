/**
 * @fileoverview The input-major counting Dense kernel (src/emulator/mac-count.ts) against the
 * general counting kernel (compileMac over densePlan with stats): the same output bits and the same
 * counts (count, inexact, overflow, underflow, wrapped, saturated, max |value|) for products,
 * partial sums and results, on random layers and types where values overflow often; and the cases
 * it must leave to the general kernel.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedType, Q_MODES, type FixedType } from '../../../src/fixed/type.js';
import { compileMac, densePlan, sharedDenseOrder, type MacStats } from '../../../src/emulator/mac.js';
import { compileDenseIntCounting } from '../../../src/emulator/mac-count.js';
import { newVarStats } from '../../../src/emulator/overflow.js';
import { simdAvailable } from '../../../src/emulator/simd.js';
import { quantizeDirect } from '../../../src/emulator/weights.js';

const stats = (): MacStats => ({ product: newVarStats(), accum: newVarStats(), result: newVarStats() });
const plain = (s: MacStats) => JSON.parse(JSON.stringify(s));

function data(n: number, seed: number, scale: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return ((s / 2 ** 31) * 2 - 1) * scale;
  });
}

describe('input-major counting Dense kernel', () => {
  it('runs here with WebAssembly SIMD (both paths are tested)', () => expect(simdAvailable()).toBe(true));
  for (const simd of [true, false])
  it(`counts and computes like the general counting kernel, ${simd ? 'i32x4' : 'JavaScript'} path (property)`, () => {
    const t = (minW: number, maxW: number, o: fc.Arbitrary<'AP_WRAP' | 'AP_SAT'>, q: fc.Arbitrary<FixedType['q']>) =>
      fc.record({ w: fc.integer({ min: minW, max: maxW }), i: fc.integer({ min: -2, max: 8 }), signed: fc.boolean(), q, o }).map((r) => fixedType(r.w, r.i, r.signed, r.q, r.o));
    let built = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 3 }),
        t(2, 16, fc.constant('AP_WRAP'), fc.constantFrom(...Q_MODES)),
        t(2, 14, fc.constant('AP_WRAP'), fc.constantFrom(...Q_MODES)),
        t(4, 32, fc.constantFrom('AP_WRAP' as const, 'AP_SAT' as const), fc.constant('AP_TRN' as const)),
        t(2, 20, fc.constantFrom('AP_WRAP' as const, 'AP_SAT' as const), fc.constantFrom(...Q_MODES)),
        fc.boolean(),
        fc.constantFrom(1, 2, 3, 4),
        fc.integer({ min: 1, max: 1e6 }),
        (nIn, nOut, rows, xT, wT, accT, resT, resource, rf, seed) => {
          const strategy = resource ? 'resource' : 'latency';
          const order = sharedDenseOrder(nIn, nOut, strategy, rf);
          if (!order) return true;
          const T = { x: xT, w: wT, acc: accT, res: resT };
          const wq = quantizeDirect(data(nIn * nOut, seed, 2 ** wT.i), wT);
          const bq = quantizeDirect(data(nOut, seed + 1, 2 ** accT.i), accT);
          const s1 = stats();
          const k1 = compileDenseIntCounting(nIn, nOut, rows, order, wq, bq, T, s1, simd);
          if (!k1) return true;
          built++;
          const s2 = stats();
          const k2 = compileMac(densePlan(nIn, nOut, rows, strategy, rf), wq, bq, T, s2);
          const x = quantizeDirect(data(nIn * rows, seed + 2, 2 ** (xT.i + 1)), xT);
          // Zero inputs (as after a ReLU) are skipped by the i32x4 path: some rows start with
          // zeros in accumulation order (the bias is then a partial sum), some are all zeros.
          for (let k = 0; k < x.length; k++) if ((k * 7 + seed) % 3 === 0) x[k] = 0;
          if (seed % 4 === 0) x.fill(0, 0, nIn);
          if (seed % 5 === 0) for (let r = 0; r < rows; r++) x[r * nIn + order[0]!] = 0;
          const y1 = new Float64Array(nOut * rows);
          const y2 = new Float64Array(nOut * rows);
          for (let r = 0; r < 2; r++) {
            k1(x, y1);
            k2(x, y2);
          }
          return y1.every((v, k) => Object.is(v, y2[k])) && JSON.stringify(plain(s1)) === JSON.stringify(plain(s2));
        },
      ),
      { numRuns: 800 },
    );
    expect(built).toBeGreaterThan(300);
  });

  for (const simd of [true, false])
  it(`zero inputs after a wrap and a zero first input, ${simd ? 'i32x4' : 'JavaScript'} path`, () => {
    // Unsigned wrapping accumulator: the product -1 wraps to 255 before the add, then a zero input;
    // signed: a zero first input makes the bias (-100) a partial sum of its own.
    const i8 = fixedType(8, 8);
    for (const [acc, x, bias] of [
      [fixedType(8, 8, false), [-1, 0], 0],
      [fixedType(8, 8, true), [0, 1], -100],
    ] as const) {
      const T = { x: i8, w: i8, acc, res: fixedType(16, 16) };
      const wq = Float64Array.of(1, 1);
      const bq = Float64Array.of(bias);
      const s1 = stats();
      const s2 = stats();
      const k1 = compileDenseIntCounting(2, 1, 1, [0, 1], wq, bq, T, s1, simd)!;
      const k2 = compileMac(densePlan(2, 1, 1, 'latency', 1), wq, bq, T, s2);
      const y1 = new Float64Array(1);
      const y2 = new Float64Array(1);
      k1(Float64Array.from(x), y1);
      k2(Float64Array.from(x), y2);
      expect(y1[0]).toBe(y2[0]);
      expect(plain(s1)).toEqual(plain(s2));
      expect(s1.accum.maxAbs).toBe(acc.signed ? 100 : 255);
    }
  });

  it('leaves rounding accumulators and wide products to the general kernel', () => {
    const x = fixedType(16, 6);
    expect(compileDenseIntCounting(2, 2, 1, [0, 1], new Float64Array(4), new Float64Array(2), { x, w: x, acc: fixedType(32, 12, true, 'AP_RND'), res: x }, stats())).toBeUndefined();
    expect(compileDenseIntCounting(2, 2, 1, [0, 1], new Float64Array(4), new Float64Array(2), { x: fixedType(20, 6), w: fixedType(16, 2), acc: fixedType(32, 12), res: x }, stats())).toBeUndefined();
  });
});
