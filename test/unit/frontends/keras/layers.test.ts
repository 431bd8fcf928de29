/**
 * @fileoverview Layer conversions on small synthetic Keras models (written here as JSON + HDF5 in
 * Keras' own layout, and as a Keras 3 .keras zip), checking the IR attributes, shapes and weight
 * placement for the layers the shared corpus does not cover.
 */

import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadKeras } from '../../../../src/frontends/keras/index.js';
import { verifyGraph } from '../../../../src/ir/verify.js';
import type { Graph, Layer } from '../../../../src/ir/graph.js';
import { functional, inputLayer, klayer, seq, tmpDir, writeJsonModel, writeKeras3 } from './helpers.js';

const byName = (g: Graph, n: string): Layer => {
  const l = g.layers.find((x) => x.name === n);
  if (!l) throw new Error(`no layer ${n} in ${g.layers.map((x) => x.name).join(', ')}`);
  return l;
};
const shape = (g: Graph, n: string) => g.tensors.get(n)!.shape;

describe('2-D layers (functional, Keras 2 json + h5)', () => {
  let g: Graph;
  beforeAll(async () => {
    const dir = tmpDir();
    const layers = [
      inputLayer('in', [9, 9, 2]),
      klayer('Conv2D', 'c1', { filters: 3, kernel_size: [3, 3], strides: [2, 2], padding: 'same', dilation_rate: [1, 1], activation: 'relu', use_bias: true }, ['in']),
      klayer('DepthwiseConv2D', 'dw', { kernel_size: [3, 3], strides: [1, 1], padding: 'valid', depth_multiplier: 2, activation: 'linear', use_bias: false }, ['c1']),
      klayer('SeparableConv2D', 'sep', { filters: 4, kernel_size: [2, 2], strides: [1, 1], padding: 'same', depth_multiplier: 1, activation: 'tanh', use_bias: true }, ['dw']),
      klayer('BatchNormalization', 'bn', { axis: -1, epsilon: 0.001, center: true, scale: false }, ['sep']),
      klayer('MaxPooling2D', 'mp', { pool_size: [2, 2], strides: null, padding: 'same' }, ['bn']),
      klayer('ZeroPadding2D', 'zp', { padding: [[1, 0], [0, 2]] }, ['mp']),
      klayer('Cropping2D', 'cr', { cropping: [[0, 1], [1, 1]] }, ['zp']),
      klayer('UpSampling2D', 'up', { size: [2, 3], interpolation: 'nearest' }, ['cr']),
      klayer('AveragePooling2D', 'ap', { pool_size: [2, 2], strides: [1, 1], padding: 'valid' }, ['up']),
      klayer('PReLU', 'pr', { shared_axes: [1, 2] }, ['ap']),
      klayer('Conv2D', 'c2', { filters: 4, kernel_size: 1, strides: 1, padding: 'valid', activation: 'linear' }, ['pr']),
      klayer('Add', 'add', {}, ['pr', 'c2']),
      klayer('Concatenate', 'cat', { axis: -1 }, ['add', 'pr']),
      klayer('Permute', 'perm', { dims: [2, 1, 3] }, ['cat']),
      klayer('GlobalAveragePooling2D', 'gap', {}, ['perm']),
      klayer('Reshape', 'rs', { target_shape: [2, -1] }, ['gap']),
      klayer('Flatten', 'fl', {}, ['rs']),
      klayer('Dense', 'd', { units: 3, activation: 'softmax', use_bias: false }, ['fl']),
    ];
    const w = [
      { name: 'c1', weights: [{ name: 'kernel', shape: [3, 3, 2, 3], data: seq(54, 1) }, { name: 'bias', shape: [3], data: seq(3, 2) }] },
      { name: 'dw', weights: [{ name: 'depthwise_kernel', shape: [3, 3, 3, 2], data: seq(54, 3) }] },
      {
        name: 'sep',
        weights: [
          { name: 'depthwise_kernel', shape: [2, 2, 6, 1], data: seq(24, 4) },
          { name: 'pointwise_kernel', shape: [1, 1, 6, 4], data: seq(24, 5) },
          { name: 'bias', shape: [4], data: seq(4, 6) },
        ],
      },
      { name: 'bn', weights: [{ name: 'beta', shape: [4], data: seq(4, 7) }, { name: 'moving_mean', shape: [4], data: seq(4, 8) }, { name: 'moving_variance', shape: [4], data: [1, 2, 3, 4] }] },
      { name: 'pr', weights: [{ name: 'alpha', shape: [1, 1, 4], data: [0.1, 0.2, 0.3, 0.4] }] },
      { name: 'c2', weights: [{ name: 'kernel', shape: [1, 1, 4, 4], data: seq(16, 9) }, { name: 'bias', shape: [4], data: seq(4, 10) }] },
      { name: 'd', weights: [{ name: 'kernel', shape: [8, 3], data: seq(24, 11) }] },
    ];
    const file = await writeJsonModel(dir, 'synth2d', functional(layers, ['in'], ['d']), w);
    g = await loadKeras(file);
  });

  test('verifies, with hls4ml names for own activations and the separable split', () => {
    expect(verifyGraph(g)).toEqual([]);
    expect(g.layers.map((l) => l.name)).toEqual([
      'in', 'c1', 'c1_relu', 'dw', 'dw_linear', 'sep_depthwise', 'sep_pointwise', 'sep_tanh', 'bn', 'mp', 'zp', 'cr', 'up', 'ap', 'pr', 'c2', 'c2_linear',
      'add', 'cat', 'perm', 'gap', 'rs', 'fl', 'd', 'd_softmax',
    ]);
  });

  test('Conv2D same, stride 2 on 9x9: TF padding total 2 -> 1/1, output 5x5', () => {
    expect(byName(g, 'c1').attrs).toMatchObject({ pads: { top: 1, bottom: 1, left: 1, right: 1 }, strides: [2, 2] });
    expect(shape(g, 'c1')).toEqual([5, 5, 3]);
  });

  test('DepthwiseConv2D keeps the [kh, kw, cIn, mult] kernel, gets a zero bias when use_bias=False', () => {
    const dw = byName(g, 'dw');
    expect(dw.attrs).toMatchObject({ op: 'DepthwiseConv', depthMultiplier: 2, cIn: 3 });
    expect(dw.weights.kernel!.shape).toEqual([3, 3, 3, 2]);
    expect(Array.from(dw.weights.bias!.data)).toEqual(Array(6).fill(0));
    expect(shape(g, 'dw')).toEqual([3, 3, 6]);
  });

  test('SeparableConv2D = depthwise (same pads, zero bias) + 1x1 pointwise carrying the bias', () => {
    const d = byName(g, 'sep_depthwise');
    const p = byName(g, 'sep_pointwise');
    expect(d.attrs).toMatchObject({ op: 'DepthwiseConv', kernel: [2, 2], pads: { top: 0, bottom: 1, left: 0, right: 1 } });
    expect(Array.from(d.weights.bias!.data)).toEqual(Array(6).fill(0));
    expect(p.attrs).toMatchObject({ op: 'Conv', kernel: [1, 1], cIn: 6, cOut: 4 });
    expect(Array.from(p.weights.bias!.data)).toEqual(Array.from(Float32Array.from(seq(4, 6))));
    expect(p.weights.kernel!.shape).toEqual([1, 1, 6, 4]);
  });

  test('BatchNormalization scale=False gets gamma = 1', () => {
    const bn = byName(g, 'bn');
    expect(Array.from(bn.weights.gamma!.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(bn.weights.variance!.data)).toEqual([1, 2, 3, 4]);
    expect(bn.attrs).toEqual({ op: 'BatchNorm', epsilon: 0.001 });
  });

  test('pooling, padding, cropping, upsampling shapes and attributes', () => {
    expect(shape(g, 'bn')).toEqual([3, 3, 4]);
    expect(byName(g, 'mp').attrs).toMatchObject({ op: 'Pool', mode: 'max', pool: [2, 2], strides: [2, 2], pads: { top: 0, bottom: 1, left: 0, right: 1 } });
    expect(shape(g, 'mp')).toEqual([2, 2, 4]);
    expect(byName(g, 'zp').attrs).toEqual({ op: 'Pad', dims: 2, pads: { top: 1, bottom: 0, left: 0, right: 2 }, value: 0 });
    expect(shape(g, 'zp')).toEqual([3, 4, 4]);
    expect(byName(g, 'cr').attrs).toEqual({ op: 'Crop', dims: 2, crop: { top: 0, bottom: 1, left: 1, right: 1 } });
    expect(shape(g, 'cr')).toEqual([2, 2, 4]);
    expect(byName(g, 'up').attrs).toEqual({ op: 'Resize', dims: 2, scales: [2, 3], mode: 'nearest' });
    expect(shape(g, 'up')).toEqual([4, 6, 4]);
    expect(byName(g, 'ap').attrs).toMatchObject({ op: 'Pool', mode: 'avg', countIncludePad: false });
    expect(shape(g, 'ap')).toEqual([3, 5, 4]);
  });

  test('PReLU alpha with shared axes is broadcast to the full per-sample shape', () => {
    const pr = byName(g, 'pr');
    expect(pr.attrs).toEqual({ op: 'Activation', activation: 'prelu' });
    expect(pr.weights.alpha!.shape).toEqual([3, 5, 4]);
    const a = Array.from(pr.weights.alpha!.data);
    expect(a.slice(0, 8).map((v) => Math.round(v * 10) / 10)).toEqual([0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4]);
  });

  test('merges, Permute (1-based Keras dims), global pooling, Reshape with -1', () => {
    expect(byName(g, 'add').attrs).toEqual({ op: 'Merge', mode: 'add' });
    expect(byName(g, 'add').inputs).toEqual(['pr', 'c2_linear']);
    expect(byName(g, 'cat').attrs).toEqual({ op: 'Concat', axis: -1 });
    expect(shape(g, 'cat')).toEqual([3, 5, 8]);
    expect(byName(g, 'perm').attrs).toEqual({ op: 'Transpose', perm: [1, 0, 2] });
    expect(shape(g, 'perm')).toEqual([5, 3, 8]);
    expect(shape(g, 'gap')).toEqual([8]);
    expect(shape(g, 'rs')).toEqual([2, 4]);
  });

  test('Dense without bias gets a zero bias and a softmax layer <name>_softmax', () => {
    expect(Array.from(byName(g, 'd').weights.bias!.data)).toEqual([0, 0, 0]);
    expect(byName(g, 'd_softmax').attrs).toEqual({ op: 'Softmax', axis: -1 });
    expect(g.outputs).toEqual(['d_softmax']);
  });
});

describe('1-D layers and activation layers (Sequential)', () => {
  let g: Graph;
  beforeAll(async () => {
    const dir = tmpDir();
    const seqLayers = [
      { class_name: 'Conv1D', config: { name: 'c', batch_input_shape: [null, 12, 2], filters: 2, kernel_size: [3], strides: [1], padding: 'causal', dilation_rate: [2], activation: 'linear' } },
      { class_name: 'ReLU', config: { name: 'r6', max_value: 6.0, negative_slope: 0.0, threshold: 0.0 } },
      { class_name: 'LeakyReLU', config: { name: 'lr', alpha: 0.1 } },
      { class_name: 'ELU', config: { name: 'elu', alpha: 0.5 } },
      { class_name: 'ThresholdedReLU', config: { name: 'tr', theta: 0.25 } },
      { class_name: 'Activation', config: { name: 'hs', activation: 'hard_sigmoid' } },
      { class_name: 'ZeroPadding1D', config: { name: 'zp', padding: [2, 1] } },
      { class_name: 'Cropping1D', config: { name: 'cr', cropping: [1, 0] } },
      { class_name: 'UpSampling1D', config: { name: 'up', size: 2 } },
      { class_name: 'MaxPooling1D', config: { name: 'mp', pool_size: [2], strides: [2], padding: 'valid' } },
      { class_name: 'AveragePooling1D', config: { name: 'ap', pool_size: [3], strides: [1], padding: 'same' } },
      { class_name: 'GlobalMaxPooling1D', config: { name: 'gmp' } },
      { class_name: 'Dropout', config: { name: 'do', rate: 0.5 } },
      { class_name: 'Softmax', config: { name: 'sm', axis: -1 } },
    ];
    const cfg = { class_name: 'Sequential', keras_version: '2.4.0', config: { name: 's1', layers: seqLayers } };
    const file = await writeJsonModel(dir, 'synth1d', cfg, [
      { name: 'c', weights: [{ name: 'kernel', shape: [3, 2, 2], data: seq(12) }, { name: 'bias', shape: [2], data: [0.5, -0.5] }] },
    ]);
    g = await loadKeras(file);
  });

  test('verifies; Sequential without InputLayer: input named input1', () => {
    expect(verifyGraph(g)).toEqual([]);
    expect(g.inputs).toEqual(['input1']);
    expect(g.name).toBe('s1');
  });

  test('causal Conv1D pads only on the left by dilation*(k-1)', () => {
    expect(byName(g, 'c').attrs).toMatchObject({ op: 'Conv', dims: 1, dilations: [2], pads: { left: 4, right: 0 } });
    expect(shape(g, 'c')).toEqual([12, 2]);
  });

  test('activation layers keep their Keras names and parameters', () => {
    expect(byName(g, 'r6').attrs).toEqual({ op: 'Activation', activation: 'relu6', min: 0, max: 6 });
    expect(byName(g, 'lr').attrs).toEqual({ op: 'Activation', activation: 'leaky_relu', alpha: 0.1 });
    expect(byName(g, 'elu').attrs).toEqual({ op: 'Activation', activation: 'elu', alpha: 0.5 });
    expect(byName(g, 'tr').attrs).toEqual({ op: 'Activation', activation: 'thresholded_relu', theta: 0.25 });
    expect(byName(g, 'hs').attrs).toEqual({ op: 'Activation', activation: 'hard_sigmoid', slope: 0.2, shift: 0.5 });
    expect(byName(g, 'sm').attrs).toEqual({ op: 'Softmax', axis: -1 });
    expect(byName(g, 'do').attrs).toEqual({ op: 'Dropout' });
  });

  test('1-D pad / crop / upsample / pool shapes', () => {
    expect(shape(g, 'zp')).toEqual([15, 2]);
    expect(shape(g, 'cr')).toEqual([14, 2]);
    expect(shape(g, 'up')).toEqual([28, 2]);
    expect(shape(g, 'mp')).toEqual([14, 2]);
    expect(byName(g, 'ap').attrs).toMatchObject({ pads: { left: 1, right: 1 } });
    expect(shape(g, 'gmp')).toEqual([2]);
  });
});

describe('nested models are flattened', () => {
  test('a Sequential used inside a functional model', async () => {
    const dir = tmpDir();
    const inner = {
      class_name: 'Sequential',
      name: 'block',
      config: {
        name: 'block',
        layers: [
          { class_name: 'InputLayer', config: { name: 'block_in', batch_input_shape: [null, 4] } },
          { class_name: 'Dense', config: { name: 'inner_dense', units: 3, activation: 'relu' } },
        ],
      },
      inbound_nodes: [[['x', 0, 0, {}]]],
    };
    const cfg = functional([inputLayer('x', [4]), inner, klayer('Dense', 'head', { units: 2, activation: 'sigmoid' }, ['block'])], ['x'], ['head']);
    // Keras 2 saves a nested model as one group whose weight names carry the inner layer.
    const { writeFileSync } = await import('node:fs');
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    writeFileSync(path.join(dir, 'nested.json'), JSON.stringify(cfg));
    const f = new h5wasm.File(path.join(dir, 'nested_weights.h5'), 'w');
    f.create_attribute('layer_names', ['x', 'block', 'head']);
    const gx = f.create_group('x');
    gx.create_attribute('weight_names', new Float32Array(0), [0]);
    const gb = f.create_group('block');
    gb.create_attribute('weight_names', ['inner_dense/kernel:0', 'inner_dense/bias:0']);
    const gbi = gb.create_group('inner_dense');
    gbi.create_dataset({ name: 'kernel:0', data: Float32Array.from(seq(12)), shape: [4, 3], dtype: '<f' });
    gbi.create_dataset({ name: 'bias:0', data: Float32Array.from([1, 2, 3]), shape: [3], dtype: '<f' });
    const gh = f.create_group('head');
    gh.create_attribute('weight_names', ['head/kernel:0', 'head/bias:0']);
    const ghi = gh.create_group('head');
    ghi.create_dataset({ name: 'kernel:0', data: Float32Array.from(seq(6)), shape: [3, 2], dtype: '<f' });
    ghi.create_dataset({ name: 'bias:0', data: Float32Array.from([0, 0]), shape: [2], dtype: '<f' });
    f.close();
    const g = await loadKeras(path.join(dir, 'nested.json'));
    expect(verifyGraph(g)).toEqual([]);
    expect(g.layers.map((l) => l.name)).toEqual(['x', 'inner_dense', 'inner_dense_relu', 'head', 'head_sigmoid']);
    expect(byName(g, 'inner_dense').inputs).toEqual(['x']);
    expect(byName(g, 'head').inputs).toEqual(['inner_dense_relu']);
    expect(Array.from(byName(g, 'inner_dense').weights.bias!.data)).toEqual([1, 2, 3]);
  });
});

describe('Keras 3 .keras', () => {
  test('functional model with batch_shape, Keras 3 inbound nodes, positional vars, negative_slope', async () => {
    const dir = tmpDir();
    const kt = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 5], dtype: 'float32', keras_history: [name, 0, 0] } });
    const l3 = (cls: string, name: string, config: Record<string, unknown>, inputs: unknown) => ({
      module: 'keras.layers',
      class_name: cls,
      config: { name, ...config },
      registered_name: null,
      name,
      inbound_nodes: [{ args: [inputs], kwargs: {} }],
    });
    const cfg = {
      module: 'keras',
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 5], dtype: 'float32', name: 'inp' }, registered_name: null, name: 'inp', inbound_nodes: [] },
          l3('Dense', 'dense_a', { units: 5, activation: 'linear', use_bias: true }, kt('inp')),
          l3('BatchNormalization', 'norm', { axis: -1, epsilon: 0.01, center: true, scale: true }, kt('dense_a')),
          l3('LeakyReLU', 'leaky', { negative_slope: 0.2 }, kt('norm')),
          l3('Subtract', 'sub', {}, [kt('leaky'), kt('inp')]),
          l3('Activation', 'hs', { activation: 'hard_sigmoid' }, kt('sub')),
        ],
        input_layers: [['inp', 0, 0]],
        output_layers: [['hs', 0, 0]],
      },
    };
    const file = path.join(dir, 'k3.keras');
    await writeKeras3(file, cfg, [
      { obj: 'dense', vars: [{ name: '0', shape: [5, 5], data: seq(25) }, { name: '1', shape: [5], data: [1, 2, 3, 4, 5] }] },
      // No `name` attribute here: found by the auto-generated object name instead.
      {
        obj: 'batch_normalization',
        vars: [
          { name: '0', shape: [5], data: [2, 2, 2, 2, 2] },
          { name: '1', shape: [5], data: [0, 0, 0, 0, 1] },
          { name: '2', shape: [5], data: [0.5, 0.5, 0.5, 0.5, 0.5] },
          { name: '3', shape: [5], data: [4, 4, 4, 4, 4] },
        ],
      },
    ]);
    const g = await loadKeras(file);
    expect(verifyGraph(g)).toEqual([]);
    expect(g.layers.map((l) => l.name)).toEqual(['inp', 'dense_a', 'dense_a_linear', 'norm', 'leaky', 'sub', 'hs']);
    expect(Array.from(byName(g, 'dense_a').weights.bias!.data)).toEqual([1, 2, 3, 4, 5]);
    const bn = byName(g, 'norm');
    expect(Array.from(bn.weights.gamma!.data)).toEqual([2, 2, 2, 2, 2]);
    expect(Array.from(bn.weights.beta!.data)).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(bn.weights.mean!.data)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(bn.weights.variance!.data)).toEqual([4, 4, 4, 4, 4]);
    expect(byName(g, 'leaky').attrs).toEqual({ op: 'Activation', activation: 'leaky_relu', alpha: 0.2 });
    expect(byName(g, 'sub').inputs).toEqual(['leaky', 'inp']);
    // Keras 3 hard_sigmoid is relu6(x + 3) / 6.
    expect(byName(g, 'hs').attrs).toMatchObject({ activation: 'hard_sigmoid', slope: 1 / 6, shift: 0.5 });
  });
});

