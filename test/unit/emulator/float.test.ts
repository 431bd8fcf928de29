/**
 * @fileoverview The float64 reference on hand-computed cases: one small IR graph per kernel, the
 * QONNX / Q-DQ fake-quantization definitions, layout helpers, batch and trace.
 */

import { describe, expect, it, vi } from 'vitest';
import { evaluateFloat, evaluateFloatBatch, fakeQuant, fromIrLayout, roundHalfEven, toIrLayout } from '../../../src/emulator/float.js';
import type { Graph, Layer, LayerAttrs, QuantFact, Shape, WeightTensor } from '../../../src/ir/graph.js';
import { inferShape } from '../../../src/ir/shapes.js';
import { assertValidGraph } from '../../../src/ir/verify.js';

// The machine is shared and cold imports (onnxruntime, h5wasm) take seconds: generous timeouts.
vi.setConfig({ testTimeout: 60_000 });

const w = (shape: number[], data: number[]): WeightTensor => ({ shape, data: Float64Array.from(data) });

/** A chain (or small DAG) of layers over named tensors, shapes from the IR rules. */
function graph(inputs: Record<string, Shape>, layers: { name: string; attrs: LayerAttrs; inputs: string[]; weights?: Record<string, WeightTensor>; target?: Shape }[]): Graph {
  const tensors = new Map<string, { name: string; shape: Shape }>();
  const ls: Layer[] = [];
  for (const [n, s] of Object.entries(inputs)) {
    tensors.set(n, { name: n, shape: s });
    ls.push({ name: n, attrs: { op: 'Input' }, inputs: [], outputs: [n], weights: {}, precision: {} });
  }
  for (const l of layers) {
    const shape = inferShape(l.attrs, l.inputs.map((t) => tensors.get(t)!.shape), l.weights ?? {}, l.target);
    tensors.set(l.name, { name: l.name, shape });
    ls.push({ name: l.name, attrs: l.attrs, inputs: l.inputs, outputs: [l.name], weights: l.weights ?? {}, precision: {} });
  }
  const g: Graph = { name: 't', inputs: Object.keys(inputs), outputs: [layers[layers.length - 1]!.name], tensors, layers: ls, inputLayouts: {}, meta: {} };
  assertValidGraph(g);
  return g;
}

const run = (g: Graph, x: number[], name = g.inputs[0]!) => Array.from(evaluateFloat(g, { [name]: Float64Array.from(x) }).outputs[g.outputs[0]!]!);
const P0 = { top: 0, bottom: 0, left: 0, right: 0 };

