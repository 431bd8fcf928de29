/**
 * @fileoverview Pass `split-scales`: QONNX Quant (and ONNX QDQ) quantizers whose scale is not a power
 * of two, or whose zero point is not 0, become a quantizer on the integer grid plus explicit scale
 * layers, as hls4ml does with its `ApplyAlpha` layer; BipolarQuant on activations becomes hls4ml's
 * binary_tanh plus a scale layer.
 *
 * Such a quantizer computes y = (clip(round(x / s + z), lo, hi) - z) * s. No fixed-point type holds
 * y exactly, but every factor of it is a fixed-point operation:
 * - on an activation, three layers: `<q>_scale` (ScaleBias x * (1/s) + z), `<q>` (a Quant with scale
 *   1 and zero point 0: a cast to an integer type with the quantizer's rounding and saturation) and
 *   `<q>_rescale` (ScaleBias q * s - z * s). Per-channel scales and zero points stay per channel.
 * - on a Dense / Conv / DepthwiseConv kernel: the kernel holds the integers q - z and the scale
 *   goes to `<layer>_alpha` after the layer (per tensor / per output channel, also of a depthwise
 *   or grouped Conv) or to `<layer>_alpha_in` before it (per input channel); see
 *   split-scales-kernel.ts.
 * The scale layers are ScaleBias layers with `alpha: true` (hls4ml class ApplyAlpha): their scale,
 * bias and result types are `auto` unless the configuration names them, and infer-precision gives
 * `auto` scale/bias types that hold the constants exactly when they fit 24 bits, and otherwise
 * rounds them to 24 bits and reports the error bound (FML6505).
 *
 * Then, exact in real arithmetic (so the float model is unchanged up to float64 rounding):
 * - a `<q>_rescale` with one scale that feeds a Dense / Conv with integer weights moves behind it,
 *   into that layer's `_alpha` (s_a * s_w, and the zero-point term W^T c folded into its bias):
 *   the layer then multiplies integers only (a Conv only when the rescale has no offset or the
 *   Conv no padding, because padding inserts zeros on the integer side; a depthwise or grouped
 *   Conv only without offset);
 * - a scale layer with power-of-two scales right after the integer Dense / Conv it scales folds
 *   into that kernel (w * 2^k is exact and needs no wider multiplier);
 * - two adjacent scale layers with nothing in between merge into one (the requantization
 *   `<layer>_alpha` + `<q>_scale`, whose integer Quant then folds into it as its result type); a
 *   constant ScaleBias after a scale layer (the bias Add of an ONNX MatMul + Add) merges too.
 *
 * Facts this pass cannot express (Trunc with float scales, a non-integer zero point, kernel scales
 * varying along both input and output channels, float scales on other weights) are left for
 * quantize-model, which refuses them with FML6501.
 */

import type { Graph, Layer, QuantFact, TensorInfo, WeightTensor } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { AUTO } from '../fixed/type.js';
import { fixedType } from '../fixed/type.js';
import { castTo, exactLog2 } from './quant-types.js';
import { freshName, hasSingleReader, readersOf } from './graph-edit.js';
import type { FixedType } from '../fixed/type.js';
import { channels, freshTensor, needsScaleLayer, scaleLayer, splice, splitKernel } from './split-scales-kernel.js';

export { needsScaleLayer } from './split-scales-kernel.js';

