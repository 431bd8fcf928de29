/**
 * @fileoverview Where the pipeline registers of an io_parallel chain of Latency layers fall
 * (register-cuts.ts, issue 13): as many cuts as the layers' whole clock periods, placed across
 * layer boundaries where the fewest bits are alive, every segment within a period. Explicit latency
 * constants make every cut position computable by hand.
 */

import { describe, expect, it } from 'vitest';
import { designDepthFeatures, estimate, layerCosts, SHIPPED_CALIBRATION } from '../../../src/estimate/estimate.js';
import { registerCuts } from '../../../src/estimate/register-cuts.js';
import { denseSpec, sequential } from '../../../src/estimate/build.js';
import { fixedType } from '../../../src/fixed/type.js';
import type { Calibration, FamilyCalibration, MultiplierImpl } from '../../../src/estimate/types.js';

const t16 = fixedType(16, 6);
const prec = { weight: t16, bias: t16, accum: t16, result: t16 };

// A multiplier of 2 ns and adder levels of 1 ns; no whole-cycle overheads.
const LATENCY: Record<string, number> = { mul_ns: 2, add_ns: 1, act_c: 0, top_c: 0, top_stream_c: 0, stream_c: 0, lat_rf_c: 1, table_c: 1 };
const FAM: FamilyCalibration = { ...SHIPPED_CALIBRATION.families.vitis, latency: LATENCY, csdMaxDigits: 1, lutMultMaxBits: 12 };
const CAL: Calibration = { ...SHIPPED_CALIBRATION, families: { vivado: FAM, vitis: FAM } };

const relu = (name: string) => ({ name, attrs: { op: 'Activation' as const, activation: 'relu' }, precision: { result: t16 } });

/** 8 -> 8 -> 8 with ReLUs: each dense is 2 ns of products and three 1 ns adder levels (5 ns). */
const mlp = (reuseFactor = 1) =>
  sequential('mlp', [8], t16, [
    denseSpec('fc1', 8, 8, { precision: prec, reuseFactor }),
    relu('r1'),
    denseSpec('fc2', 8, 8, { precision: prec, reuseFactor }),
    relu('r2'),
  ]);

const costsOf = (multiplierImpl: MultiplierImpl, reuseFactor = 1, ioType: 'io_parallel' | 'io_stream' = 'io_parallel') =>
  layerCosts(mlp(reuseFactor), { ioType, strategy: 'latency', reuseFactor, multiplierImpl, dspKind: 'DSP48E2', lutMultMaxBits: 12, weightMemory: 'bram', csdMaxDigits: 1 });

const total = (xs: ReadonlyArray<number | undefined>) => xs.reduce<number>((s, x) => s + (x ?? 0), 0);

