/**
 * @fileoverview Property: for random Dense layers and random ap_fixed types (every Q mode, WRAP /
 * SAT / SAT_ZERO / SAT_SYM accumulators, signed and unsigned inputs), every emulator kernel (the
 * SIMD / integer input-major kernel, the general kernel, the accounting kernel) equals an
 * independent BigInt reference built on src/fixed's quantizeBig: acc = (accum_t)bias, then
 * acc = (accum_t)(acc + (accum_t)(x * w)) in order, result = (result_t)acc.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedType, fracBits, Q_MODES } from '../../../src/fixed/type.js';
import type { FixedType, OMode } from '../../../src/fixed/type.js';
import { quantizeBig, quantizeDouble } from '../../../src/fixed/quantize.js';
import { compileDenseInt, compileMac, densePlan, orderFree, sharedDenseOrder } from '../../../src/emulator/mac.js';
import { newVarStats } from '../../../src/emulator/overflow.js';
import { quantizeDirect, type RawConst } from '../../../src/emulator/weights.js';
import { simdOptions } from '../../../src/emulator/simd.js';

const typeArb = (maxW: number, os: readonly OMode[]) =>
  fc.record({ w: fc.integer({ min: 2, max: maxW }), i: fc.integer({ min: -2, max: 8 }), signed: fc.boolean(), q: fc.constantFrom(...Q_MODES), o: fc.constantFrom(...os) }).map((r) => fixedType(r.w, r.i, r.signed, r.q, r.o));

function reference(x: number[], w: number[], b: number[], nIn: number, nOut: number, T: { x: FixedType; w: FixedType; acc: FixedType; res: FixedType }): number[] {
  // Raw BigInt arithmetic: value = raw * 2^-F.
  const xr = x.map((v) => quantizeDouble(v, T.x));
  const wr = w.map((v) => quantizeDouble(v, T.w));
  const Fa = fracBits(T.acc);
  const out: number[] = [];
  for (let j = 0; j < nOut; j++) {
    let acc = quantizeBig(quantizeDouble(b[j]!, T.acc), -Fa, T.acc);
    for (let i = 0; i < nIn; i++) {
      const p = quantizeBig(xr[i]! * wr[i * nOut + j]!, -(fracBits(T.x) + fracBits(T.w)), T.acc);
      acc = quantizeBig(acc + p, -Fa, T.acc);
    }
    const r = quantizeBig(acc, -Fa, T.res);
    out.push(Number(r) * 2 ** -fracBits(T.res));
  }
  return out;
}

describe('Dense kernels equal a BigInt reference', () => {
  it('random layers and types', () => {
    let intRuns = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 6 }),
        typeArb(16, ['AP_WRAP']),
        typeArb(16, ['AP_WRAP', 'AP_SAT']),
        typeArb(24, ['AP_WRAP', 'AP_SAT', 'AP_SAT_ZERO', 'AP_SAT_SYM']),
        typeArb(16, ['AP_WRAP', 'AP_SAT']),
        fc.array(fc.double({ min: -40, max: 40, noNaN: true }), { minLength: 120, maxLength: 120 }),
        (nIn, nOut, xT, wT, accT, resT, vals) => {
          const T = { x: xT, w: wT, acc: accT, res: resT };
          const wRaw = vals.slice(0, nIn * nOut).map((v) => v / 8);
          const bRaw = vals.slice(60, 60 + nOut);
          const xRaw = vals.slice(80, 80 + nIn).map((v, i) => (i % 3 === 2 ? 0 : v));
          const wq = quantizeDirect(wRaw, wT);
          const bq = quantizeDirect(bRaw, T.res.signed ? wT : wT);
          const x = quantizeDirect(xRaw, xT);
          const want = reference(Array.from(x), Array.from(wq), Array.from(bq), nIn, nOut, T);
          const plan = densePlan(nIn, nOut, 1, 'latency', 1);
          const general = new Float64Array(nOut);
          compileMac(plan, wq, bq, T)(x, general);
          expect(Array.from(general)).toEqual(want);
          const counted = new Float64Array(nOut);
          compileMac(plan, wq, bq, T, { product: newVarStats(), accum: newVarStats(), result: newVarStats() })(x, counted);
          expect(Array.from(counted)).toEqual(want);
          // The integer kernel with the weights as doubles and as raw integers (the cache's form
          // of a large array), stored in its memory as int16 where the type fits and as int32.
          const raw: RawConst = { raw: Int32Array.from(wq, (v) => v * 2 ** fracBits(wT)), inv: 2 ** -fracBits(wT), length: wq.length };
          for (const w16 of [true, false]) {
            simdOptions.w16 = w16;
            try {
              for (const src of [wq, raw]) {
                const k = compileDenseInt(nIn, nOut, 1, Array.from({ length: nIn }, (_, i) => i), src, bq, T);
                if (!k) continue;
                const fast = new Float64Array(nOut);
                k(x, fast);
                expect(Array.from(fast)).toEqual(want);
                intRuns++;
              }
            } finally {
              simdOptions.w16 = true;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // The integer kernel took many of the layers (about one in six: TRN/RND accumulators; each
    // counted four times), so the comparisons above are not vacuous.
    expect(intRuns).toBeGreaterThan(80);
  });

  it('Resource layers: with a wrapping accumulator any order gives the bits of hls4ml\'s order', () => {
    // The integer kernels take the inputs in the identity order when orderFree(acc): the general
    // kernel, which follows hls4ml's Resource loops product by product, must agree, also when
    // partial sums overflow (narrow accumulators, large values). A saturating accumulator keeps
    // the Resource order.
    let wrapped = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        typeArb(12, ['AP_WRAP']),
        typeArb(12, ['AP_WRAP', 'AP_SAT']),
        fc.record({ w: fc.integer({ min: 4, max: 24 }), i: fc.integer({ min: 0, max: 3 }), q: fc.constantFrom<'AP_TRN' | 'AP_RND'>('AP_TRN', 'AP_RND') }).map((r) => fixedType(r.w, r.i, true, r.q, 'AP_WRAP')),
        typeArb(16, ['AP_WRAP']),
        fc.array(fc.double({ min: -40, max: 40, noNaN: true }), { minLength: 100, maxLength: 100 }),
        (nIn, nOut, rfPick, xT, wT, accT, resT, vals) => {
          const T = { x: xT, w: wT, acc: accT, res: resT };
          const rf = 1 + (rfPick % (nIn * nOut));
          expect(orderFree(accT)).toBe(true);
          const order = sharedDenseOrder(nIn, nOut, 'resource', rf, accT)!;
          expect(Array.from(order)).toEqual(Array.from({ length: nIn }, (_, i) => i));
          const wq = quantizeDirect(vals.slice(0, nIn * nOut).map((v) => v / 4), wT);
          const bq = quantizeDirect(vals.slice(80, 80 + nOut), wT);
          const x = quantizeDirect(vals.slice(86, 86 + nIn), xT);
          const want = new Float64Array(nOut);
          compileMac(densePlan(nIn, nOut, 1, 'resource', rf), wq, bq, T)(x, want);
          const k = compileDenseInt(nIn, nOut, 1, order, wq, bq, T);
          if (!k) return;
          const got = new Float64Array(nOut);
          k(x, got);
          expect(Array.from(got)).toEqual(Array.from(want));
          // Did a partial sum leave the accumulator's range (so that the order could have mattered)?
          const lim = 2 ** (accT.w - 1 - fracBits(accT));
          let out = false;
          for (let j = 0; j < nOut; j++) {
            let acc = bq[j]!;
            for (let i = 0; i < nIn; i++) {
              acc += x[i]! * wq[i * nOut + j]!;
              if (Math.abs(acc) >= lim) out = true;
            }
          }
          if (out) wrapped++;
        },
      ),
      { numRuns: 400 },
    );
    expect(wrapped).toBeGreaterThan(20);
    expect(orderFree(fixedType(16, 6, true, 'AP_TRN', 'AP_SAT'))).toBe(false);
    expect(orderFree(fixedType(40, 16, true, 'AP_TRN', 'AP_WRAP'))).toBe(false);
    expect(orderFree(fixedType(16, 6, true, 'AP_RND_CONV', 'AP_WRAP'))).toBe(false);
  });

  it('wide products and accumulators (BigInt kernel)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        typeArb(30, ['AP_WRAP']),
        typeArb(30, ['AP_WRAP', 'AP_SAT']),
        fc.record({ w: fc.integer({ min: 40, max: 70 }), i: fc.integer({ min: 10, max: 30 }), q: fc.constantFrom(...Q_MODES), o: fc.constantFrom<OMode>('AP_WRAP', 'AP_SAT') }).map((r) => fixedType(r.w, r.i, true, r.q, r.o)),
        typeArb(24, ['AP_WRAP', 'AP_SAT']),
        fc.array(fc.double({ min: -40, max: 40, noNaN: true }), { minLength: 40, maxLength: 40 }),
        (nIn, nOut, xT, wT, accT, resT, vals) => {
          fc.pre(xT.w + wT.w > 53 || accT.w > 52);
          const T = { x: xT, w: wT, acc: accT, res: resT };
          const wq = quantizeDirect(vals.slice(0, nIn * nOut), wT);
          const bq = quantizeDirect(vals.slice(24, 24 + nOut), wT);
          const x = quantizeDirect(vals.slice(30, 30 + nIn), xT);
          const want = reference(Array.from(x), Array.from(wq), Array.from(bq), nIn, nOut, T);
          const got = new Float64Array(nOut);
          compileMac(densePlan(nIn, nOut, 1, 'latency', 1), wq, bq, T)(x, got);
          expect(Array.from(got)).toEqual(want);
        },
      ),
      { numRuns: 150 },
    );
  });
});
