/**
 * @fileoverview The float64 reference evaluator of the IR: what the model computes in exact-ish
 * arithmetic, one kernel per IR op, channels-last and row-major as the IR defines. It is the
 * yardstick the fixed-point emulator and the generated firmware are compared with, and it is
 * checked against onnxruntime on real models (test/unit/emulator/float-ort.test.ts).
 *
 * Conventions: tensors are per sample (no batch). Weights use the Keras layouts of graph.ts.
 * ScaleBias `scale`/`bias` and PReLU `alpha` hold 1 value (scalar), C values (per channel = last
 * axis) or one value per element. Quant layers apply the QONNX / ONNX Q-DQ definition in float
 * (fake quantization), so the reference of a quantized model is that model's own output.
 */

import type { Graph, Layer, QuantFact, Shape, WeightTensor } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { attentionFloat, layerNormFloat, recurrentFloat } from './float-sequence.js';

export interface FloatOptions {
  /** Record every layer's output (by layer name). */
  readonly trace?: boolean;
}

export interface FloatResult {
  readonly outputs: Record<string, Float64Array>;
  readonly trace?: Record<string, Float64Array>;
}

/** Round half to even (numpy.round, ONNX Round / QuantizeLinear). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

type Rounder = (x: number) => number;

function rounder(mode: string | undefined): Rounder {
  switch ((mode ?? 'ROUND').toUpperCase()) {
    case 'ROUND':
      return roundHalfEven;
    case 'CEIL':
      return Math.ceil;
    case 'FLOOR':
      return Math.floor;
    case 'ROUND_TO_ZERO':
      return Math.trunc;
    case 'HALF_UP':
      return (x) => Math.floor(x + 0.5);
    case 'HALF_DOWN':
      return (x) => Math.ceil(x - 0.5);
    default:
      throw new Error(`unknown rounding mode ${mode}`);
  }
}

function intRange(bits: number, signed: boolean, narrow: boolean): [number, number] {
  if (signed) return [-(2 ** (bits - 1)) + (narrow ? 1 : 0), 2 ** (bits - 1) - 1];
  return [0, 2 ** bits - 1 - (narrow ? 1 : 0)];
}

/** Parameter for element k: scalar, or indexed by k modulo its length (per channel, last axis). */
const paramOf = (a: readonly number[] | undefined, dflt: number): ((k: number) => number) => {
  if (!a || a.length === 0) return () => dflt;
  if (a.length === 1) {
    const v = a[0]!;
    return () => v;
  }
  const n = a.length;
  return (k) => a[k % n]!;
};

/**
 * The fake quantizer of a fact, per the QONNX op definitions (Quant: scale, add zero point, clamp
 * to the integer range, round, subtract zero point, rescale; BipolarQuant: sign * scale; Trunc:
 * round, drop low bits with the given rounding, (v2: clamp,) rescale) and ONNX
 * QuantizeLinear+DequantizeLinear (round half to even, then saturate). `k` is the element's
 * row-major index (its channel is k modulo the number of per-channel parameters).
 */
