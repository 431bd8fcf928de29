/**
 * @fileoverview The Keras model config (the architecture JSON), flattened into one list of layer
 * calls with their input tensors. Handles every spelling fastml has met:
 * - Sequential as a bare list (Keras <= 2.2) or `{name, layers}`; with or without an InputLayer
 *   (without one, hls4ml names the input `input1`, as its reference traces show, and so do we;
 *   Keras itself would say `<first layer>_input`, which newer Keras versions save explicitly);
 * - functional models, `class_name` "Model" (Keras <= 2.3) or "Functional", with Keras 2
 *   `inbound_nodes` ([[[layer, node, tensor, kwargs], ...]]) or Keras 3 ones
 *   ([{args: [keras_tensor...], kwargs}]);
 * - nested models (a Sequential/Functional used as a layer), whose layers are spliced into the
 *   outer list with their inputs rewired, so the IR never sees a sub-model.
 * Tensors are identified by keys: the producing layer's name, plus `:k` for output k > 0.
 */

import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { diag, fail } from '../../diagnostics/diagnostic.js';
import { LIMITS, nestingDepth, overLimit } from '../../diagnostics/limits.js';

export interface FlatLayer {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, any>;
  /** Input tensor keys, in order. */
  readonly inputs: readonly string[];
  /** Keyword arguments of the call (e.g. use_causal_mask, initial_state), for converters that refuse some. */
  readonly callKwargs?: Readonly<Record<string, unknown>>;
}

export interface FlatModel {
  readonly name: string;
  readonly layers: FlatLayer[];
  /** Tensor keys of the model inputs (InputLayer names). */
  readonly inputs: string[];
  readonly outputs: string[];
  /** Layers left out because of a problem already reported (their outputs are unavailable). */
  readonly skipped: string[];
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

export function isModelClass(c: unknown): boolean {
  return typeof c === 'string' && MODEL_CLASSES.has(c);
}

interface Ctx {
  readonly file: string;
  readonly problems: Diagnostic[];
  readonly out: FlatLayer[];
  /** Tensor key -> the key it stands for (nested model inputs/outputs). */
  readonly alias: Map<string, string>;
  readonly skipped: string[];
}

function resolve(ctx: Ctx, key: string): string {
  let k = key;
  for (let guard = 0; ctx.alias.has(k) && guard < 1000; guard++) k = ctx.alias.get(k)!;
  return k;
}

function keyOf(name: string, tensorIndex: number): string {
  return tensorIndex > 0 ? `${name}:${tensorIndex}` : name;
}

/**
 * A layer entry fit to read: an object with a string class_name. Anything else (null, a number, a
 * list, a missing class) is reported once, with its position, and left out.
 */
function usableEntry(ctx: Ctx, entry: any, k: number, where: string): boolean {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    ctx.problems.push(diag('FML2208', `layer entry ${k} of model "${where}" is ${entry === null ? 'null' : Array.isArray(entry) ? 'a list' : `a ${typeof entry}`}, not a layer object`, { file: ctx.file, jsonPointer: `/config/layers/${k}` }));
    return false;
  }
  if (typeof entry.class_name !== 'string' || entry.class_name === '') {
    ctx.problems.push(diag('FML2208', `layer entry ${k} of model "${where}" has no class_name (the Keras layer class)`, { file: ctx.file, node: layerName(entry), jsonPointer: `/config/layers/${k}` }));
    ctx.skipped.push(layerName(entry));
    return false;
  }
  if (entry.config !== undefined && (entry.config === null || typeof entry.config !== 'object' || Array.isArray(entry.config))) {
    ctx.problems.push(diag('FML2208', `the config of layer entry ${k} is ${JSON.stringify(entry.config)?.slice(0, 40)}, not an object`, { file: ctx.file, node: layerName(entry), opType: entry.class_name, jsonPointer: `/config/layers/${k}/config` }));
    ctx.skipped.push(layerName(entry));
    return false;
  }
  return true;
}

function layerName(entry: any): string {
  return String(entry?.name ?? entry?.config?.name ?? '');
}

/** The per-sample input shape declared on a layer config, if any (batch axis dropped). */
export function declaredInputShape(cfg: Record<string, any>): (number | null)[] | undefined {
  const b = cfg.batch_input_shape ?? cfg.batch_shape;
  if (Array.isArray(b)) return b.slice(1);
  if (Array.isArray(cfg.input_shape)) return cfg.input_shape;
  return undefined;
}

