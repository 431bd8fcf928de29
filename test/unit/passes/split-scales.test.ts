/**
 * @fileoverview Pass `split-scales`: quantizers with float scales / zero points become integer
 * quantizers plus scale layers. The pass must keep the model's float function (it only regroups
 * exact real arithmetic), move and merge scale layers only where that is exact, and the types that
 * infer-precision gives the scale layers must report their error bound.
 */

import { describe, expect, it } from 'vitest';
import type { Graph, Layer, QuantFact } from '../../../src/ir/graph.js';
import { formatHls4ml, isAuto } from '../../../src/fixed/type.js';
import { splitScalesPass, alphaConstType, needsScaleLayer } from '../../../src/passes/split-scales.js';
import { runPipeline } from '../../../src/passes/pipeline.js';
import { configFromObject } from '../../../src/config/load.js';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';
import { SeqBuilder, T, ctx, emulate, floatRef, gridValues, maxAbsDiff, rng, runPass, sampleInputs } from './helpers.js';

const q = (bits: number, scale: number[], zeroPoint: number[] = [0], signed = true, narrow = false): QuantFact => ({
  kind: 'quant',
  bits,
  signed,
  narrow,
  rounding: 'ROUND',
  scale,
  zeroPoint,
});

/** Fake-quantized kernel values w = s_c * int, as the ONNX frontend leaves them. */
function fqKernel(nIn: number, nOut: number, s: number[], bits: number, r: () => number): Float64Array {
  const hi = 2 ** (bits - 1) - 1;
  return Float64Array.from({ length: nIn * nOut }, (_, k) => Math.round((r() * 2 - 1) * hi) * s[s.length === 1 ? 0 : k % nOut]!);
}

/** Quant(s_in, z) -> Dense(per-channel float-scaled kernel, bias) -> Relu -> Quant(s_act) -> Dense -> output. */
function mlp(zIn: number, perChannel = true): Graph {
  const r = rng(5);
  const s1 = perChannel ? [0.0123, 0.0217, 0.0151, 0.0309] : [0.0191];
  const s2 = [0.0371];
  return new SeqBuilder([6], T('fixed<24,6>'))
    .add('q_in', { op: 'Quant', fact: q(8, [0.0173], [zIn], zIn === 0) }, [6])
    .dense('fc1', 4, r, {
      weights: { kernel: { shape: [6, 4], data: fqKernel(6, 4, s1, 6, r) }, bias: { shape: [4], data: gridValues(4, r, 0.4, 9) } },
      quant: { kernel: q(6, s1, [0], true, true) },
      precision: {},
    })
    .add('relu', { op: 'Activation', activation: 'relu' }, [4])
    .add('q_act', { op: 'Quant', fact: q(4, [0.0931], [0], false) }, [4])
    .dense('fc2', 3, r, {
      weights: { kernel: { shape: [4, 3], data: fqKernel(4, 3, s2, 5, r) }, bias: { shape: [3], data: gridValues(3, r, 0.4, 9) } },
      quant: { kernel: q(5, s2, [0], true, true) },
      precision: {},
    })
    .build();
}

const layer = (g: Graph, name: string): Layer => {
  const l = g.layers.find((x) => x.name === name);
  if (!l) throw new Error(`no layer ${name} in ${g.layers.map((x) => x.name).join(', ')}`);
  return l;
};