describe('config spellings', () => {
  test('Sequential with build_input_shape (no batch_input_shape) and a Keras 3 function-wrapped activation', async () => {
    const dir = tmpDir();
    const cfg = {
      class_name: 'Sequential',
      config: {
        name: 'built',
        build_input_shape: [null, 3],
        layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, activation: { module: 'builtins', class_name: 'function', config: 'relu', registered_name: 'function' } } }],
      },
    };
    const file = await writeJsonModel(dir, 'built', cfg, [{ name: 'd', weights: [{ name: 'kernel', shape: [3, 2], data: seq(6) }, { name: 'bias', shape: [2], data: [0, 1] }] }]);
    const g = await loadKeras(file);
    expect(verifyGraph(g)).toEqual([]);
    expect(g.layers.map((l) => l.name)).toEqual(['input1', 'd', 'd_relu']);
    expect(g.tensors.get('input1')!.shape).toEqual([3]);
  });

  test('Keras <= 2.2 Sequential stored as a bare list of layers', async () => {
    const dir = tmpDir();
    const cfg = { class_name: 'Sequential', config: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3], activation: 'linear' } }] };
    const file = await writeJsonModel(dir, 'old', cfg, [{ name: 'd', weights: [{ name: 'kernel', shape: [3, 2], data: seq(6) }, { name: 'bias', shape: [2], data: [0, 1] }] }]);
    const g = await loadKeras(file);
    expect(g.layers.map((l) => l.name)).toEqual(['input1', 'd', 'd_linear']);
  });
});

