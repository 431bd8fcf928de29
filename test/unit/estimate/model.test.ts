/**
 * @fileoverview The structural model: DSP blocks per product by DSP kind, narrow products in LUTs,
 * forced multiplier implementation, zero and power-of-two weights, BRAM shapes, table ROMs,
 * Resource-strategy weight memories, default-precision warnings.
 */

import { describe, expect, it } from 'vitest';
import { bramFor, dspPerProduct, isLutProduct, kernelStats, pipelineRegisterBits } from '../../../src/estimate/model.js';
import { estimate, SHIPPED_CALIBRATION } from '../../../src/estimate/estimate.js';
import { denseSpec, filledWeights, sequential } from '../../../src/estimate/build.js';
import { fixedType } from '../../../src/fixed/type.js';
import type { FamilyCalibration, Calibration } from '../../../src/estimate/types.js';

const t16 = fixedType(16, 6);
const prec = (t = t16) => ({ weight: t, bias: t, accum: t, result: t });

describe('multipliers', () => {
  it('counts DSP blocks from operand widths and the DSP kind', () => {
    expect(dspPerProduct(16, 16, 'DSP48E2')).toBe(1);
    expect(dspPerProduct(27, 18, 'DSP48E2')).toBe(1);
    expect(dspPerProduct(26, 18, 'DSP48E1')).toBe(2);
    expect(dspPerProduct(27, 24, 'DSP58')).toBe(1);
    expect(dspPerProduct(27, 24, 'DSP48E2')).toBe(2);
    expect(dspPerProduct(32, 32, 'DSP48E2')).toBe(4);
  });
  it('builds narrow products in LUTs unless forced', () => {
    const ctx = { multiplierImpl: 'auto' as const, lutMultMaxBits: 12 };
    expect(isLutProduct(6, 6, ctx)).toBe(true);
    expect(isLutProduct(8, 8, ctx)).toBe(false);
    expect(isLutProduct(16, 2, ctx)).toBe(true);
    expect(isLutProduct(6, 6, { ...ctx, multiplierImpl: 'dsp' })).toBe(false);
    expect(isLutProduct(16, 16, { ...ctx, multiplierImpl: 'fabric' })).toBe(true);
  });
  it('picks the cheapest BRAM_18K shape', () => {
    expect(bramFor(1024, 18)).toBe(1);
    expect(bramFor(1024, 19)).toBe(2);
    expect(bramFor(4096, 4)).toBe(1);
    expect(bramFor(832, 64)).toBe(4);
    expect(bramFor(0, 8)).toBe(0);
  });
});

/** The shipped calibration with only powers of two as free constants (one CSD digit). */
const powersOfTwoOnly: Calibration = {
  ...SHIPPED_CALIBRATION,
  families: { ...SHIPPED_CALIBRATION.families, vitis: { ...SHIPPED_CALIBRATION.families.vitis, csdMaxDigits: 1 } },
};