export function makeFakeQuant(f: QuantFact): (x: number, k: number) => number {
  const S = paramOf(f.scale, 1);
  const Z = paramOf(f.zeroPoint, 0);
  switch (f.kind) {
    case 'quant': {
      const bits = f.bits ?? 8;
      if (bits === 1 && f.signed) return (x, k) => ((x / S(k) + Z(k) >= 0 ? 1 : -1) - Z(k)) * S(k);
      const [lo, hi] = intRange(bits, f.signed ?? true, f.narrow ?? false);
      const rnd = rounder(f.rounding);
      if ((f.scale?.length ?? 0) <= 1 && (f.zeroPoint?.length ?? 0) <= 1) {
        // Per-tensor parameters (the common case): no per-element lookups.
        const s = S(0);
        const z = Z(0);
        return (x) => {
          const y = x / s + z;
          return (rnd(y < lo ? lo : y > hi ? hi : y) - z) * s;
        };
      }
      return (x, k) => {
        const s = S(k);
        const z = Z(k);
        const y = x / s + z;
        return (rnd(y < lo ? lo : y > hi ? hi : y) - z) * s;
      };
    }
    case 'bipolar':
      return (x, k) => (x >= 0 ? 1 : -1) * S(k);
    case 'trunc': {
      const rnd = rounder(f.rounding ?? 'FLOOR');
      if (!f.outScale) {
        // Trunc v1 (5 inputs; the QONNX op spec): the integer is divided by 2^(in - out bits)
        // and rescaled by the *input* scale, without clamping.
        const ts = 2 ** ((f.bits ?? 0) - (f.outBits ?? 0));
        return (x, k) => (rnd(roundHalfEven(x / S(k) + Z(k)) / ts) - Z(k)) * S(k);
      }
      // Trunc v2 (7 inputs): power-of-two ratio of the scales, clamp to the output bits, rescale
      // by the output scale.
      const O = paramOf(f.outScale, 1);
      const [lo, hi] = intRange(f.outBits ?? 8, f.signed ?? true, f.narrow ?? false);
      return (x, k) => {
        const s = S(k);
        const os = O(k);
        const ts = 2 ** Math.round(Math.log2(os / s));
        const y = roundHalfEven(x / s + Z(k)) / ts;
        return (rnd(Math.min(hi, Math.max(lo, y))) - Z(k) / ts) * os;
      };
    }
    case 'qdq': {
      const [lo, hi] = intRange(f.bits ?? 8, f.signed ?? false, false);
      return (x, k) => {
        const s = S(k);
        const z = Z(k);
        const q = Math.min(hi, Math.max(lo, roundHalfEven(x / s) + z));
        return (q - z) * s;
      };
    }
    default:
      // QKeras facts are applied by the quantization pass; in float they are identity.
      return (x) => x;
  }
}

const compiled = new WeakMap<QuantFact, (x: number, k: number) => number>();

/** Fake quantization of one value (see makeFakeQuant); compiled once per fact object. */
export function fakeQuant(x: number, f: QuantFact, k: number): number {
  let q = compiled.get(f);
  if (!q) compiled.set(f, (q = makeFakeQuant(f)));
  return q(x, k);
}

/** Row-major transpose: output axis i is input axis perm[i]. */
export function transposeArray(data: ArrayLike<number>, shape: Shape, perm: readonly number[]): Float64Array {
  const r = shape.length;
  const n = numel(shape);
  const out = new Float64Array(n);
  const inStrides = new Array<number>(r).fill(1);
  for (let d = r - 2; d >= 0; d--) inStrides[d] = inStrides[d + 1]! * shape[d + 1]!;
  const outShape = perm.map((p) => shape[p]!);
  const st = perm.map((p) => inStrides[p]!);
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    out[k] = data[off]!;
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) {
        off += st[d]!;
        break;
      }
      off -= st[d]! * (idx[d]! - 1);
      idx[d] = 0;
    }
  }
  return out;
}

/** Spatial view of a 1-D or 2-D channels-last tensor as [H, W, C] (1-D: H = 1). */
function hwc(shape: Shape, dims: 1 | 2): [number, number, number] {
  return dims === 1 ? [1, shape[0]!, shape[1]!] : [shape[0]!, shape[1]!, shape[2]!];
}

