/**
 * @fileoverview The latency / II model of what the HLS tool schedules (issue 13), with explicit
 * constants so each figure is known by hand: dataflow overlap of every io_stream layer, the
 * best-case interval of Resource streamed convolutions, the per-pixel chain of Latency streamed
 * convolutions at reuse > 1, io_parallel Latency convolutions at II = reuse factor, the softmax's
 * clock dependence, and the 7-series stretch of the depth nanoseconds.
 */

import { describe, expect, it } from 'vitest';
import { estimate, nsScale, SHIPPED_CALIBRATION } from '../../../src/estimate/estimate.js';
import { denseSpec, sequential } from '../../../src/estimate/build.js';
import type { LayerSpec } from '../../../src/estimate/build.js';
import { fixedType } from '../../../src/fixed/type.js';
import type { Calibration, FamilyCalibration } from '../../../src/estimate/types.js';

const t16 = fixedType(16, 6);
const prec = { weight: t16, bias: t16, accum: t16, result: t16 };

const LATENCY: Record<string, number> = {
  res_c: 2,
  mul_ns: 2,
  add_ns: 1,
  lat_rf_c: 0,
  act_c: 0,
  act_res_c: 1,
  table_c: 1,
  softmax_c: 1,
  softmax_ns: 4,
  stream_c: 0,
  top_c: 0,
  top_stream_c: 0,
  roll_c: 4,
  px_res_c: 3,
  px_lat_c: 0,
  ns7_scale: 2,
  px_lat_ns: 7,
  px_ii_c: 4,
};

function calWith(latency: Record<string, number>): Calibration {
  const fam = (b: 'vivado' | 'vitis'): FamilyCalibration => ({ ...SHIPPED_CALIBRATION.families[b], latency, csdMaxDigits: 1, lutMultMaxBits: 12 });
  return { ...SHIPPED_CALIBRATION, families: { vivado: fam('vivado'), vitis: fam('vitis') } };
}
const CAL = calWith(LATENCY);
const US = 'xcvu9p-flga2104-2L-e';
const S7 = 'xc7z020-clg400-1';

const conv = (name: string, strategy: 'latency' | 'resource', reuseFactor: number, cOut = 2): LayerSpec => ({
  name,
  attrs: { op: 'Conv', dims: 2, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: { top: 0, bottom: 0, left: 0, right: 0 }, cIn: 1, cOut, groups: 1 },
  precision: prec,
  strategy,
  reuseFactor,
});

describe('io_stream dataflow', () => {
  it('overlaps the loops of every layer, dense ones included: the slowest sets the pace, depths add', () => {
    const g = sequential('m', [16], t16, [denseSpec('fc1', 16, 8, { precision: prec, strategy: 'resource', reuseFactor: 8 }), denseSpec('fc2', 8, 4, { precision: prec, strategy: 'resource', reuseFactor: 4 })]);
    const par = estimate(g, { ioType: 'io_parallel', part: US, calibration: CAL });
    const str = estimate(g, { ioType: 'io_stream', part: US, calibration: CAL });
    // io_parallel: one layer after the other, (8 + res_c) + (4 + res_c).
    expect(par.total.latency_cycles).toBe(8 + 2 + 4 + 2);
    // io_stream: the reuse-8 loop sets the pace, both fills add.
    expect(str.total.latency_cycles).toBe(8 + 2 + 2);
    expect(str.total.ii).toBe(8);
  });
});

