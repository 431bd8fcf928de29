/**
 * @fileoverview makeCast's counting casts for the common modes (quant.ts countingFastCast: TRN or
 * RND into WRAP or SAT types of at most 32 bits) against the general counting cast: same value and
 * the same statistics for random types and for values on both sides of every limit, non-integers,
 * ties, -0, huge values, NaN and infinities; and the generated counting loops (countingLoop, with
 * and without the ReLU's max(v, 0), scaled input, offsets) against makeCast's counting cast.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedType, fracBits, type FixedType, type OMode, type QMode } from '../../../src/fixed/type.js';
import { countingLoop, generalCountingCast, makeCast, rawLimits } from '../../../src/emulator/quant.js';
import { newVarStats } from '../../../src/emulator/overflow.js';

const typeArb: fc.Arbitrary<FixedType> = fc
  .record({
    w: fc.integer({ min: 1, max: 32 }),
    i: fc.integer({ min: -4, max: 36 }),
    s: fc.boolean(),
    q: fc.constantFrom<QMode>('AP_TRN', 'AP_RND', 'AP_RND_CONV', 'AP_RND_ZERO', 'AP_RND_INF', 'AP_RND_MIN_INF', 'AP_TRN_ZERO'),
    o: fc.constantFrom<OMode>('AP_WRAP', 'AP_SAT'),
  })
  .map(({ w, i, s, q, o }) => fixedType(w, i, s, q, o));

/** Values around the type's range and grid. */
function values(t: FixedType, seed: number): number[] {
  const { lo, hi } = rawLimits(t);
  const ulp = 2 ** -fracBits(t);
  let r = seed;
  const rand = (): number => {
    r = (r * 1103515245 + 12345) % 2 ** 31;
    return r / 2 ** 31;
  };
  const out = [0, -0, NaN, Infinity, -Infinity, 2 ** 60, -(2 ** 60), 1e300, -1e300, 5e-324, -5e-324];
  for (const raw of [lo, hi, lo - 1, hi + 1, 0, 1, -1, 2 * hi + 2, 2 * lo - 2, hi * 2 ** 20])
    for (const d of [0, 0.5, -0.5, 0.25, 0.75, 1e-9]) out.push((raw + d) * ulp);
  for (let k = 0; k < 200; k++) out.push((lo + (rand() * 4 - 1.5) * (hi - lo + 1)) * ulp * (rand() < 0.5 ? 1 : 1 + rand()));
  return out;
}

describe('counting casts', () => {
  it('fast ones equal the general one: values and statistics (property)', () => {
    fc.assert(
      fc.property(typeArb, fc.integer({ min: 0, max: 2 ** 30 }), (t, seed) => {
        const a = newVarStats(t);
        const b = newVarStats(t);
        const fast = makeCast(t, a);
        const general = generalCountingCast(t, b);
        for (const x of values(t, seed)) {
          const u = fast(x);
          const v = general(x);
          if (!Object.is(u, v)) return false;
        }
        expect(a).toEqual(b);
        return true;
      }),
      { numRuns: 400 },
    );
  });
  it('generated counting loops equal makeCast with the same stats (property)', () => {
    fc.assert(
      fc.property(typeArb, fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean(), fc.constantFrom(1, 2 ** -10, 4), (t, seed, relu, sc) => {
        const xs = values(t, seed).map((v) => v / sc);
        const a = newVarStats(t);
        const b = newVarStats(t);
        const loop = countingLoop(t, a, relu)!;
        const cast = makeCast(t, b);
        const y = new Float64Array(xs.length + 3).fill(7);
        // Two calls over two halves, with offsets: the counters add up across calls.
        const h = xs.length >> 1;
        loop(xs, 0, sc, y, 3, h);
        loop(xs, h, sc, y, 3 + h, xs.length - h);
        for (let i = 0; i < 3; i++) if (y[i] !== 7) return false;
        for (let i = 0; i < xs.length; i++) {
          const v = xs[i]! * sc;
          if (!Object.is(y[3 + i], cast(relu ? (v > 0 ? v : 0) : v))) return false;
        }
        expect(a).toEqual(b);
        return true;
      }),
      { numRuns: 300 },
    );
  });
  it('counts wraps and saturations (not a vacuous comparison)', () => {
    const s = newVarStats();
    const c = makeCast(fixedType(8, 4, true, 'AP_TRN', 'AP_WRAP'), s);
    expect(c(8)).toBe(-8);
    expect(c(0.03125)).toBe(0);
    expect(s).toMatchObject({ count: 2, overflow: 1, wrapped: 1, inexact: 1, maxAbs: 8 });
    const s2 = newVarStats();
    const d = makeCast(fixedType(8, 4, false, 'AP_RND', 'AP_SAT'), s2);
    expect(d(-1)).toBe(0);
    expect(d(0.03125)).toBe(0.0625);
    expect(s2).toMatchObject({ count: 2, underflow: 1, saturated: 1, inexact: 1 });
  });
});
