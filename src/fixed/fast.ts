/**
 * @fileoverview The Number fast path for the emulator's hot loops: quantizers that work in the VALUE
 * domain (a double in, the value of (T)x out) with no BigInt on the common path.
 *
 * Why this is exact for W <= 53: x is a dyadic rational; y = x * 2^F is a power-of-two scaling
 * (exact unless it under/overflows, both handled); floor(y) and fl + 0.5 are exact (see makeRound); the rounded
 * integer q fits 53 bits whenever it is in range, so q * 2^-F is exact too. Every IEEE operation is
 * correctly rounded, so each step whose exact result is representable is exact. Anything outside
 * that (inf/NaN, AP_WRAP with N > 0, AP_WRAP_SM, |F| > 960, W > 53) goes to the BigInt reference.
 * The property tests compare both paths on widths 1..64 and every mode.
 */

import { fracBits, type FixedType } from './type.js';
import { quantizeDouble, quantizeDoubleInfo, rawToDouble, rawBounds } from './quantize.js';

/** A type whose every value is a double (W <= 53): the fast path is exact. */
export function isExactInDouble(t: FixedType): boolean {
  return t.w <= 53;
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

/** Beyond this |F| the scaling 2^F or the header's subnormal decoding would need care: use BigInt. */
const MAX_FAST_F = 960;


/**
 * The reference quantizer for types the fast path does not cover. The value of a W > 53 type may not
 * be a double: then this throws instead of losing a bit (use quantizeDouble for the raw value).
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
 * Rounds y = x * 2^F to an integer per Q (y finite). A non-integer y has |y| < 2^52, so fl + 0.5 is
 * exact; y - fl is NOT always exact (y = -0.4999... gives 0.5000...01 needing 54 bits), so ties and
 * halves are decided by comparing y with fl + 0.5.
 */
function makeRound(q: FixedType['q']): (y: number) => number {
  switch (q) {
    case 'AP_TRN':
      return Math.floor;
    case 'AP_TRN_ZERO':
      return Math.trunc;
    case 'AP_RND':
      return (y) => {
        const fl = Math.floor(y);
        return fl !== y && y >= fl + 0.5 ? fl + 1 : fl;
      };
    case 'AP_RND_ZERO':
      return (y) => {
        const fl = Math.floor(y);
        if (fl === y) return fl;
        const h = fl + 0.5;
        return y > h || (y === h && y < 0) ? fl + 1 : fl;
      };
    case 'AP_RND_MIN_INF':
      return (y) => {
        const fl = Math.floor(y);
        return fl !== y && y > fl + 0.5 ? fl + 1 : fl;
      };
    case 'AP_RND_INF':
      return (y) => {
        const fl = Math.floor(y);
        if (fl === y) return fl;
        const h = fl + 0.5;
        return y > h || (y === h && y > 0) ? fl + 1 : fl;
      };
    case 'AP_RND_CONV':
      return (y) => {
        const fl = Math.floor(y);
        if (fl === y) return fl;
        const h = fl + 0.5;
        return y > h || (y === h && fl % 2 !== 0) ? fl + 1 : fl;
      };
  }
}

/**
 * `(x) => value of (T)x` for any double x. Exact for W <= 53 (bit-identical to
 * rawToDouble(quantizeDouble(x, t), t), which the property tests check); for W > 53 it uses the
 * BigInt path and throws a RangeError when the result is not exactly a double. -0 comes out as +0.
 */
export function makeQuantizer(t: FixedType): Quantizer {
  const F = fracBits(t);
  if (!isExactInDouble(t) || Math.abs(F) > MAX_FAST_F) return slowQuantizer(t);
  const s = 2 ** F;
  const inv = 2 ** -F;
  const { lo: loB, hi: hiB } = rawBounds(t);
  const lo = Number(loB);
  const hi = Number(hiB);
  const M = 2 ** t.w;
  const invM = 2 ** -t.w;
  const signed = t.signed;
  // A product that underflows to 0 (only possible when F < 0) must keep its sign for floor/ceil.
  const tiny = F < 0;
  const slow = (x: number): number => rawToDouble(quantizeDouble(x, t), t) + 0;
  const scale = tiny
    ? (x: number): number => {
        const y = x * s;
        return y === 0 && x !== 0 ? (x > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE) : y;
      }
    : null;

  // Overflow handling for the rounded q (q may be +-Infinity, NaN goes to the reference path).
  let over: (q: number, x: number) => number;
  switch (t.o) {
    case 'AP_WRAP':
      over =
        t.n === 0
          ? (q, x) => {
              if (!Number.isFinite(q)) return slow(x);
              let r = q - Math.floor(q * invM) * M; // exact: the result lies in [0, 2^W)
              if (signed && r > hi) r -= M;
              return r * inv + 0;
            }
          : (_q, x) => slow(x);
      break;
    case 'AP_WRAP_SM':
      over = (_q, x) => slow(x);
      break;
    case 'AP_SAT':
      over = (q, x) => (q !== q ? slow(x) : (q > hi ? hi : lo) * inv + 0);
      break;
    case 'AP_SAT_ZERO':
      over = (q, x) => (q !== q ? slow(x) : 0);
      break;
    case 'AP_SAT_SYM': {
      const neg = signed ? (t.w === 1 ? lo : lo + 1) : lo;
      over = (q, x) => (q !== q ? slow(x) : (q > hi ? hi : neg) * inv + 0);
      break;
    }
  }
  // AP_SAT_SYM treats the in-range minimum as an underflow too.
  const loIn = t.o === 'AP_SAT_SYM' && signed ? lo + 1 : lo;

  // Hand-specialised closures for the most common modes; the generic one covers the rest.
  if (t.q === 'AP_TRN' && !tiny) {
    return (x) => {
      const q = Math.floor(x * s);
      return q >= loIn && q <= hi ? q * inv + 0 : over(q, x);
    };
  }
  if (t.q === 'AP_RND' && !tiny) {
    return (x) => {
      const y = x * s;
      const fl = Math.floor(y);
      const q = fl !== y && y >= fl + 0.5 ? fl + 1 : fl;
      return q >= loIn && q <= hi ? q * inv + 0 : over(q, x);
    };
  }
  const round = makeRound(t.q);
  if (scale) {
    return (x) => {
      const q = round(scale(x));
      return q >= loIn && q <= hi ? q * inv + 0 : over(q, x);
    };
  }
  return (x) => {
    const q = round(x * s);
    return q >= loIn && q <= hi ? q * inv + 0 : over(q, x);
  };
}

/**
 * makeQuantizer that also counts into `stats` (overflow/underflow judged after rounding, as the
 * header does; the AP_SAT_SYM rewrite of an in-range minimum is not counted as underflow).
 */
export function makeCountingQuantizer(t: FixedType, stats: OverflowStats): Quantizer {
  const quant = makeQuantizer(t);
  const F = fracBits(t);
  const isSat = t.o === 'AP_SAT' || t.o === 'AP_SAT_ZERO' || t.o === 'AP_SAT_SYM';
  if (!isExactInDouble(t) || Math.abs(F) > MAX_FAST_F) {
    return (x) => {
      const info = quantizeDoubleInfo(x, t);
      count(stats, x, info.overflow, info.underflow, info.inexact, isSat);
      return quant(x);
    };
  }
  const s = 2 ** F;
  const { lo: loB, hi: hiB } = rawBounds(t);
  const lo = Number(loB);
  const hi = Number(hiB);
  const round = makeRound(t.q);
  return (x) => {
    let y = x * s;
    if (y === 0 && x !== 0) y = x > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
    if (y !== y || !Number.isFinite(y)) {
      // inf / NaN / scaling overflow: ask the reference for what happened.
      const info = quantizeDoubleInfo(x, t);
      count(stats, x, info.overflow, info.underflow, info.inexact, isSat);
    } else {
      const q = round(y);
      count(stats, x, q > hi, q < lo, q !== y, isSat);
    }
    return quant(x);
  };
}

function count(st: OverflowStats, x: number, ovf: boolean, unf: boolean, inexact: boolean, isSat: boolean): void {
  st.count++;
  const a = Math.abs(x);
  if (a > st.maxAbs) st.maxAbs = a; // NaN never compares greater

  if (inexact) st.inexact++;
  if (ovf || unf) {
    if (ovf) st.overflow++;
    else st.underflow++;
    if (isSat) st.saturated++;
    else st.wrapped++;
  }
}

/** Quantizes a whole array into `dst` (which may be `src` itself when it is a Float64Array). */
export function quantizeArray(src: ArrayLike<number>, t: FixedType, dst: Float64Array, stats?: OverflowStats): Float64Array {
  if (dst.length < src.length) throw new RangeError(`destination holds ${dst.length} values, source has ${src.length}`);
  const q = stats ? makeCountingQuantizer(t, stats) : makeQuantizer(t);
  const n = src.length;
  for (let k = 0; k < n; k++) dst[k] = q(src[k]!);
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
