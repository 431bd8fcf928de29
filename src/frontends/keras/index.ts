/**
 * @fileoverview The Keras / QKeras frontend: reads a model with no Python and no TensorFlow, in
 * any of the three forms Keras saves:
 * - full-model HDF5 (`model.save('m.h5')`): `model_config` root attribute + `model_weights/`;
 * - architecture JSON + weights-only HDF5 (`to_json()` + `save_weights()`), the form hls4ml's
 *   example models use: the weights are found as `<stem>_weights.h5` or `<stem>.h5` beside the
 *   .json, or given with `--weights`;
 * - Keras 3 `.keras` zip: `config.json` + `model.weights.h5` (+ `metadata.json`).
 * All three end in the same flattened layer list (config.ts) and the same converters (layers.ts),
 * so the same model gives the same IR whichever form it comes in.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { strFromU8 } from 'fflate';
import { readZip } from '../../io/zip.js';
import type { Graph, InputLayout, Shape } from '../../ir/graph.js';
import { DiagnosticError, diag, EXIT, fail } from '../../diagnostics/diagnostic.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { GraphBuilder, PoisonedInput } from './build.js';
import { checkTensorSize } from '../../diagnostics/limits.js';
import { declaredInputShape, flattenModel } from './config.js';
import type { FlatModel } from './config.js';
import { readKerasH5 } from './h5.js';
import type { KerasH5Content, StoredWeight } from './h5.js';
import { CONVERTERS } from './layers.js';

export interface KerasLoadOptions {
  /** Weights file for an architecture .json (default: `<stem>_weights.h5` or `<stem>.h5` beside it). */
  readonly weights?: string;
}

/** The weights file that goes with an architecture .json, or a usage error naming what was tried. */
export function findWeightsFile(jsonFile: string, explicit?: string): string {
  if (explicit) {
    if (!existsSync(explicit)) fail('FML2002', 'weights file not found', { file: explicit }, `given with --weights for ${jsonFile}`);
    return explicit;
  }
  const dir = path.dirname(jsonFile);
  const stem = path.basename(jsonFile, path.extname(jsonFile));
  // hls4ml's example models use <stem>_weights.h5; Keras 3's save_weights wants <stem>.weights.h5.
  const tried = [`${stem}_weights.h5`, `${stem}.h5`, `${stem}.weights.h5`, `${stem}_weights.hdf5`, `${stem}.hdf5`].map((n) => path.join(dir, n));
  for (const t of tried) if (existsSync(t)) return t;
  fail('FML2002', `no weights file beside the architecture JSON (looked for ${tried.map((t) => path.basename(t)).join(', ')})`, { file: jsonFile }, 'pass the weights with --weights FILE');
}

function parseJson(text: string, file: string): any {
  try {
    return JSON.parse(text);
  } catch (e) {
    fail('FML2001', `not valid JSON: ${(e as Error).message}`, { file });
  }
}

/** Keras 3 object names for the weights file: snake_case of the class, `_1`, `_2`... on repeats. */
function snakeCase(cls: string): string {
  return cls
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function weightLookup(model: FlatModel, h5: KerasH5Content): (layer: string) => StoredWeight[] | undefined {
  if (h5.layout !== 'keras3') return (n) => h5.byLayer.get(n);
  // Keras 3 records the layer name on `vars` in the files seen so far; if it is missing, fall
  // back to the auto-generated object names, assigned in layer order per class.
  const counts = new Map<string, number>();
  const byAuto = new Map<string, string>();
  for (const l of model.layers) {
    if (l.className === 'InputLayer') continue;
    const base = snakeCase(l.className);
    const k = counts.get(base) ?? 0;
    counts.set(base, k + 1);
    byAuto.set(l.name, k ? `${base}_${k}` : base);
  }
  return (n) => h5.byLayer.get(n) ?? h5.byObjectPath.get(byAuto.get(n) ?? '');
}

function layoutOf(shape: Shape): InputLayout {
  const src = shape.length === 1 ? 'NC' : shape.length === 2 ? 'NWC' : shape.length === 3 ? 'NHWC' : `N${'D'.repeat(shape.length)}`;
  return { source: src, sourceShape: shape, perm: shape.map((_, i) => i) };
}

/** Builds the IR from a flattened model and its weights; throws one DiagnosticError with all problems. */
export function buildGraph(
  model: FlatModel,
  lookup: (layer: string) => StoredWeight[] | undefined,
  file: string,
  keras3: boolean,
  meta: Graph['meta'],
  earlier: readonly Diagnostic[] = [],
): Graph {
  const b = new GraphBuilder(file);
  b.problems.push(...earlier);
  const tensorOf = new Map<string, string>();
  // Layers the config reader could not place are already reported: their outputs are poisoned
  // so that their consumers are still checked without follow-on "not produced" errors.
  for (const n of model.skipped) tensorOf.set(n, b.poison(n));
  const inputs: string[] = [];
  const ctx = { b, keras3, weightsOf: lookup };
  for (const l of model.layers) {
    const src = { file, node: l.name, opType: l.className };
    if (l.className === 'InputLayer') {
      const shape = declaredInputShape(l.config);
      if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1)) {
        b.problem('FML2402', `input shape ${JSON.stringify(shape ?? null)} is not a fixed shape (every per-sample dimension must be a known positive integer, and there must be at least one)`, src);
        tensorOf.set(l.name, b.poison(l.name));
        continue;
      }
      checkTensorSize(shape as number[], 'the input', src);
      if (l.config.sparse === true || l.config.ragged === true) b.problem('FML2402', `${l.config.sparse ? 'sparse' : 'ragged'} inputs are not supported`, src);
      const t = b.add({ name: l.name, attrs: { op: 'Input' }, inputs: [], target: shape as number[], source: src });
      inputs.push(t);
      tensorOf.set(l.name, t);
      continue;
    }
    const conv = CONVERTERS[l.className];
    if (!conv) {
      b.problem('FML2400', `layer class "${l.className}" is not supported`, src);
      tensorOf.set(l.name, b.poison(l.name));
      continue;
    }
    const ins = l.inputs.map((k) => tensorOf.get(k));
    if (ins.some((t) => t === undefined)) {
      b.problem('FML2206', `input ${l.inputs.filter((k) => !tensorOf.has(k)).join(', ')} is not produced by any earlier layer`, src);
      tensorOf.set(l.name, b.poison(l.name));
      continue;
    }
    let out: string | undefined;
    try {
      out = conv(l, ins as string[], src, ctx);
    } catch (e) {
      if (!(e instanceof PoisonedInput)) throw e;
      out = undefined;
    }
    tensorOf.set(l.name, out ?? b.poison(l.name));
  }
  const outputs = model.outputs.map((k) => tensorOf.get(k));
  if (outputs.some((o) => o === undefined) || outputs.length === 0)
    b.problems.push(diag('FML2207', `model outputs ${JSON.stringify(model.outputs)} are not all produced by a layer`, { file }));
  if (b.problems.length) throw new DiagnosticError(b.problems, EXIT.MODEL);
  const inputLayouts: Record<string, InputLayout> = {};
  for (const t of inputs) inputLayouts[t] = layoutOf(b.tensors.get(t)!.shape);
  return { name: model.name, inputs, outputs: outputs as string[], tensors: b.tensors, layers: b.layers, inputLayouts, meta };
}