describe('split-scales', () => {
  it('recognises what needs a scale layer', () => {
    expect(needsScaleLayer(q(8, [0.25]))).toBe(false);
    expect(needsScaleLayer(q(8, [0.3]))).toBe(true);
    expect(needsScaleLayer(q(8, [0.25], [3], false))).toBe(true);
    expect(needsScaleLayer(q(8, [0.3], [0.5]))).toBe(false); // non-integer zero point: refused later
    expect(needsScaleLayer({ kind: 'trunc', bits: 8, outBits: 4, scale: [0.3] })).toBe(false);
  });

  for (const z of [0, 128])
    it(`keeps the float function and leaves integer layers between scale layers (zero point ${z})`, () => {
      const g = mlp(z);
      const c = ctx();
      const out = runPass(splitScalesPass, g, c);
      const names = out.layers.map((l) => l.name);
      // q_in's rescale moved into fc1_alpha, fc1_alpha merged with q_act_scale (moved before the ReLU),
      // q_act's rescale moved into fc2_alpha.
      expect(names).toEqual(['x', 'q_in_scale', 'q_in', 'fc1', 'fc1_alpha', 'relu', 'q_act', 'fc2', 'fc2_alpha']);
      expect(Array.from(layer(out, 'fc1').weights.kernel!.data).every(Number.isInteger)).toBe(true);
      expect(layer(out, 'fc1').weights.bias).toBeUndefined();
      expect(layer(out, 'q_in').attrs).toMatchObject({ op: 'Quant', fact: { scale: [1], zeroPoint: [0] } });
      expect(isAuto(layer(out, 'relu').precision.result)).toBe(true);
      const a1 = layer(out, 'fc1_alpha');
      expect(a1.attrs).toEqual({ op: 'ScaleBias', alpha: true });
      // s_in * s_w1 / s_act per output channel.
      expect(a1.weights.scale!.data[1]).toBeCloseTo((0.0173 * 0.0217) / 0.0931, 12);
      const xs = sampleInputs(g, 40, 3, 2, 12);
      expect(maxAbsDiff(floatRef(out, xs), floatRef(g, xs))).toBeLessThan(1e-9);
      expect(c.report.scaleLayers).toMatchObject({ split: ['q_in', 'fc1', 'q_act', 'fc2'] });
    });

  it('absorbs the bias Add of a MatMul + Add into the scale layer', () => {
    const r = rng(12);
    const s = [0.031, 0.017, 0.022];
    const g = new SeqBuilder([5], T('fixed<24,6>'))
      .add('q_in', { op: 'Quant', fact: q(8, [0.0173]) }, [5])
      .dense('mm', 3, r, { bias: false, weights: { kernel: { shape: [5, 3], data: fqKernel(5, 3, s, 6, r) } }, quant: { kernel: q(6, s, [0], true, true) }, precision: {} })
      .add('add', { op: 'ScaleBias' }, [3], { weights: { bias: { shape: [3], data: Float64Array.of(0.25, -0.5, 0.125) } } })
      .build();
    const out = runPass(splitScalesPass, g);
    expect(out.layers.map((l) => l.name)).toEqual(['x', 'q_in_scale', 'q_in', 'mm', 'mm_alpha']);
    expect(Array.from(layer(out, 'mm_alpha').weights.bias!.data)).toEqual([0.25, -0.5, 0.125]);
    const xs = sampleInputs(g, 20, 5, 2, 12);
    expect(maxAbsDiff(floatRef(out, xs), floatRef(g, xs))).toBeLessThan(1e-9);
  });

  it('folds a power-of-two scale layer into the integer kernel before it (exact, no wider multiplier)', () => {
    const r = rng(14);
    // Weight scale 0.375 and output quantizer scale 0.375 / 8: the requantizing scale is 8.
    const g = new SeqBuilder([5], T('fixed<16,6>'))
      .dense('fc', 3, r, { bias: false, weights: { kernel: { shape: [5, 3], data: fqKernel(5, 3, [0.375], 6, r) } }, quant: { kernel: q(6, [0.375]) }, precision: {} })
      .add('q_out', { op: 'Quant', fact: q(8, [0.375 / 8]) }, [3])
      .build();
    const c = ctx();
    const out = runPass(splitScalesPass, g, c);
    expect(out.layers.map((l) => l.name)).toEqual(['x', 'fc', 'q_out', 'q_out_rescale']);
    expect(Array.from(layer(out, 'fc').weights.kernel!.data).every((v) => Number.isInteger(v / 8))).toBe(true);
    expect(c.report.scaleLayers).toMatchObject({ foldedIntoKernel: ['fc_alpha'] });
    const xs = sampleInputs(g, 30, 6, 2, 8);
    expect(maxAbsDiff(floatRef(out, xs), floatRef(g, xs))).toBeLessThan(1e-9);
    // Through the whole pipeline the quantizer folds into fc's result: fc computes the integer output.
    const res = runPipeline(g, undefined, { verify: true });
    expect(res.graph.layers.map((l) => l.name)).toEqual(['x', 'fc', 'q_out_rescale']);
    expect(formatHls4ml(layer(res.graph, 'fc').precision.result as never)).toBe('fixed<8,8,RND_CONV,SAT,0>');
    expect(maxAbsDiff(emulate(res.graph, xs), floatRef(g, xs))).toBeLessThan(1e-9);
  });

  it('does not move an offset through a padded convolution (padding adds zeros on the integer side)', () => {
    const r = rng(9);
    const s = [0.021, 0.034];
    const conv = (pad: number) =>
      new SeqBuilder([5, 5, 2], T('fixed<24,6>'))
        .add('q_in', { op: 'Quant', fact: q(8, [0.0173], [100], false) }, [5, 5, 2])
        .add(
          'conv',
          { op: 'Conv', dims: 2, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: { top: pad, bottom: pad, left: pad, right: pad }, cIn: 2, cOut: 2, groups: 1 },
          [5 - 2 + 2 * pad, 5 - 2 + 2 * pad, 2],
          { weights: { kernel: { shape: [3, 3, 2, 2], data: fqKernel(18, 2, s, 6, r) } }, quant: { kernel: q(6, s, [0], true, true) } },
        )
        .build();
    for (const pad of [0, 1]) {
      const g = conv(pad);
      const out = runPass(splitScalesPass, g);
      expect(out.layers.some((l) => l.name === 'q_in_rescale')).toBe(pad === 1);
      const xs = sampleInputs(g, 10, 4, 2, 12);
      expect(maxAbsDiff(floatRef(out, xs), floatRef(g, xs))).toBeLessThan(1e-9);
    }
  });

  it('turns BipolarQuant into binary_tanh with sign(0) = -1 and a scale layer', () => {
    const g = new SeqBuilder([4]).add('bq', { op: 'Quant', fact: { kind: 'bipolar', bits: 1, signed: true, scale: [0.37] } }, [4]).build();
    const out = runPipeline(g, undefined, { verify: true }).graph;
    expect(layer(out, 'bq').attrs).toEqual({ op: 'Activation', activation: 'binary_tanh' });
    const y = emulate(out, [Float64Array.from([-0.5, 0, 2 ** -10, 3])])[0]!;
    // 0.37 held exactly would need more than 24 bits: the emulator uses the rounded scale.
    const s = 0.37;
    for (const [k, sign] of [-1, -1, 1, 1].entries()) expect(Math.abs(y[k]! - sign * s)).toBeLessThan(1e-6);
    expect(y[1]).toBeLessThan(0);
  });

  it('sizes auto scale types to the constants and reports the error bound (FML6505)', () => {
    expect(formatHls4ml(alphaConstType([Math.fround(0.0173)]).type)).toBe('ufixed<24,-5,TRN,WRAP,0>');
    expect(alphaConstType([Math.fround(0.0173)]).maxErr).toBe(0);
    const inexact = alphaConstType([1 / 0.0173]);
    expect(inexact.maxErr).toBeGreaterThan(0);
    expect(inexact.maxErr).toBeLessThan(2 ** -17);
    const res = runPipeline(mlp(0), undefined, { verify: true });
    const warn = res.diagnostics.filter((d) => d.code === 'FML6505');
    expect(warn.map((d) => d.loc?.node)).toContain('q_in');
    expect(warn[0]!.message).toMatch(/can differ from the float model's by up to [0-9.e-]+/);
    const bounds = res.report.scaleLayerBounds as { layer: string; bound: number }[];
    expect(bounds.find((b) => b.layer === 'q_in_scale')!.bound).toBeGreaterThan(0);
    // The configuration controls a scale layer's types under its name; a type holding the constants
    // exactly... is impossible for 1/s, but a wider one shrinks the bound.
    const cfg = configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerName: { q_in_scale: { Precision: { scale: 'ufixed<40,6,RND_CONV>' } } } } });
    const wide = runPipeline(mlp(0), cfg, { verify: true });
    const wb = (wide.report.scaleLayerBounds as { layer: string; bound: number; scale: string }[]).find((b) => b.layer === 'q_in_scale')!;
    expect(wb.scale).toBe('ufixed<40,6,RND_CONV,WRAP,0>');
    expect(wb.bound).toBeLessThan(bounds.find((b) => b.layer === 'q_in_scale')!.bound / 1000);
  });

  it('emulates within the reported bound of the float model', () => {
    const g = mlp(128);
    const res = runPipeline(g, undefined, { verify: true });
    const xs = sampleInputs(g, 200, 7, 2, 18);
    const got = emulate(res.graph, xs);
    const want = floatRef(g, xs);
    // Outputs are on fc2_alpha's exact grid; the only differences come from the rounded scales
    // flipping a quantizer decision, rarely.
    let same = 0;
    for (let s = 0; s < xs.length; s++) if (maxAbsDiff([got[s]!], [want[s]!]) < 1e-6) same++;
    expect(same / xs.length).toBeGreaterThan(0.95);
  });

  it('per-input-channel kernel scales with a zero point: input scale layer, integer kernel q - z', () => {
    const r = rng(21);
    const nIn = 5;
    const nOut = 3;
    const sIn = [0.011, 0.023, 0.0137, 0.031, 0.0191];
    const z = 3;
    // W[i][o] = s_i * (q - z), q an unsigned 4-bit integer: the ONNX frontend records one scale
    // per element in the IR kernel layout [nIn, nOut].
    const qs = Array.from({ length: nIn * nOut }, () => Math.floor(r() * 16));
    const kernel = Float64Array.from(qs, (v, k) => sIn[Math.floor(k / nOut)]! * (v - z));
    const sFull = Array.from({ length: nIn * nOut }, (_, k) => sIn[Math.floor(k / nOut)]!);
    const g = new SeqBuilder([nIn], T('fixed<24,6>'))
      .add('q_in', { op: 'Quant', fact: q(8, [0.0173]) }, [nIn])
      .dense('fc', nOut, r, {
        weights: { kernel: { shape: [nIn, nOut], data: kernel }, bias: { shape: [nOut], data: gridValues(nOut, r, 0.4, 9) } },
        quant: { kernel: q(4, sFull, sFull.map(() => z), false) },
        precision: {},
      })
      .build();
    const c = ctx();
    const out = runPass(splitScalesPass, g, c);
    // q_in's rescale merged with the input scale layer (one per-channel scale layer); fc_alpha
    // (scale 1, the bias) folded back into the integer layer, its bias exact in 24 bits.
    expect(out.layers.map((l) => l.name)).toEqual(['x', 'q_in_scale', 'q_in', 'q_in_rescale', 'fc']);
    const fc = layer(out, 'fc');
    expect(Array.from(fc.weights.kernel!.data)).toEqual(qs.map((v) => v - z));
    // q - z spans [-3, 12]: a signed 5-bit integer, one bit wider than q.
    expect(fc.quant!.kernel).toMatchObject({ bits: 5, signed: true, scale: [1], zeroPoint: [0] });
    expect(Array.from(layer(out, 'q_in_rescale').weights.scale!.data)).toEqual(sIn.map((v) => 0.0173 * v));
    const xs = sampleInputs(g, 40, 3, 2, 12);
    expect(maxAbsDiff(floatRef(out, xs), floatRef(g, xs))).toBeLessThan(1e-9);
    // The whole pipeline emulates it, within the scale types' bound of the float model.
    const res = runPipeline(g, undefined, { verify: true });
    const got = emulate(res.graph, xs);
    expect(maxAbsDiff(got, floatRef(g, xs))).toBeLessThan(1e-4);
  });

  it('a scale layer read only by a quantizing ReLU rounds at once to its type (plus a sign bit), with 24-bit scales', () => {
    const g = mlp(128);
    const res = runPipeline(g, undefined, { verify: true });
    const alpha = layer(res.graph, 'fc1_alpha');
    const relu = layer(res.graph, 'relu');
    // relu's result is q_act's uint4; relu(cast(v)) = cast_uint4(relu(v)) with the sign bit added.
    expect(formatHls4ml(relu.precision.result!)).toBe('ufixed<4,4,RND_CONV,SAT,0>');
    expect(formatHls4ml(alpha.precision.result!)).toBe('fixed<5,5,RND_CONV,SAT,0>');
    // The scale is no longer squeezed to keep an exact product within a double.
    expect((alpha.precision.scale as { w: number }).w).toBe(24);
    const xs = sampleInputs(g, 300, 11, 2, 18);
    const got = emulate(res.graph, xs);
    const want = floatRef(g, xs);
    let same = 0;
    for (let s = 0; s < xs.length; s++) if (maxAbsDiff([got[s]!], [want[s]!]) < 1e-9) same++;
    expect(same).toBeGreaterThanOrEqual(xs.length - 3);
  });

  it('depthwise and grouped Conv kernels with per-channel scales: integer kernel, scale layer after (float function kept)', () => {
    const r = rng(33);
    const pads = { top: 0, bottom: 0, left: 0, right: 0 };
    // Depthwise 3x3 over 2 channels, multiplier 2: kernel [3, 3, 2, 2], output channel ci * 2 + m;
    // the frontend records one scale per element (IR layout), varying with the output channel.
    const sDw = [0.011, 0.017, 0.029, 0.023];
    const qDw = Array.from({ length: 36 }, () => Math.round((r() * 2 - 1) * 7));
    const dwFull = qDw.map((_, k) => sDw[k % 4]!);
    // Grouped 1x1 Conv, 4 -> 4 in 2 groups: kernel [1, 1, 2, 4], scale per output channel.
    const sG = [0.031, 0.019, 0.027, 0.013];
    const qG = Array.from({ length: 8 }, () => Math.round((r() * 2 - 1) * 7));
    const g = new SeqBuilder([5, 5, 2], T('fixed<24,6>'))
      .add('q_in', { op: 'Quant', fact: q(8, [0.0173]) }, [5, 5, 2])
      .add('dw', { op: 'DepthwiseConv', dims: 2, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads, cIn: 2, depthMultiplier: 2 }, [3, 3, 4], {
        weights: { kernel: { shape: [3, 3, 2, 2], data: Float64Array.from(qDw, (v, k) => v * dwFull[k]!) }, bias: { shape: [4], data: gridValues(4, r, 0.4, 9) } },
        quant: { kernel: q(4, dwFull, [0], true, true) },
      })
      .add('gconv', { op: 'Conv', dims: 2, kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads, cIn: 4, cOut: 4, groups: 2 }, [3, 3, 4], {
        weights: { kernel: { shape: [1, 1, 2, 4], data: Float64Array.from(qG, (v, k) => v * sG[k % 4]!) } },
        quant: { kernel: q(4, sG, [0], true, true) },
      })
      .build();
    const out = runPass(splitScalesPass, g);
    // q_in's one-scale rescale (no offset) moves through the depthwise Conv into dw_alpha; dw_alpha
    // carries the bias (an offset), which a grouped Conv does not take, so it stays before gconv.
    expect(out.layers.map((l) => l.name)).toEqual(['x', 'q_in_scale', 'q_in', 'dw', 'dw_alpha', 'gconv', 'gconv_alpha']);
    expect(Array.from(layer(out, 'dw').weights.kernel!.data)).toEqual(qDw);
    expect(Array.from(layer(out, 'gconv').weights.kernel!.data)).toEqual(qG);
    expect(Array.from(layer(out, 'dw_alpha').weights.scale!.data)).toEqual(sDw.map((v) => v * 0.0173));
    const xs = sampleInputs(g, 20, 4, 2, 12);
    expect(maxAbsDiff(floatRef(out, xs), floatRef(g, xs))).toBeLessThan(1e-9);
  });

  it('per-output-channel zero points on a kernel: integers q - z_o, the type from their range', () => {
    const r = rng(8);
    const s = [0.021, 0.013, 0.034];
    const z = [5, -3, 0];
    // Unsigned 3-bit q in [0, 7]: q - z spans [-5, 10] over the three channels.
    const qs = Array.from({ length: 12 }, (_, k) => (k < 3 ? [0, 7, 7][k]! : Math.floor(r() * 8)));
    const g = new SeqBuilder([4], T('fixed<24,6>'))
      .dense('fc', 3, r, {
        weights: { kernel: { shape: [4, 3], data: Float64Array.from(qs, (v, k) => s[k % 3]! * (v - z[k % 3]!)) }, bias: { shape: [3], data: gridValues(3, r, 0.4, 9) } },
        quant: { kernel: q(3, s, z, false) },
        precision: {},
      })
      .build();
    const out = runPass(splitScalesPass, g);
    expect(Array.from(layer(out, 'fc').weights.kernel!.data)).toEqual(qs.map((v, k) => v - z[k % 3]!));
    expect(layer(out, 'fc').quant!.kernel).toMatchObject({ bits: 5, signed: true, scale: [1], zeroPoint: [0] });
    expect(Array.from(layer(out, 'fc_alpha').weights.scale!.data)).toEqual(s);
    const xs = sampleInputs(g, 30, 6, 2, 12);
    expect(maxAbsDiff(floatRef(out, xs), floatRef(g, xs))).toBeLessThan(1e-9);
  });

  it('still refuses what it cannot express, naming the fastml way in the hint', () => {
    const r = rng(2);
    // Scales varying along both the input and the output axis: no per-channel scale layer holds them.
    const s = Array.from({ length: 12 }, (_, k) => 0.01 + 0.001 * k);
    const g = new SeqBuilder([4])
      .dense('fc', 3, r, { quant: { kernel: q(8, s, [0]) } })
      .build();
    let err: DiagnosticError | undefined;
    try {
      runPipeline(g, undefined);
    } catch (e) {
      err = e as DiagnosticError;
    }
    expect(err).toBeInstanceOf(DiagnosticError);
    expect(err!.diagnostics[0]!.code).toBe('FML6501');
    expect(err!.diagnostics[0]!.hint).toMatch(/split-scales/);
  });
});
