/**
 * @fileoverview NNLS recovers a non-negative solution exactly, clamps what would be negative, and
 * the error helpers treat zero truths as documented.
 */

import { describe, expect, it } from 'vitest';
import { nnls } from '../../../src/estimate/nnls.js';
import { ape, median } from '../../../src/estimate/calibrate.js';

describe('nnls', () => {
  it('recovers non-negative coefficients from consistent data', () => {
    const X = [
      [1, 0, 2],
      [0, 1, 1],
      [3, 1, 0],
      [1, 1, 1],
      [2, 0, 1],
    ];
    const w = [2, 0.5, 3];
    const y = X.map((r) => r.reduce((s, x, j) => s + x * w[j]!, 0));
    const got = nnls(X, y);
    got.forEach((v, j) => expect(v).toBeCloseTo(w[j]!, 8));
  });
  it('keeps coefficients at zero where least squares would go negative', () => {
    const X = [
      [1, 1],
      [2, 1],
      [3, 1],
    ];
    const y = [3, 2, 1]; // slope -1: unconstrained fit is (-1, 4)
    const got = nnls(X, y);
    expect(got[0]).toBe(0);
    expect(got[1]).toBeCloseTo(2, 8);
  });
});

describe('error measures', () => {
  it('scores exact zeros as 0% and misses against zero as if the truth were 1', () => {
    expect(ape(0, 0)).toBe(0);
    expect(ape(2, 0)).toBe(200);
    expect(ape(110, 100)).toBeCloseTo(10, 10);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
