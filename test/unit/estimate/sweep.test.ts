/**
 * @fileoverview Sweep axes parsing, the grid of points, precision widths as types, and Pareto marking.
 */

import { describe, expect, it } from 'vitest';
import { markPareto, parseSweep, precisionType, sweepPoints, sweepText, type SweepResult } from '../../../src/estimate/sweep.js';
import { estimate } from '../../../src/estimate/estimate.js';
import { denseSpec, sequential } from '../../../src/estimate/build.js';
import { fixedType } from '../../../src/fixed/type.js';

describe('sweep', () => {
  it('parses axes given as one or several arguments', () => {
    expect(parseSweep(['reuse=1,2,4,8', 'precision=8,12,16'])).toEqual({ reuse: [1, 2, 4, 8], precision: ['8', '12', '16'] });
    expect(parseSweep(['reuse=1,2 strategy=Latency,resource'])).toEqual({ reuse: [1, 2], strategy: ['latency', 'resource'] });
    expect(parseSweep(['precision=fixed<10,4>,12']).precision).toEqual(['fixed<10,4>', '12']);
    expect(() => parseSweep(['reuse=0'])).toThrow(/positive integer/);
    expect(() => parseSweep(['width=3'])).toThrow(/bad --sweep axis/);
  });
  it('expands the grid and turns widths into types with the default range balance', () => {
    expect(sweepPoints({ reuse: [1, 2], precision: ['8', '16'] })).toHaveLength(4);
    expect(precisionType('16')).toBe('fixed<16,6>');
    expect(precisionType('8')).toBe('fixed<8,3>');
    expect(precisionType('fixed<10,4>')).toBe('fixed<10,4>');
  });
  it('marks exactly the non-dominated points', () => {
    const t = fixedType(16, 6);
    const g = (rf: number) =>
      sequential('s', [16], t, [denseSpec('fc', 16, 32, { precision: { weight: t, bias: t, accum: t, result: t }, reuseFactor: rf, strategy: 'resource' })]);
    const res: SweepResult[] = [1, 2, 4].map((rf) => ({ point: { reuse: rf }, estimate: estimate(g(rf), { backend: 'vitis' }) }));
    // A copy of the RF=4 point with a worse accuracy is dominated once accuracy counts.
    const withAcc: SweepResult[] = [...res.map((r) => ({ ...r, accuracy: 90 })), { ...res[2]!, accuracy: 80 }];
    markPareto(withAcc);
    expect(withAcc.map((r) => r.pareto)).toEqual([true, true, true, false]);
    expect(sweepText(withAcc)).toMatch(/\* Pareto point/);
  });
});