describe('layer costs', () => {
  it('drops zero weights and turns powers of two into shifts in the Latency strategy only', () => {
    const w = filledWeights([4, 2], 0.3);
    const data = w.data as Float32Array;
    data[0] = 0;
    data[1] = 0;
    data[2] = 0.5;
    const mk = (strategy: 'latency' | 'resource') =>
      sequential('z', [4], t16, [{ ...denseSpec('fc', 4, 2, { precision: prec(), strategy, reuseFactor: 1 }), weights: { kernel: w, bias: filledWeights([2], 0) } }]);
    const lat = estimate(mk('latency'), { backend: 'vitis', calibration: powersOfTwoOnly }).layers.find((l) => l.name === 'fc')!;
    expect(lat.dsp).toBe(5);
    expect(lat.notes.join(' ')).toMatch(/2 zero weights/);
    expect(lat.notes.join(' ')).toMatch(/1 power-of-two/);
    // Resource: weights come from memory, every product multiplies; hls4ml's limit still drops
    // floor(n_zeros / RF) = 2 multipliers.
    const res = estimate(mk('resource'), { backend: 'vitis', calibration: powersOfTwoOnly }).layers.find((l) => l.name === 'fc')!;
    expect(res.dsp).toBe(6);
  });
  it('counts zeros and powers of two after quantization to the weight type', () => {
    const w8 = fixedType(8, 1); // LSB 1/128
    const w = filledWeights([4, 2], 0.3);
    const data = w.data as Float32Array;
    data[0] = 0.003; // below one LSB: 0 after truncation
    data[1] = 1 / 64 + 0.001; // 2 LSB after truncation: a shift
    const g = sequential('q', [4], fixedType(16, 6), [{ ...denseSpec('fc', 4, 2, { precision: { ...prec(), weight: w8 } }), weights: { kernel: w, bias: filledWeights([2], 0) } }]);
    // Only powers of two count as free here (one CSD digit); the shipped calibration may allow more.
    const cal = { ...SHIPPED_CALIBRATION, families: { ...SHIPPED_CALIBRATION.families, vitis: { ...SHIPPED_CALIBRATION.families.vitis, csdMaxDigits: 1 } } };
    const l = estimate(g, { backend: 'vitis', calibration: cal }).layers.find((x) => x.name === 'fc')!;
    expect(l.multipliers).toBe(6);
    expect(l.notes.join(' ')).toMatch(/1 zero weights.*1 power-of-two/);
  });
  it('prices a constant multiplication by its CSD digits, not as a wa x wb array (unrolled Latency layers only)', () => {
    // Weights in units of the 1/16 LSB of fixed<16,12>: 3 = 4-1, 7 = 8-1, 5 = 4+1 (2 digits each),
    // 1 (1 digit), 11 = 16-4-1 (3 digits), 0 (no product): 1+1+1+0+2 = 5 adders in all.
    const wT = fixedType(16, 12);
    const kernel = { shape: [3, 2], data: Float32Array.from([3, 7, 5, 1, 11, 0].map((v) => v / 16)) };
    const mk = (strategy: 'latency' | 'resource', reuseFactor: number) =>
      sequential('k', [3], t16, [{ ...denseSpec('fc', 3, 2, { precision: { ...prec(), weight: wT }, strategy, reuseFactor }), weights: { kernel, bias: filledWeights([2], 0) } }]);
    const feat = (strategy: 'latency' | 'resource', rf: number, multiplierImpl: 'fabric' | 'auto', cal = SHIPPED_CALIBRATION) =>
      estimate(mk(strategy, rf), { backend: 'vitis', multiplierImpl, calibration: cal }).layers.find((l) => l.name === 'fc')!.features!;
    // All products in LUTs: every non-zero weight's adders, each wa + wb = 32 bits wide.
    const lut = feat('latency', 1, 'fabric');
    expect(lut.lat_kcm_bits).toBe(5 * 32);
    expect(lut.lat_mul_lut_bits).toBe(0);
    // Left to the tool with constants of up to 2 digits as shift-adds: 3, 7, 5 and 1 are shift-adds
    // (3 adders), 11 takes a DSP (no LUT adders).
    const twoDigits: Calibration = { ...SHIPPED_CALIBRATION, families: { ...SHIPPED_CALIBRATION.families, vitis: { ...SHIPPED_CALIBRATION.families.vitis, csdMaxDigits: 2, lutMultMaxBits: 12 } } };
    expect(feat('latency', 1, 'auto', twoDigits).lat_kcm_bits).toBe(3 * 32);
    // A shared multiplier (reuse 2) or a Resource layer sees a new weight every cycle: general
    // multipliers (11 here). Forcing the multipliers does not stop the tool from building the
    // constants of one or two CSD digits (3, 7, 5, 1) from shifts and adds, unrolled.
    const shared = feat('latency', 2, 'fabric');
    expect(shared.lat_kcm_bits).toBe(3 * 32);
    expect(shared.lat_mul_lut_bits).toBeGreaterThan(0);
    expect(feat('resource', 2, 'fabric').res_kcm_bits).toBe(0);
  });
  it('keeps shift-add constants and accumulation adders unrolled in a Latency layer with reuse > 1', () => {
    // Same kernel as above: 3, 7, 5, 1 are shift-adds (up to 2 CSD digits), 11 a multiplication, 0 nothing.
    const wT = fixedType(16, 12);
    const kernel = { shape: [3, 2], data: Float32Array.from([3, 7, 5, 1, 11, 0].map((v) => v / 16)) };
    const twoDigits: Calibration = { ...SHIPPED_CALIBRATION, families: { ...SHIPPED_CALIBRATION.families, vitis: { ...SHIPPED_CALIBRATION.families.vitis, csdMaxDigits: 2, lutMultMaxBits: 12 } } };
    const layer = (reuseFactor: number) =>
      estimate(sequential('k', [3], t16, [{ ...denseSpec('fc', 3, 2, { precision: { ...prec(), weight: wT }, strategy: 'latency', reuseFactor }), weights: { kernel, bias: filledWeights([2], 0) } }]), {
        backend: 'vitis',
        calibration: twoDigits,
      }).layers.find((l) => l.name === 'fc')!;
    const [one, two] = [layer(1), layer(2)];
    // The multiplier_limit allocation shares multiplications only: a shift-add is none, and the
    // unrolled accumulation's adders are not limited either.
    for (const f of ['lat_kcm_bits', 'lat_shift_bits', 'lat_add_bits']) expect(two.features![f], f).toBe(one.features![f]);
    expect(two.features!.lat_kcm_bits).toBe(3 * 32);
    expect(two.features!.lat_shift_bits).toBe(4 * 16);
    // The pipeline at II = reuse factor has stage registers too, and more LUTs (operand muxes).
    expect(two.features!.lat_pipe_bits).toBeDefined();
    expect(two.features!.lat_mux_bits).toBeGreaterThan(0);
    expect(two.lut).toBeGreaterThan(one.lut);
    // Its RF:1 operand muxes in LUT6: a 2:1 mux of (16 + 16)-bit operands per multiplier, (2 - 1) / 3
    // LUT6 per bit; LUT only, while lat_mux_bits is FF only.
    expect(two.features!.lat_mux_tree_bits).toBeCloseTo((two.multipliers! * 32 * 1) / 3, 9);
    expect(one.features!.lat_mux_tree_bits).toBe(0);
    for (const fam of Object.values(SHIPPED_CALIBRATION.families)) {
      expect(fam.ff.lat_mux_tree_bits ?? 0).toBe(0);
      expect(fam.lut.lat_mux_bits ?? 0).toBe(0);
      expect(fam.lut.lat_mux_tree_bits).toBeGreaterThan(0);
    }
  });
  it('counts a pipeline cut right after DSP products as the DSP output register, not fabric FF', () => {
    const tree = { nIn: 1, nOut: 64, acc: 16, copies: 1 };
    // One input: the tree has no adder level, so every stage cut sits on the products.
    expect(pipelineRegisterBits({ ...tree, dspProducts: true }, 1)).toBe(0);
    expect(pipelineRegisterBits({ ...tree, dspProducts: false }, 1)).toBe(64 * 16);
    // 16 inputs, 2 stages: cuts after 2 and 4 adder levels (4 and 1 partial sums per output).
    expect(pipelineRegisterBits({ nIn: 16, nOut: 2, acc: 16, copies: 1, dspProducts: true }, 2)).toBe(2 * (4 + 1) * 16);
  });
  it('counts FF stage registers from the latency model\'s ns chain, not from its control cycles', () => {
    // A 16-input Latency dense (4 adder levels) at 5 ns with mul 4 ns and add 1.5 ns: the chain is
    // 4 + 4 x 1.5 = 10 ns, two clock cuts. The streamed layer's stream_c (3 cycles) and a reuse
    // loop's lat_rf_c are control cycles: more LUT-side depth (lat_pipe_bits), no more stage registers.
    const vitis: FamilyCalibration = {
      ...SHIPPED_CALIBRATION.families.vitis,
      latency: { ...SHIPPED_CALIBRATION.families.vitis.latency, mul_ns: 4, add_ns: 1.5, stream_c: 3, lat_rf_c: 2 },
    };
    const cal: Calibration = { ...SHIPPED_CALIBRATION, families: { ...SHIPPED_CALIBRATION.families, vitis } };
    const layer = (ioType: 'io_parallel' | 'io_stream', reuseFactor: number) =>
      estimate(sequential('s', [16], t16, [denseSpec('fc', 16, 2, { precision: prec(), strategy: 'latency', reuseFactor })]), {
        backend: 'vitis',
        ioType,
        calibration: cal,
        clockNs: 5,
      }).layers.find((l) => l.name === 'fc')!.features!;
    const tree = { nIn: 16, nOut: 2, acc: 16, copies: 1, dspProducts: true };
    const twoCuts = pipelineRegisterBits(tree, 2);
    expect(twoCuts).toBe(2 * (4 + 1) * 16);
    // In io_parallel at reuse 1 the same two cuts are placed where the fewest bits are alive
    // (register-cuts.ts): at the DSP products (4 ns, inside the DSP blocks: 0 fabric bits) and at
    // the third adder level (8.5 ns: 2 x 2 x 16 bits), each segment within 5 ns.
    const parallel = layer('io_parallel', 1);
    expect(parallel.lat_stage_bits).toBe(2 * 2 * 16);
    expect(parallel.lat_pipe_bits).toBe(twoCuts);
    const streamed = layer('io_stream', 1);
    expect(streamed.lat_stage_bits).toBe(twoCuts);
    expect(streamed.lat_pipe_bits).toBe(pipelineRegisterBits(tree, 5));
    const reused = layer('io_parallel', 2);
    expect(reused.lat_stage_bits).toBe(twoCuts);
    expect(reused.lat_pipe_bits).toBe(pipelineRegisterBits(tree, 4));
    // Each figure is fitted on its own feature only.
    for (const fam of Object.values(SHIPPED_CALIBRATION.families)) {
      expect(fam.ff.lat_pipe_bits ?? 0).toBe(0);
      expect(fam.lut.lat_stage_bits ?? 0).toBe(0);
      expect(fam.lut.lat_in_reg_bits ?? 0).toBe(0);
      // Never more than one register per bit at a cut.
      expect(fam.ff.lat_stage_bits ?? 0).toBeLessThanOrEqual(1.05);
    }
    // The Vivado HLS fit prices stage registers at about one FF per bit. The Vitis HLS fit prices
    // them lower (about a quarter) since the cuts of its reuse-1 chains are placed (register-cuts.ts):
    // most fall at DSP outputs, and its adder-bit and per-DSP coefficients carry much of its registers.
    expect(SHIPPED_CALIBRATION.families.vivado.ff.lat_stage_bits).toBeGreaterThan(0.8);
  });
  it('registers a streamed or reused layer\'s input in full; an io_parallel reuse-1 chain places its cuts instead', () => {
    // The same 16-input dense (chain 4 + 4 x 1.5 = 10 ns; input 16 x 16 bits). A streamed layer
    // (FIFO read) or a reuse loop (input held for its interval) registers its whole input at any
    // clock. At reuse 1 in io_parallel the input is one of the points where a placed cut can fall
    // (register-cuts.ts): no fraction of a cut is charged there (the per-layer rule charged half
    // the input at 4 and at 20 ns).
    const vitis: FamilyCalibration = { ...SHIPPED_CALIBRATION.families.vitis, latency: { ...SHIPPED_CALIBRATION.families.vitis.latency, mul_ns: 4, add_ns: 1.5 } };
    const cal: Calibration = { ...SHIPPED_CALIBRATION, families: { ...SHIPPED_CALIBRATION.families, vitis } };
    const feats = (ioType: 'io_parallel' | 'io_stream', reuseFactor: number, clockNs: number) =>
      estimate(sequential('s', [16], t16, [denseSpec('fc', 16, 2, { precision: prec(), strategy: 'latency', reuseFactor })]), { backend: 'vitis', ioType, calibration: cal, clockNs }).layers.find(
        (l) => l.name === 'fc',
      )!.features!;
    const inBits = 16 * 16;
    expect(feats('io_parallel', 1, 5).lat_in_bits).toBe(inBits);
    for (const clk of [4, 5, 20]) expect(feats('io_parallel', 1, clk).lat_in_reg_bits).toBeUndefined();
    // At 20 ns the 10 ns chain has no whole cut: no register at all.
    expect(feats('io_parallel', 1, 20).lat_stage_bits).toBe(0);
    expect(feats('io_stream', 1, 5).lat_in_reg_bits).toBe(inBits);
    expect(feats('io_parallel', 2, 5).lat_in_reg_bits).toBe(inBits);
  });
  it('divides multipliers by the reuse factor (Resource: snapped to a valid value)', () => {
    const g = sequential('r', [80], t16, [denseSpec('fc', 80, 24, { precision: prec(), strategy: 'resource', reuseFactor: 1024 })]);
    const l = estimate(g, { backend: 'vitis' }).layers.find((x) => x.name === 'fc')!;
    expect(l.reuse_factor).toBe(960);
    expect(l.dsp).toBe(2);
    expect(l.ii).toBe(960);
    const g2 = sequential('l', [16], t16, [denseSpec('fc', 16, 64, { precision: prec(), strategy: 'latency', reuseFactor: 3 })]);
    const l2 = estimate(g2, { backend: 'vitis' }).layers.find((x) => x.name === 'fc')!;
    expect(l2.reuse_factor).toBe(3);
    expect(l2.dsp).toBe(Math.ceil(1024 / 3));
  });
  it('schedules a pruned Latency layer\'s live products on hls4ml\'s multiplier limit', () => {
    const w = filledWeights([10, 10], 0.3);
    (w.data as Float32Array).fill(0, 0, 60); // 60 of 100 weights pruned
    const g = sequential('p', [10], t16, [{ ...denseSpec('fc', 10, 10, { precision: prec(), reuseFactor: 10 }), weights: { kernel: w, bias: filledWeights([10], 0) } }]);
    const l = estimate(g, { backend: 'vitis', calibration: powersOfTwoOnly }).layers.find((x) => x.name === 'fc')!;
    expect(l.multipliers).toBe(4); // multiplier_limit = ceil(100 / 10) - floor(60 / 10)
    expect(l.ii).toBe(10); // 40 live products on 4 multipliers
    const w2 = filledWeights([10, 10], 0.3);
    (w2.data as Float32Array).fill(0, 0, 5); // 5 pruned: limit 10, 95 live products
    const g2 = sequential('p', [10], t16, [{ ...denseSpec('fc', 10, 10, { precision: prec(), reuseFactor: 10 }), weights: { kernel: w2, bias: filledWeights([10], 0) } }]);
    const l2 = estimate(g2, { backend: 'vitis', calibration: powersOfTwoOnly }).layers.find((x) => x.name === 'fc')!;
    expect(l2.multipliers).toBe(10);
    expect(l2.ii).toBe(10);
  });
  it('stores Resource weights in BRAM or LUT ROM as the family says', () => {
    const g = sequential('r', [104], t16, [denseSpec('fc', 104, 64, { precision: prec(), strategy: 'resource', reuseFactor: 832 })]);
    const fam = (m: 'bram' | 'lut'): Calibration => ({
      ...SHIPPED_CALIBRATION,
      families: { ...SHIPPED_CALIBRATION.families, vivado: { ...SHIPPED_CALIBRATION.families.vivado, weightMemory: m } as FamilyCalibration },
    });
    // 8 banks x 832 words x 16 bits = 832 x 128 bits.
    expect(estimate(g, { backend: 'vivado', calibration: fam('bram') }).total.bram_18k).toBe(bramFor(832, 128));
    expect(estimate(g, { backend: 'vivado', calibration: fam('lut') }).total.bram_18k).toBe(0);
  });
  it('gives table activations one ROM per two lookups', () => {
    const g = sequential('t', [1], t16, [denseSpec('fc', 1, 64, { precision: prec() }), { name: 'sig', attrs: { op: 'Activation', activation: 'sigmoid' }, precision: { result: t16 } }]);
    expect(estimate(g, { backend: 'vitis' }).layers.find((l) => l.name === 'sig')!.bram_18k).toBe(32);
  });
  it('warns when a precision is missing and assumes fixed<16,6>', () => {
    const g = sequential('d', [8], undefined, [denseSpec('fc', 8, 4)]);
    const e = estimate(g, { backend: 'vitis' });
    expect(e.warnings.some((w) => /assumed fixed<16,6>/.test(w))).toBe(true);
    expect(e.layers.find((l) => l.name === 'fc')!.dsp).toBe(32);
  });
});

