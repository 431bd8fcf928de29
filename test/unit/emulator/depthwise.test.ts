/**
 * @fileoverview The integer depthwise kernel (src/emulator/depthwise.ts) against the general
 * convolution plan (compileMac over convPlan, the kernel it replaces) on random geometries
 * (stride, dilation, padding, depth multiplier) and types (AP_WRAP accumulators of 2..32 bits, TRN
 * and RND product casts, signed and unsigned inputs, every result type), bit for bit; and the
 * layers it must leave to the general kernels (saturating accumulators, products over 32 bits).
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedType, Q_MODES } from '../../../src/fixed/type.js';
import type { ConvGeom, MacTypes } from '../../../src/emulator/mac.js';
import { compileMac, convPlan } from '../../../src/emulator/mac.js';
import { compileDepthwiseInt } from '../../../src/emulator/depthwise.js';
import { compileConv } from '../../../src/emulator/conv.js';
import { quantizeDirect } from '../../../src/emulator/weights.js';
import { simdAvailable } from '../../../src/emulator/simd.js';

function geom(H: number, W: number, K: number, s: number, d: number, p: number, C: number, M: number): ConvGeom {
  const o = (n: number): number => Math.floor((n + 2 * p - d * (K - 1) - 1) / s) + 1;
  return { inSp: [H, W], outSp: [o(H), o(W)], kernel: [K, K], strides: [s, s], dilations: [d, d], padBefore: [p, p], cIn: C, cOut: C * M, groups: C, depthMultiplier: M };
}

function data(n: number, seed: number, scale: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return ((s / 2 ** 31) * 2 - 1) * scale;
  });
}

describe('integer depthwise kernel', () => {
  it('runs here with WebAssembly SIMD (both paths are tested)', () => expect(simdAvailable()).toBe(true));
  for (const simd of [true, false])
  it(`equals the general plan on random geometries and types, ${simd ? 'i32x4' : 'JavaScript'} path (property)`, () => {
    const tArb = (minW: number, maxW: number) =>
      fc.record({ w: fc.integer({ min: minW, max: maxW }), i: fc.integer({ min: -2, max: 8 }), signed: fc.boolean(), q: fc.constantFrom(...Q_MODES) }).map((r) => fixedType(r.w, r.i, r.signed, r.q, 'AP_WRAP'));
    let built = 0;
    fc.assert(
      fc.property(
        fc.record({ H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 9 }), K: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }), d: fc.integer({ min: 1, max: 2 }), p: fc.integer({ min: 0, max: 2 }), C: fc.integer({ min: 1, max: 5 }), M: fc.integer({ min: 1, max: 3 }) }),
        tArb(2, 16),
        tArb(2, 12),
        fc.record({ w: fc.integer({ min: 2, max: 32 }), i: fc.integer({ min: -2, max: 12 }), signed: fc.boolean(), q: fc.constantFrom('AP_TRN' as const, 'AP_RND' as const) }).map((r) => fixedType(r.w, r.i, r.signed, r.q, 'AP_WRAP')),
        fc.record({ w: fc.integer({ min: 2, max: 20 }), i: fc.integer({ min: -2, max: 10 }), signed: fc.boolean(), q: fc.constantFrom(...Q_MODES), o: fc.constantFrom('AP_WRAP' as const, 'AP_SAT' as const) }).map((r) => fixedType(r.w, r.i, r.signed, r.q, r.o)),
        fc.integer({ min: 1, max: 1e6 }),
        (gp, xT, wT, accT, resT, seed) => {
          const g = geom(gp.H, gp.W, gp.K, gp.s, gp.d, gp.p, gp.C, gp.M);
          if (g.outSp[0]! < 1 || g.outSp[1]! < 1) return true;
          const t: MacTypes = { x: xT, w: wT, acc: accT, res: resT };
          const wq = quantizeDirect(data(gp.K * gp.K * gp.C * gp.M, seed, 2 ** wT.i), wT);
          const bq = quantizeDirect(data(g.cOut, seed + 1, 2 ** accT.i), accT);
          const fast = compileDepthwiseInt(g, wq, bq, t, simd);
          if (!fast) return true;
          built++;
          const x = quantizeDirect(data(gp.H * gp.W * gp.C, seed + 2, 2 ** xT.i), xT);
          const n = g.outSp[0]! * g.outSp[1]! * g.cOut;
          const y1 = new Float64Array(n);
          const y2 = new Float64Array(n);
          fast(x, y1);
          compileMac(convPlan(g, 'latency', 1), wq, bq, t)(x, y2);
          return y1.every((v, k) => Object.is(v, y2[k]));
        },
      ),
      { numRuns: 600 },
    );
    expect(built).toBeGreaterThan(200);
  });

  it('a 32-bit accumulator with a floor shift of the products (negative products), both paths', () => {
    // x fixed<16,4> (F 12) times w fixed<12,2> (F 10) into fixed<32,16> (F 16): shift 6; 32 + 6 > 32
    // bits, so the product's sign matters before the wrap.
    const g = geom(6, 5, 3, 1, 1, 1, 7, 1);
    const t = { x: fixedType(16, 4), w: fixedType(12, 2), acc: fixedType(32, 16), res: fixedType(24, 12) };
    const wq = quantizeDirect(data(63, 9, 2), t.w);
    const bq = quantizeDirect(data(7, 10, 100), t.acc);
    const x = quantizeDirect(data(210, 11, 8), t.x);
    const ref = new Float64Array(210);
    compileMac(convPlan(g, 'latency', 1), wq, bq, t)(x, ref);
    for (const simd of [true, false]) {
      const y = new Float64Array(210);
      compileDepthwiseInt(g, wq, bq, t, simd)!(x, y);
      expect(Array.from(y), simd ? 'i32x4' : 'JavaScript').toEqual(Array.from(ref));
    }
    expect(ref.some((v) => v < 0) && ref.some((v) => v > 0)).toBe(true);
  });

  it('leaves saturating accumulators and wide products to the general kernels', () => {
    const g = geom(4, 4, 3, 1, 1, 1, 2, 1);
    const x16 = fixedType(16, 6);
    const w4 = fixedType(4, 0);
    const res = fixedType(16, 6);
    expect(compileDepthwiseInt(g, new Float64Array(18), new Float64Array(2), { x: x16, w: w4, acc: fixedType(16, 6, true, 'AP_TRN', 'AP_SAT'), res })).toBeUndefined();
    expect(compileDepthwiseInt(g, new Float64Array(18), new Float64Array(2), { x: fixedType(24, 8), w: fixedType(12, 2), acc: fixedType(32, 12), res })).toBeUndefined();
    expect(compileDepthwiseInt(g, new Float64Array(18), new Float64Array(2), { x: x16, w: w4, acc: fixedType(16, 6), res })).toBeDefined();
    // ...and the dispatcher uses it without accounting, the plan with accounting (same bits).
    const wq = quantizeDirect(data(18, 3, 1), w4);
    const bq = quantizeDirect(data(2, 4, 1), x16);
    const x = quantizeDirect(data(32, 5, 8), x16);
    const t = { x: x16, w: w4, acc: fixedType(16, 6), res };
    const y1 = new Float64Array(32);
    const y2 = new Float64Array(32);
    compileConv(g, 'latency', 1, wq, bq, t)(x, y1);
    compileMac(convPlan(g, 'latency', 1), wq, bq, t)(x, y2);
    expect(Array.from(y1)).toEqual(Array.from(y2));
    expect(new Set(y1).size).toBeGreaterThan(5);
  });
});
