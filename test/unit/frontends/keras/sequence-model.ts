/**
 * @fileoverview A Keras model with every sequence layer (GRU reset_after=False with
 * return_sequences, LSTM, TimeDistributed(Dense(relu)), SimpleRNN, LayerNormalization on 2-D and
 * 3-D inputs), written as JSON + Keras-2 HDF5 with known weights. Shared by the frontend test and
 * the csim test.
 */

import { functional, inputLayer, klayer, seq, tmpDir, writeJsonModel } from './helpers.js';

const w = (name: string, shp: number[], seed: number, scale = 0.5) => ({ name, shape: shp, data: seq(shp.reduce((a, b) => a * b, 1), seed).map((v) => v * scale) });

export const T = 6;
export const F = 3;

/** in [6,3] -> GRU(4, seq, reset_after=False) -> LSTM(5, seq) -> TD(Dense(3, relu)) -> SimpleRNN(4) -> Reshape -> LN -> Dense(3). */
export async function sequenceModel(): Promise<string> {
  const layers = [
    inputLayer('in', [T, F]),
    klayer('GRU', 'g', { units: 4, return_sequences: true, reset_after: false, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true }, ['in']),
    klayer('LSTM', 'l', { units: 5, return_sequences: true, activation: 'tanh', recurrent_activation: 'sigmoid' }, ['g']),
    klayer('TimeDistributed', 'td', { layer: { class_name: 'Dense', config: { name: 'inner', units: 3, activation: 'relu', use_bias: true } } }, ['l']),
    klayer('SimpleRNN', 's', { units: 4, return_sequences: false, activation: 'tanh' }, ['td']),
    klayer('LayerNormalization', 'ln', { axis: -1, epsilon: 0.001, center: true, scale: true }, ['s']),
    klayer('Reshape', 'rs', { target_shape: [2, 2] }, ['ln']),
    klayer('LayerNormalization', 'ln3', { axis: [2], epsilon: 0.001 }, ['rs']),
    klayer('Flatten', 'fl', {}, ['ln3']),
    klayer('Dense', 'out', { units: 3, activation: 'linear' }, ['fl']),
  ];
  const weights = [
    { name: 'g', weights: [w('kernel', [F, 12], 1), w('recurrent_kernel', [4, 12], 2), w('bias', [12], 3, 0.1)] },
    { name: 'l', weights: [w('kernel', [4, 20], 4), w('recurrent_kernel', [5, 20], 5), w('bias', [20], 6, 0.1)] },
    { name: 'td', weights: [w('kernel', [5, 3], 7), w('bias', [3], 8, 0.1)] },
    { name: 's', weights: [w('kernel', [3, 4], 9), w('recurrent_kernel', [4, 4], 10), w('bias', [4], 11, 0.1)] },
    { name: 'ln', weights: [w('gamma', [4], 12, 1), w('beta', [4], 13, 0.2)] },
    { name: 'ln3', weights: [w('gamma', [2], 14, 1), w('beta', [2], 15, 0.2)] },
    { name: 'out', weights: [w('kernel', [4, 3], 16), w('bias', [3], 17, 0.1)] },
  ];
  return writeJsonModel(tmpDir(), 'seq', functional(layers, ['in'], ['out']), weights);
}

