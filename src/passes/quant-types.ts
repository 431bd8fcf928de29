/**
 * @fileoverview From a model's quantization facts (QONNX Quant / BipolarQuant / Trunc, ONNX
 * QuantizeLinear+DequantizeLinear, QKeras quantizers) to exact fixed-point types, and the value
 * quantizers that make float weights exactly what the trained model computes.
 *
 * The mapping is exact or it is refused: a fact becomes a type only when every value the quantizer
 * can produce is representable in that type and the type's Q/O modes reproduce the quantizer's
 * rounding and clipping (so `(T) x` computes the quantizer). What cannot be expressed (a scale
 * that is not a power of two, a non-zero zero point, CEIL rounding...) is returned as a reason,
 * which the pass turns into an error naming the node.
 *
 * QKeras, as hls4ml maps it (hls4ml's `_get_precision_from_quantizer` / `get_type`):
 * - quantized_bits(bits, integer, symmetric, keep_negative, alpha=1|None) ->
 *   fixed<bits, integer+1, RND_CONV, SAT> (ufixed<bits, integer> when keep_negative is false;
 *   SAT_SYM when symmetric). QKeras rounds with tf.round (ties to even) and clips, hence RND_CONV/SAT.
 * - quantized_relu(bits, integer) -> ufixed<bits, integer, RND_CONV, SAT> (with a negative slope:
 *   fixed<bits+1, integer+1, RND_CONV, SAT>, as hls4ml does).
 * - quantized_tanh(bits) -> fixed<bits, 1, RND_CONV, SAT(_SYM)>; quantized_sigmoid(bits) -> ufixed<bits, 0, RND_CONV, SAT>.
 * - binary -> ap_int<2> values {-1, +1} ({0, 1} -> ap_uint<1> with use01); ternary -> ap_int<2> {-1, 0, +1}.
 * - quantized_po2(bits, max_value): weights become signed powers of two; the type is the smallest
 *   fixed type holding the exponents that occur in the weights (hls4ml uses an exponent type and
 *   shifts; fastml keeps ordinary multipliers on those exact values). Weights only.
 */

import type { QuantFact } from '../ir/graph.js';
import type { FixedType, QMode, OMode } from '../fixed/type.js';
import { fixedType, intType } from '../fixed/type.js';
import { quantizeDouble, rawToDouble } from '../fixed/quantize.js';
import { roundHalfEven } from '../emulator/float.js';

/** A type plus how to quantize a float value into it (null = values pass through `(T) x`). */
export interface MappedQuant {
  readonly type: FixedType;
  /** Quantizes one float weight as the model's quantizer does; per-channel index `c` (last axis). */
  readonly quantize: (x: number, c: number) => number;
  /** One line for reports, e.g. "quantized_bits(6,0) -> fixed<6,1,RND_CONV,SAT>". */
  readonly what: string;
  /** For weights: the type sized to the quantized values at hand (power-of-two quantizers). */
  readonly refine?: (values: ArrayLike<number>) => FixedType;
  /** Only usable on weights (the activation type would be too wide to build). */
  readonly weightsOnly?: boolean;
}

export type MapResult = { ok: true; value: MappedQuant } | { ok: false; reason: string; hint?: string };

const ok = (value: MappedQuant): MapResult => ({ ok: true, value });
const no = (reason: string, hint?: string): MapResult => ({ ok: false, reason, ...(hint ? { hint } : {}) });

/** Exact quantization into `t` through the reference ap_fixed path. */
export function castTo(x: number, t: FixedType): number {
  return rawToDouble(quantizeDouble(x, t), t);
}

/** log2 of a positive power of two, or undefined. */
export function exactLog2(s: number): number | undefined {
  if (!(s > 0) || !Number.isFinite(s)) return undefined;
  const k = Math.round(Math.log2(s));
  return 2 ** k === s ? k : undefined;
}