describe('kernels', () => {
  it('Dense with and without bias', () => {
    const g = graph({ x: [2] }, [{ name: 'd', attrs: { op: 'Dense', nIn: 2, nOut: 3 }, inputs: ['x'], weights: { kernel: w([2, 3], [1, 2, 3, 4, 5, 6]), bias: w([3], [0.5, 0, -1]) } }]);
    expect(run(g, [1, -1])).toEqual([1 - 4 + 0.5, 2 - 5, 3 - 6 - 1]);
  });

  it('Conv2D with asymmetric padding and stride (channels-last, Keras kernel layout)', () => {
    // 3x3x1 input, 2x2 kernel, 2 filters, pads top 1 / left 0 / right 1, stride 2
    const k = [1, 10, 2, 20, 3, 30, 4, 40]; // [kh, kw, cin=1, cout=2]
    const g = graph({ x: [3, 3, 1] }, [
      { name: 'c', attrs: { op: 'Conv', dims: 2, kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: { top: 1, bottom: 0, left: 0, right: 1 }, cIn: 1, cOut: 2, groups: 1 }, inputs: ['x'], weights: { kernel: w([2, 2, 1, 2], k) } },
    ]);
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    // out (0,0): rows -1,0 cols 0,1 -> 3*x00 + 4*x01 = 3 + 8 = 11 (filter 0)
    // out (0,1): rows -1,0 cols 2,3 -> 3*x02 = 9
    // out (1,0): rows 1,2 cols 0,1 -> 1*4 + 2*5 + 3*7 + 4*8 = 67
    // out (1,1): rows 1,2 cols 2,3 -> 1*6 + 3*9 = 33
    expect(run(g, x)).toEqual([11, 110, 9, 90, 67, 670, 33, 330]);
  });

  it('Conv1D with groups and dilation, DepthwiseConv with multiplier', () => {
    const g = graph({ x: [4, 2] }, [
      { name: 'c', attrs: { op: 'Conv', dims: 1, kernel: [2], strides: [1], dilations: [2], pads: P0, cIn: 2, cOut: 2, groups: 2 }, inputs: ['x'], weights: { kernel: w([2, 1, 2], [1, 10, 2, 20]), bias: w([2], [0, 1]) } },
    ]);
    // x[t] = [t, -t]; group 0: out0[t] = 1*x0[t] + 2*x0[t+2]; group 1: out1[t] = 10*x1[t] + 20*x1[t+2] + 1
    expect(run(g, [0, 0, 1, -1, 2, -2, 3, -3])).toEqual([4, -40 + 1, 7, -70 + 1]);
    const d = graph({ x: [2, 2] }, [
      { name: 'd', attrs: { op: 'DepthwiseConv', dims: 1, kernel: [1], strides: [1], dilations: [1], pads: P0, cIn: 2, depthMultiplier: 2 }, inputs: ['x'], weights: { kernel: w([1, 2, 2], [1, 2, 3, 4]) } },
    ]);
    // channel c, multiplier m -> output c*2+m = x[c] * k[c][m]
    expect(run(d, [1, 10, 2, 20])).toEqual([1, 2, 30, 40, 2, 4, 60, 80]);
  });

  it('Pool: max ignores padding; avg with and without countIncludePad; GlobalPool', () => {
    const mk = (mode: 'max' | 'avg', cip: boolean) =>
      graph({ x: [2, 2, 1] }, [{ name: 'p', attrs: { op: 'Pool', dims: 2, mode, pool: [2, 2], strides: [1, 1], pads: { top: 1, bottom: 0, left: 1, right: 0 }, countIncludePad: cip }, inputs: ['x'] }]);
    const x = [-1, -2, -3, -4];
    expect(run(mk('max', false), x)).toEqual([-1, -1, -1, -1]);
    expect(run(mk('avg', false), x)).toEqual([-1, -1.5, -2, -2.5]);
    expect(run(mk('avg', true), x)).toEqual([-0.25, -0.75, -1, -2.5]);
    const gp = graph({ x: [2, 2, 2] }, [{ name: 'g', attrs: { op: 'GlobalPool', dims: 2, mode: 'avg' }, inputs: ['x'] }]);
    expect(run(gp, [1, 10, 2, 20, 3, 30, 4, 40])).toEqual([2.5, 25]);
  });

  it('BatchNorm, ScaleBias (per channel), Softmax over a non-last axis', () => {
    const bn = graph({ x: [2, 2] }, [
      { name: 'b', attrs: { op: 'BatchNorm', epsilon: 0 }, inputs: ['x'], weights: { gamma: w([2], [2, 1]), beta: w([2], [1, 0]), mean: w([2], [1, 0]), variance: w([2], [4, 1]) } },
      { name: 's', attrs: { op: 'ScaleBias' }, inputs: ['b'], weights: { scale: w([2], [1, -1]), bias: w([1], [0.5]) } },
    ]);
    expect(run(bn, [3, 1, 5, 2])).toEqual([(3 - 1) / 2 * 2 + 1 + 0.5, -1 + 0.5, (5 - 1) / 2 * 2 + 1 + 0.5, -2 + 0.5]);
    const sm = graph({ x: [2, 2] }, [{ name: 's', attrs: { op: 'Softmax', axis: 0 }, inputs: ['x'] }]);
    const e = Math.exp(1);
    const y = run(sm, [0, 5, 1, 5]);
    expect(y[0]).toBeCloseTo(1 / (1 + e), 15);
    expect(y[2]).toBeCloseTo(e / (1 + e), 15);
    expect(y[1]).toBeCloseTo(0.5, 15);
  });

  it('activations at hand-checked points', () => {
    const act = (a: Extract<LayerAttrs, { op: 'Activation' }>, x: number[], weights?: Record<string, WeightTensor>) =>
      run(graph({ x: [x.length] }, [{ name: 'a', attrs: a, inputs: ['x'], ...(weights ? { weights } : {}) }]), x);
    expect(act({ op: 'Activation', activation: 'relu6' }, [-1, 3, 7])).toEqual([0, 3, 6]);
    expect(act({ op: 'Activation', activation: 'leaky_relu', alpha: 0.5 }, [-2, 2])).toEqual([-1, 2]);
    expect(act({ op: 'Activation', activation: 'prelu' }, [-2, -2], { alpha: w([2], [0.1, 0.2]) })).toEqual([-0.2, -0.4]);
    expect(act({ op: 'Activation', activation: 'hard_sigmoid' }, [-5, 0, 1, 5])).toEqual([0, 0.5, 0.7, 1]);
    expect(act({ op: 'Activation', activation: 'clip', min: -1, max: 2 }, [-3, 0.5, 3])).toEqual([-1, 0.5, 2]);
    expect(act({ op: 'Activation', activation: 'thresholded_relu', theta: 1 }, [1, 1.5])).toEqual([0, 1.5]);
    expect(act({ op: 'Activation', activation: 'softsign' }, [1, -3])).toEqual([0.5, -0.75]);
    expect(act({ op: 'Activation', activation: 'softplus' }, [0, 800])).toEqual([Math.LN2, 800]);
    expect(act({ op: 'Activation', activation: 'elu', alpha: 2 }, [-1, 1])).toEqual([2 * Math.expm1(-1), 1]);
    expect(act({ op: 'Activation', activation: 'sigmoid' }, [0])).toEqual([0.5]);
    expect(act({ op: 'Activation', activation: 'binary_tanh' }, [-0.1, 0])).toEqual([-1, 1]);
  });

  it('Transpose, Concat (middle axis), Merge, Pad, Crop, Resize nearest', () => {
    const g = graph({ x: [2, 3] }, [{ name: 't', attrs: { op: 'Transpose', perm: [1, 0] }, inputs: ['x'] }]);
    expect(run(g, [1, 2, 3, 4, 5, 6])).toEqual([1, 4, 2, 5, 3, 6]);
    const cat = graph({ a: [2, 1, 1], b: [2, 2, 1] }, [{ name: 'c', attrs: { op: 'Concat', axis: 1 }, inputs: ['a', 'b'] }]);
    const rc = evaluateFloat(cat, { a: Float64Array.of(1, 2), b: Float64Array.of(3, 4, 5, 6) }).outputs.c!;
    expect(Array.from(rc)).toEqual([1, 3, 4, 2, 5, 6]);
    const mg = graph({ a: [2], b: [2] }, [{ name: 'm', attrs: { op: 'Merge', mode: 'sub' }, inputs: ['a', 'b'] }]);
    expect(Array.from(evaluateFloat(mg, { a: Float64Array.of(5, 5), b: Float64Array.of(1, 7) }).outputs.m!)).toEqual([4, -2]);
    const pc = graph({ x: [2, 1] }, [
      { name: 'p', attrs: { op: 'Pad', dims: 1, pads: { top: 0, bottom: 0, left: 1, right: 2 }, value: 9 }, inputs: ['x'] },
      { name: 'c', attrs: { op: 'Crop', dims: 1, crop: { top: 0, bottom: 0, left: 0, right: 1 } }, inputs: ['p'] },
    ]);
    expect(run(pc, [1, 2])).toEqual([9, 1, 2, 9]);
    const rs = graph({ x: [1, 2, 1] }, [{ name: 'r', attrs: { op: 'Resize', dims: 2, scales: [2, 2], mode: 'nearest' }, inputs: ['x'] }]);
    expect(run(rs, [1, 2])).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
  });
});