function toGraph(config: any, h5: KerasH5Content, file: string, format: string, extraMeta: Record<string, unknown>): Graph {
  if (!config || typeof config !== 'object' || !('class_name' in config))
    fail('FML2201', 'not a Keras model: no class_name at the top level of the model config', { file });
  const { model, problems } = flattenModel(config, file);
  if (problems.some((p) => p.code === 'FML2201')) throw new DiagnosticError(problems, EXIT.USAGE);
  const version = String(extraMeta.kerasVersion ?? config.keras_version ?? h5.kerasVersion ?? '');
  const keras3 = version.startsWith('3') || format === 'keras-v3' || h5.layout === 'keras3';
  const meta = { file, format, producer: `keras ${version || 'unknown'}`, ...extraMeta, ...(version ? { kerasVersion: version } : {}) };
  return buildGraph(model, weightLookup(model, h5), file, keras3, meta, problems);
}

async function loadJson(file: string, opts: KerasLoadOptions): Promise<Graph> {
  const config = parseJson(readFileSync(file, 'utf8'), file);
  if (!config || typeof config !== 'object' || !('class_name' in config))
    fail('FML2201', 'not a Keras model JSON (no class_name; expected the output of model.to_json())', { file });
  const weightsFile = findWeightsFile(file, opts.weights);
  const h5 = await readKerasH5(weightsFile);
  return toGraph(config, h5, file, 'keras-json', { weightsFile, ...(config.keras_version ? { kerasVersion: config.keras_version } : {}) });
}

async function loadH5(file: string): Promise<Graph> {
  const h5 = await readKerasH5(file);
  if (h5.modelConfig === undefined)
    fail('FML2003', 'this HDF5 file holds weights only (no model_config attribute)', { file }, 'give the architecture .json instead; fastml finds this weights file beside it, or pass it with --weights');
  const config = parseJson(h5.modelConfig, file);
  return toGraph(config, h5, file, 'keras-h5', {});
}

async function loadKerasV3(file: string): Promise<Graph> {
  const entries = readZip(new Uint8Array(readFileSync(file)), file);
  if (!entries['config.json']) fail('FML2004', '.keras archive has no config.json', { file });
  const config = parseJson(strFromU8(entries['config.json']), `${file}:config.json`);
  const metadata: unknown = entries['metadata.json'] ? parseJson(strFromU8(entries['metadata.json']), `${file}:metadata.json`) : {};
  // metadata.json only tells the Keras version; anything but an object there is ignored.
  const kv = metadata && typeof metadata === 'object' ? (metadata as { keras_version?: unknown }).keras_version : undefined;
  const wbytes = entries['model.weights.h5'];
  const h5: KerasH5Content = wbytes ? await readKerasH5(`${file}:model.weights.h5`, wbytes) : { byLayer: new Map(), byObjectPath: new Map(), layout: 'empty' };
  return toGraph(config, h5, file, 'keras-v3', typeof kv === 'string' || typeof kv === 'number' ? { kerasVersion: String(kv) } : {});
}

/** Loads a Keras / QKeras model (.h5/.hdf5 full model, .json + weights, or .keras) into the IR. */
export async function loadKeras(file: string, opts: KerasLoadOptions = {}): Promise<Graph> {
  if (!existsSync(file)) fail('FML0001', 'no such file', { file });
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return loadJson(file, opts);
  if (ext === '.keras') return loadKerasV3(file);
  if (ext === '.h5' || ext === '.hdf5') return loadH5(file);
  fail('FML0002', `not a Keras file extension "${ext}"`, { file }, 'Keras models are .h5/.hdf5, .json (+ weights .h5) or .keras');
}