/** Keyword arguments that carry input tensors (MultiHeadAttention's value and key), in input order. */
const TENSOR_KWARGS = ['value', 'key'] as const;

/** Keras 2 node refs `[name, node, tensor, kwargs?]` or Keras 3 `{config: {keras_history}}`. */
function refsOfNode(node: any): { name: string; tensor: number }[] | undefined {
  const refs: { name: string; tensor: number }[] = [];
  const visit = (x: any): boolean => {
    if (Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number') {
      refs.push({ name: x[0], tensor: Number(x[2] ?? 0) });
      // Attention layers take their value/key tensors as keyword arguments: they follow the query.
      const kw = x[3];
      if (kw && typeof kw === 'object') for (const k of TENSOR_KWARGS) if (kw[k] !== undefined && !visit(kw[k])) return false;
      return true;
    }
    if (x && typeof x === 'object' && !Array.isArray(x) && x.class_name === '__keras_tensor__') {
      const h = x.config?.keras_history;
      if (!Array.isArray(h)) return false;
      refs.push({ name: String(h[0]), tensor: Number(h[2] ?? 0) });
      return true;
    }
    if (Array.isArray(x)) return x.every(visit);
    return false;
  };
  if (node && typeof node === 'object' && !Array.isArray(node) && 'args' in node) {
    // Keras 3: positional args carry tensors (a merge layer gets one list of them), and an
    // attention layer's value/key keyword arguments follow them.
    if (!visit(node.args)) return undefined;
    const kw = node.kwargs;
    if (kw && typeof kw === 'object') for (const k of TENSOR_KWARGS) if (kw[k] !== undefined && !visit(kw[k])) return undefined;
    return refs.length ? refs : undefined;
  }
  // A node must name at least one input tensor ([[[]]] passes the shape test but names none).
  return visit(node) && refs.length ? refs : undefined;
}

/** The call's keyword arguments: Keras 3 `{args, kwargs}`, Keras 2 the 4th entry of the first ref. */
function callKwargsOf(node: any): Record<string, unknown> | undefined {
  const kw = node && typeof node === 'object' && !Array.isArray(node) ? node.kwargs : Array.isArray(node) && Array.isArray(node[0]) ? node[0][3] : undefined;
  return kw && typeof kw === 'object' && !Array.isArray(kw) && Object.keys(kw).length ? kw : undefined;
}

/** `input_layers`/`output_layers`: [[name, node, tensor], ...] or a single [name, node, tensor]. */
function endpointRefs(v: any): { name: string; tensor: number }[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [{ name: v[0], tensor: Number(v[2] ?? 0) }];
  return v.filter(Array.isArray).map((r: any[]) => ({ name: String(r[0]), tensor: Number(r[2] ?? 0) }));
}

/**
 * Flattens a model into ctx.out. `outerInputs` are the tensor keys feeding a nested model (empty
 * at top level). Returns the model's input keys (top level) and output keys.
 */
