/**
 * @fileoverview 1-D (and, for contrast, 2-D) spatial kernels of the fixed-point emulator against
 * the float64 reference on hand-built IR graphs: Pad, Crop, max / average Pool with stride and
 * padding, GlobalPool, nearest Resize, DepthwiseConv and Conv. Inputs are multiples of 1/4 and
 * weights multiples of 1/8 in wide types, so fixed and float must agree exactly, except average
 * pooling over a window of 3 (ap_fixed division truncates at the accumulator's LSB: bound 2^-20).
 * A 1-D spatial shape [W] once read as [H, W] made 1-D Pad write only the pad value.
 */

import { describe, expect, it } from 'vitest';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { evaluateFloat } from '../../../src/emulator/float.js';
import { parseFixed } from '../../../src/fixed/type.js';
import type { FixedType } from '../../../src/fixed/type.js';
import type { Graph, Layer, LayerAttrs, Shape, WeightTensor } from '../../../src/ir/graph.js';
import { numel } from '../../../src/ir/graph.js';
import { inferShape } from '../../../src/ir/shapes.js';
import { assertValidGraph } from '../../../src/ir/verify.js';

const X = parseFixed('fixed<24,12>');
const WIDE = parseFixed('fixed<44,20>');
const WT = parseFixed('fixed<12,4>');
const P0 = { top: 0, bottom: 0, left: 0, right: 0 };

/** Input -> one layer, every precision slot wide. */
function oneLayer(inShape: Shape, attrs: LayerAttrs, weights: Record<string, WeightTensor> = {}): Graph {
  const out = inferShape(attrs, [inShape], weights);
  const prec: Record<string, FixedType> = { result: WIDE, accum: WIDE, weight: WT, bias: WT };
  const layers: Layer[] = [
    { name: 'x', attrs: { op: 'Input' }, inputs: [], outputs: ['x'], weights: {}, precision: { result: X } },
    { name: 'l', attrs, inputs: ['x'], outputs: ['y'], weights, precision: prec },
  ];
  const g: Graph = {
    name: 'onedim',
    inputs: ['x'],
    outputs: ['y'],
    tensors: new Map([
      ['x', { name: 'x', shape: inShape }],
      ['y', { name: 'y', shape: out }],
    ]),
    layers,
    inputLayouts: {},
    meta: {},
  };
  assertValidGraph(g);
  return g;
}

/** Exactly representable test data: multiples of 1/4 in [-8, 8), signs mixed, no two equal in a row. */
function data(n: number, seed: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 64) - 32) / 4);
}

function compare(g: Graph, tol = 0): { fixed: number[]; float: number[] } {
  const n = numel(g.tensors.get('x')!.shape);
  const emu = compileEmulator(g);
  for (let s = 0; s < 3; s++) {
    const x = data(n, s);
    const fixed = Array.from(emu.runSample([x])[0]!);
    const float = Array.from(evaluateFloat(g, { x }).outputs['y']!);
    expect(fixed.length).toBe(float.length);
    if (tol === 0) expect(fixed).toEqual(float);
    else fixed.forEach((v, k) => expect(Math.abs(v - float[k]!), `element ${k}`).toBeLessThanOrEqual(tol));
    if (s === 2) return { fixed, float };
  }
  throw new Error('unreachable');
}

const w = (shape: number[], f: (i: number) => number): WeightTensor => ({ shape, data: Float64Array.from({ length: numel(shape) }, (_, i) => f(i)) });

