/**
 * @fileoverview A small QKeras MLP with power-of-two kernels, its layers named as in
 * test/fixtures/configs/qkeras_po2_mlp.yml (whose `weight: ap_int<N>` entries are hls4ml's spelling of
 * the po2 exponent type: the passes answer them with the info note FML4014). Written on the fly
 * (architecture .json + weights .h5) so no binary fixture is needed.
 */

import { functional, inputLayer, klayer, seq, writeJsonModel } from '../unit/frontends/keras/helpers.js';

/** Writes the model into `dir`; returns the path of its architecture .json (weights beside it). */
export async function po2Model(dir: string): Promise<string> {
  const q = (name: string, config: Record<string, unknown>) => ({ class_name: name, config });
  const layers = [
    inputLayer('input_1', [8]),
    klayer('QDense', 'fc1', { units: 6, activation: 'linear', use_bias: true, kernel_quantizer: q('quantized_po2', { bits: 5, max_value: null }), bias_quantizer: q('quantized_bits', { bits: 8, integer: 3, alpha: 1 }) }, ['input_1']),
    klayer('QActivation', 'relu1', { activation: q('quantized_relu', { bits: 6, integer: 2 }) }, ['fc1']),
    klayer('QDense', 'fc2', { units: 4, activation: 'linear', use_bias: true, kernel_quantizer: q('quantized_po2', { bits: 4, max_value: 1 }), bias_quantizer: q('quantized_bits', { bits: 8, integer: 3, alpha: 1 }) }, ['relu1']),
    klayer('Activation', 'softmax', { activation: 'softmax' }, ['fc2']),
  ];
  // Kernel values spread over several octaves, as trained po2 kernels are.
  const k1 = seq(48, 3).map((v) => v * 0.6);
  const k2 = seq(24, 5).map((v) => v * 0.9);
  return writeJsonModel(dir, 'qkeras_po2_mlp', functional(layers, ['input_1'], ['softmax']), [
    { name: 'input_1', weights: [] },
    { name: 'fc1', weights: [{ name: 'kernel', shape: [8, 6], data: k1 }, { name: 'bias', shape: [6], data: seq(6, 7).map((v) => v * 0.5) }] },
    { name: 'relu1', weights: [] },
    { name: 'fc2', weights: [{ name: 'kernel', shape: [6, 4], data: k2 }, { name: 'bias', shape: [4], data: seq(4, 9).map((v) => v * 0.5) }] },
    { name: 'softmax', weights: [] },
  ]);
}
