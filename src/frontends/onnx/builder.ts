/**
 * @fileoverview The ONNX frontend's view of values while it walks the graph, and the IR builder.
 *
 * Layout model. ONNX tensors keep their full ONNX shape (batch included, batch size taken as 1) in
 * `DynValue.shape`; the IR tensor holding the data stores a subset of those axes in some order:
 * IR axis i is ONNX axis `perm[i]`. Axes missing from `perm` have size 1 (the batch axis, or unit
 * axes added by Unsqueeze / GlobalPool), so they never change the row-major order of the data.
 * Because of this, ONNX Transpose / Squeeze / Unsqueeze only relabel axes and emit no IR layer, and
 * the NHWC->NCHW->NHWC transposes that Keras exports wrap around convolutions cancel by
 * construction. An IR Transpose is emitted only where an op really needs another order (a Conv on
 * a channels-first tensor needs channels last; a Flatten needs the model's own order).
 */

import type { Layer, LayerAttrs, QuantFact, Shape, TensorInfo, WeightTensor } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import { inferShape, ShapeError } from '../../ir/shapes.js';
import { checkLayerShape } from '../../diagnostics/limits.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { diag } from '../../diagnostics/diagnostic.js';
import type { ConstTensor } from './proto.js';

export interface DynValue {
  readonly kind: 'dyn';
  readonly ir: string;
  /** Full ONNX shape, batch included (as 1). */
  readonly shape: readonly number[];
  /** Index of the batch axis in `shape`, or -1 when the tensor has none. */
  readonly batch: number;
  /** IR axis i holds ONNX axis perm[i]. */
  readonly perm: readonly number[];
}

export interface ConstValue {
  readonly kind: 'const';
  readonly t: ConstTensor;
  /** Set when the constant went through a QONNX Quant / DequantizeLinear (weights). */
  readonly quant?: QuantFact;
}

/** The output of a QuantizeLinear, waiting for its DequantizeLinear. */
export interface QLinearValue {
  readonly kind: 'qlinear';
  readonly src: DynValue | ConstValue;
  readonly scale: ConstTensor;
  readonly zeroPoint: ConstTensor;
  readonly signed: boolean;
  readonly bits: number;
}

/** A value that could not be built (its producer was reported); consumers are skipped silently. */
export interface PoisonValue {
  readonly kind: 'poison';
}

export type Value = DynValue | ConstValue | QLinearValue | PoisonValue;
export const POISON: PoisonValue = { kind: 'poison' };

export const identity = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
export const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The IR shape of a dyn value. */
export const irShapeOf = (v: DynValue): number[] => v.perm.map((p) => v.shape[p]!);

/** Axis order a channels-first op (ONNX Conv/Pool/BN) needs in the IR: spatial axes, then channel. */
export function channelsLastPerm(rank: number): number[] {
  return [...identity(rank).slice(2), 1];
}

/** The model's own (row-major) order of the axes this value stores. */
export function canonicalPerm(v: DynValue): number[] {
  return [...v.perm].sort((a, b) => a - b);
}

export class GraphBuilder {
  readonly layers: Layer[] = [];
  readonly tensors = new Map<string, TensorInfo>();
  readonly diagnostics: Diagnostic[] = [];
  private readonly layerNames = new Set<string>();
  private readonly reserved: Set<string>;

  constructor(
    readonly file: string,
    onnxTensorNames: Iterable<string>,
  ) {
    this.reserved = new Set(onnxTensorNames);
  }

  uniqueLayerName(base: string): string {
    let name = base;
    for (let k = 1; this.layerNames.has(name); k++) name = `${base}_${k}`;
    this.layerNames.add(name);
    return name;
  }

  /** A fresh tensor name for a tensor fastml introduces (never an ONNX name). */
  freshTensor(base: string): string {
    let name = base;
    for (let k = 1; this.tensors.has(name) || this.reserved.has(name); k++) name = `${base}_${k}`;
    return name;
  }

  error(code: string, message: string, node?: string, opType?: string, hint?: string): void {
    this.diagnostics.push(diag(code, message, { file: this.file, ...(node !== undefined ? { node } : {}), ...(opType ? { opType } : {}) }, hint));
  }

  /**
   * Adds a layer whose output tensor is `out` (an ONNX name, or undefined for a fresh one). The
   * output shape comes from the IR's own shape rule, so the frontend and the verifier cannot
   * disagree. Returns the output tensor name, or undefined (with a diagnostic) on a shape error.
   */
  add(
    spec: {
      name: string;
      attrs: LayerAttrs;
      inputs: string[];
      weights?: Record<string, WeightTensor>;
      out?: string;
      target?: Shape;
      quant?: Record<string, QuantFact>;
      node?: string;
      opType?: string;
    },
  ): { tensor: string; shape: number[] } | undefined {
    const inShapes = spec.inputs.map((t) => this.tensors.get(t)!.shape);
    let shape: Shape;
    try {
      shape = inferShape(spec.attrs, inShapes, spec.weights ?? {}, spec.target);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      this.error('FML1120', `cannot map to the IR: ${e.message}`, spec.node, spec.opType);
      return undefined;
    }
    checkLayerShape(shape, { file: this.file, node: spec.node, opType: spec.opType });
    const name = this.uniqueLayerName(spec.name);
    const tensor = spec.out !== undefined && !this.tensors.has(spec.out) ? spec.out : this.freshTensor(`${name}_out`);
    this.tensors.set(tensor, { name: tensor, shape });
    const layer: Layer = {
      name,
      attrs: spec.attrs,
      inputs: spec.inputs,
      outputs: [tensor],
      weights: spec.weights ?? {},
      precision: {},
      ...(spec.quant && Object.keys(spec.quant).length ? { quant: spec.quant } : {}),
      source: { file: this.file, ...(spec.node !== undefined ? { node: spec.node } : {}), ...(spec.opType ? { opType: spec.opType } : {}) },
    };
    this.layers.push(layer);
    return { tensor, shape: [...shape] };
  }

