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

import { readFileSync } from 'node:fs';
import { DiagnosticError, diag, EXIT } from '../../diagnostics/diagnostic.js';
import { LIMITS, overLimit } from '../../diagnostics/limits.js';
import { readH5Tree } from './h5-tree.js';
import type { H5Dataset, H5Group } from './h5-tree.js';

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

function readAttr(node: H5Group | undefined, name: string): unknown {
  return node?.attrs.get(name);
}

/** A group or dataset at a relative path ("fc1/kernel:0") below `g`. */
function lookup(g: H5Group, rel: string): H5Group | H5Dataset | undefined {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  let cur: H5Group = g;
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    if (k === parts.length - 1) return cur.groups.get(p) ?? cur.datasets.get(p);
    const next = cur.groups.get(p);
    if (!next) return undefined;
    cur = next;
  }
  return cur;
}

function isDataset(x: H5Group | H5Dataset | undefined): x is H5Dataset {
  return x !== undefined && 'shape' in x;
}

function readDataset(ds: H5Dataset, name: string, file: string): StoredWeight {
  if (ds.tooLarge) overLimit('maxTensorElements', `weight dataset "${name}" with shape [${ds.shape.join(', ')}]`, { file });
  if (!ds.data)
    throw new DiagnosticError([diag('FML2103', `weight dataset "${name}" has a type fastml cannot read (${ds.dtype})`, { file })], EXIT.USAGE);
  const n = ds.shape.reduce((a, b) => a * b, 1);
  if (ds.data.length !== n)
    throw new DiagnosticError([diag('FML2103', `weight dataset "${name}" holds ${ds.data.length} values for shape [${ds.shape.join(', ')}]`, { file })], EXIT.USAGE);
  return { name, shape: ds.shape, data: ds.data };
}

/** Keras 2: a layer group's weights, in `weight_names` order. */
function readKeras2Group(g: H5Group, gpath: string, file: string): StoredWeight[] {
  const names = asStringList(readAttr(g, 'weight_names'));
  const out: StoredWeight[] = [];
  for (const wn of names) {
    const ds = lookup(g, wn);
    if (!isDataset(ds))
      throw new DiagnosticError(
        [diag('FML2104', `weight "${wn}" is listed in weight_names of group "${gpath}" but not stored`, { file })],
        EXIT.USAGE,
      );
    out.push(readDataset(ds, wn, file));
  }
  return out;
}

function readKeras2(root: H5Group, file: string): Map<string, StoredWeight[]> {
  const byLayer = new Map<string, StoredWeight[]>();
  const inner = new Map<string, StoredWeight[]>();
  const listed = asStringList(readAttr(root, 'layer_names'));
  const names = listed.length ? listed : [...root.groups.keys()];
  for (const ln of names) {
    const g = root.groups.get(ln);
    if (!g) continue;
    const ws = readKeras2Group(g, ln, file);
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
function readKeras3(root: H5Group, file: string, byLayer: Map<string, StoredWeight[]>, byPath: Map<string, StoredWeight[]>, prefix = ''): void {
  const layers = root.groups.get('layers');
  if (!layers) return;
  for (const [key, lg] of layers.groups) {
    const objPath = prefix ? `${prefix}/${key}` : key;
    const vars = lg.groups.get('vars');
    if (vars) {
      const varsOf = (g: H5Group, what: string): StoredWeight[] => {
        const idx = [...g.datasets.keys()].filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
        return idx.map((k) => readDataset(g.datasets.get(k)!, `${what}/${k}`, file));
      };
      let ws = varsOf(vars, 'vars');
      // Wrapper layers keep their variables in sub-objects: an RNN's `cell`, TimeDistributed's
      // `layer`, MultiHeadAttention's four projections (in the layer's variable order).
      if (!ws.length)
        for (const sub of KERAS3_SUB_OBJECTS) {
          const sv = lg.groups.get(sub)?.groups.get('vars');
          if (sv) ws = [...ws, ...varsOf(sv, `${sub}/vars`)];
        }
      byPath.set(objPath, ws);
      const nm = asString(readAttr(vars, 'name'));
      if (nm !== undefined && ws.length) byLayer.set(nm, ws);
    }
    readKeras3(lg, file, byLayer, byPath, objPath);
  }
}

/** The most specific line of an HDF5 error stack ("truncated file: eof = ..."), not all of it. */
function hdf5Reason(text: string): string {
  const lines = [...text.matchAll(/\(\): (.*)$/gm)].map((m) => m[1]!.trim());
  return lines.length ? lines[lines.length - 1]! : text.split('\n')[0]!;
}

function corrupt(file: string, why: string): never {
  throw new DiagnosticError([diag('FML2101', `cannot read as HDF5: ${why}`, { file }, 'is the file a Keras .h5 model or weights file, and complete?')], EXIT.USAGE);
}

/**
 * Reads a Keras HDF5 file from a path, or from bytes (a .keras member) with `file` used for
 * messages. The file is read by h5-tree.ts in a worker with a deadline; everything here works on
 * the plain tree it returns.
 */
export async function readKerasH5(file: string, bytes?: Uint8Array): Promise<KerasH5Content> {
  // The whole file is read once to check the HDF5 signature: Keras files are small, and a clear
  // "not HDF5" beats whatever the C library says about a truncated or foreign file.
  let data: Uint8Array;
  try {
    data = bytes ?? new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new DiagnosticError([diag('FML0001', `cannot read file: ${(e as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`, { file })], EXIT.USAGE);
  }
  // HDF5 signature: \x89HDF\r\n\x1a\n at offset 0 (or at 512, 1024, ... with a user block).
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  let hasSig = false;
  for (let off = 0; off + 8 <= data.length && !hasSig; off = off === 0 ? 512 : off * 2) hasSig = sig.every((b, k) => data[off + k] === b);
  if (!hasSig) corrupt(file, 'no HDF5 signature');
  const r = await readH5Tree(data);
  if (!r.ok) {
    if (r.limit === 'hdf5DeadlineMs') corrupt(file, `${r.reason} (LIMITS.hdf5DeadlineMs = ${LIMITS.hdf5DeadlineMs} ms); the file is most likely corrupt`);
    if (r.limit) overLimit(r.limit, r.limit === 'maxHdf5Depth' ? 'the depth of the HDF5 group tree (a hard-link cycle?)' : 'the number of HDF5 objects', { file });
    corrupt(file, hdf5Reason(r.reason));
  }
  const f = r.root;
  const modelConfig = asString(readAttr(f, 'model_config'));
  const kerasVersion = asString(readAttr(f, 'keras_version')) ?? asString(readAttr(f.groups.get('model_weights') ?? f, 'keras_version'));
  const backend = asString(readAttr(f, 'backend'));
  const byLayer = new Map<string, StoredWeight[]>();
  const byPath = new Map<string, StoredWeight[]>();
  let layout: KerasH5Content['layout'] = 'empty';
  if (f.groups.has('layers') && !readAttr(f, 'layer_names')) {
    readKeras3(f, file, byLayer, byPath);
    layout = 'keras3';
  } else {
    const root = f.groups.get('model_weights') ?? f;
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
}
