/**
 * @fileoverview Every Keras file in ../shared/models loads (or, for weights-only HDF5, is refused
 * with the clear "weights only" error), passes the IR verifier, and gets hls4ml's layer names; the
 * different file forms of one model give identical IR.
 */

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadKeras } from '../../../../src/frontends/keras/index.js';
import { loadModel } from '../../../../src/frontends/index.js';
import { verifyGraph } from '../../../../src/ir/verify.js';
import type { Graph } from '../../../../src/ir/graph.js';
import { DiagnosticError } from '../../../../src/diagnostics/diagnostic.js';
import { modelsDir } from './helpers.js';

function kerasFiles(): string[] {
  const out: string[] = [];
  for (const d of readdirSync(modelsDir)) {
    const dir = path.join(modelsDir, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (/\.(json|h5|hdf5|keras)$/i.test(f)) out.push(path.join(dir, f));
  }
  return out.sort();
}

const isWeightsOnly = (f: string) => /_weights\.h5$/.test(f);

describe('every Keras file in the shared corpus', () => {
  const files = kerasFiles();
  test('the corpus has the expected Keras files', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });
  for (const f of files) {
    const rel = path.relative(modelsDir, f);
    if (isWeightsOnly(f)) {
      test(`${rel} is refused as a model with a "weights only" error naming the file`, async () => {
        const err = await loadKeras(f).catch((e) => e);
        expect(err).toBeInstanceOf(DiagnosticError);
        expect(err.exitCode).toBe(2);
        expect(err.diagnostics[0].code).toBe('FML2003');
        expect(err.message).toContain(f);
      });
      continue;
    }
    test(`${rel} loads and verifies`, async () => {
      const g = await loadModel(f);
      expect(verifyGraph(g)).toEqual([]);
      expect(g.inputs.length).toBe(1);
      expect(g.outputs.length).toBe(1);
      expect(g.layers.length).toBeGreaterThan(1);
    });
  }
});

const M = (p: string) => path.join(modelsDir, p);
const names = (g: Graph) => g.layers.map((l) => l.name);
const weightsOf = (g: Graph) =>
  Object.fromEntries(g.layers.flatMap((l) => Object.entries(l.weights).map(([r, w]) => [`${l.name}.${r}`, { shape: [...w.shape], data: Array.from(w.data) }])));

describe('hls4ml layer naming', () => {
  test('jet_mlp_3layer: Dense + its own activation layer <name>_<activation>', async () => {
    const g = await loadKeras(M('jet_mlp_3layer/KERAS_3layer.json'));
    expect(names(g)).toEqual([
      'input_1', 'fc1_relu', 'fc1_relu_relu', 'fc2_relu', 'fc2_relu_relu', 'fc3_relu', 'fc3_relu_relu', 'output_softmax', 'output_softmax_softmax',
    ]);
    expect(g.layers.map((l) => l.attrs.op)).toEqual(['Input', 'Dense', 'Activation', 'Dense', 'Activation', 'Dense', 'Activation', 'Dense', 'Softmax']);
    expect(g.outputs).toEqual(['output_softmax_softmax']);
    expect(g.tensors.get('output_softmax_softmax')!.shape).toEqual([5]);
  });

  test('batchnorm model: linear activation kept as <name>_linear, standalone layers keep their names', async () => {
    const g = await loadKeras(M('jet_mlp_3layer_batchnorm/KERAS_3layer_batch_norm.json'));
    expect(names(g).slice(0, 5)).toEqual(['input_1', 'fc1_relu', 'fc1_relu_linear', 'bn1', 'relu1']);
    const bn = g.layers.find((l) => l.name === 'bn1')!;
    expect(bn.attrs).toEqual({ op: 'BatchNorm', epsilon: 1e-6 });
    expect(Object.keys(bn.weights).sort()).toEqual(['beta', 'gamma', 'mean', 'variance']);
    expect(g.layers.at(-1)!.attrs.op).toBe('Softmax');
    expect(g.layers.at(-1)!.name).toBe('softmax');
  });

  test('Sequential without InputLayer: the input is input1 (as in the hls4ml reference case.yml); Dropout and Flatten kept', async () => {
    const g = await loadKeras(M('conv2d_small/KERAS_conv2d_model.json'));
    expect(names(g)).toEqual(['input1', 'conv2d_1', 'conv2d_1_relu', 'dropout_1', 'flatten_1', 'dense_1', 'dense_1_softmax']);
    expect(g.inputs).toEqual(['input1']);
    const conv = g.layers[1]!;
    expect(conv.attrs).toMatchObject({ op: 'Conv', dims: 2, kernel: [3, 3], pads: { top: 1, bottom: 1, left: 1, right: 1 }, cIn: 1, cOut: 2 });
    expect(g.tensors.get('flatten_1')!.shape).toEqual([128]);
  });

  test('conv1d_small: Keras "same" with an even kernel pads [1, 2] like TF', async () => {
    const g = await loadKeras(M('conv1d_small/KERAS_conv1d_small.json'));
    const c = g.layers.find((l) => l.name === 'conv1_relu')!;
    expect(c.attrs).toMatchObject({ op: 'Conv', dims: 1, kernel: [4], pads: { left: 1, right: 2 } });
    expect(g.tensors.get('conv1_relu')!.shape).toEqual([10, 3]);
  });
});

