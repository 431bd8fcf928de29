/**
 * @fileoverview The float64 reference of the sequence layers (src/emulator/float-sequence.ts)
 * against the independent numpy float64 forward passes shipped with the hls4ml reference cases
 * (`y_float64_ref.npy`, written from the model files without hls4ml): GRU, GRU with
 * return_sequences + TimeDistributed(Dense), LSTM and LayerNormalization.
 */

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadModel } from '../../../src/frontends/index.js';
import { evaluateFloat } from '../../../src/emulator/float.js';
import { readNpy, refDir, sharedDir } from '../../reference/helpers.js';

const CASES: Array<[string, string]> = [
  ['gru_small', 'gru_small/gru_small.json'],
  ['lstm_small', 'lstm_small/lstm_small.json'],
  ['gru_seq_dense', 'gru_seq_dense/gru_seq_dense.json'],
  ['layernorm_mlp', 'layernorm_mlp/layernorm_mlp.json'],
];

describe('float reference of sequence layers vs numpy float64', () => {
  for (const [cs, model] of CASES)
    it(`${cs}: 300 rows within 1e-9`, async () => {
      const g = await loadModel(path.join(sharedDir, 'models', model));
      const X = readNpy(path.join(refDir, cs, 'X.npy'));
      const Y = readNpy(path.join(refDir, cs, 'y_float64_ref.npy'));
      const per = X.data.length / X.shape[0]!;
      const nOut = Y.data.length / Y.shape[0]!;
      let worst = 0;
      for (let r = 8; r < 308; r++) {
        const out = evaluateFloat(g, { [g.inputs[0]!]: Float64Array.from(X.data.subarray(r * per, (r + 1) * per)) }).outputs[g.outputs[0]!]!;
        for (let k = 0; k < nOut; k++) worst = Math.max(worst, Math.abs(out[k]! - Y.data[r * nOut + k]!));
      }
      expect(worst).toBeLessThan(1e-9);
    });
});