describe('fake quantization (QONNX and ONNX definitions)', () => {
  const q = (fact: Partial<QuantFact>, x: number, k = 0) => fakeQuant(x, { kind: 'quant', ...fact } as QuantFact, k);
  it('Quant: scale, clamp (narrow / not), half-to-even rounding, zero point, per-channel scale', () => {
    const f4 = { bits: 4, signed: true, narrow: true, rounding: 'ROUND', scale: [0.5], zeroPoint: [0] };
    expect(q(f4, 1.3)).toBe(1.5);
    expect(q(f4, 100)).toBe(3.5);
    expect(q(f4, -100)).toBe(-3.5);
    expect(q({ ...f4, narrow: false }, -100)).toBe(-4);
    expect(q(f4, 0.75)).toBe(1); // 1.5 -> 2
    expect(q(f4, 1.25)).toBe(1); // 2.5 -> 2
    expect(q({ bits: 3, signed: false, scale: [1] }, -1)).toBe(0);
    expect(q({ bits: 3, signed: false, scale: [1] }, 9)).toBe(7);
    expect(q({ bits: 3, signed: false, narrow: true, scale: [1] }, 9)).toBe(6);
    expect(q({ bits: 8, signed: true, scale: [1], zeroPoint: [1] }, 2.4)).toBe(2);
    expect(q({ bits: 1, signed: true, scale: [0.25] }, -0.1)).toBe(-0.25);
    expect(q({ bits: 8, scale: [1, 10] }, 14, 1)).toBe(10);
    expect(q({ bits: 8, scale: [1, 10] }, 14, 2)).toBe(14);
  });
  it('rounding modes', () => {
    const r = (rounding: string, x: number) => q({ bits: 8, scale: [1], rounding }, x);
    expect([r('FLOOR', 2.7), r('CEIL', 2.2), r('ROUND_TO_ZERO', -2.7), r('HALF_UP', 2.5), r('HALF_DOWN', 2.5), r('ROUND', -2.5)]).toEqual([2, 3, -2, 3, 2, -2]);
    expect([roundHalfEven(0.5), roundHalfEven(1.5), roundHalfEven(-0.5), roundHalfEven(-1.5), roundHalfEven(2.4999)]).toEqual([0, 2, -0, -2, 2]);
  });
  it('BipolarQuant, Trunc, QuantizeLinear+DequantizeLinear', () => {
    expect(fakeQuant(0, { kind: 'bipolar', scale: [2] }, 0)).toBe(2);
    expect(fakeQuant(-3, { kind: 'bipolar', scale: [2] }, 0)).toBe(-2);
    // Trunc v1 (QONNX spec, 5 inputs): round(x/s)/2^(8-4), FLOOR, times the input scale.
    const t: QuantFact = { kind: 'trunc', bits: 8, outBits: 4, signed: true, rounding: 'FLOOR', scale: [0.5], zeroPoint: [0] };
    expect(fakeQuant(50, t, 0)).toBe(3); // 100 / 16 = 6.25 -> 6, * 0.5
    expect(fakeQuant(-50, t, 0)).toBe(-3.5); // -6.25 -> -7
    // Trunc v2 (7 inputs): output scale 8 = 0.5 * 16, clamped to 4 signed bits.
    const t2: QuantFact = { ...t, outScale: [8] };
    expect(fakeQuant(50, t2, 0)).toBe(48);
    expect(fakeQuant(500, t2, 0)).toBe(56); // 62.5 -> clamp 7 -> 7 * 8
    const u8: QuantFact = { kind: 'qdq', bits: 8, signed: false, scale: [0.1], zeroPoint: [128] };
    expect(fakeQuant(1.25, u8, 0)).toBeCloseTo(1.2, 12); // 12.5 -> 12 (half to even)
    expect(fakeQuant(-20, u8, 0)).toBeCloseTo(-12.8, 12); // saturates at 0
    expect(fakeQuant(20, { kind: 'qdq', bits: 8, signed: true, scale: [0.1], zeroPoint: [0] }, 0)).toBeCloseTo(12.7, 12);
  });
});