/** Activation Quant -> `<q>_scale`, integer Quant `<q>`, `<q>_rescale`. */
function splitActivation(g: Graph, l: Layer & { attrs: { op: 'Quant' } }): Graph {
  const f = l.attrs.fact;
  const C = channels(g, l.outputs[0]!);
  const s = f.scale ?? [1];
  const z = f.zeroPoint ?? [0];
  if ((s.length !== 1 && s.length !== C) || (z.length !== 1 && z.length !== C)) return g;
  const shape = g.tensors.get(l.outputs[0]!)!.shape;
  const taken = new Set<string>();
  const tIn = freshTensor(g, `${l.outputs[0]}_scaled`, taken);
  const tQ = freshTensor(g, `${l.outputs[0]}_int`, taken);
  const n = Math.max(s.length, z.length);
  const at = (a: readonly number[], c: number) => a[a.length === 1 ? 0 : c]!;
  const pre = scaleLayer(freshName(g, `${l.name}_scale`), l.inputs[0]!, tIn, s.map((v) => 1 / v), z, l);
  const q: Layer = { ...l, inputs: [tIn], outputs: [tQ], attrs: { op: 'Quant', fact: { ...f, scale: [1], zeroPoint: [0] } } };
  const post = scaleLayer(
    freshName(g, `${l.name}_rescale`),
    tQ,
    l.outputs[0]!,
    s,
    Array.from({ length: n }, (_, c) => -at(z, c) * at(s, c)),
    l,
  );
  return splice(g, l.name, [pre, q, post], [
    { name: tIn, shape },
    { name: tQ, shape },
  ]);
}

/** BipolarQuant on an activation -> binary_tanh (hls4ml's sign convention) and a scale layer. */
function splitBipolar(g: Graph, l: Layer & { attrs: { op: 'Quant' } }): Graph {
  const s = l.attrs.fact.scale ?? [1];
  const C = channels(g, l.outputs[0]!);
  if (s.length !== 1 && s.length !== C) return g;
  const act: Layer = {
    name: l.name,
    attrs: { op: 'Activation', activation: 'binary_tanh' },
    inputs: l.inputs,
    outputs: l.outputs,
    weights: {},
    // {-1, +1} in two bits, as hls4ml's binary_tanh result.
    precision: { result: fixedType(2, 2, true) },
    source: l.source ?? { node: l.name, opType: 'BipolarQuant' },
  };
  if (s.every((v) => v === 1)) return splice(g, l.name, [act], []);
  const taken = new Set<string>();
  const t = freshTensor(g, `${l.outputs[0]}_sign`, taken);
  const post = scaleLayer(freshName(g, `${l.name}_rescale`), t, l.outputs[0]!, s, undefined, l);
  return splice(g, l.name, [{ ...act, outputs: [t] }, post], [{ name: t, shape: g.tensors.get(l.outputs[0]!)!.shape }]);
}

const COMPUTES = new Set(['Dense', 'Conv']);

/**
 * A product of scales that is a power of two up to the float64 rounding of a reciprocal (s * (1/t)
 * with s = 8 t) is taken as that power of two: the rounding came from forming 1/t, not from the model.
 */
function snapPo2(v: number): number {
  if (!(v > 0)) return v;
  const p = 2 ** Math.round(Math.log2(v));
  return Math.abs(v / p - 1) <= 4 * Number.EPSILON ? p : v;
}

const isAlpha = (l: Layer | undefined): l is Layer & { attrs: { op: 'ScaleBias'; alpha?: boolean } } => l?.attrs.op === 'ScaleBias' && l.attrs.alpha === true;
const data = (w: WeightTensor | undefined, dflt: number): Float64Array => (w ? Float64Array.from(w.data) : Float64Array.of(dflt));

/**
 * Two scale layers in a row (the first read by nobody else) become one: (x s1 + b1) s2 + b2. The
 * second may also be a plain constant ScaleBias (an ONNX Add / Mul by a constant, e.g. the bias Add
 * of MatMul + Add), which is then absorbed into the scale layer.
 */
function mergeOne(g: Graph): Graph | undefined {
  for (const a of g.layers) {
    if (!isAlpha(a) || !hasSingleReader(g, a.outputs[0]!)) continue;
    const b = readersOf(g, a.outputs[0]!)[0]!;
    if (b.attrs.op !== 'ScaleBias' || a.quant || b.quant) continue;
    const s1 = data(a.weights.scale, 1);
    const b1 = data(a.weights.bias, 0);
    const s2 = data(b.weights.scale, 1);
    const b2 = data(b.weights.bias, 0);
    const n = Math.max(s1.length, b1.length, s2.length, b2.length);
    const at = (v: Float64Array, c: number) => v[v.length === 1 ? 0 : c]!;
    const sn = n === 1 || (s1.length === 1 && s2.length === 1) ? 1 : n;
    const scale = Array.from({ length: sn }, (_, c) => snapPo2(at(s1, c) * at(s2, c)));
    const bias = Array.from({ length: n }, (_, c) => at(b1, c) * at(s2, c) + at(b2, c));
    const merged = scaleLayer(a.name, a.inputs[0]!, b.outputs[0]!, scale, bias, a);
    const tensors = new Map(g.tensors);
    tensors.delete(a.outputs[0]!);
    return { ...g, tensors, layers: g.layers.filter((l) => l !== b).map((l) => (l === a ? { ...merged, source: a.source } as Layer : l)) };
  }
  return undefined;
}

