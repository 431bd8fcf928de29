/**
 * @fileoverview What an ONNX op handler sees (OpCtx) and the helpers handlers share: typed input
 * access that reports (rather than throws) problems, and building dyn values from IR results.
 */

import type { LayerAttrs, QuantFact, WeightTensor } from '../../ir/graph.js';
import type { Attrs, ConstTensor, NodeProto } from './proto.js';
import { dataTypeName } from './proto.js';
import type { ConstValue, DynValue, GraphBuilder, Value } from './builder.js';

export interface OpCtx {
  readonly b: GraphBuilder;
  readonly file: string;
  /** ai.onnx opset version of the model. */
  readonly opset: number;
  readonly node: NodeProto;
  readonly opType: string;
  /** The node name for diagnostics (the ONNX name, or the first output when unnamed). */
  readonly nodeName: string;
  /** Base for IR layer names (same as nodeName). */
  readonly name: string;
  readonly a: Attrs;
  /** Inputs by position; undefined for an omitted optional input (""). */
  readonly ins: readonly (Value | undefined)[];
  readonly outs: readonly string[];
  /** Output names some node or the graph reads (unused optional outputs may be ignored). */
  readonly usedOutputs: ReadonlySet<string>;
}

/** A handler returns one value per ONNX output, or undefined after reporting why it cannot. */
export type Handler = (c: OpCtx) => (Value | undefined)[] | undefined;

export function unsupportedAttr(c: OpCtx, attr: string, what: string, supported: string): void {
  c.b.error('FML1111', `unsupported attribute ${attr}: ${what} (opset ${c.opset})`, c.nodeName, c.opType, `supported: ${supported}`);
}

export function unsupported(c: OpCtx, what: string, hint?: string): void {
  c.b.error('FML1112', `unsupported use of ${c.opType}: ${what} (opset ${c.opset})`, c.nodeName, c.opType, hint);
}

/** The k-th input as a computed tensor; a constant there is reported as unsupported. */
export function dynIn(c: OpCtx, k: number, what = 'input'): DynValue | undefined {
  const v = c.ins[k];
  if (v?.kind === 'dyn') return v;
  if (!v) unsupported(c, `${what} (input ${k}) is missing`);
  else if (v.kind === 'const') unsupported(c, `${what} (input ${k}) is a constant; fastml expects a tensor computed from the model input here`);
  else if (v.kind === 'qlinear') unsupported(c, `${what} (input ${k}) is a QuantizeLinear output not followed by DequantizeLinear`);
  return undefined;
}

/** The k-th input as a constant (initializer, Constant node or folded value). */
export function constIn(c: OpCtx, k: number, what: string): ConstValue | undefined {
  const v = c.ins[k];
  if (v?.kind === 'const') return v;
  if (!v) unsupported(c, `${what} (input ${k}) is missing`);
  else if (v.kind === 'dyn') unsupported(c, `${what} (input ${k}) must be a constant (initializer), but it is computed by the graph`, 'fastml builds fixed hardware: weights and shapes must be known at compile time');
  else if (v.kind === 'qlinear') unsupported(c, `${what} (input ${k}) is a QuantizeLinear output not followed by DequantizeLinear`);
  return undefined;
}

export function optConst(c: OpCtx, k: number, what: string): ConstValue | undefined | null {
  if (c.ins[k] === undefined) return null;
  return constIn(c, k, what) ?? undefined;
}

export function scalarOf(t: ConstTensor): number | undefined {
  return t.data.length === 1 ? t.data[0] : undefined;
}

export const isIntType = (dt: number) => [2, 3, 4, 5, 6, 7, 9, 12, 13].includes(dt);
export { dataTypeName };

/**
 * An IR weight. Values that are all exactly float32 (every weight of a float32 model that the
 * frontend did not scale) are kept as a Float32Array: the same values in half the memory, which is
 * what keeps a 10M-parameter model's compile within twice its weight bytes (the emulator and the
 * writer then hold their quantized copies next to it). Anything else (float64 initializers, values
 * the frontend computed in float64) stays a Float64Array, so nothing is ever rounded.
 */
export function weight(shape: number[], data: Float64Array): WeightTensor {
  return { shape, data: narrowExact(data) ?? data };
}

/**
 * An IR weight holding a constant's values unchanged. A float32 initializer is shared as it was
 * read (ConstTensor.f32: IR weights and constants are never modified); anything else is copied
 * (narrowed when exactly float32), since the constant may feed other nodes too.
 */
