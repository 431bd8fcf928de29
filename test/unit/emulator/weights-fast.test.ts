/**
 * @fileoverview The fast as-printed weight quantization (src/emulator/weights.ts) against its
 * reference, which prints every value with BigInt and parses it back: same bits for every value,
 * including the ones it must send to the reference path (within 10^-D of a grid point or a
 * midpoint, exact grid points, ties, integers and tiny values for F <= 0), in every rounding and
 * overflow mode; and the per-array cache that lets the writer reuse the emulator's values.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedType, type FixedType, type QMode, type OMode } from '../../../src/fixed/type.js';
import { quantizeAsPrinted, quantizeAsPrintedExact, quantizeConst } from '../../../src/emulator/weights.js';

const Q: QMode[] = ['AP_TRN', 'AP_TRN_ZERO', 'AP_RND', 'AP_RND_ZERO', 'AP_RND_MIN_INF', 'AP_RND_INF', 'AP_RND_CONV'];
const O: OMode[] = ['AP_WRAP', 'AP_SAT', 'AP_SAT_ZERO', 'AP_SAT_SYM'];

/** Values that sit on or next to the steps of t, where the printed decimal can change the cast. */
function nearSteps(t: FixedType, rand: () => number, n: number): number[] {
  const F = t.w - t.i;
  const lsb = 2 ** -F;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const grid = Math.round((rand() * 2 - 1) * 2 ** (t.w - 1)) * lsb;
    const half = grid + lsb / 2;
    const base = rand() < 0.5 ? grid : half;
    // Offsets around the printed rounding (10^-D / 2), below, at and above it, and float32 values.
    const d = 0.5 * 10 ** -Math.max(0, F);
    const eps = [0, d, -d, d * 0.999, -d * 0.999, d * 1.001, -d * 1.001, lsb * 1e-6, -lsb * 1e-6, d * 2, -d * 2][k % 11]!;
    const v = base + eps;
    out.push(k % 3 === 0 ? Math.fround(v) : v);
  }
  return out;
}

function bitsEqual(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}

describe('non-finite values and signed zeros', () => {
  it('are cast as the reference casts them', () => {
    const odd = [Number.NaN, Infinity, -Infinity, -0, 0, 1e300, -1e300, 5e-324, -5e-324];
    for (const t of [fixedType(16, 6, true, 'AP_TRN', 'AP_WRAP'), fixedType(16, 6, true, 'AP_TRN', 'AP_SAT'), fixedType(8, 3, false, 'AP_TRN', 'AP_SAT'), fixedType(16, 6, true, 'AP_RND', 'AP_SAT')]) {
      expect(bitsEqual(quantizeAsPrinted(odd, t), quantizeAsPrintedExact(odd, t)), JSON.stringify(t)).toBe(true);
    }
  });
});

describe('quantizeAsPrinted (fast) equals the print-and-parse reference', () => {
  it('on values next to every step, every mode, F from -3 to 20', () => {
    let seed = 1;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let checked = 0;
    for (const q of Q)
      for (const o of O)
        for (const [w, i] of [[16, 6], [8, 2], [8, 0], [12, 14], [6, 9], [18, 8], [24, 4], [4, 1], [30, 10]] as const) {
          const t = fixedType(w, i, true, q, o);
          const vals = [...nearSteps(t, rand, 220), 0, -0, 1, -1, 0.5, -0.5, 1e-300, -1e-300, 3e5, -3e5, 2 ** (i - 1), -(2 ** (i - 1))];
          const fast = quantizeAsPrinted(vals, t);
          const ref = quantizeAsPrintedExact(vals, t);
          for (let k = 0; k < vals.length; k++) expect(Object.is(fast[k], ref[k]), `${vals[k]} in ap_fixed<${w},${i},${q},${o}>: ${fast[k]} vs ${ref[k]}`).toBe(true);
          checked += vals.length;
          const u = fixedType(w, i, false, q, o);
          expect(bitsEqual(quantizeAsPrinted(vals, u), quantizeAsPrintedExact(vals, u))).toBe(true);
        }
    expect(checked).toBeGreaterThan(50_000);
  });

  it('on arbitrary doubles and float32 values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.float({ noNaN: true, noDefaultInfinity: true }).map(Number)), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: -8, max: 24 }),
        fc.constantFrom(...Q),
        fc.constantFrom(...O),
        fc.boolean(),
        (vals, w, i, q, o, signed) => {
          const t = fixedType(w, i, signed, q, o);
          return bitsEqual(quantizeAsPrinted(vals, t), quantizeAsPrintedExact(vals, t));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('differs from a direct cast where hls4ml\'s printed text does (so the fast path is not just a cast)', () => {
    // 0.0703125 = 4.5/64: exact tie, printed with 6 decimals "0.070312" (half-even), then RND gives 4/64.
    const t = fixedType(8, 2, true, 'AP_RND', 'AP_SAT');
    expect(quantizeAsPrinted([0.0703125], t)[0]).toBe(4 / 64);
    expect(quantizeAsPrintedExact([0.0703125], t)[0]).toBe(4 / 64);
  });
});

describe('quantizeConst cache', () => {
  it('returns the same array for the same weights and type, a new one for another type or mode', () => {
    const w = new Float32Array(1000).map((_, k) => Math.sin(k) * 3);
    const t = fixedType(16, 6);
    const a = quantizeConst(w, t, true);
    expect(quantizeConst(w, t, true)).toBe(a);
    expect(quantizeConst(w, fixedType(16, 6), true)).toBe(a);
    const b = quantizeConst(w, fixedType(16, 5), true);
    expect(b).not.toBe(a);
    expect(quantizeConst(w, t, false)).not.toBe(a);
    expect(bitsEqual(a, quantizeAsPrintedExact(w, t))).toBe(true);
    // Another array with equal contents is not the same key.
    expect(quantizeConst(Float32Array.from(w), t, true)).not.toBe(a);
  });
});