function conv(l: Layer, x: Float64Array, inShape: Shape, outShape: Shape): Float64Array {
  const a = l.attrs as Extract<Layer['attrs'], { op: 'Conv' | 'DepthwiseConv' }>;
  const [H, W, C] = hwc(inShape, a.dims);
  const [OH, OW, OC] = hwc(outShape, a.dims);
  const [kh, kw] = a.dims === 1 ? [1, a.kernel[0]!] : [a.kernel[0]!, a.kernel[1]!];
  const [sh, sw] = a.dims === 1 ? [1, a.strides[0]!] : [a.strides[0]!, a.strides[1]!];
  const [dh, dw] = a.dims === 1 ? [1, a.dilations[0]!] : [a.dilations[0]!, a.dilations[1]!];
  const pt = a.dims === 1 ? 0 : a.pads.top;
  const pl = a.pads.left;
  const k = l.weights.kernel!.data;
  const bias = l.weights.bias?.data;
  const out = new Float64Array(OH * OW * OC);
  const depthwise = a.op === 'DepthwiseConv';
  const groups = a.op === 'Conv' ? a.groups : C;
  const cinG = C / groups;
  const coutG = OC / groups;
  const mult = OC / C;
  // Accumulate a whole output pixel at once: the innermost loop then runs over output channels,
  // contiguous in both the kernel ([kh, kw, cin/g, cout] / [kh, kw, c, mult]) and the output.
  const acc = new Float64Array(OC);
  for (let oy = 0; oy < OH; oy++)
    for (let ox = 0; ox < OW; ox++) {
      if (bias) acc.set(bias);
      else acc.fill(0);
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh + ky * dh - pt;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw + kx * dw - pl;
          if (ix < 0 || ix >= W) continue;
          const xb = (iy * W + ix) * C;
          const tap = ky * kw + kx;
          if (depthwise) {
            // output channel c * mult + m reads input channel c
            const kb = tap * C * mult;
            if (mult === 1) {
              for (let c = 0; c < C; c++) acc[c]! += x[xb + c]! * k[kb + c]!;
            } else {
              for (let c = 0; c < C; c++) {
                const xv = x[xb + c]!;
                for (let m = 0; m < mult; m++) acc[c * mult + m]! += xv * k[kb + c * mult + m]!;
              }
            }
          } else {
            for (let g = 0; g < groups; g++)
              for (let ci = 0; ci < cinG; ci++) {
                const xv = x[xb + g * cinG + ci]!;
                const kb = (tap * cinG + ci) * OC;
                for (let o = g * coutG; o < (g + 1) * coutG; o++) acc[o]! += xv * k[kb + o]!;
              }
          }
        }
      }
      out.set(acc, (oy * OW + ox) * OC);
    }
  return out;
}

function pool(l: Layer, x: Float64Array, inShape: Shape, outShape: Shape): Float64Array {
  const a = l.attrs as Extract<Layer['attrs'], { op: 'Pool' }>;
  const [H, W, C] = hwc(inShape, a.dims);
  const [OH, OW] = hwc(outShape, a.dims);
  const [ph, pw] = a.dims === 1 ? [1, a.pool[0]!] : [a.pool[0]!, a.pool[1]!];
  const [sh, sw] = a.dims === 1 ? [1, a.strides[0]!] : [a.strides[0]!, a.strides[1]!];
  const pt = a.dims === 1 ? 0 : a.pads.top;
  const pl = a.pads.left;
  const out = new Float64Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++)
    for (let ox = 0; ox < OW; ox++)
      for (let c = 0; c < C; c++) {
        let m = -Infinity;
        let s = 0;
        let cnt = 0;
        let cntPad = 0;
        for (let ky = 0; ky < ph; ky++)
          for (let kx = 0; kx < pw; kx++) {
            const iy = oy * sh + ky - pt;
            const ix = ox * sw + kx - pl;
            // Positions in the explicit padding count for count_include_pad; beyond it they never do.
            const inPadded = iy >= -pt && ix >= -pl && iy < H + (a.dims === 1 ? 0 : a.pads.bottom) && ix < W + a.pads.right;
            if (inPadded) cntPad++;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const v = x[(iy * W + ix) * C + c]!;
            if (v > m) m = v;
            s += v;
            cnt++;
          }
        out[(oy * OW + ox) * C + c] = a.mode === 'max' ? m : s / (a.countIncludePad ? cntPad : cnt);
      }
  return out;
}

/** Per-element value of a broadcast parameter (1, C or numel values). */
function bcast(w: WeightTensor | undefined, k: number, dflt: number): number {
  if (!w) return dflt;
  return w.data[w.data.length === 1 ? 0 : k % w.data.length]!;
}