/** Sum over the kernel of W[..., ci, o] * c[ci] per output o (Dense [nIn, nOut], Conv [..., cIn, cOut]). */
function kernelTimes(k: WeightTensor, c: Float64Array): Float64Array {
  const cOut = k.shape[k.shape.length - 1]!;
  const cIn = k.shape[k.shape.length - 2]!;
  const out = new Float64Array(cOut);
  for (let i = 0; i < k.data.length; i++) {
    const o = i % cOut;
    const ci = Math.floor(i / cOut) % cIn;
    out[o]! += k.data[i]! * c[c.length === 1 ? 0 : ci]!;
  }
  return out;
}

const hasPadding = (l: Layer): boolean => l.attrs.op === 'Conv' && Object.values(l.attrs.pads).some((p) => p !== 0);

/** A one-scale rescale feeding an integer Dense / Conv moves into that layer's alpha. */
function propagateOne(g: Graph): Graph | undefined {
  for (const r of g.layers) {
    if (!isAlpha(r) || r.quant || !hasSingleReader(g, r.outputs[0]!)) continue;
    const d = readersOf(g, r.outputs[0]!)[0]!;
    // A depthwise or grouped convolution takes the scale too, but not an offset: its zero-point
    // term would need the per-group kernel sums (kernelTimes reads a [..., cIn, cOut] kernel).
    const grouped = d.attrs.op === 'DepthwiseConv' || (d.attrs.op === 'Conv' && d.attrs.groups !== 1);
    if ((!COMPUTES.has(d.attrs.op) && !grouped) || d.weights.bias || !hasSingleReader(g, d.outputs[0]!)) continue;
    const p = readersOf(g, d.outputs[0]!)[0]!;
    if (!isAlpha(p) || p.quant) continue;
    const sr = data(r.weights.scale, 1);
    const c = data(r.weights.bias, 0);
    if (sr.length !== 1) continue;
    const offset = c.some((v) => v !== 0);
    if (offset && (hasPadding(d) || grouped)) continue;
    const sp = data(p.weights.scale, 1);
    const bp = data(p.weights.bias, 0);
    const wc = offset ? kernelTimes(d.weights.kernel!, c) : new Float64Array(1);
    const n = Math.max(sp.length, bp.length, offset ? wc.length : 1);
    const at = (v: Float64Array, k: number) => v[v.length === 1 ? 0 : k]!;
    const scale = sp.length === 1 ? [snapPo2(sp[0]! * sr[0]!)] : Array.from(sp, (v) => snapPo2(v * sr[0]!));
    const bias = Array.from({ length: n }, (_, o) => at(sp, o) * (offset ? at(wc, o) : 0) + at(bp, o));
    const moved = { ...scaleLayer(p.name, p.inputs[0]!, p.outputs[0]!, scale, bias, p), source: p.source } as Layer;
    const tensors = new Map(g.tensors);
    tensors.delete(r.outputs[0]!);
    const layers = g.layers
      .filter((l) => l !== r)
      .map((l) => (l === d ? { ...d, inputs: [r.inputs[0]!] } : l === p ? moved : l));
    return { ...g, tensors, layers };
  }
  return undefined;
}

/**
 * relu(x) * s = relu(x * s) for s > 0: a scale layer without offset after a ReLU moves before it,
 * so that it can merge with the scale layer the ReLU reads (Brevitas' QuantReLU is Relu + Quant).
 * The ReLU then reads an exact value, and its result type becomes `auto` (the model rounds nowhere
 * between the two; fold-quant gives it the quantizer's type).
 */