describe('register cuts of an io_parallel Latency chain', () => {
  it('places one cut per whole period of each layer where the fewest bits are alive', () => {
    // Chain of 10 ns at 5 ns: two cuts, segments of at most 5 ns. Points (ns: bits): products at 2
    // and 7 (inside the DSP blocks: 0), adder levels 3: 512, 4: 256, 5: 128 (fc1's output = fc2's
    // input), 8: 512, 9: 256, 10: 128. Both cuts fit at the DSP outputs (2 and 7).
    const dsp = costsOf('dsp');
    expect(total(registerCuts(dsp, [0, 1, 0, 1, 0], FAM, 5))).toBe(0);
    // Products in LUTs are 8 x 8 x 16 = 1 024 fabric bits: the cheapest legal pair is the two layer
    // outputs (5 and 10), 128 bits each, not the widest point of the first period.
    const lut = costsOf('fabric');
    const cuts = registerCuts(lut, [0, 1, 0, 1, 0], FAM, 5);
    expect(total(cuts)).toBe(256);
    // Attributed to the layer each cut falls in (a cut at a boundary is the consumer's input
    // register); the activations and the input have none.
    expect(cuts).toEqual([undefined, 0, undefined, 256, undefined]);
  });

  it('keeps every segment within a clock period', () => {
    // At 4 ns (each layer 1.25 periods, one whole cut each) no 4 ns segment reaches fc1's output
    // from the start: the cuts fall at fc1's second adder level (4 ns: 8 x 2 x 16 = 256 bits) and
    // fc2's first (8 ns: 512), the cheapest legal pair. The per-layer count put them at the layer
    // outputs (128 each, plus a quarter of each input), a 5 ns segment no 4 ns clock allows.
    expect(registerCuts(costsOf('fabric'), [0, 1, 0, 1, 0], FAM, 4)).toEqual([undefined, 256, undefined, 512, undefined]);
  });

  it('takes no more cuts than the design has cycles, at any clock', () => {
    // At 25 ns the whole 10 ns chain fits one period: no whole cut in any layer, no register, where
    // the per-layer fraction rule charged 0.4 of the hidden layer's input.
    const lut = costsOf('fabric');
    expect(total(registerCuts(lut, [0, 0, 0, 0, 0], FAM, 25))).toBe(0);
    const e = estimate(mlp(), { backend: 'vitis', calibration: CAL, clockNs: 25, multiplierImpl: 'fabric' });
    for (const l of e.layers.filter((x) => x.op === 'Dense')) {
      expect(l.features!.lat_stage_bits).toBe(0);
      expect(l.features!.lat_in_reg_bits).toBeUndefined();
    }
    // Against a chain whose fitted nanoseconds exceed its cycles (one cut for 10 ns at 2 ns), the
    // period stretches to chain / (cuts + 1) rather than failing: one cut, at the cheapest point
    // within 5 ns of both ends (fc1's output).
    expect(total(registerCuts(lut, [0, 1, 0, 0, 0], FAM, 2))).toBe(128);
  });

  it('leaves reuse loops and streamed layers with their own per-layer registers', () => {
    const fam = FAM;
    const reused = designDepthFeatures(costsOf('fabric', 2), fam, 5);
    // A reuse loop holds its input for its interval: registered in full, as before.
    expect(reused[1]!.lat_in_reg_bits).toBe(8 * 16);
    expect(registerCuts(costsOf('fabric', 2), [0, 1, 0, 1, 0], fam, 5).every((x) => x === undefined)).toBe(true);
    const streamed = designDepthFeatures(costsOf('fabric', 1, 'io_stream'), fam, 5);
    expect(streamed[1]!.lat_in_reg_bits).toBe(8 * 16);
    // The chain's layers: their cuts replace the per-layer stage and input registers.
    const chained = designDepthFeatures(costsOf('fabric'), fam, 5);
    expect(chained[1]!.lat_in_reg_bits).toBeUndefined();
    expect(chained[1]!.lat_stage_bits).toBe(0);
    expect(chained[3]!.lat_stage_bits).toBe(256);
    // The LUT fit's measure of the tree along its depth is the layer's own, unchanged.
    expect(chained[1]!.lat_pipe_bits).toBeGreaterThan(0);
  });

  it('counts the cuts of the chain at the part\'s speed, as the latency model times it', () => {
    // A 7-series part stretches the depth chains (nsScale, here 2): the 10 ns chain takes 20 ns at a
    // 10 ns clock, two cycles, so two cuts (the layer outputs, as at 5 ns unscaled); unscaled it
    // fits one period and has none.
    const stageBits = (scale?: number) => designDepthFeatures(costsOf('fabric'), FAM, 10, scale).reduce((s, f) => s + (f.lat_stage_bits ?? 0), 0);
    expect(stageBits()).toBe(0);
    expect(stageBits(2)).toBe(256);
  });

  it('feeds the placed cuts to the estimate', () => {
    const e = estimate(mlp(), { backend: 'vitis', calibration: CAL, clockNs: 4, multiplierImpl: 'fabric' });
    expect(e.total.latency_cycles).toBe(2);
    const stage = e.layers.reduce((s, l) => s + (l.features?.lat_stage_bits ?? 0), 0);
    expect(stage).toBe(768);
    expect(e.layers.some((l) => l.features?.lat_in_reg_bits !== undefined)).toBe(false);
    expect(e.total.ff).toBeGreaterThan(0);
  });
});