function activation(l: Layer, x: Float64Array): Float64Array {
  const a = l.attrs as Extract<Layer['attrs'], { op: 'Activation' }>;
  const out = new Float64Array(x.length);
  const alpha = l.weights.alpha;
  for (let k = 0; k < x.length; k++) {
    const v = x[k]!;
    let y: number;
    switch (a.activation) {
      case 'linear':
        y = v;
        break;
      case 'relu':
        y = v > 0 ? v : 0;
        break;
      case 'relu6':
        y = Math.min(Math.max(v, 0), 6);
        break;
      case 'leaky_relu':
        y = v < 0 ? (a.alpha ?? 0.3) * v : v;
        break;
      case 'thresholded_relu':
        y = v > (a.theta ?? 1) ? v : 0;
        break;
      case 'prelu':
        y = v < 0 ? bcast(alpha, k, a.alpha ?? 0) * v : v;
        break;
      case 'elu':
        y = v > 0 ? v : (a.alpha ?? 1) * Math.expm1(v);
        break;
      case 'selu':
        y = (a.beta ?? 1.0507009873554804934193349852946) * (v > 0 ? v : (a.alpha ?? 1.6732632423543772848170429916717) * Math.expm1(v));
        break;
      case 'sigmoid':
        y = 1 / (1 + Math.exp(-v));
        break;
      case 'hard_sigmoid':
        y = Math.min(1, Math.max(0, (a.slope ?? 0.2) * v + (a.shift ?? 0.5)));
        break;
      case 'hard_tanh':
        y = Math.min(1, Math.max(-1, v));
        break;
      case 'tanh':
        y = Math.tanh(v);
        break;
      case 'softplus':
        y = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
        break;
      case 'softsign':
        y = v / (1 + Math.abs(v));
        break;
      case 'clip':
        y = Math.min(Math.max(v, a.min ?? -Infinity), a.max ?? Infinity);
        break;
      case 'binary_tanh':
        y = v >= 0 ? 1 : -1;
        break;
      case 'ternary_tanh':
        // hls4ml's definition: +1 above 1, -1 at or below -1, else 0.
        y = v > 1 ? 1 : v <= -1 ? -1 : 0;
        break;
      default:
        throw new Error(`float reference: unknown activation ${(a as { activation: string }).activation}`);
    }
    out[k] = y;
  }
  return out;
}

/** Splits a shape around an axis: [outer, n, inner]. */
function around(shape: Shape, axis: number): [number, number, number] {
  const ax = axis < 0 ? axis + shape.length : axis;
  return [numel(shape.slice(0, ax)), shape[ax]!, numel(shape.slice(ax + 1))];
}

function softmax(x: Float64Array, shape: Shape, axis: number): Float64Array {
  const [outer, n, inner] = around(shape, axis);
  const out = new Float64Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, x[(o * n + j) * inner + i]!);
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(x[(o * n + j) * inner + i]! - m);
      for (let j = 0; j < n; j++) out[(o * n + j) * inner + i] = Math.exp(x[(o * n + j) * inner + i]! - m) / s;
    }
  return out;
}

