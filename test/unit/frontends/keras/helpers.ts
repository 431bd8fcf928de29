/**
 * @fileoverview Test helpers for the Keras frontend: where the shared models are, and writers for
 * small synthetic Keras files (architecture JSON + a Keras-2-style weights-only HDF5, or a Keras 3
 * .keras zip) so layer conversions can be checked without TensorFlow. The HDF5 files are written
 * with h5wasm in the same layout Keras uses: `layer_names` on the root, one group per layer with
 * `weight_names`, datasets at `<layer>/<layer>/<var>:0`.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import h5wasm from 'h5wasm/node';
import { dataDir } from '../../../helpers/data.js';

export const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
export const sharedDir = dataDir;
export const modelsDir = path.join(sharedDir, 'models');

export function tmpDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'fastml-keras-test-'));
}

export interface SynthWeight {
  readonly name: string;
  readonly shape: number[];
  readonly data: number[] | Float32Array;
}

/** Writes a Keras 2 weights-only HDF5: layers in order, each with its named weights. */
export async function writeWeightsH5(file: string, layers: { name: string; weights: SynthWeight[] }[], opts: { prefix?: string } = {}): Promise<void> {
  const Module: any = await h5wasm.ready;
  void Module;
  const f = new h5wasm.File(file, 'w');
  try {
    f.create_attribute('keras_version', '2.11.0');
    f.create_attribute('backend', 'tensorflow');
    const root: any = opts.prefix ? f.create_group(opts.prefix) : f;
    root.create_attribute('layer_names', layers.map((l) => l.name));
    for (const l of layers) {
      const g = root.create_group(l.name);
      if (l.weights.length) g.create_attribute('weight_names', l.weights.map((w) => `${l.name}/${w.name}:0`));
      else g.create_attribute('weight_names', new Float32Array(0), [0]);
      if (l.weights.length) {
        const inner = g.create_group(l.name);
        for (const w of l.weights)
          inner.create_dataset({ name: `${w.name}:0`, data: Float32Array.from(w.data), shape: w.shape, dtype: '<f' });
      }
    }
  } finally {
    f.close();
  }
}

/** Writes an architecture JSON next to a weights file (`<stem>.json` + `<stem>_weights.h5`). */
export async function writeJsonModel(dir: string, stem: string, config: unknown, layers: { name: string; weights: SynthWeight[] }[]): Promise<string> {
  const json = path.join(dir, `${stem}.json`);
  writeFileSync(json, JSON.stringify(config));
  await writeWeightsH5(path.join(dir, `${stem}_weights.h5`), layers);
  return json;
}

/** Writes a Keras 3 .keras zip: config.json, metadata.json and model.weights.h5 (`layers/<obj>/vars/N`). */
export async function writeKeras3(file: string, config: unknown, layers: { obj: string; name?: string; vars: SynthWeight[] }[]): Promise<void> {
  await h5wasm.ready;
  const h5 = `${file}.weights.h5`;
  const f = new h5wasm.File(h5, 'w');
  try {
    const lg = f.create_group('layers');
    for (const l of layers) {
      const g = lg.create_group(l.obj);
      const v = g.create_group('vars');
      if (l.name) v.create_attribute('name', l.name);
      l.vars.forEach((w, k) => v.create_dataset({ name: String(k), data: Float32Array.from(w.data), shape: w.shape, dtype: '<f' }));
    }
    f.create_group('vars');
  } finally {
    f.close();
  }
  const { readFileSync } = await import('node:fs');
  const zip = zipSync({
    'metadata.json': strToU8(JSON.stringify({ keras_version: '3.4.1' })),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': new Uint8Array(readFileSync(h5)),
  });
  writeFileSync(file, zip);
}

/** Deterministic pseudo-random values in [-1, 1). */
export function seq(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** A Keras 2 functional layer entry. */
export function klayer(className: string, name: string, config: Record<string, unknown>, inputs: string[]): Record<string, unknown> {
  return { class_name: className, name, config: { name, ...config }, inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [] };
}

/** A Keras 2 functional model config around the given layers. */
export function functional(layers: Record<string, unknown>[], inputs: string[], outputs: string[]): Record<string, unknown> {
  return {
    class_name: 'Functional',
    keras_version: '2.11.0',
    backend: 'tensorflow',
    config: { name: 'synth', layers, input_layers: inputs.map((i) => [i, 0, 0]), output_layers: outputs.map((o) => [o, 0, 0]) },
  };
}

export function inputLayer(name: string, shape: number[]): Record<string, unknown> {
  return klayer('InputLayer', name, { batch_input_shape: [null, ...shape], dtype: 'float32' }, []);
}