  /**
   * The IR tensor holding `v` with its axes in the order `want` (ONNX axis numbers). Emits an IR
   * Transpose when the stored order differs and a Reshape when unit axes must be added or dropped.
   */
  toLayout(v: DynValue, want: readonly number[], why: { name: string; nodeName?: string }): string | undefined {
    if (sameList(v.perm, want)) return v.ir;
    const wantSet = new Set(want);
    const haveSet = new Set(v.perm);
    for (const a of want)
      if (!haveSet.has(a) && v.shape[a] !== 1) throw new Error(`layout: axis ${a} is not stored (internal)`);
    for (const a of v.perm)
      if (!wantSet.has(a) && v.shape[a] !== 1) throw new Error(`layout: axis ${a} cannot be dropped (internal)`);
    // First order the axes both sides keep as `want` orders them (dropped unit axes go last)...
    const kept = want.filter((a) => haveSet.has(a));
    const order = [...kept, ...v.perm.filter((a) => !wantSet.has(a))];
    let ir = v.ir;
    if (!sameList(order, v.perm)) {
      const tperm = order.map((a) => v.perm.indexOf(a));
      const r = this.add({ name: `${why.name}_transpose`, attrs: { op: 'Transpose', perm: tperm }, inputs: [ir], ...(why.nodeName !== undefined ? { node: why.nodeName } : {}), opType: 'Transpose' });
      if (!r) return undefined;
      ir = r.tensor;
    }
    // ... then add / drop unit axes, which only relabels the data.
    if (!sameList(order, want)) {
      const target = want.map((a) => v.shape[a]!);
      const r = this.add({ name: `${why.name}_reshape`, attrs: { op: 'Reshape' }, inputs: [ir], target, ...(why.nodeName !== undefined ? { node: why.nodeName } : {}), opType: 'Reshape' });
      if (!r) return undefined;
      ir = r.tensor;
    }
    return ir;
  }
}

/** Broadcasts a constant to `shape` (numpy rules) and returns row-major values. */
export function broadcastTo(c: ConstTensor, shape: readonly number[]): Float64Array | undefined {
  const r = shape.length;
  if (c.shape.length > r) {
    // Extra leading unit axes on the constant are harmless.
    const lead = c.shape.slice(0, c.shape.length - r);
    if (lead.some((d) => d !== 1)) return undefined;
  }
  const cs = c.shape.slice(Math.max(0, c.shape.length - r));
  const padded = [...Array(r - cs.length).fill(1), ...cs];
  for (let d = 0; d < r; d++) if (padded[d] !== 1 && padded[d] !== shape[d]) return undefined;
  const n = numel(shape);
  const out = new Float64Array(n);
  const cStrides = new Array<number>(r).fill(0);
  let s = 1;
  for (let d = r - 1; d >= 0; d--) {
    cStrides[d] = padded[d] === 1 ? 0 : s;
    s *= padded[d]!;
  }
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let d = 0; d < r; d++) off += idx[d]! * cStrides[d]!;
    out[k] = c.data[off]!;
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Row-major transpose: out axis i = in axis perm[i]. */
export function transposeData(data: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float64Array {
  const r = shape.length;
  const n = numel(shape);
  const out = new Float64Array(n);
  const inStrides = new Array<number>(r).fill(1);
  for (let d = r - 2; d >= 0; d--) inStrides[d] = inStrides[d + 1]! * shape[d + 1]!;
  const outShape = perm.map((p) => shape[p]!);
  const st = perm.map((p) => inStrides[p]!);
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let d = 0; d < r; d++) off += idx[d]! * st[d]!;
    out[k] = data[off]!;
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Expresses a constant operand of an elementwise op in the IR layout of `v`: returns values of
 * length 1 (scalar), C (per last IR axis) or numel (full tensor), smallest that represents it.
 */
export function constInLayout(c: ConstTensor, v: DynValue): { shape: number[]; data: Float64Array } | undefined {
  const full = broadcastTo(c, v.shape);
  if (!full) return undefined;
  // Drop unit axes not stored, then order like the IR.
  const irData = transposeData(full, v.shape, [...v.perm, ...identity(v.shape.length).filter((a) => !v.perm.includes(a))]);
  const irShape = irShapeOf(v);
  const n = numel(irShape);
  const data = irData.subarray(0, n);
  if (data.every((x) => x === data[0])) return { shape: [1], data: Float64Array.of(data[0] ?? 0) };
  const C = irShape[irShape.length - 1] ?? 1;
  let perChannel = true;
  for (let k = 0; k < n && perChannel; k++) if (data[k] !== data[k % C]) perChannel = false;
  if (perChannel) return { shape: [C], data: Float64Array.from(data.subarray(0, C)) };
  return { shape: irShape, data: Float64Array.from(data) };
}