describe('layouts, batches and traces', () => {
  it('toIrLayout / fromIrLayout transpose NCHW samples and back', () => {
    const base = graph({ x: [2, 3, 2] }, [{ name: 'i', attrs: { op: 'Identity' }, inputs: ['x'] }]);
    const g: Graph = {
      ...base,
      inputLayouts: { x: { source: 'NCHW', sourceShape: [2, 2, 3], perm: [1, 2, 0] } },
      meta: { outputLayouts: { i: { sourceShape: [2, 2, 3], perm: [1, 2, 0] } } },
    };
    const nchw = Float64Array.from({ length: 24 }, (_, k) => k); // two samples
    const ir = toIrLayout(g, 'x', nchw);
    // sample 0, IR (h=0, w=0, c=1) = NCHW (c=1, h=0, w=0) = 6
    expect(ir[1]).toBe(6);
    expect(ir[12 + 1]).toBe(18);
    expect(Array.from(fromIrLayout(g, 'i', ir))).toEqual(Array.from(nchw));
  });

  it('evaluateFloatBatch equals per-sample evaluation; trace records every layer', () => {
    const g = graph({ x: [2] }, [
      { name: 'd', attrs: { op: 'Dense', nIn: 2, nOut: 2 }, inputs: ['x'], weights: { kernel: w([2, 2], [1, -1, 2, 0.5]) } },
      { name: 'r', attrs: { op: 'Activation', activation: 'relu' }, inputs: ['d'] },
    ]);
    const X = Float64Array.of(1, 2, -1, 0.5, 3, -3);
    const b = evaluateFloatBatch(g, X, 3).outputs.r!;
    for (let s = 0; s < 3; s++) expect(Array.from(b.subarray(2 * s, 2 * s + 2))).toEqual(run(g, Array.from(X.subarray(2 * s, 2 * s + 2))));
    const t = evaluateFloat(g, { x: Float64Array.of(1, 2) }, { trace: true }).trace!;
    expect(Object.keys(t)).toEqual(['d', 'r']);
    expect(Array.from(t.d!)).toEqual([5, 0]);
    expect(() => evaluateFloat(g, { x: Float64Array.of(1) })).toThrow(/1 values, expected 2/);
  });
});