/** QONNX rounding_mode -> ap_fixed quantization mode (ties: ROUND is numpy's half-to-even). */
const QONNX_ROUNDING: Record<string, QMode> = {
  ROUND: 'AP_RND_CONV',
  HALF_EVEN: 'AP_RND_CONV',
  FLOOR: 'AP_TRN',
  ROUND_TO_ZERO: 'AP_TRN_ZERO',
  DOWN: 'AP_TRN_ZERO',
  HALF_UP: 'AP_RND_INF',
  HALF_DOWN: 'AP_RND_ZERO',
};

/**
 * QONNX Quant / ONNX QDQ: y = (clip(round(x / s + z), lo, hi) - z) * s. Exact in fixed point when z
 * is 0 and s = 2^-F: the type has F fractional bits and `bits` bits, saturating (symmetric when
 * narrow and signed). Per-channel power-of-two scales (weights only) give one type wide enough for
 * every channel; each channel is still quantized with its own scale.
 */
export function mapQonnx(f: QuantFact, perChannelOk: boolean): MapResult {
  const bits = f.bits;
  if (bits === undefined || !Number.isInteger(bits) || bits < 1 || bits > 64)
    return no(`bit width ${bits ?? '(none)'} is not an integer in 1..64`);
  const signed = f.signed ?? true;
  const narrow = f.narrow ?? false;
  const rounding = (f.rounding ?? 'ROUND').toUpperCase();
  const q = QONNX_ROUNDING[rounding];
  if (!q) return no(`rounding mode ${rounding} has no ap_fixed equivalent`, `ap_fixed rounds with ${Object.keys(QONNX_ROUNDING).join(', ')}`);
  const zp = f.zeroPoint ?? [0];
  if (zp.some((z) => z !== 0))
    return no(
      `zero point ${zp.join(', ')} is not 0: an offset cannot be expressed as a fixed-point type`,
      'fastml accepts integer zero points on activations (a scale layer with an offset) and on Dense / Conv / DepthwiseConv kernels (integer weights q - z), pass split-scales; other weights need zero point 0',
    );
  const scales = f.scale ?? [1];
  if (scales.length === 0) return no('empty scale');
  const logs = scales.map(exactLog2);
  const bad = scales.findIndex((s, k) => logs[k] === undefined);
  if (bad >= 0)
    return no(
      `scale ${scales[bad]} is not a power of two, so the quantized values are not exactly representable in fixed point`,
      'fastml turns float scales into integer quantizers plus scale layers (pass split-scales) on activations and on Dense / Conv / DepthwiseConv kernels with one scale per tensor, per output channel or per input channel (not varying along both); quantize this tensor that way, or with a power-of-two scale',
    );
  const distinct = new Set(logs);
  if (distinct.size > 1 && !perChannelOk)
    return no(`per-channel scales (${scales.length} channels) on an activation cannot be one fixed-point type`);
  if (!signed && narrow) return no('narrow range on an unsigned quantizer (max 2^b - 2) has no ap_fixed overflow mode');
  const o: OMode = signed && narrow ? 'AP_SAT_SYM' : 'AP_SAT';
  // Per channel: F_c = -log2(s_c); the common type has the finest LSB and the widest range.
  const fr = logs.map((k) => -k!);
  const fMax = Math.max(...fr);
  const iMax = Math.max(...fr.map((fc) => bits - fc));
  const type = fixedType(iMax + fMax, iMax, signed, q, o);
  const perChannel = fr.map((fc) => fixedType(bits, bits - fc, signed, q, o));
  const quantize = (x: number, c: number) => castTo(x, perChannel[perChannel.length === 1 ? 0 : c % perChannel.length]!);
  const what = `Quant(bits=${bits}, scale=${scales.length === 1 ? scales[0] : `${scales.length} po2 scales`}, ${signed ? 'signed' : 'unsigned'}${narrow ? ', narrow' : ''}, ${rounding})`;
  return ok({ type, quantize, what });
}

