/**
 * @fileoverview The fuzzer's seed corpus: every model under `<data>/models` (ONNX, Keras JSON +
 * weights, full-model HDF5, Keras 3 .keras), the hls4ml configurations of `<data>/reference/hls4ml`
 * and, per single-input model, a small input batch in the model's own layout. Seeds are plain bytes
 * so that cases can be built in the main thread and shipped to the fuzz workers.
 */

import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadModel } from '../../frontends/index.js';
import { encodeNpy } from '../../io/npy.js';
import { Rng } from './rng.js';

/** Largest per-sample input of a seed model (elements). */
const MAX_SEED_INPUT = 1024;

export type SeedKind = 'onnx' | 'keras-json' | 'keras-h5' | 'keras-v3';

/** One model: its files (name -> bytes; the model first) and how to name it on the command line. */
export interface SeedModel {
  readonly id: string;
  readonly kind: SeedKind;
  /** File name of the model inside the case folder. */
  readonly model: string;
  /** Every file the model needs (the model, and for an architecture .json its weights). */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** Weights file name when the model is an architecture .json. */
  readonly weights?: string;
  /** A few samples in the model's own input layout (.npy), when the model has one input. */
  readonly input?: Uint8Array;
  readonly inputShape?: readonly number[];
}

export interface SeedCorpus {
  readonly models: readonly SeedModel[];
  /** hls4ml YAML configurations (text). */
  readonly configs: readonly string[];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

function weightsBeside(json: string): string | undefined {
  const dir = path.dirname(json);
  const stem = path.basename(json, '.json');
  for (const n of [`${stem}_weights.h5`, `${stem}.h5`, `${stem}.weights.h5`]) if (existsSync(path.join(dir, n))) return path.join(dir, n);
  return undefined;
}

/** Loads the corpus; models fastml cannot read unmutated are left out (they seed nothing useful). */
export async function loadSeeds(dataDir: string): Promise<SeedCorpus> {
  const modelsDir = path.join(dataDir, 'models');
  const models: SeedModel[] = [];
  const rng = new Rng(1);
  for (const file of walk(modelsDir)) {
    const ext = path.extname(file).toLowerCase();
    const rel = path.relative(modelsDir, file).replace(/[\\/]/g, '__');
    let kind: SeedKind;
    let weights: string | undefined;
    if (ext === '.onnx') kind = 'onnx';
    else if (ext === '.keras') kind = 'keras-v3';
    else if (ext === '.json') {
      weights = weightsBeside(file);
      if (!weights) continue;
      kind = 'keras-json';
    } else if (ext === '.h5') {
      // Weights-only files are seeds only through their architecture .json.
      kind = 'keras-h5';
    } else continue;
    if (statSync(file).size > 1 << 20) continue;
    let g;
    try {
      g = await loadModel(file, weights ? { weights } : {});
    } catch {
      continue;
    }
    // Large inputs (images of 200x200 and more) make every case seconds long; the shapes and
    // mutations they would add are covered by the small models, so they are not seeds.
    if (g.inputs.some((t) => g.tensors.get(t)!.shape.reduce((a, b) => a * b, 1) > MAX_SEED_INPUT)) continue;
    const modelName = rel;
    const files: Record<string, Uint8Array> = { [modelName]: new Uint8Array(readFileSync(file)) };
    let weightsName: string | undefined;
    if (weights) {
      weightsName = `${path.basename(modelName, '.json')}_weights.h5`;
      files[weightsName] = new Uint8Array(readFileSync(weights));
    }
    let input: Uint8Array | undefined;
    let inputShape: number[] | undefined;
    if (g.inputs.length === 1) {
      const layout = g.inputLayouts[g.inputs[0]!];
      inputShape = [...(layout?.sourceShape ?? g.tensors.get(g.inputs[0]!)!.shape)];
      const n = 3 * inputShape.reduce((a, b) => a * b, 1);
      if (n <= 1 << 20) {
        const data = new Float64Array(n);
        for (let k = 0; k < n; k++) data[k] = (rng.next() * 2 - 1) * 2;
        input = encodeNpy({ shape: [3, ...inputShape], data }, 'f4');
      }
    }
    models.push({ id: rel, kind, model: modelName, files, ...(weightsName ? { weights: weightsName } : {}), ...(input ? { input, inputShape } : {}) });
  }
  const configs: string[] = [];
  const refDir = path.join(dataDir, 'reference', 'hls4ml');
  if (existsSync(refDir))
    for (const f of walk(refDir)) if (path.basename(f) === 'config.yml') configs.push(readFileSync(f, 'utf8'));
  for (const f of walk(modelsDir)) if (/\.ya?ml$/.test(f)) configs.push(readFileSync(f, 'utf8'));
  return { models, configs };
}
