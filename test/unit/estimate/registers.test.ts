/**
 * @fileoverview Where the FF of a design are (issue 13): a combinational io_parallel design
 * (latency 0) registers only its input port, whatever its width, and an io_parallel element-wise
 * activation has no registers of its own (its output register, where a clock cut falls, is the next
 * layer's input register). Explicit latency constants make the latency of each design known by hand.
 */

import { describe, expect, it } from 'vitest';
import { combinational, estimate, SHIPPED_CALIBRATION } from '../../../src/estimate/estimate.js';
import { denseSpec, filledWeights, sequential } from '../../../src/estimate/build.js';
import { fixedType } from '../../../src/fixed/type.js';
import type { Calibration, FamilyCalibration } from '../../../src/estimate/types.js';
import { FF_ONLY, LUT_ONLY } from '../../../src/estimate/calibrate.js';

const t16 = fixedType(16, 6);
const prec = { weight: t16, bias: t16, accum: t16, result: t16 };

// A multiplier of 2 ns and adder levels of 1 ns; no whole-cycle overheads.
const LATENCY: Record<string, number> = { mul_ns: 2, add_ns: 1, act_c: 0, top_c: 0, top_stream_c: 0, stream_c: 0, table_c: 1 };
function calWith(latency: Record<string, number>): Calibration {
  const fam = (b: 'vivado' | 'vitis'): FamilyCalibration => ({ ...SHIPPED_CALIBRATION.families[b], latency, csdMaxDigits: 1, lutMultMaxBits: 12 });
  return { ...SHIPPED_CALIBRATION, families: { vivado: fam('vivado'), vitis: fam('vitis') } };
}
const CAL = calWith(LATENCY);

// hls4ml CI's activation test: Dense(64) on one input, then an activation (18 FF in the reports at 5 ns).
const denseRelu = (nIn: number) =>
  sequential('dr', [nIn], t16, [
    denseSpec('fc', nIn, 64, { precision: prec }),
    { name: 'relu', attrs: { op: 'Activation', activation: 'relu' }, precision: { result: t16 } },
  ]);

/** One unpadded 2-D convolution of a k x k kernel on an h x w x cIn input. */
const oneConv = (name: string, [h, w, cIn]: [number, number, number], k: number, stride: number, cOut: number, strategy: 'latency' | 'resource') =>
  sequential(name, [h, w, cIn], t16, [
    {
      name: 'conv',
      attrs: { op: 'Conv', dims: 2, kernel: [k, k], strides: [stride, stride], dilations: [1, 1], pads: { top: 0, bottom: 0, left: 0, right: 0 }, cIn, cOut, groups: 1 },
      weights: { kernel: filledWeights([k, k, cIn, cOut]) },
      precision: prec,
      strategy,
    },
  ]);

// The hls4ml CI Resource convolution: 4x4 kernel, stride 4, 32 filters on 28x28x3 (7x7 positions).
const convGraph = () => oneConv('cv', [28, 28, 3], 4, 4, 32, 'resource');

