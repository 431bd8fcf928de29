/**
 * @fileoverview estimate(): totals are the sums of layers, utilization against the device (and one
 * SLR), warnings (over 100%, missed II, unroll limit, unknown part), tool naming per backend, and
 * the --json shape of issue 7.
 */

import { describe, expect, it } from 'vitest';
import { SHIPPED_CALIBRATION, estimate } from '../../../src/estimate/estimate.js';
import { estimateJson, estimateText } from '../../../src/estimate/format.js';
import { denseSpec, sequential } from '../../../src/estimate/build.js';
import { fixedType } from '../../../src/fixed/type.js';
import { FIGURE_KEYS } from '../../../src/estimate/types.js';

const t = fixedType(16, 6);
const p = { weight: t, bias: t, accum: t, result: t };
const mlp = (nIn = 16, hidden = 64) =>
  sequential('mlp', [nIn], t, [
    denseSpec('fc1', nIn, hidden, { precision: p }),
    { name: 'relu1', attrs: { op: 'Activation', activation: 'relu' }, precision: { result: t } },
    denseSpec('fc2', hidden, 5, { precision: p }),
    { name: 'softmax', attrs: { op: 'Softmax', axis: -1 }, precision: { result: t } },
  ]);

describe('estimate', () => {
  it('sums layers into totals and states the tool, part and sources', () => {
    const e = estimate(mlp(), { part: 'vu9p', backend: 'vitis', clockNs: 4 });
    for (const k of ['dsp', 'lut', 'ff', 'bram_18k', 'uram'] as const) expect(e.total[k]).toBe(e.layers.reduce((s, l) => s + l[k], 0));
    expect(e.total.latency_ns).toBe(e.total.latency_cycles * 4);
    expect(e.total.dsp).toBe(16 * 64 + 64 * 5 + 5);
    expect(e.tool).toMatch(/^Vitis HLS/);
    expect(estimate(mlp(), { backend: 'vivado' }).tool).toMatch(/^Vivado HLS/);
    expect(e.part).toBe('xcvu9p-flga2104-2L-e');
    expect(e.source.calibration).toMatch(/calibration\.json/);
    expect(e.layers[1]!.source.dsp).toMatch(/model/);
    expect(e.layers[1]!.source.lut).toMatch(/calibration/);
  });
  it('reports utilization of the device and of one SLR', () => {
    const e = estimate(mlp(), { part: 'vu9p' });
    expect(e.utilization.dsp).toBeCloseTo((100 * e.total.dsp) / 6840, 6);
    expect(e.utilization_slr!.dsp).toBeCloseTo((100 * e.total.dsp) / 2280, 6);
  });
  it('warns when the design does not fit, spans SLRs, or misses a requested II', () => {
    const big = estimate(mlp(64, 128), { part: 'pynq-z2' });
    expect(big.warnings.some((w) => /dsp \d+% of xc7z020/.test(w))).toBe(true);
    const slr = estimate(mlp(64, 40), { part: 'vu9p' });
    expect(slr.warnings.some((w) => /one SLR/.test(w))).toBe(true);
    const ii = estimate(mlp(), { part: 'vu9p', targetII: 0 });
    expect(ii.warnings.some((w) => /misses the requested 0/.test(w))).toBe(true);
  });
  it('warns about fully unrolled layers beyond 4096 weights', () => {
    const e = estimate(sequential('u', [128], t, [denseSpec('fc', 128, 64, { precision: p })]), {});
    expect(e.warnings.some((w) => /4096/.test(w))).toBe(true);
  });
  it('still estimates for a part outside the table, without utilization', () => {
    const e = estimate(mlp(), { part: 'xc7z007s-clg225-2' });
    expect(e.utilization.dsp).toBeNull();
    expect(e.dsp_kind).toBe('DSP48E1');
    expect(e.warnings.some((w) => /not in fastml's device table/.test(w))).toBe(true);
  });
  it('gives longer pipelines at faster clocks for the same design', () => {
    const slow = estimate(mlp(), { backend: 'vitis', clockNs: 10 }).total.latency_cycles;
    const fast = estimate(mlp(), { backend: 'vitis', clockNs: 2.5 }).total.latency_cycles;
    expect(fast).toBeGreaterThan(slow);
  });
  it('serialises to the issue\'s JSON shape', () => {
    const j = estimateJson(estimate(mlp(), { part: 'vu9p' })) as any;
    expect(Object.keys(j)).toEqual(['tool', 'part', 'clock_ns', 'layers', 'total', 'utilization', 'warnings', 'range_basis']);
    expect(Object.keys(j.layers[0])).toEqual(['name', 'op', ...FIGURE_KEYS]);
    expect(j.layers.map((l: any) => l.name)).toEqual(['fc1', 'relu1', 'fc2', 'softmax']);
    // Each figure, then its 80% interval from the leave-one-repository-out validation.
    expect(Object.keys(j.total)).toEqual([...FIGURE_KEYS, ...FIGURE_KEYS.filter((k) => k !== 'uram').map((k) => `${k}_range`)]);
    // The interval is the estimate times the held-out truth/estimate percentiles of its family and
    // design kind; it need not contain the estimate (held-out Vitis MLP LUT estimates run high).
    const cells = SHIPPED_CALIBRATION.families.vitis.intervals!;
    for (const k of FIGURE_KEYS.filter((f) => f !== 'uram')) {
      const [lo, hi] = j.total[`${k}_range`];
      const cell = cells.mlp?.[k] ?? cells.all![k]!;
      const base = Math.max(j.total[k], 1);
      expect([lo, hi], k).toEqual([Math.round(base * cell[0]), Math.round(base * cell[1])]);
      expect(lo, k).toBeLessThanOrEqual(hi);
    }
    expect(j.range_basis).toMatch(/leave-one-repository-out validation on Vi\w+ HLS reports of (mlp|all) designs/);
    expect(Object.keys(j.utilization)).toEqual(['dsp', 'lut', 'ff', 'bram_18k', 'uram']);
  });
  it('prints a per-layer table with totals and utilization', () => {
    const text = estimateText(estimate(mlp(), { part: 'vu9p' }));
    expect(text).toMatch(/^layer +op +strategy +RF +latency +ns +II +DSP +LUT +FF +BRAM_18K +URAM$/m);
    expect(text).toMatch(/^fc1 +Dense +latency +1 /m);
    expect(text).toMatch(/^total /m);
    expect(text).toMatch(/Utilization of xcvu9p-flga2104-2L-e: DSP \d/);
  });
});

describe('io_parallel partition limit', () => {
  it('warns when a layer output exceeds 4096 elements in io_parallel, not in io_stream', () => {
    const g = sequential('c', [64, 64, 3], t, [
      { name: 'conv', attrs: { op: 'Conv', dims: 2, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: { top: 1, bottom: 1, left: 1, right: 1 }, cIn: 3, cOut: 4, groups: 1 }, precision: p },
    ]);
    expect(estimate(g, { ioType: 'io_parallel' }).warnings.some((w) => /16384 elements partitioned/.test(w))).toBe(true);
    expect(estimate(g, { ioType: 'io_stream' }).warnings.some((w) => /partitioned/.test(w))).toBe(false);
  });
});

describe('io_stream FIFOs', () => {
  it('puts deep inter-layer FIFOs in BRAM, not the output port', () => {
    const g = sequential('s', [32, 32, 3], t, [
      { name: 'conv', attrs: { op: 'Conv', dims: 2, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: { top: 1, bottom: 1, left: 1, right: 1 }, cIn: 3, cOut: 8, groups: 1 }, precision: p },
      { name: 'relu', attrs: { op: 'Activation', activation: 'relu' }, precision: { result: t } },
    ]);
    const e = estimate(g, { ioType: 'io_stream' });
    // 1024 pixels x (8 channels x 16 bits): 1024 x 128 -> 8 BRAM_18K.
    expect(e.layers.find((l) => l.name === 'conv')!.bram_18k).toBe(8);
    expect(e.layers.find((l) => l.name === 'relu')!.bram_18k).toBe(0);
  });
});
