/**
 * @fileoverview compileCast without accounting runs src/fixed's generated array loop instead of the
 * emulator's per-element makeCast: the same bits as the BigInt reference (src/fixed quantizeDouble)
 * for every rounding and overflow mode, on values on and between the grid points, in and out of
 * range, and the same as makeCast on normal values (makeCast scales x by 2^F in floating point,
 * which underflows for subnormal x when F < 0: -5e-324 in ufixed<1,2> gives 0 there, 2 in the
 * reference and in the array loop).
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedType, O_MODES, Q_MODES } from '../../../src/fixed/type.js';
import { compileCast } from '../../../src/emulator/misc.js';
import { makeCast } from '../../../src/emulator/quant.js';
import { quantizeDouble, rawToDouble } from '../../../src/fixed/quantize.js';

describe('compileCast (array loop) equals makeCast', () => {
  it('every mode, widths 1..40 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: -8, max: 24 }),
        fc.boolean(),
        fc.constantFrom(...Q_MODES),
        fc.constantFrom(...O_MODES),
        fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -4096, max: 4096 }).map((k) => k / 64)), { minLength: 1, maxLength: 60 }),
        (w, i, signed, q, o, vals) => {
          const t = fixedType(w, i, signed, q, o, o === 'AP_WRAP' ? 0 : 0);
          const x = Float64Array.from(vals);
          const y = new Float64Array(x.length);
          compileCast(t)(x, y);
          const c = makeCast(t);
          const ref = (v: number): number => rawToDouble(quantizeDouble(v, t), t) + 0;
          return Array.from(x).every((v, k) => Object.is(y[k], ref(v)) && (Math.abs(v) < 1e-290 || Object.is(y[k], c(v))));
        },
      ),
      { numRuns: 4000 },
    );
  });
});
