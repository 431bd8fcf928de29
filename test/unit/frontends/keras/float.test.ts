/**
 * @fileoverview Numbers, not just structure: the IR the Keras frontend builds, run through the
 * float64 reference evaluator, (1) reproduces the stored Keras predictions of the hls4ml unit
 * models, and (2) gives the same outputs as the ONNX export of the same model.
 *
 * Tolerance for (1): the .dat files print float32 Keras outputs with 7-9 significant digits, so a
 * value can only be trusted to half a unit of its last printed decimal. A value passes when
 * |ours - dat| <= 1e-5 * |dat| + 0.5 * 10^-(decimals printed). The measured worst relative error
 * is also checked to stay below 1e-5 wherever the printed value has >= 6 significant digits.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadKeras } from '../../../../src/frontends/keras/index.js';
import { loadOnnx } from '../../../../src/frontends/onnx/index.js';
import { evaluateFloat, toIrLayout } from '../../../../src/emulator/float.js';
import type { Graph } from '../../../../src/ir/graph.js';
import { numel } from '../../../../src/ir/graph.js';
import { modelsDir, seq } from './helpers.js';

/** One sample per line; keeps each token's text to know how many decimals were printed. */
function readDat(file: string): { values: number[]; decimals: number[] }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => {
      const toks = l.split(/\s+/);
      return {
        values: toks.map(Number),
        decimals: toks.map((t) => {
          const m = /^[-+]?\d*\.?(\d*)(?:[eE]([-+]?\d+))?$/.exec(t);
          return m ? m[1]!.length - Number(m[2] ?? 0) : 0;
        }),
      };
    });
}

function run(g: Graph, x: ArrayLike<number>): Float64Array {
  const name = g.inputs[0]!;
  const r = evaluateFloat(g, { [name]: toIrLayout(g, name, Float64Array.from(x)) });
  return r.outputs[g.outputs[0]!]!;
}

describe('unit models reproduce their stored Keras predictions', () => {
  const units: [string, string][] = [
    ['unit_conv1d_linear', 'conv1d_1layer'],
    ['unit_conv2d_tanh', 'tanh'],
    ['unit_conv2d_sigmoid', 'sigmoid'],
    ['unit_softmax', 'softmax'],
  ];
  for (const [dir, stem] of units)
    for (const form of ['.json', '.h5'])
      test(`${dir}/${stem}${form}`, async () => {
        const g = await loadKeras(path.join(modelsDir, dir, stem + form));
        const X = readDat(path.join(modelsDir, dir, 'tb_input_features.dat'));
        const Y = readDat(path.join(modelsDir, dir, 'tb_output_predictions.dat'));
        expect(X.length).toBe(3);
        expect(Y.length).toBe(X.length);
        let worstRel = 0;
        for (let s = 0; s < X.length; s++) {
          expect(X[s]!.values.length).toBe(numel(g.tensors.get(g.inputs[0]!)!.shape));
          const y = run(g, X[s]!.values);
          const ref = Y[s]!;
          expect(y.length).toBe(ref.values.length);
          for (let k = 0; k < y.length; k++) {
            const want = ref.values[k]!;
            const quantum = 0.5 * 10 ** -ref.decimals[k]!;
            const err = Math.abs(y[k]! - want);
            expect(err, `sample ${s} output ${k}: ${y[k]} vs ${want}`).toBeLessThanOrEqual(1e-5 * Math.abs(want) + quantum);
            const sig = ref.decimals[k]! + Math.floor(Math.log10(Math.abs(want) || 1)) + 1;
            if (want !== 0 && sig >= 6) worstRel = Math.max(worstRel, err / Math.abs(want));
          }
        }
        expect(worstRel).toBeLessThan(1e-5);
      });
});

describe('Keras and ONNX files of the same model give the same float outputs', () => {
  const pairs: [string, string, string][] = [
    ['jet_mlp_3layer', 'KERAS_3layer.json', 'three_layer_keras.onnx'],
    ['conv1d_small', 'KERAS_conv1d_small.json', 'conv1d_small_keras.onnx'],
    ['conv2d_small', 'KERAS_conv2d_model.json', 'conv2d_small_keras.onnx'],
    ['mlp_2layer_sigmoid', 'KERAS_1layer.json', 'two_layer_keras.onnx'],
  ];
  for (const [dir, k, o] of pairs)
    test(dir, async () => {
      const gk = await loadKeras(path.join(modelsDir, dir, k));
      const go = await loadOnnx(path.join(modelsDir, dir, o));
      const n = numel(gk.tensors.get(gk.inputs[0]!)!.shape);
      expect(numel(go.tensors.get(go.inputs[0]!)!.shape)).toBe(n);
      let worst = 0;
      for (let s = 0; s < 20; s++) {
        // Both files take channels-last samples (the ONNX exports transpose inside the graph).
        const x = seq(n, 100 + s).map((v) => v * (s < 10 ? 1 : 4));
        const yk = run(gk, x);
        const yo = run(go, x);
        expect(yk.length).toBe(yo.length);
        for (let i = 0; i < yk.length; i++) worst = Math.max(worst, Math.abs(yk[i]! - yo[i]!) / Math.max(Math.abs(yo[i]!), 1e-6));
      }
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
});

describe('hls4ml reference cases: float forward equals their independent float64 forward', () => {
  const refDir = path.resolve(modelsDir, '../reference/hls4ml');
  const cases = readdirSync(refDir).filter((d) => existsSync(path.join(refDir, d, 'y_float64_ref.npy')));
  for (const c of cases) {
    const cfg = parse(readFileSync(path.join(refDir, c, 'config.yml'), 'utf8'));
    if (!cfg.KerasJson) continue;
    test(c, async () => {
      const shared = path.resolve(modelsDir, '..');
      const g = await loadKeras(path.join(shared, cfg.KerasJson), { weights: path.join(shared, cfg.KerasH5) });
      const X = readNpy(path.join(refDir, c, 'X.npy'));
      const Y = readNpy(path.join(refDir, c, 'y_float64_ref.npy'));
      const m = numel(g.tensors.get(g.inputs[0]!)!.shape);
      const k = Y.shape[1]!;
      let worst = 0;
      // Random rows only (rows 0..7 are overflow edge rows of up to 1e4: fine in float, but not
      // what this checks); 100 rows keep the test fast.
      for (let s = 8; s < Math.min(108, X.shape[0]!); s++) {
        const y = run(g, X.data.subarray(s * m, (s + 1) * m));
        for (let j = 0; j < k; j++) worst = Math.max(worst, Math.abs(y[j]! - Y.data[s * k + j]!));
      }
      expect(worst).toBeLessThan(1e-9);
    });
  }
});

/** Minimal .npy reader (little-endian f4/f8, C order) for the reference files. */
function readNpy(file: string): { shape: number[]; data: Float64Array } {
  const b = readFileSync(file);
  const major = b[6]!;
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1]!.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  const body = b.subarray(start + headerLen);
  const n = shape.reduce((a, c) => a * c, 1);
  const data = new Float64Array(n);
  if (descr === '<f4') for (let i = 0; i < n; i++) data[i] = body.readFloatLE(i * 4);
  else if (descr === '<f8') for (let i = 0; i < n; i++) data[i] = body.readDoubleLE(i * 8);
  else throw new Error(`unsupported npy dtype ${descr}`);
  return { shape, data };
}
