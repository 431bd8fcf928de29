/**
 * @fileoverview The stable softmax's memo tables (activations.ts: exp term per difference, inverse
 * per sum, used without accounting) against the same kernel computing every cast each time (with
 * accounting, which disables the tables): random input, accumulator, table and result types and
 * slice lengths, inputs drawn over the whole range of the input type (wraps and saturation included),
 * each batch run twice so that the second pass reads the tables filled by the first.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedType, fracBits, type FixedType, type OMode, type QMode } from '../../../src/fixed/type.js';
import { compileSoftmax } from '../../../src/emulator/activations.js';
import { OverflowBook } from '../../../src/emulator/overflow.js';

const typeArb = (wMin: number, wMax: number, signed?: boolean): fc.Arbitrary<FixedType> =>
  fc
    .record({
      w: fc.integer({ min: wMin, max: wMax }),
      di: fc.integer({ min: -2, max: 8 }),
      s: signed === undefined ? fc.boolean() : fc.constant(signed),
      q: fc.constantFrom<QMode>('AP_TRN', 'AP_RND'),
      o: fc.constantFrom<OMode>('AP_WRAP', 'AP_SAT'),
    })
    .map(({ w, di, s, q, o }) => fixedType(w, Math.min(w, Math.max(1, di + 2)), s, q, o));

describe('stable softmax memo tables', () => {
  it('give the bits of the kernel without tables (property)', () => {
    fc.assert(
      fc.property(
        typeArb(4, 18),
        typeArb(6, 18, true),
        typeArb(8, 18),
        typeArb(10, 18),
        typeArb(10, 18),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(64, 256, 1024),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (inT, accT, resT, tableT, invInpT, slice, tableSize, seed) => {
          const spec = { implementation: 'stable' as const, inT, resT, accT, expT: tableT, invT: tableT, invInpT, tableSize, slice };
          const fast = compileSoftmax(spec, () => undefined);
          const book = new OverflowBook();
          const slow = compileSoftmax(spec, (v, t) => book.slot('sm', v, t));
          let r = seed;
          const rand = (): number => {
            r = (r * 1103515245 + 12345) % 2 ** 31;
            return r / 2 ** 31;
          };
          const rows = 40;
          const x = new Float64Array(rows * slice);
          const lo = inT.signed ? -(2 ** (inT.w - 1)) : 0;
          // Raw values over the type's range, some rows with repeated values (equal differences).
          for (let k = 0; k < x.length; k++) x[k] = (lo + Math.floor(rand() * 2 ** inT.w)) * 2 ** -fracBits(inT);
          for (let k = slice; k < 2 * slice; k++) x[k] = x[k - slice]!;
          const a = new Float64Array(x.length);
          const b = new Float64Array(x.length);
          for (let pass = 0; pass < 2; pass++) {
            fast(x, a);
            slow(x, b);
            for (let k = 0; k < x.length; k++) if (!Object.is(a[k], b[k])) return false;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});