/** QONNX BipolarQuant: y = (x >= 0 ? 1 : -1) * s, s a power of two. */
export function mapBipolar(f: QuantFact): MapResult {
  const scales = f.scale ?? [1];
  if (scales.length !== 1) return no('per-channel scale on BipolarQuant is not supported');
  const k = exactLog2(scales[0]!);
  if (k === undefined) return no(`scale ${scales[0]} is not a power of two`);
  // {-2^k, +2^k} fits fixed<2, k+2>: two bits, LSB 2^k.
  const type = fixedType(2, k + 2, true);
  return ok({ type, quantize: (x) => (x >= 0 ? 1 : -1) * 2 ** k, what: `BipolarQuant(scale=${scales[0]})` });
}

/**
 * QONNX Trunc (as an activation): drops `bits - outBits` low bits of a value with `bits` bits and
 * scale s. The result keeps the input's MSB and has outBits bits: fixed<outBits, bits - F>.
 */
export function mapTrunc(f: QuantFact): MapResult {
  const bits = f.bits;
  const out = f.outBits;
  if (bits === undefined || out === undefined || !Number.isInteger(bits) || !Number.isInteger(out) || out > bits || out < 1)
    return no(`input/output bit widths ${bits}/${out} are not valid`);
  const k = exactLog2((f.scale ?? [1])[0]!);
  if (k === undefined || (f.scale ?? [1]).length !== 1) return no(`scale ${f.scale?.join(',')} is not a single power of two`);
  if ((f.zeroPoint ?? [0]).some((z) => z !== 0)) return no('zero point is not 0');
  const rounding = (f.rounding ?? 'FLOOR').toUpperCase();
  const q = QONNX_ROUNDING[rounding];
  if (!q) return no(`rounding mode ${rounding} has no ap_fixed equivalent`);
  const signed = f.signed ?? true;
  if (!f.outScale) {
    // Trunc v1 (5 inputs) rescales the truncated integer by the INPUT scale (QONNX's reference
    // implementation), so values shrink by 2^(in - out bits): a rescaling, not a cast.
    return no(
      `Trunc with 5 inputs (QONNX opset 1) divides values by 2^${bits - out}, which is not a fixed-point cast`,
      'export with Trunc opset 2 (output scale given), whose output keeps the magnitude',
    );
  }
  // Trunc v2: y = clamp(round_mode(q / 2^t), out bits) * out_scale with q = x / scale on the input
  // grid. For x on that grid this is exactly a cast of x to out bits with LSB = out_scale, with
  // the rounding mode as the quantization mode and saturation at the out-bit range.
  const ko = exactLog2(f.outScale[0]!);
  if (ko === undefined || f.outScale.length !== 1) return no(`output scale ${f.outScale.join(',')} is not a single power of two`);
  const narrow = f.narrow ?? false;
  if (!signed && narrow) return no('narrow range on an unsigned output has no ap_fixed overflow mode');
  const type = fixedType(out, out + ko, signed, q, signed && narrow ? 'AP_SAT_SYM' : 'AP_SAT');
  return ok({ type, quantize: (x) => castTo(x, type), what: `Trunc(${bits} -> ${out} bits, scale=2^${k} -> 2^${ko}, ${rounding})` });
}

type QArgs = Readonly<Record<string, unknown>>;

