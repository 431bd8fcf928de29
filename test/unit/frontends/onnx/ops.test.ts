/**
 * @fileoverview Each supported ONNX op (and its attribute variants) on a small generated model:
 * the frontend builds a valid IR and the float reference matches onnxruntime-web (<= 1e-5).
 */

import { describe, expect, it } from 'vitest';
import { buildModel, expectMatchesOrt, f, i, ints, randn, s, type ModelSpec } from './onnx-build.js';

const conv = (x: string, w: string, out: string, attrs: ModelSpec['nodes'][0]['attrs'] = {}, b?: string) => ({
  op: 'Conv',
  inputs: b ? [x, w, b] : [x, w],
  outputs: [out],
  attrs,
});

const CASES: [string, ModelSpec][] = [
  [
    'Gemm transA/transB/alpha/beta with a (1,N) C',
    {
      inputs: [{ name: 'x', dims: [6, 1] }],
      outputs: ['y'],
      nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'C'], outputs: ['y'], attrs: { transA: i(1), transB: i(1), alpha: f(0.5), beta: f(2) } }],
      inits: { W: { dims: [4, 6], data: randn(24, 1) }, C: { dims: [1, 4], data: randn(4, 2) } },
    },
  ],
  [
    'MatMul + Add (Dense then bias), symbolic batch',
    {
      inputs: [{ name: 'x', dims: ['N', 5] }],
      outputs: ['y'],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] },
        { op: 'Add', inputs: ['B', 'h'], outputs: ['y'] },
      ],
      inits: { W: { dims: [5, 3], data: randn(15, 3), raw: true }, B: { dims: [3], data: randn(3, 4) } },
    },
  ],
  [
    'Conv 2D asymmetric pads, strides, dilations, bias',
    {
      inputs: [{ name: 'x', dims: [1, 3, 9, 8] }],
      outputs: ['y'],
      nodes: [conv('x', 'W', 'y', { pads: ints([0, 1, 2, 1]), strides: ints([2, 1]), dilations: ints([1, 2]) }, 'B')],
      inits: { W: { dims: [4, 3, 3, 2], data: randn(72, 5) }, B: { dims: [4], data: randn(4, 6) } },
    },
  ],
  [
    'Conv auto_pad SAME_LOWER stride 2 and VALID',
    {
      inputs: [{ name: 'x', dims: [1, 2, 7, 7] }],
      outputs: ['y'],
      nodes: [
        conv('x', 'W', 'h', { auto_pad: s('SAME_LOWER'), strides: ints([2, 2]) }),
        conv('h', 'W2', 'y', { auto_pad: s('VALID') }),
      ],
      inits: { W: { dims: [3, 2, 4, 4], data: randn(96, 7) }, W2: { dims: [2, 3, 2, 2], data: randn(24, 8) } },
    },
  ],
  [
    'Conv 1D, grouped conv and depthwise conv with multiplier',
    {
      inputs: [{ name: 'x', dims: [1, 4, 12] }],
      outputs: ['y'],
      nodes: [
        conv('x', 'Wg', 'h', { group: i(2), pads: ints([1, 2]) }),
        conv('h', 'Wd', 'y', { group: i(6), pads: ints([1, 1]) }, 'Bd'),
      ],
      inits: { Wg: { dims: [6, 2, 4], data: randn(48, 9) }, Wd: { dims: [12, 1, 3], data: randn(36, 10) }, Bd: { dims: [12], data: randn(12, 11) } },
    },
  ],
  [
    'BatchNormalization, PRelu per channel, Clip (relu6), MaxPool with pads, AveragePool count_include_pad',
    {
      inputs: [{ name: 'x', dims: [1, 3, 6, 6] }],
      outputs: ['y', 'z'],
      nodes: [
        { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['bn'], attrs: { epsilon: f(1e-3) } },
        { op: 'PRelu', inputs: ['bn', 'slope'], outputs: ['pr'] },
        { op: 'Clip', inputs: ['pr', 'lo', 'hi'], outputs: ['c'] },
        { op: 'MaxPool', inputs: ['c'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) } },
        { op: 'AveragePool', inputs: ['pr'], outputs: ['z'], attrs: { kernel_shape: ints([2, 3]), pads: ints([1, 0, 0, 1]), count_include_pad: i(1) } },
      ],
      inits: {
        g: { dims: [3], data: [1.5, 0.5, -1] },
        b: { dims: [3], data: [0.1, -0.2, 0.3] },
        m: { dims: [3], data: [0.2, 0, -0.1] },
        v: { dims: [3], data: [0.5, 2, 1] },
        slope: { dims: [3, 1, 1], data: [0.1, 0.2, 0.3] },
        lo: { dims: [], data: [0] },
        hi: { dims: [], data: [6] },
      },
    },
  ],
  [
    'AveragePool without pad counting, GlobalAveragePool, GlobalMaxPool, Concat on channels',
    {
      inputs: [{ name: 'x', dims: [1, 2, 5, 5] }],
      outputs: ['y', 'a'],
      nodes: [
        { op: 'AveragePool', inputs: ['x'], outputs: ['a'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } },
        { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['ga'] },
        { op: 'GlobalMaxPool', inputs: ['x'], outputs: ['gm'] },
        { op: 'Concat', inputs: ['ga', 'gm'], outputs: ['cat'], attrs: { axis: i(1) } },
        { op: 'Flatten', inputs: ['cat'], outputs: ['y'] },
      ],
    },
  ],
  [
    'activations: LeakyRelu, Elu, Selu, Sigmoid, HardSigmoid, Tanh, Softplus, Softsign, ThresholdedRelu, Clip(min only)',
    {
      inputs: [{ name: 'x', dims: [1, 16] }],
      outputs: ['y1', 'y2', 'y3', 'y4', 'y5', 'y6', 'y7', 'y8', 'y9', 'y10'],
      nodes: [
        { op: 'LeakyRelu', inputs: ['x'], outputs: ['y1'], attrs: { alpha: f(0.1015625) } },
        { op: 'Elu', inputs: ['x'], outputs: ['y2'], attrs: { alpha: f(0.7) } },
        { op: 'Selu', inputs: ['x'], outputs: ['y3'] },
        { op: 'Sigmoid', inputs: ['x'], outputs: ['y4'] },
        { op: 'HardSigmoid', inputs: ['x'], outputs: ['y5'], attrs: { alpha: f(0.25), beta: f(0.4) } },
        { op: 'Tanh', inputs: ['x'], outputs: ['y6'] },
        { op: 'Softplus', inputs: ['x'], outputs: ['y7'] },
        { op: 'Softsign', inputs: ['x'], outputs: ['y8'] },
        { op: 'ThresholdedRelu', inputs: ['x'], outputs: ['y9'], attrs: { alpha: f(0.5) } },
        { op: 'Clip', inputs: ['x', 'lo'], outputs: ['y10'] },
      ],
      inits: { lo: { dims: [], data: [-0.5] } },
    },
  ],
  [
    'Softmax on axis 1 of a channels-first map, old-opset Clip attributes',
    {
      opset: 9,
      inputs: [{ name: 'x', dims: [1, 4, 3, 3] }],
      outputs: ['y'],
      nodes: [
        conv('x', 'W', 'c', { pads: ints([1, 1, 1, 1]) }),
        { op: 'Clip', inputs: ['c'], outputs: ['cl'], attrs: { min: f(-1), max: f(1.5) } },
        { op: 'Transpose', inputs: ['cl'], outputs: ['t'], attrs: { perm: ints([0, 2, 3, 1]) } },
        { op: 'Softmax', inputs: ['t'], outputs: ['y'], attrs: { axis: i(3) } },
      ],
      inits: { W: { dims: [5, 4, 3, 3], data: randn(180, 12) } },
    },
  ],
  [
    'Sub/Mul/Div by constants (both operand orders), Add of two tensors, Mul of two tensors',
    {
      inputs: [{ name: 'x', dims: [1, 2, 3, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'Sub', inputs: ['k1', 'x'], outputs: ['a'] },
        { op: 'Div', inputs: ['a', 'k2'], outputs: ['b'] },
        { op: 'Mul', inputs: ['b', 'k3'], outputs: ['c'] },
        { op: 'Sub', inputs: ['c', 'k2'], outputs: ['d'] },
        { op: 'Add', inputs: ['d', 'x'], outputs: ['e'] },
        { op: 'Mul', inputs: ['e', 'b'], outputs: ['y'] },
      ],
      inits: { k1: { dims: [4], data: [1, 2, 3, 4] }, k2: { dims: [2, 1, 1], data: [2, -4] }, k3: { dims: [1, 2, 3, 4], data: randn(24, 13) } },
    },
  ],
  [
    'Sum, Max, Min, Mean of computed tensors, Neg',
    {
      inputs: [{ name: 'x', dims: [1, 2, 3, 3] }],
      outputs: ['y'],
      nodes: [
        conv('x', 'W', 'c', { pads: ints([1, 1, 1, 1]) }),
        { op: 'Neg', inputs: ['x'], outputs: ['n'] },
        { op: 'Sum', inputs: ['c', 'x', 'n'], outputs: ['s1'] },
        { op: 'Max', inputs: ['s1', 'x'], outputs: ['m1'] },
        { op: 'Min', inputs: ['m1', 'c'], outputs: ['m2'] },
        { op: 'Mean', inputs: ['m2', 's1', 'x'], outputs: ['y'] },
      ],
      inits: { W: { dims: [2, 2, 3, 3], data: randn(36, 22) } },
    },
  ],
  [
    'Reshape (0 and -1), Transpose, Squeeze, Unsqueeze, Identity, Dropout, Flatten of channels-first data',
    {
      inputs: [{ name: 'x', dims: [1, 3, 4, 2] }],
      outputs: ['y'],
      nodes: [
        conv('x', 'W', 'c', {}),
        { op: 'Identity', inputs: ['c'], outputs: ['c1'] },
        { op: 'Dropout', inputs: ['c1'], outputs: ['c2'] },
        { op: 'Reshape', inputs: ['c2', 'shp'], outputs: ['r'] },
        { op: 'Transpose', inputs: ['r'], outputs: ['t'], attrs: { perm: ints([0, 2, 1]) } },
        { op: 'Unsqueeze', inputs: ['t', 'ax'], outputs: ['u'] },
        { op: 'Squeeze', inputs: ['u', 'ax'], outputs: ['sq'] },
        { op: 'Flatten', inputs: ['sq'], outputs: ['y'], attrs: { axis: i(1) } },
      ],
      inits: { W: { dims: [2, 3, 1, 1], data: randn(6, 14) }, shp: { dims: [3], data: [0, 2, -1], type: 7 }, ax: { dims: [1], data: [2], type: 7 } },
    },
  ],
  [
    'Constant folding: Constant, Shape, Gather, Concat, Reshape of an initializer, Cast',
    {
      inputs: [{ name: 'x', dims: [1, 6] }],
      outputs: ['y'],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['w0'], attrs: { value: { t: { dims: [2, 3, 2], data: randn(12, 15) } } } },
        { op: 'Constant', inputs: [], outputs: ['shp'], attrs: { value: { t: { dims: [2], data: [6, 2], type: 7 } } } },
        { op: 'Reshape', inputs: ['w0', 'shp'], outputs: ['w'] },
        { op: 'Shape', inputs: ['x'], outputs: ['sx'] },
        { op: 'Constant', inputs: [], outputs: ['zero'], attrs: { value: { t: { dims: [1], data: [0], type: 7 } } } },
        { op: 'Gather', inputs: ['sx', 'zero'], outputs: ['n'] },
        { op: 'Constant', inputs: [], outputs: ['m1'], attrs: { value: { t: { dims: [1], data: [-1], type: 7 } } } },
        { op: 'Concat', inputs: ['n', 'm1'], outputs: ['tgt'], attrs: { axis: i(0) } },
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] },
        { op: 'Cast', inputs: ['h'], outputs: ['hc'], attrs: { to: i(1) } },
        { op: 'Reshape', inputs: ['hc', 'tgt'], outputs: ['y'] },
      ],
    },
  ],
  [
    'Pad (constant value), Resize nearest x2 asymmetric/floor, Upsample-style half_pixel',
    {
      inputs: [{ name: 'x', dims: [1, 2, 3, 4] }],
      outputs: ['y', 'z'],
      nodes: [
        { op: 'Pad', inputs: ['x', 'pads', 'cv'], outputs: ['p'] },
        { op: 'Resize', inputs: ['p', '', 'sc'], outputs: ['y'], attrs: { mode: s('nearest'), coordinate_transformation_mode: s('asymmetric'), nearest_mode: s('floor') } },
        { op: 'Resize', inputs: ['x', '', 'sc3'], outputs: ['z'], attrs: { mode: s('nearest') } },
      ],
      inits: {
        pads: { dims: [8], data: [0, 0, 1, 0, 0, 0, 2, 1], type: 7 },
        cv: { dims: [], data: [0.75] },
        sc: { dims: [4], data: [1, 1, 2, 2] },
        sc3: { dims: [4], data: [1, 1, 3, 2] },
      },
    },
  ],
  [
    'Resize at opset 10 (scales input) and Upsample at opset 9',
    {
      opset: 10,
      inputs: [{ name: 'x', dims: [1, 2, 3, 3] }],
      outputs: ['y'],
      nodes: [{ op: 'Resize', inputs: ['x', 'sc'], outputs: ['y'], attrs: { mode: s('nearest') } }],
      inits: { sc: { dims: [4], data: [1, 1, 2, 3] } },
    },
  ],
  [
    'Upsample at opset 9',
    {
      opset: 9,
      inputs: [{ name: 'x', dims: [1, 3, 2] }],
      outputs: ['y'],
      nodes: [{ op: 'Upsample', inputs: ['x', 'sc'], outputs: ['y'], attrs: { mode: s('nearest') } }],
      inits: { sc: { dims: [3], data: [1, 1, 2] } },
    },
  ],
];

