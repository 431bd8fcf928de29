/**
 * @fileoverview The float reference on the Keras unit models that ship hls4ml testbench data
 * (tb_input_features.dat -> tb_output_predictions.dat, printed by Keras in float32 with ~8
 * significant digits): every output within 2e-6 absolute of the stored prediction.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { evaluateFloat } from '../../../src/emulator/float.js';
import { loadModel } from '../../../src/frontends/index.js';
import { SHARED } from './float-ort.helpers.js';

// The machine is shared and cold imports (onnxruntime, h5wasm) take seconds: generous timeouts.
vi.setConfig({ testTimeout: 60_000 });

const rows = (p: string) =>
  readFileSync(p, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(/\s+/).map(Number));

const CASES: [string, string][] = [
  ['unit_conv2d_tanh', 'tanh.h5'],
  ['unit_conv2d_sigmoid', 'sigmoid.h5'],
  ['unit_conv1d_linear', 'conv1d_1layer.h5'],
  ['unit_softmax', 'softmax.h5'],
];


describe('float reference on Keras unit models with stored predictions', () => {
  for (const [dir, file] of CASES)
    it(`${dir}/${file}`, async () => {
      const g = await loadModel(path.join(SHARED, 'models', dir, file));
      const X = rows(path.join(SHARED, 'models', dir, 'tb_input_features.dat'));
      const Y = rows(path.join(SHARED, 'models', dir, 'tb_output_predictions.dat'));
      expect(X.length).toBe(Y.length);
      X.forEach((x, r) => {
        const out = evaluateFloat(g, { [g.inputs[0]!]: Float64Array.from(x) }).outputs[g.outputs[0]!]!;
        expect(out.length).toBe(Y[r]!.length);
        out.forEach((v, k) => expect(Math.abs(v - Y[r]![k]!), `row ${r} value ${k}`).toBeLessThanOrEqual(2e-6));
      });
    });
});

/** The same network exported both ways: the two IRs must compute the same function. */
const TWINS: [string, string, string, string][] = [
  ['jet_mlp_3layer', 'KERAS_3layer.json', 'KERAS_3layer_weights.h5', 'three_layer_keras.onnx'],
  ['jet_mlp_3layer_batchnorm', 'KERAS_3layer_batch_norm.json', 'KERAS_3layer_batch_norm_weights.h5', 'three_layer_bn_keras.onnx'],
  ['conv1d_small', 'KERAS_conv1d_small.json', 'KERAS_conv1d_small_weights.h5', 'conv1d_small_keras.onnx'],
  ['conv2d_small', 'KERAS_conv2d_model.json', 'KERAS_conv2d_model_weights.h5', 'conv2d_small_keras.onnx'],
  ['mlp_2layer_sigmoid', 'KERAS_1layer.json', 'KERAS_1layer_weights.h5', 'two_layer_keras.onnx'],
];

describe('Keras and ONNX exports of one model agree in the float reference', () => {
  for (const [dir, json, h5, onnxFile] of TWINS)
    it(dir, async () => {
      const m = (f: string) => path.join(SHARED, 'models', dir, f);
      const k = await loadModel(m(json), { weights: m(h5) });
      const o = await loadModel(m(onnxFile));
      expect(k.tensors.get(k.inputs[0]!)!.shape).toEqual(o.tensors.get(o.inputs[0]!)!.shape);
      const n = o.tensors.get(o.inputs[0]!)!.shape.reduce((a, b) => a * b, 1);
      for (let s = 0; s < 3; s++) {
        const x = Float64Array.from({ length: n }, (_, j) => Math.sin(17 * s + 3.1 * j) * 2);
        const a = evaluateFloat(k, { [k.inputs[0]!]: x }).outputs[k.outputs[0]!]!;
        const b = evaluateFloat(o, { [o.inputs[0]!]: x }).outputs[o.outputs[0]!]!;
        const scale = Math.max(...Array.from(b, Math.abs));
        // BN statistics were re-folded by the ONNX exporter (README: agreement to 6e-8).
        a.forEach((v, j) => expect(Math.abs(v - b[j]!) / scale, `sample ${s} output ${j}`).toBeLessThanOrEqual(1e-6));
      }
    });
});