function num(a: QArgs, key: string, dflt?: number): number | undefined {
  const v = a[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return dflt;
}

function truthy(a: QArgs, key: string, dflt: boolean): boolean {
  const v = a[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return String(v).toLowerCase() === 'true' || String(v) === '1';
}

/** alpha is fine when absent, None, or 1 (a plain fixed-point grid). */
function alphaIsOne(a: QArgs): boolean {
  const v = a.alpha;
  return v === undefined || v === null || v === 1 || v === '1' || v === 1.0;
}

function sat(symmetric: boolean): OMode {
  return symmetric ? 'AP_SAT_SYM' : 'AP_SAT';
}

/** The `{name, args}` form the Keras frontend stores in QuantFact.qkeras. */
export function qkerasParts(f: QuantFact): { name: string; args: QArgs } | undefined {
  const p = f.qkeras as { name?: unknown; args?: unknown; class_name?: unknown; config?: unknown } | undefined;
  if (!p || typeof p !== 'object') return undefined;
  if (typeof p.name === 'string') return { name: p.name, args: (p.args ?? {}) as QArgs };
  if (typeof p.class_name === 'string') return { name: p.class_name, args: (p.config ?? {}) as QArgs };
  return undefined;
}

/** A QKeras quantizer -> exact type (+ weight quantizer). */
export function mapQkeras(f: QuantFact): MapResult {
  const parts = qkerasParts(f);
  if (!parts) return no('QKeras quantizer fact without a parsed quantizer');
  const { name, args } = parts;
  const bits = num(args, 'bits', f.bits);
  const show = `${name}(${Object.entries(args)
    .filter(([k]) => ['bits', 'integer', 'keep_negative', 'symmetric', 'alpha', 'negative_slope', 'max_value'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')})`;
  const stochastic = truthy(args, 'use_stochastic_rounding', false);
  if (stochastic) return no(`${show}: stochastic rounding is a training-time behaviour with no fixed-point equivalent`);
  switch (name) {
    case 'quantized_bits': {
      if (bits === undefined || !Number.isInteger(bits) || bits < 1) return no(`${show}: bits must be a positive integer`);
      if (!alphaIsOne(args))
        return no(`${show}: alpha=${String(args.alpha)} scales values by a learned factor, not a fixed-point grid`, "use alpha=1 (as hls4ml's tutorial models do)");
      const integer = num(args, 'integer', 0)!;
      const keepNeg = truthy(args, 'keep_negative', true);
      const symmetric = truthy(args, 'symmetric', false);
      if (bits === 1 && keepNeg) {
        // QKeras turns 1-bit quantized_bits into a binary quantizer: values {-1, +1} * 2^integer... hls4ml uses Xnor.
        return no(`${show}: 1-bit quantized_bits is binary; use binary()`);
      }
      const type = keepNeg ? fixedType(bits, integer + 1, true, 'AP_RND_CONV', sat(symmetric)) : fixedType(bits, integer, false, 'AP_RND_CONV', 'AP_SAT');
      return ok({ type, quantize: (x) => castTo(x, type), what: show });
    }
    case 'quantized_relu':
    case 'quantized_relu_po2': {
      if (name === 'quantized_relu_po2') return no(`${show}: power-of-two activations are not supported`);
      if (bits === undefined || !Number.isInteger(bits) || bits < 1) return no(`${show}: bits must be a positive integer`);
      const integer = num(args, 'integer', 0)!;
      const slope = num(args, 'negative_slope', 0)!;
      if (truthy(args, 'use_sigmoid', false)) return no(`${show}: use_sigmoid is not supported`);
      if (args.relu_upper_bound !== undefined && args.relu_upper_bound !== null) return no(`${show}: relu_upper_bound is not supported`);
      const type = slope !== 0 ? fixedType(bits + 1, integer + 1, true, 'AP_RND_CONV', 'AP_SAT') : fixedType(bits, integer, false, 'AP_RND_CONV', 'AP_SAT');
      return ok({ type, quantize: (x) => castTo(Math.max(0, x), type), what: show });
    }
    case 'quantized_tanh': {
      if (bits === undefined || bits < 2) return no(`${show}: bits must be at least 2`);
      const type = fixedType(bits, 1, true, 'AP_RND_CONV', sat(truthy(args, 'symmetric', false)));
      return ok({ type, quantize: (x) => castTo(Math.tanh(x), type), what: show });
    }
    case 'quantized_sigmoid': {
      if (bits === undefined || bits < 1) return no(`${show}: bits must be positive`);
      const type = fixedType(bits, 0, false, 'AP_RND_CONV', 'AP_SAT');
      return ok({ type, quantize: (x) => castTo(1 / (1 + Math.exp(-x)), type), what: show });
    }
    case 'binary':
    case 'stochastic_binary': {
      if (!alphaIsOne(args)) return no(`${show}: alpha other than 1 is not supported`);
      // QKeras: sign(x), with sign(0) taken as +1; use_01 maps {-1, +1} to {0, 1}.
      if (truthy(args, 'use_01', truthy(args, 'use01', false))) return ok({ type: intType(1, false), quantize: (x) => (x >= 0 ? 1 : 0), what: show });
      return ok({ type: intType(2, true), quantize: (x) => (x >= 0 ? 1 : -1), what: show });
    }
    case 'ternary':
    case 'stochastic_ternary': {
      if (!alphaIsOne(args)) return no(`${show}: alpha other than 1 is not supported`);
      // QKeras: (|x| >= threshold) * sign(x), threshold 0.33 by default.
      const th = num(args, 'threshold', 0.33)!;
      return ok({ type: intType(2, true), quantize: (x) => (Math.abs(x) >= th ? Math.sign(x) : 0), what: show });
    }
    case 'quantized_po2': {
      if (bits === undefined || bits < 2) return no(`${show}: bits must be at least 2`);
      if (truthy(args, 'quadratic_approximation', false)) return no(`${show}: quadratic_approximation is not supported`);
      const maxValue = num(args, 'max_value');
      // QKeras: bits-1 exponent bits, one of them the exponent's sign unless max_value <= 1;
      // x is clipped to max_value, log2 rounded (ties to even, or floor), the exponent clipped,
      // and |x| below 1e-7 (zero included) becomes +2^min_exp.
      const needSign = maxValue === undefined || maxValue > 1 ? 1 : 0;
      const eff = bits - 1 - needSign;
      const minExp = -(2 ** eff);
      const maxExp = 2 ** eff - 1;
      const floor = String(args.log2_rounding ?? 'rnd') === 'floor';
      const quantize = (x: number) => {
        const sgn = x < 0 ? -1 : 1;
        const a = Math.abs(x);
        if (a < 1e-7) return sgn * 2 ** minExp;
        const f = maxValue !== undefined && a >= maxValue ? maxValue : a;
        const l = Math.log(f) / Math.LN2;
        const e = Math.min(maxExp, Math.max(minExp, floor ? Math.floor(l) : roundHalfEven(l)));
        return sgn * 2 ** e;
      };
      // The full exponent range can need over a hundred bits; the weights at hand need far fewer,
      // so the type is sized from the exponents that actually occur (`refine`).
      const typeOf = (lo: number, hi: number) => fixedType(hi - lo + 2, hi + 2, true);
      const refine = (values: ArrayLike<number>) => {
        let lo = Infinity;
        let hi = -Infinity;
        for (let k = 0; k < values.length; k++) {
          const e = Math.log2(Math.abs(values[k]!));
          lo = Math.min(lo, e);
          hi = Math.max(hi, e);
        }
        return values.length ? typeOf(lo, hi) : typeOf(0, 0);
      };
      if (maxExp - minExp + 2 > 64) return ok({ type: typeOf(Math.max(minExp, -30), maxExp), quantize, refine, what: show, weightsOnly: true });
      return ok({ type: typeOf(minExp, maxExp), quantize, refine, what: show });
    }
    default:
      return no(`QKeras quantizer "${name}" is not supported`, 'supported: quantized_bits, quantized_relu, quantized_tanh, quantized_sigmoid, quantized_po2, binary, ternary');
  }
}

/** Any fact -> exact type. `forWeights` allows per-channel scales. */
export function mapFact(f: QuantFact, forWeights: boolean): MapResult {
  const r = mapFactAny(f, forWeights);
  if (r.ok && r.value.weightsOnly && !forWeights) return no(`${r.value.what}: a power-of-two quantizer on activations is not supported`);
  return r;
}

function mapFactAny(f: QuantFact, forWeights: boolean): MapResult {
  switch (f.kind) {
    case 'quant':
    case 'qdq':
      return mapQonnx(f, forWeights);
    case 'bipolar':
      return mapBipolar(f);
    case 'trunc':
      return forWeights ? no('Trunc on weights is not supported') : mapTrunc(f);
    case 'qkeras':
      return mapQkeras(f);
    default:
      return no(`unknown quantization fact kind ${(f as QuantFact).kind}`);
  }
}