describe('1-D spatial kernels equal the float reference', () => {
  it('Pad 1-D (left 2, right 3, value 0.5) keeps the data, not only the pad value', () => {
    const g = oneLayer([6, 3], { op: 'Pad', dims: 1, pads: { top: 0, bottom: 0, left: 2, right: 3 }, value: 0.5 });
    const { fixed } = compare(g);
    expect(fixed.length).toBe(11 * 3);
    expect(fixed.filter((v) => v !== 0.5).length).toBeGreaterThan(10);
  });

  it('Pad 2-D (all four sides) for contrast', () => {
    compare(oneLayer([3, 4, 2], { op: 'Pad', dims: 2, pads: { top: 1, bottom: 2, left: 0, right: 1 }, value: -1 }));
  });

  it('Crop 1-D (left 1, right 2) and 2-D', () => {
    const { fixed } = compare(oneLayer([7, 2], { op: 'Crop', dims: 1, crop: { top: 0, bottom: 0, left: 1, right: 2 } }));
    expect(fixed).toEqual(Array.from(data(14, 2).subarray(2, 10)));
    compare(oneLayer([5, 4, 2], { op: 'Crop', dims: 2, crop: { top: 1, bottom: 2, left: 0, right: 1 } }));
  });

  for (const mode of ['max', 'avg'] as const)
    for (const cip of [false, true]) {
      it(`Pool 1-D ${mode}, countIncludePad ${cip}: window 3, stride 2, padding 1 / 1`, () => {
        const g = oneLayer([9, 2], { op: 'Pool', dims: 1, mode, pool: [3], strides: [2], pads: { top: 0, bottom: 0, left: 1, right: 1 }, countIncludePad: cip });
        expect(g.tensors.get('y')!.shape).toEqual([5, 2]);
        compare(g, mode === 'avg' ? 2 ** -20 : 0);
      });
    }

  it('Pool 1-D max, window 2 stride 2, no padding (exact) and 2-D max for contrast', () => {
    compare(oneLayer([8, 3], { op: 'Pool', dims: 1, mode: 'max', pool: [2], strides: [2], pads: P0, countIncludePad: false }));
    compare(oneLayer([4, 4, 2], { op: 'Pool', dims: 2, mode: 'max', pool: [2, 2], strides: [2, 2], pads: P0, countIncludePad: false }));
  });

  it('GlobalPool 1-D max and avg (length 8: the average is exact)', () => {
    compare(oneLayer([8, 3], { op: 'GlobalPool', dims: 1, mode: 'max' }));
    compare(oneLayer([8, 3], { op: 'GlobalPool', dims: 1, mode: 'avg' }));
  });

  it('Resize 1-D nearest x2 and x3, and 2-D x2', () => {
    compare(oneLayer([5, 2], { op: 'Resize', dims: 1, scales: [2], mode: 'nearest' }));
    compare(oneLayer([4, 3], { op: 'Resize', dims: 1, scales: [3], mode: 'nearest' }));
    compare(oneLayer([3, 2, 2], { op: 'Resize', dims: 2, scales: [2, 2], mode: 'nearest' }));
  });

  it('DepthwiseConv 1-D (kernel 3, stride 2, dilation 1, padding 1 / 2, multiplier 2)', () => {
    const attrs: LayerAttrs = { op: 'DepthwiseConv', dims: 1, kernel: [3], strides: [2], dilations: [1], pads: { top: 0, bottom: 0, left: 1, right: 2 }, cIn: 3, depthMultiplier: 2 };
    const weights = { kernel: w([3, 3, 2], (i) => ((i % 9) - 4) / 8), bias: w([6], (i) => i / 8 - 0.25) };
    compare(oneLayer([10, 3], attrs, weights));
  });

  it('DepthwiseConv 1-D with dilation 2, no padding', () => {
    const attrs: LayerAttrs = { op: 'DepthwiseConv', dims: 1, kernel: [2], strides: [1], dilations: [2], pads: P0, cIn: 2, depthMultiplier: 1 };
    compare(oneLayer([7, 2], attrs, { kernel: w([2, 2, 1], (i) => (i + 1) / 8) }));
  });

  it('Conv 1-D (kernel 3, stride 1, same padding, 8 filters: the per-pixel Dense kernel) and grouped', () => {
    const c8: LayerAttrs = { op: 'Conv', dims: 1, kernel: [3], strides: [1], dilations: [1], pads: { top: 0, bottom: 0, left: 1, right: 1 }, cIn: 2, cOut: 8, groups: 1 };
    compare(oneLayer([9, 2], c8, { kernel: w([3, 2, 8], (i) => ((i * 5) % 15) / 8 - 1), bias: w([8], (i) => i / 8) }));
    const gr: LayerAttrs = { op: 'Conv', dims: 1, kernel: [3], strides: [2], dilations: [1], pads: { top: 0, bottom: 0, left: 2, right: 0 }, cIn: 4, cOut: 2, groups: 2 };
    compare(oneLayer([9, 4], gr, { kernel: w([3, 2, 2], (i) => (i % 5) / 8 - 0.25) }));
  });
});