describe('the forms of one model give the same IR', () => {
  test('jet_mlp_3layer: json + weights h5 and full-model h5 have identical layers and weights', async () => {
    const a = await loadKeras(M('jet_mlp_3layer/KERAS_3layer.json'));
    const b = await loadKeras(M('jet_mlp_3layer/keras_3layer.h5'));
    expect(names(a)).toEqual(names(b));
    expect(a.layers.map((l) => l.attrs)).toEqual(b.layers.map((l) => l.attrs));
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(Object.keys(weightsOf(a)).length).toBe(8);
  });

  for (const unit of [
    ['unit_conv1d_linear/conv1d_1layer.json', 'unit_conv1d_linear/conv1d_1layer.h5'],
    ['unit_conv2d_tanh/tanh.json', 'unit_conv2d_tanh/tanh.h5'],
    ['unit_conv2d_sigmoid/sigmoid.json', 'unit_conv2d_sigmoid/sigmoid.h5'],
    ['unit_softmax/softmax.json', 'unit_softmax/softmax.h5'],
  ])
    test(`${unit[0]} equals ${unit[1]}`, async () => {
      const a = await loadKeras(M(unit[0]!));
      const b = await loadKeras(M(unit[1]!));
      expect(names(a)).toEqual(names(b));
      expect(a.layers.map((l) => l.attrs)).toEqual(b.layers.map((l) => l.attrs));
      expect(weightsOf(a)).toEqual(weightsOf(b));
    });

  test('qkeras_jet_mlp_3layer: Keras 3 .keras equals the Keras 2 json + h5 (names, weights, quantizers)', async () => {
    const a = await loadKeras(M('qkeras_jet_mlp_3layer/qkeras_3layer.json'));
    const b = await loadKeras(M('qkeras_jet_mlp_3layer/qkeras-v3_3layer.keras'));
    expect(b.meta.kerasVersion).toBe('3.14.1');
    expect(names(a)).toEqual(names(b));
    expect(a.layers.map((l) => l.attrs)).toEqual(b.layers.map((l) => l.attrs));
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(Object.keys(weightsOf(b)).length).toBe(8);
    // Keras 3 adds arguments (post_training_scale) but the common ones agree.
    for (const [la, lb] of a.layers.map((l, k) => [l, b.layers[k]!] as const)) {
      expect(Object.keys(la.quant ?? {})).toEqual(Object.keys(lb.quant ?? {}));
      for (const role of Object.keys(la.quant ?? {})) {
        const qa = la.quant![role]!.qkeras as { name: string; args: Record<string, unknown> };
        const qb = lb.quant![role]!.qkeras as { name: string; args: Record<string, unknown> };
        expect(qb.name).toBe(qa.name);
        for (const k of ['bits', 'integer', 'alpha', 'keep_negative', 'negative_slope']) expect(qb.args[k]).toEqual(qa.args[k]);
      }
    }
  });
});

describe('QKeras quantizers become quant facts', () => {
  test('qkeras_3layer: QDense kernel/bias quantized_bits(6,0,alpha=1); QActivation quantized_relu(6,0) -> relu + result fact', async () => {
    const g = await loadKeras(M('qkeras_jet_mlp_3layer/qkeras_3layer.json'));
    expect(names(g)).toEqual([
      'fc1_input', 'fc1', 'fc1_linear', 'relu1', 'fc2', 'fc2_linear', 'relu2', 'fc3', 'fc3_linear', 'relu3', 'output', 'output_linear', 'softmax',
    ]);
    const fc1 = g.layers[1]!;
    expect(fc1.quant!.kernel).toMatchObject({ kind: 'qkeras', bits: 6, qkeras: { name: 'quantized_bits', args: { bits: 6, integer: 0, alpha: 1, keep_negative: true } } });
    expect(fc1.quant!.bias).toMatchObject({ kind: 'qkeras', bits: 6, qkeras: { name: 'quantized_bits' } });
    const relu1 = g.layers[3]!;
    expect(relu1.attrs).toEqual({ op: 'Activation', activation: 'relu' });
    expect(relu1.quant!.result).toMatchObject({ kind: 'qkeras', bits: 6, qkeras: { name: 'quantized_relu', args: { bits: 6, integer: 0 } } });
    // The stored float (shadow) weights are kept as they are: not on the 2^-5 grid.
    const k = fc1.weights.kernel!.data;
    expect(Array.from(k).some((v) => Math.abs(v * 32 - Math.round(v * 32)) > 1e-3)).toBe(true);
  });

  test('qkeras_mnist_cnn: QConv2D with activation relu keeps both its own relu and the QActivation', async () => {
    const g = await loadKeras(M('qkeras_mnist_cnn/qkeras_mnist_cnn.json'));
    expect(names(g).slice(0, 5)).toEqual(['input_1', 'q_conv2d', 'q_conv2d_relu', 'q_activation', 'max_pooling2d']);
    expect(g.tensors.get('max_pooling2d_1')!.shape).toEqual([5, 5, 16]);
    expect(g.layers[1]!.quant!.kernel!.bits).toBe(6);
  });

  test('autoencoder: quantized_bits(10,10) on the last layer is recorded as written', async () => {
    const g = await loadKeras(M('autoencoder_toycar_qkeras/keras_model.h5'));
    const last = g.layers.find((l) => l.name === 'q_dense_3')!;
    expect((last.quant!.kernel!.qkeras as any).args).toMatchObject({ bits: 10, integer: 10 });
    expect(g.layers.filter((l) => l.attrs.op === 'BatchNorm').length).toBe(3);
  });
});