describe('QKeras convolution and batch-norm layers', () => {
  test('QConv1D, QDepthwiseConv2D, QSeparableConv2D, QBatchNormalization record their quantizers by weight role', async () => {
    const dir = tmpDir();
    const qb = (b: number, i: number) => ({ class_name: 'quantized_bits', config: { bits: b, integer: i, symmetric: 0, alpha: 1, keep_negative: true } });
    const layers = [
      inputLayer('in', [6, 6, 2]),
      klayer('QDepthwiseConv2D', 'qdw', { kernel_size: [3, 3], strides: [1, 1], padding: 'valid', depth_multiplier: 1, depthwise_quantizer: qb(4, 0), bias_quantizer: 'quantized_bits(8,2)', activation: 'quantized_relu(4,1)' }, ['in']),
      klayer('QSeparableConv2D', 'qsep', { filters: 3, kernel_size: [2, 2], strides: [1, 1], padding: 'valid', depth_multiplier: 1, depthwise_quantizer: qb(5, 0), pointwise_quantizer: qb(6, 0), bias_quantizer: qb(7, 1), activation: 'linear' }, ['qdw']),
      klayer('QBatchNormalization', 'qbn', { axis: -1, epsilon: 0.001, scale: true, center: true, gamma_quantizer: 'quantized_relu_po2(4)', beta_quantizer: 'quantized_po2(4)', mean_quantizer: null, variance_quantizer: null }, ['qsep']),
      klayer('Reshape', 'rs', { target_shape: [9, 3] }, ['qbn']),
      klayer('QConv1D', 'qc1', { filters: 2, kernel_size: 3, strides: 1, padding: 'same', kernel_quantizer: 'quantized_bits(3,0,alpha=1)', bias_quantizer: null, activation: 'quantized_bits(6,2)' }, ['rs']),
    ];
    const file = await writeJsonModel(dir, 'qconv', functional(layers, ['in'], ['qc1']), [
      { name: 'qdw', weights: [{ name: 'depthwise_kernel', shape: [3, 3, 2, 1], data: seq(18) }, { name: 'bias', shape: [2], data: [0.5, -0.5] }] },
      {
        name: 'qsep',
        weights: [
          { name: 'depthwise_kernel', shape: [2, 2, 2, 1], data: seq(8, 2) },
          { name: 'pointwise_kernel', shape: [1, 1, 2, 3], data: seq(6, 3) },
          { name: 'bias', shape: [3], data: [1, 2, 3] },
        ],
      },
      {
        name: 'qbn',
        weights: [
          { name: 'gamma', shape: [3], data: [1, 1, 1] },
          { name: 'beta', shape: [3], data: [0, 0, 0] },
          { name: 'moving_mean', shape: [3], data: [0, 0, 0] },
          { name: 'moving_variance', shape: [3], data: [1, 1, 1] },
        ],
      },
      { name: 'qc1', weights: [{ name: 'kernel', shape: [3, 3, 2], data: seq(18, 4) }, { name: 'bias', shape: [2], data: [0, 0] }] },
    ]);
    const g = await loadKeras(file);
    expect(verifyGraph(g)).toEqual([]);
    expect(g.layers.map((l) => l.name)).toEqual(['in', 'qdw', 'qdw_quantized_relu', 'qsep_depthwise', 'qsep_pointwise', 'qsep_linear', 'qbn', 'rs', 'qc1', 'qc1_quantized_bits']);
    const q = (n: string) => Object.fromEntries(Object.entries(byName(g, n).quant ?? {}).map(([k, v]) => [k, (v.qkeras as any).name + ':' + v.bits]));
    expect(q('qdw')).toEqual({ kernel: 'quantized_bits:4', bias: 'quantized_bits:8' });
    expect(q('qdw_quantized_relu')).toEqual({ result: 'quantized_relu:4' });
    expect(byName(g, 'qdw_quantized_relu').attrs).toEqual({ op: 'Activation', activation: 'relu' });
    expect(q('qsep_depthwise')).toEqual({ kernel: 'quantized_bits:5' });
    expect(q('qsep_pointwise')).toEqual({ kernel: 'quantized_bits:6', bias: 'quantized_bits:7' });
    expect(q('qbn')).toEqual({ gamma: 'quantized_relu_po2:4', beta: 'quantized_po2:4' });
    expect(q('qc1')).toEqual({ kernel: 'quantized_bits:3' });
    expect(byName(g, 'qc1_quantized_bits').attrs).toEqual({ op: 'Activation', activation: 'linear' });
    expect(q('qc1_quantized_bits')).toEqual({ result: 'quantized_bits:6' });
    expect(byName(g, 'qc1').attrs).toMatchObject({ pads: { left: 1, right: 1 } });
  });
});

