/**
 * @fileoverview The precision profile's arithmetic: counts over every value against the type
 * (zeros, below one LSB, above the largest magnitude), quartiles of log2|x| (linear interpolation),
 * and the strided sample that bounds the cost of a large tensor.
 */

import { describe, expect, it } from 'vitest';
import { parseType } from '../../../src/fixed/type.js';
import { summarize } from '../../../src/report/profile.js';
import { chartLayers } from '../../../src/report/page.js';
import type { ReportData } from '../../../src/report/types.js';

describe('summarize', () => {
  it('counts against fixed<8,3> and gives the quartiles of log2|x|', () => {
    const t = parseType('fixed<8,3>');
    if (t === 'auto') throw new Error('auto');
    // LSB 2^-5; largest magnitude 4.
    const s = summarize([0, 0.25, -0.5, 1, 2, 100, 1e-5, -4], t);
    expect(s).toMatchObject({ count: 8, zeros: 1, belowLsb: 1, aboveMax: 1, sampled: 7 });
    const logs = [Math.log2(1e-5), -2, -1, 0, 1, 2, Math.log2(100)];
    expect(s.log2!.min).toBeCloseTo(logs[0]!, 3);
    expect(s.log2!.max).toBeCloseTo(logs[6]!, 3);
    expect(s.log2!.median).toBe(0);
    expect(s.log2!.q1).toBe(-1.5); // position 1.5 between -2 and -1
    expect(s.log2!.q3).toBe(1.5);
  });

  it('all zeros: counts, no summary', () => {
    const s = summarize(new Float64Array(10), undefined);
    expect(s).toEqual({ count: 10, zeros: 10, belowLsb: 0, aboveMax: 0, sampled: 0 });
  });

  it('a large tensor is summarised from a strided sample, counts stay exact', () => {
    const n = 200_000;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 2 ** (-8 + (16 * i) / n); // log2 uniform on [-8, 8)
    const t = parseType('fixed<16,6>');
    if (t === 'auto') throw new Error('auto');
    const s = summarize(x, t, 1000);
    expect(s.sampled).toBe(1000);
    expect(s.count).toBe(n);
    // Exact counts: below 2^-10 none; above 32 = 2^5 -> log2 > 5, i.e. i > 13/16 n.
    expect(s.belowLsb).toBe(0);
    expect(s.aboveMax).toBe(n - Math.floor((13 / 16) * n) - 1);
    expect(s.log2!.median).toBeCloseTo(0, 1);
    expect(s.log2!.q1).toBeCloseTo(-4, 1);
    expect(s.log2!.q3).toBeCloseTo(4, 1);
  });
});

describe('chartLayers', () => {
  const data = (n: number, flagged: number[]): ReportData => ({
    fastml: { version: '0', command: '', generated: '' },
    title: '',
    model: { file: '', layers: Array.from({ length: n }, (_, i) => ({ name: `l${i}`, op: 'Dense', inputs: [], shape: [1], types: {}, weights: 0 })) },
    profile: {
      maxSample: 1,
      entries: flagged.map((i) => ({ layer: `l${i}`, kind: 'activation', variable: 'result', source: 'float', count: 1, zeros: 0, belowLsb: 1, aboveMax: 0, sampled: 1 })),
    },
    notes: [],
  });

  it('draws every layer of a small model', () => {
    expect(chartLayers(data(200, [3]))).toBeUndefined();
  });

  it('past the limit: the flagged layers and the output first, then an even spread, and says so', () => {
    const r = chartLayers(data(1000, [5, 507, 998]), 100)!;
    expect(r.keep.size).toBe(100);
    for (const n of ['l5', 'l507', 'l998', 'l999']) expect(r.keep.has(n)).toBe(true);
    const idx = [...r.keep].map((n) => Number(n.slice(1))).sort((a, b) => a - b);
    // The spread reaches both ends of the model.
    expect(idx[0]).toBeLessThan(15);
    expect(Math.max(...idx.filter((i) => i < 990))).toBeGreaterThan(970);
    expect(r.note).toMatch(/1000 layers: the per-layer charts draw 100 of them \(3 with overflow/);
  });
});
