/**
 * @fileoverview Invariants of the estimator over random dense networks (fast-check): totals are the
 * sums of the layers, a larger valid reuse factor never adds DSPs or removes cycles (Resource
 * strategy), every figure is a finite non-negative integer, and narrowing all types never adds DSPs.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { estimate } from '../../src/estimate/estimate.js';
import { denseSpec, sequential } from '../../src/estimate/build.js';
import { validReuseFactors } from '../../src/estimate/reuse.js';
import { fixedType } from '../../src/fixed/type.js';
import { FIGURE_KEYS } from '../../src/estimate/types.js';

const net = (sizes: number[], w: number, strategy: 'latency' | 'resource', rf: (nIn: number, nOut: number) => number) => {
  const t = fixedType(w, Math.max(1, Math.round((6 * w) / 16)));
  const p = { weight: t, bias: t, accum: t, result: t };
  const specs = sizes.slice(1).flatMap((n, i) => [
    denseSpec(`fc${i}`, sizes[i]!, n, { precision: p, strategy, reuseFactor: rf(sizes[i]!, n) }),
    { name: `relu${i}`, attrs: { op: 'Activation' as const, activation: 'relu' as const }, precision: { result: t } },
  ]);
  return sequential('p', [sizes[0]!], t, specs);
};

const sizesArb = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 2, maxLength: 4 });

describe('estimator invariants', () => {
  it('totals are layer sums and every figure is a non-negative integer', () => {
    fc.assert(
      fc.property(sizesArb, fc.integer({ min: 2, max: 24 }), fc.constantFrom('latency' as const, 'resource' as const), fc.constantFrom('vivado' as const, 'vitis' as const), fc.constantFrom('io_parallel' as const, 'io_stream' as const), (sizes, w, strategy, backend, ioType) => {
        const e = estimate(net(sizes, w, strategy, () => 1), { backend, ioType, part: 'vu9p' });
        for (const k of ['dsp', 'lut', 'ff', 'bram_18k', 'uram'] as const) expect(e.total[k]).toBe(e.layers.reduce((s, l) => s + l[k], 0));
        for (const l of e.layers) for (const k of FIGURE_KEYS) expect(Number.isInteger(l[k]) && l[k] >= 0, `${l.name}.${k}=${l[k]}`).toBe(true);
        expect(e.total.ii).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });

  it('Resource strategy: a larger valid reuse factor never adds DSPs nor removes cycles', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 48 }), fc.integer({ min: 2, max: 48 }), fc.nat(), fc.nat(), (nIn, nOut, i, j) => {
        const valid = validReuseFactors(nIn, nOut);
        const [a, b] = [valid[i % valid.length]!, valid[j % valid.length]!].sort((x, y) => x - y);
        const e1 = estimate(net([nIn, nOut], 16, 'resource', () => a!), { backend: 'vitis' });
        const e2 = estimate(net([nIn, nOut], 16, 'resource', () => b!), { backend: 'vitis' });
        expect(e2.total.dsp).toBeLessThanOrEqual(e1.total.dsp);
        expect(e2.total.latency_cycles).toBeGreaterThanOrEqual(e1.total.latency_cycles);
      }),
      { numRuns: 60 },
    );
  });

  it('narrower types never need more DSPs', () => {
    fc.assert(
      fc.property(sizesArb, fc.integer({ min: 2, max: 32 }), fc.integer({ min: 2, max: 32 }), (sizes, w1, w2) => {
        const [lo, hi] = w1 < w2 ? [w1, w2] : [w2, w1];
        const a = estimate(net(sizes, lo, 'latency', () => 1), { backend: 'vitis', part: 'pynq-z2' });
        const b = estimate(net(sizes, hi, 'latency', () => 1), { backend: 'vitis', part: 'pynq-z2' });
        expect(a.total.dsp).toBeLessThanOrEqual(b.total.dsp);
      }),
      { numRuns: 60 },
    );
  });
});
