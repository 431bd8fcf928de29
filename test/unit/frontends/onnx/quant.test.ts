/**
 * @fileoverview QONNX Quant / BipolarQuant / Trunc and ONNX QuantizeLinear / DequantizeLinear:
 * facts recorded on the IR, weights fake-quantized, float reference on hand-computed values and
 * against onnxruntime-web (QDQ natively; QONNX through the standard-op rewrite).
 */

import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { evaluateFloat, fromIrLayout, toIrLayout } from '../../../../src/emulator/float.js';
import { loadOnnx } from '../../../../src/frontends/onnx/index.js';
import type { Layer } from '../../../../src/ir/graph.js';
import { assertValidGraph } from '../../../../src/ir/verify.js';
import { qonnxToStandard, randomInput, relErr, runOrt, SHARED } from '../../emulator/float-ort.helpers.js';
import { buildModel, expectMatchesOrt, graphOf, i, ints, randn, s, type ModelSpec } from './onnx-build.js';

// The machine is shared and cold imports (onnxruntime, h5wasm) take seconds: generous timeouts.
vi.setConfig({ testTimeout: 60_000 });

const sc = (v: number) => ({ dims: [], data: [v] });

/** x -> Quant(4b signed, s=0.25) -> MatMul(W through Quant(3b, narrow, s=0.5)) -> Add(B) */
function qmodel(domain: string): ModelSpec {
  return {
    inputs: [{ name: 'x', dims: [1, 3] }],
    outputs: ['y'],
    nodes: [
      { op: 'Quant', domain, inputs: ['x', 'sa', 'z', 'ba'], outputs: ['xq'], name: 'qa', attrs: { signed: i(1), narrow: i(0), rounding_mode: s('ROUND') } },
      { op: 'Quant', domain, inputs: ['W', 'sw', 'z', 'bw'], outputs: ['wq'], name: 'qw', attrs: { signed: i(1), narrow: i(1), rounding_mode: s('ROUND') } },
      { op: 'MatMul', inputs: ['xq', 'wq'], outputs: ['y'], name: 'mm' },
    ],
    inits: { W: { dims: [3, 2], data: [0.3, -0.8, 1.7, 0.24, -2.2, 0.75] }, sa: sc(0.25), sw: sc(0.5), z: sc(0), ba: sc(4), bw: sc(3) },
    extraOpsets: [{ domain, version: 1 }],
  };
}

