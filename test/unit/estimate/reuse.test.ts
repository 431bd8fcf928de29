/**
 * @fileoverview hls4ml's reuse-factor rule and its closest-valid snapping, on the cases the
 * wa-hls4ml truth shows (e.g. 80x24 with RF 1024 -> 960).
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { closestReuseFactor, isValidReuseFactor, validReuseFactors } from '../../../src/estimate/reuse.js';

describe('reuse factors', () => {
  it('lists the valid values of a layer', () => {
    expect(validReuseFactors(80, 24).filter((r) => r >= 80)).toEqual([80, 160, 240, 320, 480, 640, 960, 1920]);
    expect(validReuseFactors(4, 2)).toEqual([1, 2, 4, 8]);
    expect(isValidReuseFactor(16, 64, 3)).toBe(false);
  });
  it('snaps to the closest valid value, the smaller on a tie, within range', () => {
    expect(closestReuseFactor(80, 24, 1024)).toBe(960);
    expect(closestReuseFactor(24, 120, 2047)).toBe(1440);
    expect(closestReuseFactor(104, 64, 1024)).toBe(832);
    expect(closestReuseFactor(80, 24, 5000)).toBe(1920);
    expect(closestReuseFactor(4, 2, 3)).toBe(2);
  });
  it('always returns a valid value that divides n_in*n_out (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 5000 }), (a, b, rf) => {
        const r = closestReuseFactor(a, b, rf);
        return isValidReuseFactor(a, b, r) && (a * b) % r === 0;
      }),
      { numRuns: 300 },
    );
  });
});