function swapOne(g: Graph): Graph | undefined {
  for (const b of g.layers) {
    if (!isAlpha(b) || b.quant || b.weights.bias || !data(b.weights.scale, 1).every((v) => v > 0)) continue;
    const r = g.layers.find((l) => l.outputs.includes(b.inputs[0]!));
    if (!r || r.attrs.op !== 'Activation' || r.attrs.activation !== 'relu' || !hasSingleReader(g, r.outputs[0]!)) continue;
    if (!isAlpha(g.layers.find((l) => l.outputs.includes(r.inputs[0]!)))) continue;
    const b2: Layer = { ...b, inputs: r.inputs, outputs: r.outputs };
    const r2: Layer = { ...r, inputs: r.outputs, outputs: b.outputs, precision: { ...r.precision, result: AUTO } };
    return { ...g, layers: g.layers.map((l) => (l === r ? b2 : l === b ? r2 : l)) };
  }
  return undefined;
}

/**
 * A scale layer whose scales are all powers of two, right after the Dense / Conv whose integer
 * kernel it scales, folds into that kernel: w * 2^k is exact (the weight type only moves its binary
 * point, no wider multiplier), and its bias becomes the layer's bias when a type of at most 24 bits
 * holds it exactly. The layer's exact accumulator then equals the scale layer's exact output.
 */
function foldPo2One(g: Graph): Graph | undefined {
  for (const p of g.layers) {
    if (!isAlpha(p) || p.quant) continue;
    const d = g.layers.find((l) => l.outputs.includes(p.inputs[0]!));
    if (!d || !COMPUTES.has(d.attrs.op) || d.weights.bias || !hasSingleReader(g, d.outputs[0]!)) continue;
    const f = d.quant?.kernel;
    const k = d.weights.kernel;
    if (!f || !k || (f.scale ?? [1]).some((v) => v !== 1) || (f.zeroPoint ?? [0]).some((v) => v !== 0)) continue;
    const s = data(p.weights.scale, 1);
    const C = k.shape[k.shape.length - 1]!;
    if ((s.length !== 1 && s.length !== C) || !Array.from(s).every((v) => exactLog2(v) !== undefined)) continue;
    const b = p.weights.bias;
    const bt = b ? alphaConstType(b.data) : undefined;
    if (bt && bt.maxErr !== 0) continue;
    const kernel = Float64Array.from(k.data, (v, i) => v * s[s.length === 1 ? 0 : i % C]!);
    const folded: Layer = {
      ...d,
      outputs: p.outputs,
      weights: { ...d.weights, kernel: { shape: k.shape, data: kernel }, ...(b ? { bias: b } : {}) },
      // The kernel fact now carries the power-of-two scales: quantize-model gives the exact type.
      quant: { ...d.quant, kernel: { ...f, scale: Array.from(s) } },
      precision: { ...d.precision, ...(bt ? { bias: bt.type } : {}) },
    };
    const tensors = new Map(g.tensors);
    tensors.delete(d.outputs[0]!);
    return { ...g, tensors, layers: g.layers.filter((l) => l !== p).map((l) => (l === d ? folded : l)) };
  }
  return undefined;
}

