/**
 * @fileoverview Pass `split-scales`, kernel part: a Dense / Conv / DepthwiseConv kernel quantized
 * with float scales and/or integer zero points (W = s * (q - z)) becomes an integer kernel (q - z)
 * plus the scale layers (hls4ml's ApplyAlpha) that put s back where it commutes with the layer:
 *
 * - a scale per output channel (one per tensor, per Dense / Conv output, or per channel of a
 *   depthwise or grouped Conv) commutes with the sum: `<layer>_alpha` after the layer multiplies
 *   the exact integer accumulation by s_o (and adds the layer's bias);
 * - a scale per INPUT channel (Dense input feature, Conv input channel) is a factor of every
 *   product w_io * x_i: `<layer>_alpha_in` before the layer scales the input per channel, and the
 *   layer multiplies by the integer weights (its bias moves to a `<layer>_alpha` with scale 1,
 *   which merges with the scale layer that usually follows). Zero padding stays zero when scaled.
 * - a zero point z makes the integers q - z, which need one bit more than q: the kernel's fact
 *   becomes an integer quantizer of the width the values need (found from their range), so
 *   quantize-model gives the exact weight type and changes no weight.
 *
 * Every step is exact in real arithmetic; the scale layers' constant types then decide how exact
 * the fixed-point design is (infer-precision, FML6505 bound). A scale that varies along both input
 * and output channels (or along a spatial kernel axis) has no such factorisation and is left to
 * quantize-model, which refuses it (FML6501) naming what is accepted.
 */

import type { Graph, Layer, QuantFact, TensorInfo, WeightTensor } from '../ir/graph.js';
import { AUTO } from '../fixed/type.js';
import { exactLog2 } from './quant-types.js';
import { freshName } from './graph-edit.js';

/** True when the fact is a QONNX Quant / QDQ that only a scale layer can express. */
export function needsScaleLayer(f: QuantFact | undefined): boolean {
  if (!f || (f.kind !== 'quant' && f.kind !== 'qdq')) return false;
  const scales = f.scale ?? [1];
  const zps = f.zeroPoint ?? [0];
  if (!zps.every((z) => Number.isInteger(z))) return false;
  if (!scales.every((s) => Number.isFinite(s) && s > 0)) return false;
  return scales.some((s) => exactLog2(s) === undefined) || zps.some((z) => z !== 0);
}

const vec = (a: readonly number[]): WeightTensor => ({ shape: [a.length], data: Float64Array.from(a) });

/** Size of the last (channel) axis of a tensor. */
export const channels = (g: Graph, tensor: string): number => {
  const s = g.tensors.get(tensor)!.shape;
  return s.length ? s[s.length - 1]! : 1;
};

/** A scale layer (ScaleBias with `alpha`, hls4ml class ApplyAlpha) with `auto` types. */
export function scaleLayer(name: string, input: string, output: string, scale: readonly number[], bias: readonly number[] | undefined, from: Layer): Layer {
  const weights: Record<string, WeightTensor> = { scale: vec(scale) };
  if (bias && bias.some((b) => b !== 0)) weights.bias = vec(bias);
  return {
    name,
    attrs: { op: 'ScaleBias', alpha: true },
    inputs: [input],
    outputs: [output],
    weights,
    precision: { scale: AUTO, ...(weights.bias ? { bias: AUTO } : {}), result: AUTO },
    source: { ...from.source, node: from.source?.node ?? from.name, opType: 'ApplyAlpha' },
  };
}

/** Inserts `layers` in place of the layer called `name` and registers new tensors. */
export function splice(g: Graph, name: string, layers: Layer[], tensors: TensorInfo[]): Graph {
  const map = new Map(g.tensors);
  for (const t of tensors) map.set(t.name, t);
  return { ...g, tensors: map, layers: g.layers.flatMap((l) => (l.name === name ? layers : [l])) };
}

export function freshTensor(g: Graph, base: string, taken: Set<string>): string {
  let n = base;
  for (let k = 1; g.tensors.has(n) || taken.has(n); k++) n = `${base}_${k}`;
  taken.add(n);
  return n;
}

/** Where a kernel's scales sit: one per output channel of the layer, or one per input channel. */
type Placement = { readonly side: 'out' | 'in'; readonly scale: readonly number[] };

/**
 * Reads the kernel's scale array (1 value, one per last kernel axis, or one per element in the IR
 * kernel layout, as the ONNX frontend records them) as per-output or per-input-channel scales.
 */