describe('QONNX Quant', () => {
  for (const domain of ['qonnx.custom_op.general', 'finn.custom_op.general', 'onnx.brevitas'])
    it(`is read from ${domain}: activation Quant layer, weight fact, hand-computed output`, async () => {
      const bytes = buildModel(qmodel(domain));
      const g = graphOf(bytes);
      assertValidGraph(g);
      const q = g.layers.find((l) => l.attrs.op === 'Quant')!;
      expect(q.attrs).toEqual({ op: 'Quant', fact: { kind: 'quant', bits: 4, signed: true, narrow: false, rounding: 'ROUND', scale: [0.25], zeroPoint: [0] } });
      const dense = g.layers.find((l) => l.attrs.op === 'Dense')!;
      expect(dense.quant?.kernel).toMatchObject({ kind: 'quant', bits: 3, narrow: true, scale: [0.5] });
      // 3-bit narrow: integers -3..3, step 0.5: 0.3->0.5, -0.8->-1, 1.7->1.5, 0.24->0, -2.2->-1.5 (clamped), 0.75->1 (1.5 half-even -> 2)
      expect(Array.from(dense.weights.kernel!.data)).toEqual([0.5, -1, 1.5, 0, -1.5, 1]);
      // x = [0.3, -3, 0.125]: 4-bit s=0.25 -> [0.25, -2 (clamped at -8*0.25), 0 (0.5 half-even -> 0)]
      const y = evaluateFloat(g, { x: Float64Array.of(0.3, -3, 0.125) }).outputs[g.outputs[0]!]!;
      expect(Array.from(y)).toEqual([0.25 * 0.5 + -2 * 1.5, 0.25 * -1 + -2 * 0]);
      // And onnxruntime on the same model with Quant spelled out in standard ops.
      const x = randomInput(3, 5, true);
      const want = await runOrt(qonnxToStandard(bytes), { x: { data: x, dims: [1, 3] } });
      const got = evaluateFloat(g, { x: Float64Array.from(x) }).outputs[g.outputs[0]!]!;
      expect(relErr(got, want.y!.data)).toBeLessThanOrEqual(1e-6);
    });

  it('per-output-channel weight scales end up per channel in the Keras kernel layout', async () => {
    const domain = 'qonnx.custom_op.general';
    const bytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 2, 4, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'Quant', domain, inputs: ['W', 'sw', 'z', 'b4'], outputs: ['wq'], attrs: { signed: i(1), narrow: i(1), rounding_mode: s('ROUND') } },
        { op: 'Conv', inputs: ['x', 'wq'], outputs: ['y'], attrs: { pads: ints([1, 1, 1, 1]) } },
      ],
      inits: { W: { dims: [3, 2, 3, 3], data: randn(54, 21) }, sw: { dims: [3, 1, 1, 1], data: [0.125, 0.25, 0.0625] }, z: sc(0), b4: sc(4) },
      extraOpsets: [{ domain, version: 1 }],
    });
    const g = graphOf(bytes);
    const conv = g.layers.find((l) => l.attrs.op === 'Conv')!;
    expect(conv.quant?.kernel?.scale).toEqual([0.125, 0.25, 0.0625]);
    // Kernel [kh, kw, cIn, cOut]: output channel o is on the grid of scale[o].
    const k = conv.weights.kernel!.data;
    for (let j = 0; j < k.length; j++) expect(Number.isInteger(k[j]! / [0.125, 0.25, 0.0625][j % 3]!)).toBe(true);
    const x = randomInput(32, 9, true);
    const want = await runOrt(qonnxToStandard(bytes), { x: { data: x, dims: [1, 2, 4, 4] } });
    const got = evaluateFloat(g, { x: toIrLayout(g, 'x', Float64Array.from(x)) }).outputs[g.outputs[0]!]!;
    expect(relErr(fromIrLayout(g, g.outputs[0]!, got), want.y!.data)).toBeLessThanOrEqual(1e-6);
  });

  it('a per-channel quantized weight that is transposed before MatMul keeps its channels', async () => {
    const domain = 'qonnx.custom_op.general';
    // Brevitas-style: weight stored [out, in] with per-output scales [out, 1], Transpose, MatMul.
    const bytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 3] }],
      outputs: ['y'],
      nodes: [
        { op: 'Quant', domain, inputs: ['W', 'sw', 'z', 'b4'], outputs: ['wq'], attrs: { signed: i(1), narrow: i(0), rounding_mode: s('ROUND') } },
        { op: 'Transpose', inputs: ['wq'], outputs: ['wt'], attrs: { perm: ints([1, 0]) } },
        { op: 'MatMul', inputs: ['x', 'wt'], outputs: ['y'] },
      ],
      inits: { W: { dims: [2, 3], data: randn(6, 23) }, sw: { dims: [2, 1], data: [0.25, 0.0625] }, z: sc(0), b4: sc(4) },
      extraOpsets: [{ domain, version: 1 }],
    });
    const g = graphOf(bytes);
    expect(g.layers.find((l) => l.attrs.op === 'Dense')!.quant?.kernel?.scale).toEqual([0.25, 0.0625]);
    const x = randomInput(3, 4, true);
    const want = await runOrt(qonnxToStandard(bytes), { x: { data: x, dims: [1, 3] } });
    expect(relErr(evaluateFloat(g, { x: Float64Array.from(x) }).outputs[g.outputs[0]!]!, want.y!.data)).toBeLessThanOrEqual(1e-6);
  });

  it('qonnx.custom_op.channels_last Conv / BatchNormalization / MaxPool run on NHWC data without transposes', async () => {
    const cl = 'qonnx.custom_op.channels_last';
    const bytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 5, 5, 2] }],
      outputs: ['y'],
      nodes: [
        { op: 'Conv', domain: cl, inputs: ['x', 'W', 'B'], outputs: ['c'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), dilations: ints([1, 1]), group: i(1) } },
        { op: 'BatchNormalization', domain: cl, inputs: ['c', 'g', 'b', 'm', 'v'], outputs: ['bn'] },
        { op: 'MaxPool', domain: cl, inputs: ['bn'], outputs: ['y'], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]), pads: ints([0, 0, 0, 0]) } },
      ],
      // OHWI weights, as qonnx's channels-last Conv stores them.
      inits: {
        W: { dims: [3, 3, 3, 2], data: randn(54, 31) },
        B: { dims: [3], data: [0.1, 0.2, -0.3] },
        g: { dims: [3], data: [1, 2, 0.5] },
        b: { dims: [3], data: [0, 0.1, 0.2] },
        m: { dims: [3], data: [0.3, -0.2, 0] },
        v: { dims: [3], data: [1, 0.5, 2] },
      },
      extraOpsets: [{ domain: cl, version: 1 }],
    });
    const g = graphOf(bytes);
    expect(g.layers.map((l) => l.attrs.op)).toEqual(['Input', 'Conv', 'BatchNorm', 'Pool']);
    const x = randomInput(50, 8);
    const want = await runOrt(qonnxToStandard(bytes), { x: { data: x, dims: [1, 5, 5, 2] } });
    expect(relErr(evaluateFloat(g, { x: Float64Array.from(x) }).outputs[g.outputs[0]!]!, want.y!.data)).toBeLessThanOrEqual(1e-5);
  });

  it('BipolarQuant and Trunc become Quant layers with their facts', () => {
    const g = graphOf(
      buildModel({
        inputs: [{ name: 'x', dims: [1, 4] }],
        outputs: ['y', 't'],
        nodes: [
          { op: 'BipolarQuant', domain: 'qonnx.custom_op.general', inputs: ['x', 'one'], outputs: ['y'] },
          { op: 'Trunc', domain: 'qonnx.custom_op.general', inputs: ['x', 'one', 'z', 'b8', 'b4'], outputs: ['t'], attrs: { rounding_mode: s('FLOOR') } },
        ],
        inits: { one: sc(1), z: sc(0), b8: sc(8), b4: sc(4) },
        extraOpsets: [{ domain: 'qonnx.custom_op.general', version: 1 }],
      }),
    );
    const facts = g.layers.filter((l) => l.attrs.op === 'Quant').map((l) => (l.attrs as Extract<Layer['attrs'], { op: 'Quant' }>).fact);
    expect(facts[0]).toMatchObject({ kind: 'bipolar', scale: [1] });
    expect(facts[1]).toMatchObject({ kind: 'trunc', bits: 8, outBits: 4, rounding: 'FLOOR', scale: [1] });
    const r = evaluateFloat(g, { x: Float64Array.of(-0.1, 0, 100, -100) }).outputs;
    expect(Array.from(r[g.outputs[0]!]!)).toEqual([-1, 1, 1, -1]);
    // Trunc v1, 8 -> 4 bits, scale 1: 100/16 = 6.25 -> floor 6; -100/16 = -6.25 -> floor -7
    expect(Array.from(r[g.outputs[1]!]!)).toEqual([-0, 0, 6, -7]);
  });

  it('qonnx_jet_mlp_3layer: facts on every Dense weight and bias, unsigned 6-bit activation Quants', async () => {
    const g = await loadOnnx(path.join(SHARED, 'models/qonnx_jet_mlp_3layer/qkeras_jettagging.onnx'));
    const dense = g.layers.filter((l) => l.attrs.op === 'Dense');
    expect(dense).toHaveLength(4);
    for (const d of dense) {
      expect(d.quant?.kernel).toMatchObject({ kind: 'quant', bits: 6, signed: true, scale: [0.03125] });
      // Fake-quantized: every weight is a multiple of 2^-5 within [-1, 1 - 2^-5].
      for (const w of d.weights.kernel!.data) expect(Number.isInteger(w * 32) && w >= -1 && w <= 1 - 1 / 32).toBe(true);
    }
    const biases = g.layers.filter((l) => l.attrs.op === 'ScaleBias');
    for (const b of biases) expect(b.quant?.bias).toMatchObject({ kind: 'quant', bits: 6 });
    const acts = g.layers.filter((l) => l.attrs.op === 'Quant');
    expect(acts.map((l) => (l.attrs as { fact: { signed?: boolean; scale?: readonly number[] } }).fact)).toEqual(
      Array(3).fill({ kind: 'quant', bits: 6, signed: false, narrow: false, rounding: 'ROUND', scale: [0.015625], zeroPoint: [0] }),
    );
  });
});

