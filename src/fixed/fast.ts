/**
 * @fileoverview The Number fast path for the emulator's hot loops: quantizers that work in the VALUE
 * domain (a double in, the value of (T)x out) with no BigInt on the common path.
 *
 * Why this is exact for W <= 53: x is a dyadic rational; y = x * 2^F is a power-of-two scaling
 * (exact unless it under/overflows, both handled); floor(y) and fl + 0.5 are exact (see codegen.ts); the rounded
 * integer q fits 53 bits whenever it is in range, so q * 2^-F is exact too. Every IEEE operation is
 * correctly rounded, so each step whose exact result is representable is exact. Anything outside
 * that (inf/NaN, AP_WRAP with N > 0, AP_WRAP_SM, |F| > 960, W > 53) goes to the BigInt reference.
 * The property tests compare both paths on widths 1..64 and every mode.
 */

import { fracBits, type FixedType } from './type.js';
import { quantizeDouble, quantizeDoubleInfo, rawToDouble } from './quantize.js';
import { fastPathApplies, kernelsFor, type DotKernel } from './codegen.js';

export type { DotKernel } from './codegen.js';

/**
 * A type whose every value is a double: W <= 53 and its LSB and MSB inside the double range
 * (F <= 1074, I <= 1024). Then makeQuantizer is exact and never throws.
 */
export function isExactInDouble(t: FixedType): boolean {
  return t.w <= 53 && t.w - t.i <= 1074 && t.i <= 1024;
}

/** Whether every exact product of an `a` and a `b` value is a double (W1 + W2 <= 53). */
export function productFitsDouble(a: FixedType, b: FixedType): boolean {
  return a.w + b.w <= 53;
}

/** Overflow accounting for one quantization site (a layer's result, an accumulator, ...). */
export interface OverflowStats {
  /** Values quantized. */
  count: number;
  /** Above the type's range after rounding. */
  overflow: number;
  /** Below the type's range after rounding. */
  underflow: number;
  /** Of those, how many were wrapped (AP_WRAP, AP_WRAP_SM) ... */
  wrapped: number;
  /** ... and how many saturated (AP_SAT, AP_SAT_ZERO, AP_SAT_SYM). */
  saturated: number;
  /** Values that lost bits in the rounding step. */
  inexact: number;
  /** Largest |x| seen (before quantization). */
  maxAbs: number;
}

export function newOverflowStats(): OverflowStats {
  return { count: 0, overflow: 0, underflow: 0, wrapped: 0, saturated: 0, inexact: 0, maxAbs: 0 };
}

/** Adds `b` into `a` (e.g. per-batch stats into per-layer stats). */
export function mergeOverflowStats(a: OverflowStats, b: OverflowStats): OverflowStats {
  a.count += b.count;
  a.overflow += b.overflow;
  a.underflow += b.underflow;
  a.wrapped += b.wrapped;
  a.saturated += b.saturated;
  a.inexact += b.inexact;
  a.maxAbs = Math.max(a.maxAbs, b.maxAbs);
  return a;
}

export type Quantizer = (x: number) => number;

/**
 * The reference quantizer for types the fast path does not cover. A value of a type that is not
 * isExactInDouble (W > 53, or scaled beyond the double range) may not be a double: then this throws
 * instead of losing a bit (use quantizeDouble for the raw value).
 */
function slowQuantizer(t: FixedType): Quantizer {
  const exact = isExactInDouble(t);
  const f = fracBits(t);
  return (x: number): number => {
    const raw = quantizeDouble(x, t);
    const v = rawToDouble(raw, t);
    if (!exact && !rawFitsDouble(raw, f)) {
      throw new RangeError(`value raw=${raw} of a ${t.w}-bit type is not exactly representable as a double`);
    }
    return v + 0;
  };
}

/** raw * 2^-f is exactly a double (53 significant bits, normal range). */
function rawFitsDouble(raw: bigint, f: number): boolean {
  if (raw === 0n) return true;
  let a = raw < 0n ? -raw : raw;
  let tz = 0;
  while ((a & 1n) === 0n) {
    a >>= 1n;
    tz++;
  }
  const len = a.toString(2).length;
  const lsbExp = tz - f;
  return len <= 53 && lsbExp >= -1074 && lsbExp + len <= 1024;
}

/**
 * `(x) => value of (T)x` for any double x. Exact for W <= 53 (bit-identical to
 * rawToDouble(quantizeDouble(x, t), t), which the property tests check); for W > 53 (or types scaled
 * beyond the double range, see isExactInDouble) it uses the BigInt path and throws a RangeError when
 * the result is not exactly a double. -0 comes out as +0.
 * The function is generated per type and cached (codegen.ts), so calling this again is cheap.
 */
