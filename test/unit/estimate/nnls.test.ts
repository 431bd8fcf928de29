/**
 * @fileoverview NNLS recovers a non-negative solution exactly, clamps what would be negative, its
 * reweighted form (least absolute deviations) resists an unexplained row, and the error helpers
 * treat zero truths as documented.
 */

import { describe, expect, it } from 'vitest';
import { nnls, nnlsL1 } from '../../../src/estimate/nnls.js';
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
  it('reweighted (least absolute deviations) is barely moved by a row the model cannot explain', () => {
    // Eight rows follow y = 2 a + 3 b exactly; one (a modified design) reports five times more.
    const X = [
      [1, 0],
      [0, 1],
      [1, 1],
      [2, 1],
      [1, 2],
      [3, 1],
      [1, 3],
      [2, 2],
      [2, 3],
    ];
    const y = X.map(([a, b]) => 2 * a! + 3 * b!);
    y[8] = y[8]! * 5;
    const l2 = nnls(X, y);
    const l1 = nnlsL1(X, y, 20, 0.01);
    // Least squares spreads the outlier over both coefficients; the reweighted fit keeps (2, 3).
    expect(Math.abs(l2[0]! - 2) + Math.abs(l2[1]! - 3)).toBeGreaterThan(1);
    expect(l1[0]).toBeCloseTo(2, 1);
    expect(l1[1]).toBeCloseTo(3, 1);
    expect(l1.every((v) => v >= 0)).toBe(true);
    // Consistent data: the same solution as NNLS.
    const exact = X.slice(0, 8);
    const yExact = y.slice(0, 8);
    nnlsL1(exact, yExact, 20, 0.01).forEach((v, j) => expect(v).toBeCloseTo(nnls(exact, yExact)[j]!, 6));
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
