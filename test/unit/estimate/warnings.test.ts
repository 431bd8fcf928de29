/**
 * @fileoverview The warnings that matter for L1 designs (issue 13): a layer beyond the unroll /
 * partition limit (and what Vivado HLS then builds: a rolled, unpipelined loop), an interval that
 * misses what the reuse factors ask for, a design beyond the device or one SLR, and the layer that
 * dominates each resource.
 */

import { describe, expect, it } from 'vitest';
import { estimate } from '../../../src/estimate/estimate.js';
import { denseSpec, sequential } from '../../../src/estimate/build.js';
import { fixedType } from '../../../src/fixed/type.js';

const t16 = fixedType(16, 6);
const prec = { weight: t16, bias: t16, accum: t16, result: t16 };

describe('L1 warnings', () => {
  it('a Latency layer beyond the unroll limit: Vivado HLS keeps it rolled and unpipelined, and says so', () => {
    const g = sequential('big', [2622], t16, [denseSpec('fc1', 2622, 100, { precision: prec }), { name: 'a1', attrs: { op: 'Activation', activation: 'relu' } }, denseSpec('fc2', 100, 10, { precision: prec })]);
    const viv = estimate(g, { backend: 'vivado', part: 'xcvu9p-flgb2104-2-i', clockNs: 10 });
    expect(viv.warnings.join('\n')).toMatch(/layer fc1: 262200 weights exceed the 4096-element unroll\/partition limit of Vivado HLS: the tool keeps the loop rolled/);
    expect(viv.warnings.join('\n')).toMatch(/layer fc2: not unrolled either/);
    // One multiplier per layer, cycles per product, and the design's interval is its latency.
    expect(viv.total.dsp).toBeLessThanOrEqual(4);
    expect(viv.total.latency_cycles).toBeGreaterThan(262200);
    expect(viv.total.ii).toBe(viv.total.latency_cycles);
    // Vitis HLS unrolls it (warned: beyond the limit), with one multiplier per live product.
    const vit = estimate(g, { backend: 'vitis', part: 'xcvu9p-flgb2104-2-i', clockNs: 10 });
    expect(vit.warnings.join('\n')).toMatch(/layer fc1: 262200 weights fully unrolled .*beyond the 4096-element unroll\/partition limit/);
    expect(vit.total.latency_cycles).toBeLessThan(100);
  });

  it('names the layer that dominates a resource and a design beyond the device and one SLR', () => {
    const g = sequential('m', [64], t16, [
      denseSpec('small', 64, 8, { precision: prec }),
      { name: 'r', attrs: { op: 'Activation', activation: 'relu' } },
      denseSpec('wide', 8, 1024, { precision: prec }),
      denseSpec('huge', 1024, 1024, { precision: prec, strategy: 'resource', reuseFactor: 1 }),
    ]);
    const e = estimate(g, { backend: 'vivado', part: 'vu9p', clockNs: 5 });
    const w = e.warnings.join('\n');
    expect(w).toMatch(/dsp: layer huge holds \d+% of the design \(\d+ of \d+\)/);
    expect(w).toMatch(/dsp \d+% of xcvu9p-flga2104-2L-e: the design does not fit/);
    expect(w).toMatch(/layer huge: dsp \d+% of xcvu9p-flga2104-2L-e on its own/);
    const small = estimate(sequential('s', [64], t16, [denseSpec('a', 64, 64, { precision: prec }), denseSpec('b', 64, 64, { precision: prec }), denseSpec('c', 64, 64, { precision: prec })]), { backend: 'vitis', part: 'vu9p' });
    expect(small.warnings.join('\n')).not.toMatch(/holds/);
  });

  it('warns when the interval misses what the reuse factors ask for, or a requested II', () => {
    const g = sequential('r', [32], t16, [denseSpec('fc', 32, 32, { precision: prec, strategy: 'resource', reuseFactor: 4 }), { name: 'sm', attrs: { op: 'Softmax', axis: -1 } }]);
    const vit = estimate(g, { backend: 'vitis', part: 'vu9p' });
    // Vitis HLS does not overlap samples in a Resource io_parallel top: the interval is the latency.
    expect(vit.total.ii).toBe(vit.total.latency_cycles);
    expect(vit.warnings.join('\n')).toMatch(new RegExp(`initiation interval ${vit.total.ii} misses the 4 cycles the reuse factors ask for \\(slowest layer: \\w+\\)`));
    const asked = estimate(g, { backend: 'vivado', part: 'vu9p', targetII: 1 });
    expect(asked.warnings.join('\n')).toMatch(/initiation interval 4 misses the requested 1/);
  });
});