describe('ONNX ops against onnxruntime-web', () => {
  for (const [name, spec] of CASES)
    it(name, async () => {
      await expectMatchesOrt(buildModel(spec));
    }, 30_000);

  it('keeps an NHWC model free of transposes (Keras-style Transpose pairs cancel)', async () => {
    const g = await expectMatchesOrt(
      buildModel({
        inputs: [{ name: 'x', dims: [1, 5, 5, 2] }],
        outputs: ['y'],
        nodes: [
          { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: ints([0, 3, 1, 2]) } },
          conv('t', 'W', 'c', { pads: ints([1, 1, 1, 1]) }),
          { op: 'Relu', inputs: ['c'], outputs: ['r'] },
          { op: 'Transpose', inputs: ['r'], outputs: ['t2'], attrs: { perm: ints([0, 2, 3, 1]) } },
          { op: 'Flatten', inputs: ['t2'], outputs: ['y'], attrs: { axis: i(0) } },
        ],
        inits: { W: { dims: [3, 2, 3, 3], data: randn(54, 16) } },
      }),
    );
    expect(g.layers.map((l) => l.attrs.op)).toEqual(['Input', 'Conv', 'Activation', 'Flatten']);
    expect(g.inputLayouts.x!.perm).toEqual([0, 1, 2]);
  });

  it('maps an NCHW input to channels-last and flattens in the model\'s channels-first order', async () => {
    const g = await expectMatchesOrt(
      buildModel({
        inputs: [{ name: 'x', dims: [1, 2, 4, 3] }],
        outputs: ['y'],
        nodes: [
          conv('x', 'W', 'c', {}),
          { op: 'Flatten', inputs: ['c'], outputs: ['f'] },
          { op: 'Gemm', inputs: ['f', 'D'], outputs: ['y'] },
        ],
        inits: { W: { dims: [3, 2, 1, 1], data: randn(6, 17) }, D: { dims: [36, 2], data: randn(72, 18) } },
      }),
    );
    expect(g.inputLayouts.x).toEqual({ source: 'NCHW', sourceShape: [2, 4, 3], perm: [1, 2, 0] });
    expect(g.tensors.get('x')!.shape).toEqual([4, 3, 2]);
    const ops = g.layers.map((l) => l.attrs.op);
    expect(ops).toEqual(['Input', 'Conv', 'Transpose', 'Flatten', 'Dense']);
    expect(g.layers[2]!.attrs).toEqual({ op: 'Transpose', perm: [2, 0, 1] });
  });

  it('records MatMul+Add as Dense without bias followed by a bias-only ScaleBias from an Add', () => {
    const g = expectMatchesOrt(
      buildModel({
        inputs: [{ name: 'x', dims: [1, 3] }],
        outputs: ['y'],
        nodes: [
          { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'], name: 'fc1' },
          { op: 'Add', inputs: ['h', 'B'], outputs: ['y'], name: 'fc1_bias' },
        ],
        inits: { W: { dims: [3, 2], data: randn(6, 19) }, B: { dims: [2], data: [0.5, -0.5] } },
      }),
    );
    return g.then((gr) => {
      const [, dense, sb] = gr.layers;
      expect(dense!.attrs).toEqual({ op: 'Dense', nIn: 3, nOut: 2 });
      expect(Object.keys(dense!.weights)).toEqual(['kernel']);
      expect(sb!.attrs.op).toBe('ScaleBias');
      expect(Object.keys(sb!.weights)).toEqual(['bias']);
      expect(sb!.source?.opType).toBe('Add');
      expect(sb!.name).toBe('fc1_bias');
    });
  });
});