describe('QuantizeLinear / DequantizeLinear', () => {
  it('a Q-DQ pair on activations becomes a qdq Quant layer; int8 weights are dequantized; matches ORT', async () => {
    const g = await expectMatchesOrt(
      buildModel({
        opset: 13,
        inputs: [{ name: 'x', dims: [1, 4] }],
        outputs: ['y'],
        nodes: [
          { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
          { op: 'DequantizeLinear', inputs: ['xq', 'xs', 'xz'], outputs: ['xd'] },
          { op: 'DequantizeLinear', inputs: ['Wq', 'ws', 'wz'], outputs: ['w'] },
          { op: 'MatMul', inputs: ['xd', 'w'], outputs: ['y'] },
        ],
        inits: {
          xs: sc(0.02),
          xz: { dims: [], data: [128], type: 2 },
          Wq: { dims: [4, 3], data: [-128, -5, 0, 3, 127, 64, -64, 1, 2, 9, -9, 100], type: 3, raw: true },
          ws: sc(0.01),
          wz: { dims: [], data: [0], type: 3 },
        },
      }),
    );
    const q = g.layers.find((l) => l.attrs.op === 'Quant')!;
    // Scales are float32 in the file: 0.02 arrives as 0.019999999552965164.
    expect(q.attrs).toMatchObject({ fact: { kind: 'qdq', bits: 8, signed: false, scale: [Math.fround(0.02)], zeroPoint: [128] } });
    const d = g.layers.find((l) => l.attrs.op === 'Dense')!;
    expect(d.quant?.kernel).toMatchObject({ kind: 'qdq', bits: 8, signed: true });
    expect(d.weights.kernel!.data[0]).toBe(-128 * Math.fround(0.01));
  });
});