describe('kernel statistics', () => {
  it('a Resource layer gets the zero count alone, the same as the full count gives', () => {
    for (const q of ['AP_TRN', 'AP_TRN_ZERO', 'AP_RND', 'AP_RND_CONV'] as const) {
      const wT = fixedType(8, 2, true, q, 'AP_WRAP');
      // Weights around the LSB (1/64): some truncate or round to zero, some do not, both signs.
      const w = Float32Array.from({ length: 4000 }, (_, k) => Math.sin(k * 12.9898) * 0.05);
      const full = kernelStats(w, w.length, wT, 2);
      const zeros = kernelStats(Float32Array.from(w), w.length, wT, 2, true);
      expect(full.zeros).toBeGreaterThan(100);
      expect(full.zeros).toBeLessThan(w.length - 100);
      expect(zeros).toEqual({ zeros: full.zeros, pow2: 0 });
      // A full count already made answers the zeros-only question; a zeros-only one never answers the full.
      expect(kernelStats(w, w.length, wT, 2, true)).toEqual({ zeros: full.zeros, pow2: 0 });
      const w2 = Float32Array.from(w);
      kernelStats(w2, w2.length, wT, 2, true);
      expect(kernelStats(w2, w2.length, wT, 2)).toEqual(full);
    }
  });
});