export function makeQuantizer(t: FixedType): Quantizer {
  return fastPathApplies(t) ? kernelsFor(t).quantize : slowQuantizer(t);
}

/**
 * makeQuantizer that also counts into `stats`: overflow/underflow are judged after rounding, as the
 * header does (the AP_SAT_SYM rewrite of an in-range minimum is not counted as underflow); `wrapped`
 * or `saturated` by the type's O mode; `inexact` when the rounding dropped bits.
 */
export function makeCountingQuantizer(t: FixedType, stats: OverflowStats): Quantizer {
  if (fastPathApplies(t)) return kernelsFor(t).counting(stats);
  const quant = slowQuantizer(t);
  const isSat = t.o === 'AP_SAT' || t.o === 'AP_SAT_ZERO' || t.o === 'AP_SAT_SYM';
  return (x) => {
    const info = quantizeDoubleInfo(x, t);
    stats.count++;
    const a = Math.abs(x);
    if (a > stats.maxAbs) stats.maxAbs = a; // NaN never compares greater
    if (info.inexact) stats.inexact++;
    if (info.overflow || info.underflow) {
      if (info.overflow) stats.overflow++;
      else stats.underflow++;
      if (isSat) stats.saturated++;
      else stats.wrapped++;
    }
    return quant(x);
  };
}

/** Quantizes a whole array into `dst` (which may be `src` itself when it is a Float64Array). */
export function quantizeArray(src: ArrayLike<number>, t: FixedType, dst: Float64Array, stats?: OverflowStats): Float64Array {
  const n = src.length;
  if (dst.length < n) throw new RangeError(`destination holds ${dst.length} values, source has ${n}`);
  if (fastPathApplies(t)) {
    const k = kernelsFor(t);
    if (stats) k.countingArray(src, dst, n, stats);
    else k.array(src, dst, n);
    return dst;
  }
  const q = stats ? makeCountingQuantizer(t, stats) : slowQuantizer(t);
  for (let i = 0; i < n; i++) dst[i] = q(src[i]!);
  return dst;
}

/**
 * `(int)v` for a value v of type t, as C++ `ap_fixed -> int` does: truncate toward zero, low 32
 * bits, and the header's I <= 0 quirk (negative values give -1). For table indexing.
 */
export function toIntValue(x: number, t: FixedType): number {
  if (t.i <= 0 && x < 0) return -1;
  // Math.trunc is exact and `| 0` is ToInt32, i.e. the low 32 bits in two's complement.
  return Math.trunc(x) | 0;
}

/**
 * hls4ml's dense dot product for one output (nnet::dense_latency order): acc = (acc_t) bias, then
 * for each i acc = (acc_t)(acc + (acc_t)(x[i] * w[i])), with accQ = makeQuantizer(acc_t). Exact when
 * the products and sums are doubles: productFitsDouble(x_t, w_t) and acc_t W <= 52 (the caller checks;
 * otherwise use the BigInt ops in arith.ts).
 */
export function dotAccumulate(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: number,
  accQ: Quantizer,
  stride = 1,
  offset = 0,
): number {
  let acc = accQ(bias);
  const n = x.length;
  for (let i = 0; i < n; i++) acc = accQ(acc + accQ(x[i]! * w[offset + i * stride]!));
  return acc;
}

/**
 * Whether hls4ml's dense accumulation (products cast to acc_t, then acc = (acc_t)(acc + p)) is exact
 * on doubles for these types: every product is a double (Wx + Ww <= 53) and every sum of two acc_t
 * values is one (acc_t W <= 52, fast path applicable).
 */
export function dotIsExact(xT: FixedType, wT: FixedType, accT: FixedType): boolean {
  return productFitsDouble(xT, wT) && accT.w <= 52 && fastPathApplies(accT) && Math.abs(fracBits(xT) + fracBits(wT)) <= 900;
}

/**
 * A dense-layer dot kernel generated for one accumulator type (hls4ml dense_latency order):
 * `kernel(x, w, bias, n, xOff, wOff, wStride)` = acc after acc = (acc_t) bias and, for i < n,
 * acc = (acc_t)(acc + (acc_t)(x[xOff+i] * w[wOff+i*wStride])). Exact when dotIsExact(xT, wT, accT);
 * throws a RangeError for accumulator types the fast path cannot cover (use arith.ts there).
 * Each acc type gets its own compiled function, so kernels stay monomorphic in mixed-type models.
 */
export function makeDotKernel(accT: FixedType): DotKernel {
  if (!fastPathApplies(accT)) throw new RangeError(`no double dot kernel for a ${accT.w}-bit accumulator; use the BigInt ops`);
  return kernelsFor(accT).dot;
}
