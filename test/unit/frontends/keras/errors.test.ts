/**
 * @fileoverview Error discipline of the Keras frontend: every unsupported layer and attribute in
 * one DiagnosticError (exit code 1) naming layer and class; bad files (missing weights, corrupt
 * HDF5, JSON that is not a Keras model, weights-only HDF5 given as a model) as one clear line with
 * exit code 2 naming the file. Also the weights-file discovery rules for an architecture .json.
 */

import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findWeightsFile, loadKeras } from '../../../../src/frontends/keras/index.js';
import { DiagnosticError } from '../../../../src/diagnostics/diagnostic.js';
import { functional, inputLayer, klayer, modelsDir, seq, tmpDir, writeJsonModel } from './helpers.js';

async function failure(p: Promise<unknown>): Promise<DiagnosticError> {
  const e = await p.then(
    () => undefined,
    (x) => x,
  );
  expect(e).toBeInstanceOf(DiagnosticError);
  return e as DiagnosticError;
}

describe('unsupported layers and attributes are all reported at once', () => {
  test('two unsupported classes, a bad attribute and a bad quantizer in one error, exit 1', async () => {
    const dir = tmpDir();
    const layers = [
      inputLayer('in', [8, 8, 3]),
      klayer('Conv2D', 'cf', { filters: 2, kernel_size: [3, 3], data_format: 'channels_first', activation: 'relu' }, ['in']),
      klayer('Bidirectional', 'rnn', { layer: { class_name: 'LSTM', config: { units: 4 } } }, ['cf']),
      klayer('Lambda', 'lam', { function: 'x' }, ['rnn']),
      klayer('Activation', 'act', { activation: 'swish' }, ['lam']),
      klayer('QDense', 'qd', { units: 2, kernel_quantizer: 42, activation: 'linear' }, ['act']),
    ];
    const file = await writeJsonModel(dir, 'bad', functional(layers, ['in'], ['qd']), [
      { name: 'cf', weights: [{ name: 'kernel', shape: [3, 3, 3, 2], data: seq(54) }, { name: 'bias', shape: [2], data: [0, 0] }] },
    ]);
    const e = await failure(loadKeras(file));
    expect(e.exitCode).toBe(2);
    const d = e.diagnostics;
    const nodes = d.map((x) => x.loc?.node);
    expect(nodes).toEqual(expect.arrayContaining(['cf', 'rnn', 'lam', 'act', 'qd']));
    expect(d.find((x) => x.loc?.node === 'rnn')!.message).toContain('"Bidirectional" is not supported');
    expect(d.find((x) => x.loc?.node === 'rnn')!.loc!.opType).toBe('Bidirectional');
    expect(d.find((x) => x.loc?.node === 'cf')!.message).toContain('channels_first');
    expect(d.find((x) => x.loc?.node === 'act')!.message).toContain('swish');
    expect(d.find((x) => x.loc?.node === 'qd')!.message).toContain('kernel_quantizer');
    for (const x of d) expect(x.loc!.file).toBe(file);
  });

  test('a shape mismatch between weights and config names the layer', async () => {
    const dir = tmpDir();
    const layers = [inputLayer('in', [4]), klayer('Dense', 'd', { units: 3, activation: 'relu' }, ['in'])];
    const file = await writeJsonModel(dir, 'shape', functional(layers, ['in'], ['d']), [
      { name: 'd', weights: [{ name: 'kernel', shape: [5, 3], data: seq(15) }, { name: 'bias', shape: [3], data: [0, 0, 0] }] },
    ]);
    const e = await failure(loadKeras(file));
    expect(e.exitCode).toBe(2);
    expect(e.diagnostics[0]!.loc!.node).toBe('d');
    expect(e.message).toContain('expected [4, 3]');
  });

  test('missing weights for a layer that needs them', async () => {
    const dir = tmpDir();
    const layers = [inputLayer('in', [4]), klayer('Dense', 'd', { units: 3 }, ['in'])];
    const file = await writeJsonModel(dir, 'now', functional(layers, ['in'], ['d']), []);
    const e = await failure(loadKeras(file));
    expect(e.message).toContain('no weights are stored');
    expect(e.diagnostics[0]!.loc!.node).toBe('d');
  });

  test('shared layers (called twice) are refused together with later problems, without follow-on errors', async () => {
    const dir = tmpDir();
    const d = klayer('Dense', 'd', { units: 4 }, ['in']);
    (d as any).inbound_nodes = [[['in', 0, 0, {}]], [['in', 0, 0, {}]]];
    const layers = [inputLayer('in', [4]), d, klayer('Dense', 'after', { units: 2, activation: 'relu' }, ['d']), klayer('Bidirectional', 'g', { layer: { class_name: 'GRU', config: { units: 2 } } }, ['after'])];
    const file = await writeJsonModel(dir, 'shared', functional(layers, ['in'], ['g']), [
      { name: 'd', weights: [{ name: 'kernel', shape: [4, 4], data: seq(16) }, { name: 'bias', shape: [4], data: seq(4) }] },
      { name: 'after', weights: [{ name: 'kernel', shape: [4, 2], data: seq(8) }, { name: 'bias', shape: [2], data: seq(2) }] },
    ]);
    const e = await failure(loadKeras(file));
    expect(e.exitCode).toBe(2);
    expect(e.diagnostics.map((x) => x.loc?.node)).toEqual(['d', 'g']);
    expect(e.message).toContain('shared layers');
    expect(e.message).toContain('"Bidirectional" is not supported');
  });
});