function flatten(ctx: Ctx, model: any, outerInputs: string[] | undefined, where: string): { inputs: string[]; outputs: string[] } {
  const cls = model?.class_name;
  const cfg = model?.config;
  if (cls === 'Sequential') {
    const all: any[] = Array.isArray(cfg) ? cfg : Array.isArray(cfg?.layers) ? cfg.layers : [];
    const layers = all.filter((entry, k) => usableEntry(ctx, entry, k, where));
    if (all.length && !layers.length) return { inputs: [], outputs: [] };
    if (!layers.length) {
      ctx.problems.push(diag('FML2202', `Sequential model "${where}" has no layers`, { file: ctx.file }));
      return { inputs: [], outputs: [] };
    }
    let prev: string;
    const inputs: string[] = [];
    let start = 0;
    if (layers[0].class_name === 'InputLayer') {
      const nm = layerName(layers[0]);
      if (outerInputs) ctx.alias.set(nm, outerInputs[0]!);
      else {
        ctx.out.push({ className: 'InputLayer', name: nm, config: layers[0].config ?? {}, inputs: [] });
        inputs.push(nm);
      }
      prev = nm;
      start = 1;
    } else if (outerInputs) {
      prev = outerInputs[0]!;
    } else {
      const first = layers[0];
      // tf.keras records `build_input_shape` on a Sequential built without an input shape.
      const built = Array.isArray(cfg?.build_input_shape) ? cfg.build_input_shape.slice(1) : undefined;
      const shape = declaredInputShape(first.config ?? {}) ?? built;
      const nm = 'input1';
      if (!shape)
        ctx.problems.push(
          diag('FML2203', 'the first layer of the Sequential model declares no input shape (batch_input_shape)', { file: ctx.file, node: layerName(first), opType: first.class_name }),
        );
      ctx.out.push({ className: 'InputLayer', name: nm, config: { batch_input_shape: [null, ...(shape ?? [])] }, inputs: [] });
      inputs.push(nm);
      prev = nm;
    }
    for (const entry of layers.slice(start)) {
      const nm = layerName(entry);
      if (isModelClass(entry.class_name)) {
        const sub = flatten(ctx, entry, [resolve(ctx, prev)], nm);
        if (sub.outputs.length) ctx.alias.set(nm, sub.outputs[0]!);
      } else ctx.out.push({ className: String(entry.class_name), name: nm, config: entry.config ?? {}, inputs: [resolve(ctx, prev)] });
      prev = nm;
    }
    return { inputs, outputs: [resolve(ctx, prev)] };
  }
  if (cls === 'Model' || cls === 'Functional') {
    const layers: any[] = (Array.isArray(cfg?.layers) ? cfg.layers : []).filter((entry: any, k: number) => usableEntry(ctx, entry, k, where));
    const ins = endpointRefs(cfg?.input_layers);
    const outs = endpointRefs(cfg?.output_layers);
    const inputs: string[] = [];
    ins.forEach((r, k) => {
      if (outerInputs) {
        if (outerInputs[k] !== undefined) ctx.alias.set(r.name, outerInputs[k]!);
      } else inputs.push(r.name);
    });
    for (const entry of layers) {
      const nm = layerName(entry);
      if (entry.class_name === 'InputLayer') {
        if (!outerInputs) ctx.out.push({ className: 'InputLayer', name: nm, config: entry.config ?? {}, inputs: [] });
        continue;
      }
      const nodes: any[] = Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes : [];
      if (nodes.length !== 1) {
        ctx.problems.push(
          diag(
            'FML2204',
            nodes.length ? `the layer is called ${nodes.length} times (shared layers are not supported)` : 'the layer is not connected (no inbound nodes)',
            { file: ctx.file, node: nm, opType: String(entry.class_name) },
          ),
        );
        ctx.skipped.push(nm);
        continue;
      }
      const refs = refsOfNode(nodes[0]);
      if (!refs) {
        ctx.problems.push(diag('FML2205', 'cannot read the inbound node of the layer', { file: ctx.file, node: nm, opType: String(entry.class_name) }));
        ctx.skipped.push(nm);
        continue;
      }
      const inKeys = refs.map((r) => resolve(ctx, keyOf(r.name, r.tensor)));
      if (isModelClass(entry.class_name)) {
        const sub = flatten(ctx, entry, inKeys, nm);
        sub.outputs.forEach((o, k) => ctx.alias.set(keyOf(nm, k), o));
      } else {
        const kw = callKwargsOf(nodes[0]);
        ctx.out.push({ className: String(entry.class_name), name: nm, config: entry.config ?? {}, inputs: inKeys, ...(kw ? { callKwargs: kw } : {}) });
      }
    }
    return { inputs, outputs: outs.map((r) => resolve(ctx, keyOf(r.name, r.tensor))) };
  }
  ctx.problems.push(
    diag('FML2201', `not a Keras model config: class_name is ${JSON.stringify(cls)}, expected Sequential, Functional or Model`, { file: ctx.file }),
  );
  return { inputs: [], outputs: [] };
}

/** Flattens a parsed model config (the `model_config` / .json / config.json object). */
export function flattenModel(model: any, file: string): { model: FlatModel; problems: Diagnostic[] } {
  // Nested sub-models are flattened recursively: bound the depth before recursing.
  if (nestingDepth(model) > LIMITS.maxNestingDepth) overLimit('maxNestingDepth', 'the model config nesting', { file });
  if (!model || typeof model !== 'object' || Array.isArray(model)) fail('FML2201', 'not a Keras model config (expected an object with class_name and config)', { file });
  const ctx: Ctx = { file, problems: [], out: [], alias: new Map(), skipped: [] };
  const { inputs, outputs } = flatten(ctx, model, undefined, String(model?.config?.name ?? 'model'));
  const name = String((Array.isArray(model?.config) ? undefined : model?.config?.name) ?? 'model');
  return { model: { name, layers: ctx.out, inputs, outputs, skipped: ctx.skipped }, problems: ctx.problems };
}