describe('registers of a design', () => {
  it('a combinational io_parallel design (latency 0) has only its input port registers', () => {
    // One input: a 2 ns product, no adder level, fits one 5 ns period.
    const e = estimate(denseRelu(1), { ioType: 'io_parallel', clockNs: 5, calibration: CAL });
    expect(e.total.latency_cycles).toBe(0);
    expect(e.total.ff).toBe(16);
    expect(e.layers[0]!.ff).toBe(16);
    expect(e.layers.slice(1).every((l) => l.ff === 0)).toBe(true);
    expect(e.layers[1]!.source.ff).toMatch(/combinational/);
    // LUT and DSP are those of the same logic, not zeroed.
    expect(e.total.lut).toBeGreaterThan(0);
    expect(e.total.dsp).toBe(64);
    // Wider input, same rule: the input port's bits.
    const wide = estimate(denseRelu(2), { ioType: 'io_parallel', clockNs: 5, calibration: CAL });
    expect(wide.total.latency_cycles).toBe(0);
    expect(wide.total.ff).toBe(32);
  });

  it('a design with a clock cut counts its pipeline registers from the calibration', () => {
    // 16 inputs: a 2 ns product and four 1 ns adder levels span three 2 ns periods.
    const e = estimate(denseRelu(16), { ioType: 'io_parallel', clockNs: 2, calibration: CAL });
    expect(e.total.latency_cycles).toBeGreaterThan(0);
    const fc = e.layers[1]!;
    expect(fc.source.ff).toMatch(/calibration/);
    expect(fc.features!.lat_stage_bits).toBeGreaterThan(0);
    expect(fc.ff).toBeGreaterThan(0);
    // The input port is then the first layer's input register, not a figure of its own.
    expect(e.layers[0]!.ff).toBe(0);
    // A streamed design always has its FIFOs and processes: never combinational.
    expect(combinational(0, 'io_stream')).toBe(false);
    expect(combinational(0, 'io_parallel')).toBe(true);
    expect(combinational(1, 'io_parallel')).toBe(false);
  });

  it('an io_parallel activation is chained logic without FF; a streamed one is a process with registers', () => {
    const g = sequential('mlp', [16], t16, [
      denseSpec('fc1', 16, 32, { precision: prec }),
      { name: 'relu', attrs: { op: 'Activation', activation: 'relu' }, precision: { result: t16 } },
      denseSpec('fc2', 32, 4, { precision: prec }),
    ]);
    const par = estimate(g, { ioType: 'io_parallel', clockNs: 2, calibration: CAL });
    expect(par.total.latency_cycles).toBeGreaterThan(0);
    const relu = par.layers.find((l) => l.name === 'relu')!;
    expect(relu.ff).toBe(0);
    expect(relu.lut).toBeGreaterThan(0);
    expect(relu.source.ff).toMatch(/chained/);
    const str = estimate(g, { ioType: 'io_stream', clockNs: 2, calibration: CAL });
    expect(str.layers.find((l) => l.name === 'relu')!.source.ff).toMatch(/calibration/);
  });

  it('an io_parallel Resource convolution registers its whole output array, not one position', () => {
    const par = estimate(convGraph(), { ioType: 'io_parallel', strategy: 'resource', clockNs: 5, calibration: CAL }).layers[1]!;
    // One position's accumulators are 32 x 16 bits; all 7 x 7 positions' are registered.
    expect(par.features!.res_out_bits).toBe(32 * 16);
    expect(par.features!.res_out_all_bits).toBe(49 * 32 * 16);
    expect(FF_ONLY.has('res_out_all_bits')).toBe(true);
    // With one FF per bit on both features and nothing else, the layer's FF are the whole array
    // (one position's register is not counted a second time); its LUT do not change.
    const ffOnly = (ff: Record<string, number>): Calibration => {
      const fam = (b: 'vivado' | 'vitis'): FamilyCalibration => ({ ...CAL.families[b], ff });
      return { ...CAL, families: { vivado: fam('vivado'), vitis: fam('vitis') } };
    };
    const counted = estimate(convGraph(), { ioType: 'io_parallel', strategy: 'resource', clockNs: 5, calibration: ffOnly({ res_out_all_bits: 1, res_out_bits: 1 }) }).layers[1]!;
    expect(counted.ff).toBe(49 * 32 * 16);
    expect(counted.lut).toBe(par.lut);
    // A streamed convolution computes one pixel at a time: its output register is one position's.
    const str = estimate(convGraph(), { ioType: 'io_stream', strategy: 'resource', clockNs: 5, calibration: CAL }).layers[1]!;
    expect(str.features!.res_out_all_bits).toBeUndefined();
  });

  it('counts a layer boundary once: the output and fixed input registers are LUT features only', () => {
    expect(LUT_ONLY.has('out_bits')).toBe(true);
    expect(LUT_ONLY.has('lat_in_bits')).toBe(true);
    expect(FF_ONLY.has('lat_in_reg_bits')).toBe(true);
    // The shipped FF coefficients follow: nothing on a feature the FF fit leaves out.
    for (const b of ['vivado', 'vitis'] as const) {
      for (const f of LUT_ONLY) expect(SHIPPED_CALIBRATION.families[b].ff[f] ?? 0, `${b} ff ${f}`).toBe(0);
    }
  });
});

// A streamed Latency convolution: 3x3 kernel on 16 channels (144 products per output), 8 filters.
const streamConv = () => oneConv('sc', [10, 10, 16], 3, 1, 8, 'latency');

describe('stage registers of a streamed Latency convolution', () => {
  it('cuts its window adder tree at every clock period, without adding the tree to its latency', () => {
    // Chain: a 2 ns product and ceil(log2 144) = 8 adder levels of 1 ns = 10 ns. At 4 ns: two
    // cuts, at tree levels 4 (8 sums x 9 partial sums x 16 bits = 1 152) and 8 (8 x 16 = 128).
    const fast = estimate(streamConv(), { ioType: 'io_stream', clockNs: 4, calibration: CAL });
    expect(fast.layers[1]!.features?.lat_stage_bits).toBe(1280);
    // At 12 ns the whole chain fits one period: no stage register.
    const slow = estimate(streamConv(), { ioType: 'io_stream', clockNs: 12, calibration: CAL });
    expect(slow.layers[1]!.features?.lat_stage_bits ?? 0).toBe(0);
    // The tree's depth overlaps the pixel loop: faster adders change the registers, not the latency.
    const quick = estimate(streamConv(), { ioType: 'io_stream', clockNs: 4, calibration: calWith({ ...LATENCY, add_ns: 0.5 }) });
    expect(quick.layers[1]!.latency_cycles).toBe(fast.layers[1]!.latency_cycles);
    // 2 + 8 x 0.5 = 6 ns: one cut, spread like the others (level 8 x 1 / 1): the 8 sums, 128 bits.
    expect(quick.layers[1]!.features?.lat_stage_bits).toBe(128);
    expect(FF_ONLY.has('lat_stage_bits')).toBe(true);
  });
});