describe('bad files: one line, exit 2, naming the file', () => {
  test('json without a weights file beside it', async () => {
    const dir = tmpDir();
    const json = path.join(dir, 'lonely.json');
    copyFileSync(path.join(modelsDir, 'jet_mlp_3layer/KERAS_3layer.json'), json);
    const e = await failure(loadKeras(json));
    expect(e.exitCode).toBe(2);
    expect(e.diagnostics.length).toBe(1);
    expect(e.message).toContain(json);
    expect(e.message).toContain('lonely_weights.h5');
    expect(e.message).toContain('--weights');
  });

  test('--weights pointing to a file that does not exist', async () => {
    const e = await failure(loadKeras(path.join(modelsDir, 'jet_mlp_3layer/KERAS_3layer.json'), { weights: '/nonexistent/w.h5' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('/nonexistent/w.h5');
  });

  test('a corrupt (truncated) HDF5 file', async () => {
    const dir = tmpDir();
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(path.join(modelsDir, 'jet_mlp_3layer/keras_3layer.h5'));
    const f = path.join(dir, 'broken.h5');
    writeFileSync(f, bytes.subarray(0, 2000));
    const e = await failure(loadKeras(f));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(f);
    // One line from the HDF5 error stack, not the whole stack.
    expect(e.message).toMatch(/truncated file/);
    expect(e.message.split('\n').filter((l) => !l.startsWith('  hint')).length).toBe(1);
  });

  test('a file that is not HDF5 at all', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'text.h5');
    writeFileSync(f, 'hello, this is not hdf5\n');
    const e = await failure(loadKeras(f));
    expect(e.exitCode).toBe(2);
    expect(e.diagnostics[0]!.code).toBe('FML2101');
    expect(e.message).toContain(f);
  });

  test('JSON that is not a Keras model', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'config.json');
    writeFileSync(f, JSON.stringify({ Backend: 'Vivado', HLSConfig: {} }));
    const e = await failure(loadKeras(f));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(f);
    expect(e.message).toContain('not a Keras model');
  });

  test('JSON with the wrong class_name, and invalid JSON', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'x.json');
    writeFileSync(f, JSON.stringify({ class_name: 'Dense', config: {} }));
    copyFileSync(path.join(modelsDir, 'jet_mlp_3layer/KERAS_3layer_weights.h5'), path.join(dir, 'x_weights.h5'));
    const e = await failure(loadKeras(f));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('expected Sequential, Functional or Model');
    const g = path.join(dir, 'y.json');
    writeFileSync(g, '{"class_name": ');
    const e2 = await failure(loadKeras(g));
    expect(e2.exitCode).toBe(2);
    expect(e2.message).toContain('not valid JSON');
  });

  test('a .keras that is not a zip', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'm.keras');
    writeFileSync(f, 'not a zip');
    const e = await failure(loadKeras(f));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(f);
  });
});

describe('finding the weights of an architecture .json', () => {
  test('<stem>_weights.h5 first, then <stem>.h5, or --weights', async () => {
    const dir = tmpDir();
    const json = path.join(dir, 'm.json');
    writeFileSync(json, '{}');
    writeFileSync(path.join(dir, 'm.weights.h5'), '');
    expect(findWeightsFile(json)).toBe(path.join(dir, 'm.weights.h5'));
    writeFileSync(path.join(dir, 'm.h5'), '');
    expect(findWeightsFile(json)).toBe(path.join(dir, 'm.h5'));
    writeFileSync(path.join(dir, 'm_weights.h5'), '');
    expect(findWeightsFile(json)).toBe(path.join(dir, 'm_weights.h5'));
    writeFileSync(path.join(dir, 'other.h5'), '');
    expect(findWeightsFile(json, path.join(dir, 'other.h5'))).toBe(path.join(dir, 'other.h5'));
  });

  test('--weights gives the same model as the default lookup', async () => {
    const json = path.join(modelsDir, 'mlp_2layer_sigmoid/KERAS_1layer.json');
    const a = await loadKeras(json);
    const b = await loadKeras(json, { weights: path.join(modelsDir, 'mlp_2layer_sigmoid/KERAS_1layer_weights.h5') });
    expect(b.layers.map((l) => Array.from(l.weights.kernel?.data ?? []))).toEqual(a.layers.map((l) => Array.from(l.weights.kernel?.data ?? [])));
  });
});