export function weightOf(shape: number[], t: ConstTensor): WeightTensor {
  if (t.f32) return { shape, data: t.f32 };
  return { shape, data: narrowExact(t.data) ?? Float64Array.from(t.data) };
}

/** `data` copied into a Float32Array when that holds every value exactly (NaN: not narrowed). */
function narrowExact(data: Float64Array): Float32Array | undefined {
  // Small arrays: no memory to save.
  if (data.length < 1024) return undefined;
  const out = new Float32Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!;
    out[k] = v;
    if (out[k] !== v) return undefined;
  }
  return out;
}

/** Builds a dyn value for an IR tensor of shape irShape stored as ONNX axes `perm` of a rank-`rank` tensor. */
export function mkDyn(ir: string, irShape: readonly number[], rank: number, batch: number, perm: readonly number[]): DynValue {
  const shape = new Array<number>(rank).fill(1);
  perm.forEach((p, i) => (shape[p] = irShape[i]!));
  return { kind: 'dyn', ir, shape, batch, perm: [...perm] };
}

/**
 * Emits one IR layer for this node, reading `inputs` (IR tensors), and returns the resulting dyn
 * value laid out as `perm` in a rank-`rank` ONNX tensor.
 */
export function emit(
  c: OpCtx,
  attrs: LayerAttrs,
  inputs: string[],
  out: { rank: number; batch: number; perm: readonly number[] },
  extra: { weights?: Record<string, WeightTensor>; quant?: Record<string, QuantFact>; target?: number[]; name?: string; opType?: string } = {},
): DynValue | undefined {
  const r = c.b.add({
    name: extra.name ?? c.name,
    attrs,
    inputs,
    out: c.outs[0],
    node: c.nodeName,
    opType: extra.opType ?? c.opType,
    ...(extra.weights ? { weights: extra.weights } : {}),
    ...(extra.quant ? { quant: extra.quant } : {}),
    ...(extra.target ? { target: extra.target } : {}),
  });
  if (!r) return undefined;
  return mkDyn(r.tensor, r.shape, out.rank, out.batch, out.perm);
}

/** A dyn value's stored layout, for ops that keep it (elementwise). */
export const sameLayout = (v: DynValue) => ({ rank: v.shape.length, batch: v.batch, perm: v.perm });

/**
 * Quant facts of constant operands, keyed by the weight role they become. A fact on a constant
 * carries one parameter per source element when its scale / zero point is not a scalar; `move`
 * re-lays those the way the weight itself was re-laid (e.g. OIHW -> Keras HWIO), and they are then
 * shortened to one value per last-axis channel (or one in all) when that represents them exactly.
 */
export type FactEntry = [role: string, v: ConstValue | null | undefined, move?: (a: Float64Array) => Float64Array, channels?: number];

export function quantOf(entries: FactEntry[]): Record<string, QuantFact> {
  const q: Record<string, QuantFact> = {};
  for (const [role, v, move, channels] of entries) {
    const f = v?.quant;
    if (!f) continue;
    const relay = (a: readonly number[] | undefined, n: number): readonly number[] | undefined => {
      if (!a || a.length <= 1) return a;
      const moved = move ? move(Float64Array.from(a)) : Float64Array.from(a);
      return compress(moved, n);
    };
    const n = channels ?? v.t.shape[v.t.shape.length - 1] ?? 1;
    q[role] = { ...f, ...(f.scale ? { scale: relay(f.scale, n) } : {}), ...(f.zeroPoint ? { zeroPoint: relay(f.zeroPoint, n) } : {}) };
  }
  return q;
}

/** Shortest exact form of a per-element parameter: 1 value, or 1 per trailing channel of `n`. */
function compress(a: Float64Array, n: number): number[] {
  if (a.every((x) => x === a[0])) return [a[0]!];
  if (n > 0 && a.length % n === 0 && a.every((x, k) => x === a[k % n])) return Array.from(a.subarray(0, n));
  return Array.from(a);
}

/** Normalises a possibly negative axis; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/**
 * Strides and dilations must be `dims` positive integers (a stride of 0 or -1 would otherwise
 * reach the shape arithmetic as a division by zero). Reports and returns false when they are not.
 */
export function windowAttrsOk(c: OpCtx, dims: number, attrs: Record<string, readonly number[]>): boolean {
  for (const [name, v] of Object.entries(attrs))
    if (v.length !== dims || v.some((x) => !Number.isSafeInteger(x) || x < 1)) {
      unsupportedAttr(c, name, `[${v.join(', ')}]`, `${dims} positive integer${dims > 1 ? 's' : ''}`);
      return false;
    }
  return true;
}