/** One layer's output from its inputs. Exported for the fixed-point emulator's structural ops. */
export function evalLayer(l: Layer, ins: Float64Array[], inShapes: Shape[], outShape: Shape): Float64Array {
  const a = l.attrs;
  const x = ins[0]!;
  const s0 = inShapes[0]!;
  switch (a.op) {
    case 'Input':
      throw new Error('Input layers are not evaluated');
    case 'Dense': {
      const k = l.weights.kernel!.data;
      const b = l.weights.bias?.data;
      const rows = x.length / a.nIn;
      const out = new Float64Array(rows * a.nOut);
      for (let r = 0; r < rows; r++)
        for (let o = 0; o < a.nOut; o++) {
          let acc = b ? b[o]! : 0;
          for (let i = 0; i < a.nIn; i++) acc += x[r * a.nIn + i]! * k[i * a.nOut + o]!;
          out[r * a.nOut + o] = acc;
        }
      return out;
    }
    case 'Conv':
    case 'DepthwiseConv':
      return conv(l, x, s0, outShape);
    case 'BatchNorm': {
      const { gamma, beta, mean, variance } = l.weights;
      return x.map((v, k) => ((v - bcast(mean, k, 0)) / Math.sqrt(bcast(variance, k, 1) + a.epsilon)) * bcast(gamma, k, 1) + bcast(beta, k, 0));
    }
    case 'ScaleBias':
      return x.map((v, k) => v * bcast(l.weights.scale, k, 1) + bcast(l.weights.bias, k, 0));
    case 'Activation':
      return activation(l, x);
    case 'Softmax':
      return softmax(x, s0, a.axis);
    case 'Pool':
      return pool(l, x, s0, outShape);
    case 'GlobalPool': {
      const C = s0[s0.length - 1]!;
      const n = x.length / C;
      const out = new Float64Array(C).fill(a.mode === 'max' ? -Infinity : 0);
      for (let k = 0; k < x.length; k++) out[k % C] = a.mode === 'max' ? Math.max(out[k % C]!, x[k]!) : out[k % C]! + x[k]!;
      return a.mode === 'max' ? out : out.map((v) => v / n);
    }
    case 'Reshape':
    case 'Flatten':
    case 'Identity':
    case 'Dropout':
      return Float64Array.from(x);
    case 'Transpose':
      return transposeArray(x, s0, a.perm);
    case 'Merge': {
      const out = Float64Array.from(x);
      for (let k = 0; k < out.length; k++) {
        const vs = ins.map((t) => t[k]!);
        switch (a.mode) {
          case 'add':
            out[k] = vs.reduce((p, q) => p + q, 0);
            break;
          case 'sub':
            out[k] = vs[0]! - vs[1]!;
            break;
          case 'mul':
            out[k] = vs.reduce((p, q) => p * q, 1);
            break;
          case 'avg':
            out[k] = vs.reduce((p, q) => p + q, 0) / vs.length;
            break;
          case 'max':
            out[k] = Math.max(...vs);
            break;
          case 'min':
            out[k] = Math.min(...vs);
            break;
        }
      }
      return out;
    }
    case 'Concat': {
      const [outer, , inner] = around(outShape, a.axis);
      const out = new Float64Array(numel(outShape));
      let p = 0;
      for (let o = 0; o < outer; o++)
        ins.forEach((t, j) => {
          const n = around(inShapes[j]!, a.axis)[1] * inner;
          out.set(t.subarray(o * n, (o + 1) * n), p);
          p += n;
        });
      return out;
    }
    case 'Pad':
    case 'Crop': {
      const p = a.op === 'Pad' ? a.pads : a.crop;
      const sign = a.op === 'Pad' ? 1 : -1;
      const [H, W, C] = hwc(s0, a.dims);
      const [OH, OW] = hwc(outShape, a.dims);
      const top = a.dims === 1 ? 0 : sign * p.top;
      const left = sign * p.left;
      const out = new Float64Array(OH * OW * C).fill(a.op === 'Pad' ? a.value : 0);
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          const iy = oy - top;
          const ix = ox - left;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
          for (let c = 0; c < C; c++) out[(oy * OW + ox) * C + c] = x[(iy * W + ix) * C + c]!;
        }
      return out;
    }
    case 'Resize': {
      const [H, W, C] = hwc(s0, a.dims);
      const [OH, OW] = hwc(outShape, a.dims);
      const [fh, fw] = a.dims === 1 ? [1, a.scales[0]!] : [a.scales[0]!, a.scales[1]!];
      const out = new Float64Array(OH * OW * C);
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          const iy = Math.min(H - 1, Math.floor(oy / fh));
          const ix = Math.min(W - 1, Math.floor(ox / fw));
          for (let c = 0; c < C; c++) out[(oy * OW + ox) * C + c] = x[(iy * W + ix) * C + c]!;
        }
      return out;
    }
    case 'Quant': {
      const q = makeFakeQuant(a.fact);
      const out = new Float64Array(x.length);
      for (let k = 0; k < x.length; k++) out[k] = q(x[k]!, k);
      return out;
    }
    case 'GRU':
    case 'LSTM':
    case 'SimpleRNN':
      return recurrentFloat(l, a, x);
    case 'LayerNorm':
      return layerNormFloat(l, a.epsilon, x, s0);
    case 'MultiHeadAttention':
      return attentionFloat(l, a, x, ins[1]!, ins[2], s0, inShapes[1]!);
  }
}