describe('streamed convolutions', () => {
  it('gives a Resource convolution the best-case interval of its unpipelined pixel loop', () => {
    const g = sequential('c', [8, 8, 1], t16, [conv('conv', 'resource', 9)]);
    const e = estimate(g, { ioType: 'io_stream', part: US, calibration: CAL });
    const l = e.layers.find((x) => x.name === 'conv')!;
    // The multiply loop (reuse 9 + fill px_res_c 3) runs per input pixel: 64 x 12.
    expect(l.stream_cycles).toBe(64 * 12);
    // Best case: the path that does not compute, px_ii_c = 4 cycles per input pixel.
    expect(l.ii).toBe(1 + 64 * 4);
    expect(l.notes.join(' ')).toMatch(/best-case interval/);
    expect(l.source?.ii).toMatch(/calibration.*best case/);
    // The design's II is that best case, and the user is told the worst case.
    expect(e.total.ii).toBe(1 + 64 * 4);
    expect(e.warnings.some((w) => w.includes('best case') && w.includes('conv') && w.includes(`about ${64 * 12} cycles`))).toBe(true);
    // A calibration without px_ii_c keeps the structural interval (the whole loop).
    const { px_ii_c: _drop, ...older } = LATENCY;
    const l2 = estimate(g, { ioType: 'io_stream', part: US, calibration: calWith(older) }).layers.find((x) => x.name === 'conv')!;
    expect(l2.ii).toBe(64 * 9 + 1);
  });
  it('adds a per-pixel chain in whole cycles to a Latency convolution with reuse > 1, longer at a faster clock', () => {
    const g = sequential('c', [8, 8, 1], t16, [conv('conv', 'latency', 2)]);
    const at = (clockNs: number) => estimate(g, { ioType: 'io_stream', part: US, clockNs, calibration: CAL }).layers.find((x) => x.name === 'conv')!;
    // 18 products on ceil(18 / 2) = 9 multipliers: interval 2 per pixel, plus ceil(7 ns / clock).
    expect(at(4).stream_cycles).toBe(64 * (2 + 2));
    expect(at(2).stream_cycles).toBe(64 * (2 + 4));
    expect(at(10).stream_cycles).toBe(64 * (2 + 1));
    expect(at(2).ii).toBe(64 * (2 + 4) + 1);
    // Reuse 1: fully parallel, no shared-multiplier chain.
    const g1 = sequential('c', [8, 8, 1], t16, [conv('conv', 'latency', 1)]);
    expect(estimate(g1, { ioType: 'io_stream', part: US, clockNs: 2, calibration: CAL }).layers.find((x) => x.name === 'conv')!.stream_cycles).toBe(64);
  });
});

describe('io_parallel Latency convolution', () => {
  it('computes every output position in one interval of reuse-factor cycles', () => {
    const g = sequential('c', [8, 8, 1], t16, [conv('conv', 'latency', 2)]);
    const l = estimate(g, { ioType: 'io_parallel', part: US, calibration: CAL }).layers.find((x) => x.name === 'conv')!;
    expect(l.ii).toBe(2);
    // Interval 2 + depth: multiplier 2 ns + 4 adder levels of 1 ns = 6 ns = 1 cycle at 5 ns.
    expect(l.latency_cycles).toBe(2 + 1);
  });
});

describe('io_parallel pooling', () => {
  const pool = (k: number[]): LayerSpec => ({
    name: 'pool',
    attrs: { op: 'Pool', mode: 'max', dims: 2, pool: k, strides: k, pads: { top: 0, bottom: 0, left: 0, right: 0 }, countIncludePad: false },
    precision: { result: t16 },
  });
  it('chains log2(window) comparator levels in nanoseconds: a small window is combinational', () => {
    const lat = (k: number[], shape: number[], clockNs: number) =>
      estimate(sequential('p', shape, t16, [pool(k)]), { ioType: 'io_parallel', part: US, clockNs, calibration: CAL }).layers.find((x) => x.name === 'pool')!.latency_cycles;
    // Each level takes add_ns (1 ns here): a 4x4 window (4 levels, 4 ns) fits a 5 ns period; a 16x16
    // one (8 levels, 8 ns) takes a cycle, and the 4x4 one two cycles at 2 ns.
    expect(lat([2, 2], [8, 8, 2], 5)).toBe(0);
    expect(lat([4, 4], [8, 8, 2], 5)).toBe(0);
    expect(lat([16, 16], [16, 16, 2], 5)).toBe(1);
    expect(lat([4, 4], [8, 8, 2], 2)).toBe(2);
  });
});

describe('clock and part', () => {
  const mlp = sequential('s', [16], t16, [denseSpec('fc', 16, 3, { precision: prec }), { name: 'sm', attrs: { op: 'Softmax' }, precision: { result: t16 } }]);
  it('shortens the softmax at a slow clock: two table reads in cycles, the rest in nanoseconds', () => {
    const sm = (clockNs: number) => estimate(mlp, { part: US, clockNs, calibration: CAL }).layers.find((x) => x.name === 'sm')!.latency_cycles;
    // softmax_c 1 + 2 table reads of 1 cycle; ns: 2 sum levels + 1 product (2 ns) + softmax_ns 4 = 8 ns.
    expect(sm(5)).toBe(3 + 1);
    expect(sm(2)).toBe(3 + 4);
    expect(sm(25)).toBe(3);
  });
  it('stretches the depth nanoseconds on a 7-series part by ns7_scale', () => {
    expect(nsScale('DSP48E1', CAL.families.vitis)).toBe(2);
    expect(nsScale('DSP48E2', CAL.families.vitis)).toBe(1);
    const fc = (part: string) => estimate(mlp, { part, clockNs: 5, calibration: CAL }).layers.find((x) => x.name === 'fc')!.latency_cycles;
    // 2 ns multiplier + 4 adder levels = 6 ns: 1 cycle at 5 ns, 12 ns = 2 cycles on a 7-series part.
    expect(fc(US)).toBe(1);
    expect(fc(S7)).toBe(2);
  });
});