export const splitScalesPass: Pass = {
  name: 'split-scales',
  description: 'QONNX quantizers with float scales / zero points become integer quantizers plus scale layers (hls4ml ApplyAlpha); BipolarQuant becomes binary_tanh',
  run(g: Graph, ctx: PassContext): Graph {
    let out = g;
    const split: string[] = [];
    for (const l of g.layers) {
      const cur = out.layers.find((x) => x.name === l.name);
      if (!cur) continue;
      let next = out;
      if (cur.attrs.op === 'Quant' && cur.attrs.fact.kind === 'bipolar') next = splitBipolar(out, cur as Layer & { attrs: { op: 'Quant' } });
      else if (cur.attrs.op === 'Quant' && needsScaleLayer(cur.attrs.fact)) next = splitActivation(out, cur as Layer & { attrs: { op: 'Quant' } });
      else if (needsScaleLayer(cur.quant?.kernel)) next = splitKernel(out, cur);
      if (next !== out) split.push(l.name);
      out = next;
    }
    if (!split.length) return g;
    // Move and merge until nothing changes: each step removes a layer or moves a scale layer in
    // front of a ReLU (never back), so this ends.
    const merged: string[] = [];
    for (;;) {
      const p = propagateOne(out);
      if (p) {
        out = p;
        continue;
      }
      const w = swapOne(out);
      if (w) {
        out = w;
        continue;
      }
      const m = mergeOne(out);
      if (!m) break;
      merged.push(out.layers.find((l) => !m.layers.some((x) => x.name === l.name))?.name ?? '?');
      out = m;
    }
    // Last, so that merges have produced the final scales.
    const foldedPo2: string[] = [];
    for (let f = foldPo2One(out); f; f = foldPo2One(out)) {
      foldedPo2.push(out.layers.find((l) => !f!.layers.some((x) => x.name === l.name))?.name ?? '?');
      out = f;
    }
    const alphas = out.layers.filter(isAlpha).map((l) => l.name);
    ctx.report.scaleLayers = { split, scaleLayers: alphas, ...(merged.length ? { mergedAway: merged } : {}), ...(foldedPo2.length ? { foldedIntoKernel: foldedPo2 } : {}) };
    return out;
  },
};

/** Widest exact constant type for scale layers, and the width of the rounded one otherwise. */
export const ALPHA_EXACT_BITS = 24;
export const ALPHA_ROUNDED_BITS = 24;

/**
 * The `auto` type of a scale layer's scale or bias: the smallest fixed type that holds every value
 * exactly if one of at most 24 bits does (a float32 scale fits a 24-bit mantissa when the values
 * share an exponent range), else 24 bits rounding to nearest, with `maxErr` the largest
 * representation error. Saturating, so a value that rounds up past the range stays in it.
 * `maxBits` / `maxFrac` narrow it further (infer-precision keeps x * scale + bias within the 53
 * bits the emulator's exact fast path holds).
 */
export function alphaConstType(values: ArrayLike<number>, maxBits = ALPHA_EXACT_BITS, maxFrac = Infinity): { type: FixedType; maxErr: number } {
  let maxAbs = 0;
  let signed = false;
  for (let k = 0; k < values.length; k++) {
    maxAbs = Math.max(maxAbs, Math.abs(values[k]!));
    if (values[k]! < 0) signed = true;
  }
  if (maxAbs === 0) return { type: fixedType(1, 1, false), maxErr: 0 };
  const sb = signed ? 1 : 0;
  const I = Math.floor(Math.log2(maxAbs)) + 1 + sb;
  const wMax = Math.max(2 + sb, Math.min(maxBits, I + maxFrac));
  for (let W = Math.max(1, I - 60); W <= wMax; W++) {
    const F = W - I;
    let exact = true;
    for (let k = 0; k < values.length && exact; k++) exact = Number.isInteger(values[k]! * 2 ** F);
    if (exact && W >= 1 + sb) return { type: fixedType(W, I, signed), maxErr: 0 };
  }
  const type = fixedType(Math.min(ALPHA_ROUNDED_BITS, wMax), I, signed, 'AP_RND_CONV', 'AP_SAT');
  let maxErr = 0;
  for (let k = 0; k < values.length; k++) maxErr = Math.max(maxErr, Math.abs(values[k]! - castTo(values[k]!, type)));
  return { type, maxErr };
}

/** Largest |x| a fixed type holds. */
export function typeMaxAbs(t: FixedType): number {
  return 2 ** (t.signed ? t.i - 1 : t.i);
}

/** Largest representation error of `values` in `t`. */
export function constError(values: ArrayLike<number>, t: FixedType): number {
  let e = 0;
  for (let k = 0; k < values.length; k++) e = Math.max(e, Math.abs(values[k]! - castTo(values[k]!, t)));
  return e;
}