describe('Keras 3 json + save_weights file', () => {
  test('<stem>.json with <stem>.weights.h5 in the Keras 3 layers/<obj>/vars layout', async () => {
    const { copyFileSync, writeFileSync } = await import('node:fs');
    const dir = tmpDir();
    const cfg = {
      module: 'keras',
      class_name: 'Sequential',
      config: {
        name: 'seq3',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 3], name: 'x' } },
          { module: 'keras.layers', class_name: 'Dense', config: { name: 'first', units: 2, activation: 'relu' } },
          { module: 'keras.layers', class_name: 'Dense', config: { name: 'second', units: 1, activation: 'sigmoid' } },
        ],
      },
    };
    await writeKeras3(path.join(dir, 'tmp.keras'), cfg, [
      { obj: 'dense', vars: [{ name: '0', shape: [3, 2], data: seq(6) }, { name: '1', shape: [2], data: [7, 8] }] },
      { obj: 'dense_1', vars: [{ name: '0', shape: [2, 1], data: [1, 2] }, { name: '1', shape: [1], data: [9] }] },
    ]);
    copyFileSync(path.join(dir, 'tmp.keras.weights.h5'), path.join(dir, 'm3.weights.h5'));
    writeFileSync(path.join(dir, 'm3.json'), JSON.stringify(cfg));
    const g = await loadKeras(path.join(dir, 'm3.json'));
    expect(verifyGraph(g)).toEqual([]);
    expect(g.layers.map((l) => l.name)).toEqual(['x', 'first', 'first_relu', 'second', 'second_sigmoid']);
    expect(Array.from(byName(g, 'first').weights.bias!.data)).toEqual([7, 8]);
    expect(Array.from(byName(g, 'second').weights.bias!.data)).toEqual([9]);
  });
});