function shapeOf(g: Graph, t: string): Shape {
  const info = g.tensors.get(t);
  if (!info) throw new Error(`float reference: tensor "${t}" has no shape`);
  return info.shape;
}

/** Evaluates one sample. Inputs are in the IR layout (see toIrLayout), keyed by input tensor name. */
export function evaluateFloat(g: Graph, inputs: Record<string, Float64Array>, opts: FloatOptions = {}): FloatResult {
  const vals = new Map<string, Float64Array>();
  for (const name of g.inputs) {
    const v = inputs[name];
    const n = numel(shapeOf(g, name));
    if (!v) throw new Error(`float reference: no data for input "${name}"`);
    if (v.length !== n) throw new Error(`float reference: input "${name}" has ${v.length} values, expected ${n}`);
    vals.set(name, v instanceof Float64Array ? v : Float64Array.from(v));
  }
  const trace: Record<string, Float64Array> = {};
  for (const l of g.layers) {
    if (l.attrs.op === 'Input') continue;
    const ins = l.inputs.map((t) => {
      const v = vals.get(t);
      if (!v) throw new Error(`float reference: layer "${l.name}" reads "${t}" before it is computed`);
      return v;
    });
    const out = evalLayer(l, ins, l.inputs.map((t) => shapeOf(g, t)), shapeOf(g, l.outputs[0]!));
    vals.set(l.outputs[0]!, out);
    if (opts.trace) trace[l.name] = out;
  }
  const outputs: Record<string, Float64Array> = {};
  for (const o of g.outputs) outputs[o] = vals.get(o)!;
  return opts.trace ? { outputs, trace } : { outputs };
}

/** Evaluates N samples of a single-input graph; X holds N * numel(input) values, sample-major. */
export function evaluateFloatBatch(g: Graph, X: Float64Array, n: number): { outputs: Record<string, Float64Array> } {
  if (g.inputs.length !== 1) throw new Error(`evaluateFloatBatch needs a single-input graph (this one has ${g.inputs.length})`);
  const name = g.inputs[0]!;
  const m = numel(shapeOf(g, name));
  if (X.length !== n * m) throw new Error(`evaluateFloatBatch: ${X.length} values for ${n} samples of ${m}`);
  const outs: Record<string, Float64Array> = {};
  for (const o of g.outputs) outs[o] = new Float64Array(n * numel(shapeOf(g, o)));
  for (let s = 0; s < n; s++) {
    const r = evaluateFloat(g, { [name]: X.subarray(s * m, (s + 1) * m) });
    for (const o of g.outputs) outs[o]!.set(r.outputs[o]!, s * r.outputs[o]!.length);
  }
  return { outputs: outs };
}

/** Transposes samples given in the model's own layout (e.g. NCHW) into the IR layout. */
export function toIrLayout(g: Graph, inputName: string, data: Float64Array): Float64Array {
  const lay = g.inputLayouts[inputName];
  if (!lay || lay.perm.every((p, i) => p === i)) return data;
  const m = numel(lay.sourceShape);
  const out = new Float64Array(data.length);
  for (let s = 0; s * m < data.length; s++) out.set(transposeArray(data.subarray(s * m, (s + 1) * m), lay.sourceShape, lay.perm), s * m);
  return out;
}

/** The inverse for outputs: IR layout back to the model's own (uses meta.outputLayouts when present). */
export function fromIrLayout(g: Graph, outputName: string, data: Float64Array): Float64Array {
  const lays = g.meta.outputLayouts as Record<string, { sourceShape: Shape; perm: readonly number[] }> | undefined;
  const lay = lays?.[outputName];
  if (!lay) return data;
  const src = lay.sourceShape;
  const order = [...lay.perm, ...src.map((_, a) => a).filter((a) => !lay.perm.includes(a))];
  if (order.every((p, i) => p === i)) return data;
  const inv = order.map((_, a) => order.indexOf(a));
  const m = numel(src);
  const out = new Float64Array(data.length);
  for (let s = 0; s * m < data.length; s++) out.set(transposeArray(data.subarray(s * m, (s + 1) * m), order.map((a) => src[a]!), inv), s * m);
  return out;
}