function placeScales(l: Layer, k: WeightTensor, s: readonly number[]): Placement | undefined {
  const n = k.data.length;
  const last = k.shape[k.shape.length - 1]!;
  if (s.length === 1) return { side: 'out', scale: s };
  if (l.attrs.op === 'DepthwiseConv') {
    // Kernel [k..., cIn, mult]; output channel ci * mult + m is flat index i % (cIn * mult).
    const C = l.attrs.cIn * l.attrs.depthMultiplier;
    if (s.length === last && last !== n) return { side: 'out', scale: Array.from({ length: C }, (_, c) => s[c % last]!) };
    if (s.length === n && s.every((v, i) => v === s[i % C])) return { side: 'out', scale: s.slice(0, C) };
    return undefined;
  }
  if (s.length === last) return { side: 'out', scale: s };
  if (s.length !== n) return undefined;
  // Per input channel: kernel [..., cIn, cOut] with the scale depending on the cIn index only.
  // A grouped Conv's kernel axis is cIn / groups: its input channels are not one per axis value.
  if (l.attrs.op === 'Conv' && l.attrs.groups !== 1) return undefined;
  const cIn = k.shape[k.shape.length - 2]!;
  const at = (i: number) => s[(Math.floor(i / last) % cIn) * last]!;
  if (!s.every((v, i) => v === at(i))) return undefined;
  return { side: 'in', scale: Array.from({ length: cIn }, (_, c) => s[c * last]!) };
}

/** The kernel's fact after splitting: integers, with the width the values q - z need. */
function integerFact(f: QuantFact, ints: Float64Array): QuantFact {
  if ((f.zeroPoint ?? [0]).every((z) => z === 0)) return { ...f, scale: [1], zeroPoint: [0] };
  let lo = 0;
  let hi = 0;
  for (const v of ints) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const signed = lo < 0;
  let bits = 1;
  while (signed ? -(2 ** (bits - 1)) > lo || 2 ** (bits - 1) - 1 < hi : 2 ** bits - 1 < hi) bits++;
  return { kind: 'quant', bits, signed, narrow: false, rounding: 'ROUND', scale: [1], zeroPoint: [0] };
}

const SPLITS = new Set(['Dense', 'Conv', 'DepthwiseConv']);

/**
 * A Dense / Conv / DepthwiseConv with a float-scaled or zero-pointed kernel -> integer kernel plus
 * `<layer>_alpha` (output side) and/or `<layer>_alpha_in` (input side). Returns `g` unchanged when
 * the scales have no exact placement (quantize-model then refuses the kernel).
 */
export function splitKernel(g: Graph, l: Layer): Graph {
  const f = l.quant?.kernel;
  const k = l.weights.kernel;
  if (!f || !k || !SPLITS.has(l.attrs.op) || !needsScaleLayer(f)) return g;
  const s = f.scale ?? [1];
  const place = placeScales(l, k, s);
  if (!place) return g;
  const last = k.shape[k.shape.length - 1]!;
  // The scale of element i of the kernel in the IR layout.
  const scaleAt = (i: number): number => (s.length === 1 ? s[0]! : s.length === k.data.length ? s[i]! : s[i % last]!);
  // The weights hold s * (q - z) (the frontend applied the quantizer): w / s rounds back to q - z.
  const ints = Float64Array.from(k.data, (w, i) => Math.round(w / scaleAt(i)));
  const { bias, ...rest } = l.weights;
  const quant: Record<string, QuantFact> = { ...l.quant, kernel: integerFact(f, ints) };
  const biasFact = quant.bias;
  delete quant.bias;
  const taken = new Set<string>();
  const outShape = g.tensors.get(l.outputs[0]!)!.shape;
  const tAcc = freshTensor(g, `${l.outputs[0]}_int`, taken);
  const inputs = [...l.inputs];
  const before: Layer[] = [];
  const tensors: TensorInfo[] = [{ name: tAcc, shape: outShape }];
  if (place.side === 'in') {
    const x = l.inputs[0]!;
    const xShape = g.tensors.get(x)!.shape;
    if (xShape[xShape.length - 1] !== place.scale.length) return g;
    const tIn = freshTensor(g, `${x}_${l.name}_scaled`, taken);
    before.push(scaleLayer(freshName(g, `${l.name}_alpha_in`), x, tIn, place.scale, undefined, l));
    tensors.push({ name: tIn, shape: xShape });
    inputs[0] = tIn;
  }
  const outScale = place.side === 'out' ? place.scale : [1];
  const layer: Layer = {
    ...l,
    inputs,
    outputs: [tAcc],
    weights: { ...rest, kernel: { shape: k.shape, data: ints } },
    quant,
    // Integer weights: the accumulator and result are exact unless the config says otherwise.
    precision: { ...l.precision, accum: AUTO, result: AUTO },
  };
  if (place.side === 'in' && !bias) return splice(g, l.name, [...before, { ...layer, outputs: l.outputs }], tensors.slice(1));
  const alpha = scaleLayer(freshName(g, `${l.name}_alpha`), tAcc, l.outputs[0]!, outScale, bias ? Array.from(bias.data) : undefined, l);
  const withBias: Layer =
    bias && biasFact && !needsScaleLayer(biasFact) ? { ...alpha, weights: { ...alpha.weights, bias }, quant: { bias: biasFact } } : bias ? { ...alpha, weights: { ...alpha.weights, bias } } : alpha;
  return splice(g, l.name, [...before, layer, withBias], tensors);
}
