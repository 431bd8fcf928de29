/**
 * @fileoverview Reading Keras HDF5 files through h5wasm (the HDF5 C library compiled to wasm), so
 * no native build and no Python are needed. This module only knows HDF5 and the three ways Keras
 * lays weights out in it; it returns plain JS values and never exposes h5wasm objects, so callers
 * cannot leak open files.
 *
 * Layouts handled:
 * - Keras 2 `save_weights` / full-model `save`: one group per layer (at the root, or under
 *   `model_weights/`), with a `weight_names` attribute listing datasets relative to that group,
 *   e.g. `fc1/kernel:0`. Nested models keep one group whose weight names carry the inner layer.
 * - Keras 3 `model.weights.h5` (inside a .keras zip): `layers/<object name>/vars/<index>`, where
 *   the object name is Keras' auto-generated snake-case name and the layer's own name, when
 *   recorded, is the `name` attribute of `vars`. Nested models appear as `layers/<x>/layers/...`.
 */

import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { DiagnosticError, diag, EXIT } from '../../diagnostics/diagnostic.js';

/** One stored weight array, with the name it was saved under (e.g. `fc1/kernel:0` or `vars/0`). */
export interface StoredWeight {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array | Float64Array;
}

/** What a Keras HDF5 file holds, reduced to what the frontend needs. */
export interface KerasH5Content {
  /** The `model_config` root attribute (full-model files), parsed JSON text. */
  readonly modelConfig?: string;
  readonly kerasVersion?: string;
  readonly backend?: string;
  /**
   * Weights by the name of the layer group they were stored under. For Keras 2 nested models, the
   * inner layer's name (the weight-name component before the variable) is also a key.
   */
  readonly byLayer: ReadonlyMap<string, StoredWeight[]>;
  /** Keras 3 only: weights by the auto-generated object path, e.g. `q_dense_1` or `functional/dense`. */
  readonly byObjectPath: ReadonlyMap<string, StoredWeight[]>;
  readonly layout: 'keras2' | 'keras3' | 'empty';
}

let modulePromise: Promise<any> | undefined;
let scratchCounter = 0;

async function h5Module(): Promise<any> {
  modulePromise ??= h5wasm.ready;
  return modulePromise;
}

/** A value read from an attribute, as a string if it is one (bytes are decoded as UTF-8). */
function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** A string-array attribute (e.g. `layer_names`, `weight_names`); empty arrays come back as {}. */
function asStringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
  if (ArrayBuffer.isView(v)) return [];
  return [];
}

function readAttr(node: any, name: string): unknown {
  try {
    const a = node.attrs?.[name];
    return a === undefined ? undefined : a.value;
  } catch {
    return undefined;
  }
}

function readDataset(ds: any, name: string, file: string): StoredWeight {
  const shape: number[] = (ds.shape ?? []).map((d: number | bigint) => Number(d));
  const v = ds.value;
  let data: Float32Array | Float64Array;
  if (v instanceof Float32Array || v instanceof Float64Array) data = v.slice();
  else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) data = Float64Array.from(v as unknown as ArrayLike<number>, Number);
  else if (typeof v === 'number') data = Float64Array.of(v);
  else if (Array.isArray(v)) data = Float64Array.from(v.flat(Infinity) as number[], Number);
  else
    throw new DiagnosticError(
      [diag('FML2103', `weight dataset "${name}" has a type fastml cannot read (${ds.dtype})`, { file })],
      EXIT.USAGE,
    );
  return { name, shape, data };
}

function isGroup(x: any): boolean {
  return x instanceof h5wasm.Group;
}
function isDataset(x: any): boolean {
  return x instanceof h5wasm.Dataset;
}

/** Keras 2: a layer group's weights, in `weight_names` order. */
function readKeras2Group(g: any, file: string): StoredWeight[] {
  const names = asStringList(readAttr(g, 'weight_names'));
  const out: StoredWeight[] = [];
  for (const wn of names) {
    const ds = g.get(wn);
    if (!ds || !isDataset(ds))
      throw new DiagnosticError(
        [diag('FML2104', `weight "${wn}" is listed in weight_names of group "${g.path}" but not stored`, { file })],
        EXIT.USAGE,
      );
    out.push(readDataset(ds, wn, file));
  }
  return out;
}

function readKeras2(root: any, file: string): Map<string, StoredWeight[]> {
  const byLayer = new Map<string, StoredWeight[]>();
  const inner = new Map<string, StoredWeight[]>();
  const listed = asStringList(readAttr(root, 'layer_names'));
  const names = listed.length ? listed : (root.keys() as string[]).filter((k) => isGroup(root.get(k)));
  for (const ln of names) {
    const g = root.get(ln);
    if (!g || !isGroup(g)) continue;
    const ws = readKeras2Group(g, file);
    byLayer.set(ln, ws);
    // Nested models store the inner layers' weights in the outer group; index them by the inner
    // layer name too (the path component just before the variable name).
    for (const w of ws) {
      const parts = w.name.split('/');
      if (parts.length < 2) continue;
      const owner = parts[parts.length - 2]!;
      if (owner === ln) continue;
      const list = inner.get(owner) ?? [];
      list.push(w);
      inner.set(owner, list);
    }
  }
  for (const [k, v] of inner) if (!byLayer.has(k)) byLayer.set(k, v);
  return byLayer;
}

/** Sub-objects whose variables belong to their (variable-less) parent layer, in variable order. */
const KERAS3_SUB_OBJECTS = ['cell', 'layer', 'query_dense', 'key_dense', 'value_dense', 'output_dense'];

/** Keras 3: walk `layers/` recursively; each `vars` group holds datasets named 0, 1, ... */
function readKeras3(root: any, file: string, byLayer: Map<string, StoredWeight[]>, byPath: Map<string, StoredWeight[]>, prefix = ''): void {
  const layers = root.get('layers');
  if (!layers || !isGroup(layers)) return;
  for (const key of layers.keys() as string[]) {
    const lg = layers.get(key);
    if (!isGroup(lg)) continue;
    const objPath = prefix ? `${prefix}/${key}` : key;
    const vars = lg.get('vars');
    if (vars && isGroup(vars)) {
      const varsOf = (g: any, what: string): StoredWeight[] => {
        const idx = (g.keys() as string[]).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
        return idx.map((k) => readDataset(g.get(k), `${what}/${k}`, file));
      };
      let ws = varsOf(vars, 'vars');
      // Wrapper layers keep their variables in sub-objects: an RNN's `cell`, TimeDistributed's
      // `layer`, MultiHeadAttention's four projections (in the layer's variable order).
      if (!ws.length)
        for (const sub of KERAS3_SUB_OBJECTS) {
          const sv = lg.get(sub)?.get?.('vars');
          if (sv && isGroup(sv)) ws = [...ws, ...varsOf(sv, `${sub}/vars`)];
        }
      byPath.set(objPath, ws);
      const nm = asString(readAttr(vars, 'name'));
      if (nm !== undefined && ws.length) byLayer.set(nm, ws);
    }
    readKeras3(lg, file, byLayer, byPath, objPath);
  }
}

/** The most specific line of an HDF5 error stack ("truncated file: eof = ..."), not all of it. */
function hdf5Reason(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const lines = [...text.matchAll(/\(\): (.*)$/gm)].map((m) => m[1]!.trim());
  return lines.length ? lines[lines.length - 1]! : text.split('\n')[0]!;
}

function corrupt(file: string, why: string): never {
  throw new DiagnosticError([diag('FML2101', `cannot read as HDF5: ${why}`, { file }, 'is the file a Keras .h5 model or weights file, and complete?')], EXIT.USAGE);
}

/**
 * Reads a Keras HDF5 file from a path, or from bytes (a .keras member) with `file` used for
 * messages. Everything is copied out before the file is closed.
 */
export async function readKerasH5(file: string, bytes?: Uint8Array): Promise<KerasH5Content> {
  const Module = await h5Module();
  // The whole file is read once to check the HDF5 signature: Keras files are small, and a clear
  // "not HDF5" beats whatever the C library says about a truncated or foreign file.
  let data: Uint8Array;
  try {
    data = bytes ?? readFileSync(file);
  } catch (e) {
    throw new DiagnosticError([diag('FML0001', `cannot read file: ${(e as Error).message}`, { file })], EXIT.USAGE);
  }
  // HDF5 signature: \x89HDF\r\n\x1a\n at offset 0 (or at 512, 1024, ... with a user block).
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  let hasSig = false;
  for (let off = 0; off + 8 <= data.length && !hasSig; off = off === 0 ? 512 : off * 2) hasSig = sig.every((b, k) => data[off + k] === b);
  if (!hasSig) corrupt(file, 'no HDF5 signature');
  // The node build of h5wasm sees the real file system (NODERAWFS), so a file on disk is opened
  // where it is; bytes (a .keras member) go to a unique scratch file in the temp dir first.
  const scratch = bytes ? path.join(tmpdir(), `fastml_keras_${process.pid}_${++scratchCounter}.h5`) : undefined;
  if (scratch) Module.FS.writeFile(scratch, data);
  let f: any;
  // HDF5 prints its error stacks to stderr by default; while fastml reads, errors become JS
  // exceptions instead (turned into one-line diagnostics below). Everything between here and the
  // finally is synchronous, so no other h5wasm user can observe the switched handler.
  Module.activate_throwing_error_handler();
  try {
    try {
      f = new h5wasm.File(scratch ?? file, 'r');
    } catch (e) {
      corrupt(file, hdf5Reason(e));
    }
    try {
      const modelConfig = asString(readAttr(f, 'model_config'));
      const kerasVersion = asString(readAttr(f, 'keras_version')) ?? asString(readAttr(f.get('model_weights') ?? f, 'keras_version'));
      const backend = asString(readAttr(f, 'backend'));
      const byLayer = new Map<string, StoredWeight[]>();
      const byPath = new Map<string, StoredWeight[]>();
      const keys = f.keys() as string[];
      let layout: KerasH5Content['layout'] = 'empty';
      if (keys.includes('layers') && !readAttr(f, 'layer_names')) {
        readKeras3(f, file, byLayer, byPath);
        layout = 'keras3';
      } else {
        const root = keys.includes('model_weights') ? f.get('model_weights') : f;
        for (const [k, v] of readKeras2(root, file)) byLayer.set(k, v);
        layout = 'keras2';
      }
      return {
        ...(modelConfig !== undefined ? { modelConfig } : {}),
        ...(kerasVersion !== undefined ? { kerasVersion } : {}),
        ...(backend !== undefined ? { backend } : {}),
        byLayer,
        byObjectPath: byPath,
        layout,
      };
    } catch (e) {
      if (e instanceof DiagnosticError) throw e;
      return corrupt(file, hdf5Reason(e));
    }
  } finally {
    Module.deactivate_throwing_error_handler();
    try {
      f?.close();
    } catch {
      /* already closed */
    }
    try {
      if (scratch) Module.FS.unlink(scratch);
    } catch {
      /* never created */
    }
  }
}
