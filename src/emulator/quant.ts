/**
 * @fileoverview Casts into ap_fixed types, specialised per type, for the emulator's inner loops.
 *
 * The emulator keeps every tensor in the value domain (a double equal to raw * 2^-F). A value of a
 * type with W <= 53 is exactly representable, and so is the exact sum or product of two such values
 * as long as the bits involved fit in 53 (checked by the kernels with `assertExact`). Converting an
 * exact value x into a type is then: y = x * 2^F (exact: scaling by a power of two), fl = floor(y)
 * (exact), frac = y - fl (exact), round per Q, then overflow per O. This follows
 * ../shared/golden/ap_fixed/SEMANTICS.md section 2 step by step; it never computes x*2^F + 0.5,
 * which can round in floating point.
 *
 * Wrapping uses ToInt32 (`|0`, `<<`, `>>`), which is an exact modulo 2^32 of any integer-valued
 * double, so the common W <= 32 case costs a few integer instructions.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import { makeWideCast } from './wide.js';
import type { VarStats } from './overflow.js';

export type Cast = (x: number) => number;

/** Raw integer limits of a type (exact doubles for W <= 53). */
export function rawLimits(t: FixedType): { lo: number; hi: number } {
  return t.signed ? { lo: -(2 ** (t.w - 1)), hi: 2 ** (t.w - 1) - 1 } : { lo: 0, hi: 2 ** t.w - 1 };
}

/**
 * Step 2 of the conversion: y (already scaled by 2^F) to an integer q per the rounding mode.
 * The fraction is taken from |y| (a - floor(a) is exact for a >= 0, while y - floor(y) can round
 * for negative y with bits below 2^-52), and the result is never -0.
 */
export function roundScaled(y: number, q: FixedType['q']): number {
  if (y >= 0) {
    const fl = Math.floor(y) + 0;
    const fr = y - fl;
    if (fr === 0) return fl;
    switch (q) {
      case 'AP_TRN':
      case 'AP_TRN_ZERO':
        return fl;
      case 'AP_RND':
      case 'AP_RND_INF':
        return fr >= 0.5 ? fl + 1 : fl;
      case 'AP_RND_ZERO':
      case 'AP_RND_MIN_INF':
        return fr > 0.5 ? fl + 1 : fl;
      case 'AP_RND_CONV':
        return fr > 0.5 || (fr === 0.5 && fl % 2 !== 0) ? fl + 1 : fl;
    }
  }
  // y = -(fa + fr): floor(y) = -fa - 1 (down), the next integer up is -fa (up).
  const a = -y;
  const fa = Math.floor(a);
  const fr = a - fa;
  const up = 0 - fa;
  if (fr === 0) return up;
  const down = up - 1;
  switch (q) {
    case 'AP_TRN':
      return down;
    case 'AP_TRN_ZERO':
      return up;
    case 'AP_RND':
    case 'AP_RND_ZERO':
      return fr <= 0.5 ? up : down;
    case 'AP_RND_MIN_INF':
    case 'AP_RND_INF':
      return fr < 0.5 ? up : down;
    case 'AP_RND_CONV':
      return fr < 0.5 || (fr === 0.5 && up % 2 === 0) ? up : down;
  }
}

/** Two's complement wrap of an integer-valued double into W bits (signed or not). */
export function wrapRaw(q: number, w: number, signed: boolean): number {
  if (w <= 32) {
    const s = 32 - w;
    if (signed) return s === 0 ? q | 0 : (q << s) >> s;
    return s === 0 ? q >>> 0 : (q << s) >>> s;
  }
  const m = 2 ** w;
  let r = q - Math.floor(q / m) * m; // 0 <= r < 2^W, exact for |q| < 2^53
  if (signed && r >= m / 2) r -= m;
  return r;
}

/** Step 3 for the rare overflow modes (WRAP with N > 0, WRAP_SM), on raw integers. */
function overflowRare(q: number, fl: number, t: FixedType, lo: number, hi: number): number {
  const w = t.w;
  const n = t.n;
  if (q >= lo && q <= hi) return q;
  const ovf = q > hi;
  // Work on the W-bit pattern as a BigInt: these modes are rare and W can be up to 53 here.
  const W = BigInt(w);
  const mask = (1n << W) - 1n;
  let u = BigInt(wrapRaw(q, w, false)) & mask;
  const bit = (k: number): bigint => (u >> BigInt(k)) & 1n;
  const setBit = (k: number, v: boolean): void => {
    u = v ? u | (1n << BigInt(k)) : u & ~(1n << BigInt(k));
  };
  if (t.o === 'AP_WRAP') {
    if (t.signed) {
      setBit(w - 1, !ovf);
      for (let k = w - n; k <= w - 2; k++) setBit(k, ovf);
    } else {
      for (let k = w - n; k <= w - 1; k++) setBit(k, true);
    }
  } else {
    // AP_WRAP_SM (signed only)
    const ro = bit(w - 1);
    if (n === 0) {
      const lD = BigInt(Math.floor(fl / 2 ** w) & 1);
      if (lD !== ro) u = ~u & mask;
    } else {
      const sign = q < 0;
      if (n === 1) {
        if ((sign ? 1n : 0n) !== ro) u = ~u & mask;
      } else {
        if (bit(w - n) === (sign ? 1n : 0n)) u = ~u & mask;
        for (let k = w - n; k <= w - 2; k++) setBit(k, !sign);
      }
      setBit(w - 1, sign);
    }
  }
  let r = Number(u);
  if (t.signed && r >= 2 ** (w - 1)) r -= 2 ** w;
  return r;
}

/**
 * Quantizes an exact value into raw units of `t` (the integer q of SEMANTICS.md, after overflow).
 * Used by the counting casts and by tests; the fast casts inline the same steps.
 */
export function toRaw(x: number, t: FixedType): number {
  const y = x * 2 ** fracBits(t);
  const fl = Math.floor(y);
  const q = roundScaled(y, t.q);
  return overflowRaw(q, fl, t);
}

const limitsCache = new WeakMap<FixedType, { lo: number; hi: number }>();

/** rawLimits, cached per type object (types are frozen and shared). */
export function limitsOf(t: FixedType): { lo: number; hi: number } {
  let l = limitsCache.get(t);
  if (!l) {
    l = rawLimits(t);
    limitsCache.set(t, l);
  }
  return l;
}

export function overflowRaw(q: number, fl: number, t: FixedType, lo = limitsOf(t).lo, hi = limitsOf(t).hi): number {
  switch (t.o) {
    case 'AP_WRAP':
      if (t.n === 0) return q >= lo && q <= hi ? q : wrapRaw(q, t.w, t.signed);
      return overflowRare(q, fl, t, lo, hi);
    case 'AP_SAT':
      return q > hi ? hi : q < lo ? lo : q;
    case 'AP_SAT_ZERO':
      return q > hi || q < lo ? 0 : q;
    case 'AP_SAT_SYM':
      if (!t.signed) return q > hi ? hi : q < lo ? lo : q;
      if (t.w === 1) return q < 0 ? -1 : 0;
      return q > hi ? hi : q <= lo ? lo + 1 : q;
    case 'AP_WRAP_SM':
      return overflowRare(q, fl, t, lo, hi);
  }
}

/**
 * A type or intermediate too wide for the emulator's exact double arithmetic (the compiler turns
 * it into a user-facing diagnostic naming the layer).
 */
export class WidthError extends Error {}

/** Throws unless the type can be handled exactly with doubles. */
export function assertNumberType(t: FixedType, what: string): void {
  if (t.w > 53) throw new WidthError(`${what}: a ${t.w}-bit type is wider than the emulator's exact limit of 53 bits`);
}

/**
 * A cast x -> (T)x in the value domain, specialised for the type. With `stats`, every call is
 * also counted (overflow, wrap, saturation, inexact, largest magnitude).
 */
export function makeCast(t: FixedType, stats?: VarStats): Cast {
  // Types wider than a double: the exact BigInt cast (src/emulator/wide.ts).
  if (t.w > 53) return makeWideCast(t, stats);
  const F = fracBits(t);
  const scale = 2 ** F;
  const inv = 2 ** -F;
  const { lo, hi } = rawLimits(t);
  if (stats) {
    stats.type = t;
    const fast = countingFastCast(t, stats, scale, inv, lo, hi);
    if (fast) return fast;
    return generalCountingCast(t, stats, scale, inv, lo, hi);
  }
  return plainCast(t, scale, inv, lo, hi);
}

/** The counting cast of makeCast for any type of at most 53 bits (exported for the tests of the fast ones). */
export function generalCountingCast(t: FixedType, stats: VarStats, scale = 2 ** fracBits(t), inv = 2 ** -fracBits(t), lo = rawLimits(t).lo, hi = rawLimits(t).hi): Cast {
  return (x: number): number => {
    const y = x * scale;
    const fl = Math.floor(y);
    const q = roundScaled(y, t.q);
    const r = overflowRaw(q, fl, t, lo, hi);
    stats.count++;
    const ax = Math.abs(x);
    if (ax > stats.maxAbs) stats.maxAbs = ax;
    if (q !== y) stats.inexact++;
    if (q > hi) stats.overflow++;
    else if (q < lo) stats.underflow++;
    if (r !== q) {
      if (t.o === 'AP_WRAP' || t.o === 'AP_WRAP_SM') stats.wrapped++;
      else stats.saturated++;
    }
    return r * inv;
  };
}

/**
 * The counting cast for the common modes (TRN or RND, WRAP without saturation bits or SAT, at most
 * 32 bits), with the rounding and the overflow step inline: the same q and r as roundScaled and
 * overflowRaw (TRN is the floor, never -0; the wrap is ToInt32 after a shift, exact modulo 2^32 for
 * any integer-valued double; NaN and infinities take the same comparisons), hence the same counts.
 * Overflow accounting runs every result, ReLU and softmax value through these.
 */
function countingFastCast(t: FixedType, stats: VarStats, scale: number, inv: number, lo: number, hi: number): Cast | undefined {
  const wrap = t.o === 'AP_WRAP' && t.n === 0;
  if (t.w > 32 || (!wrap && t.o !== 'AP_SAT') || (t.q !== 'AP_TRN' && t.q !== 'AP_RND')) return undefined;
  const trn = t.q === 'AP_TRN';
  const s = 32 - t.w;
  const signed = t.signed;
  const count = (x: number, y: number, q: number): void => {
    stats.count++;
    const ax = Math.abs(x);
    if (ax > stats.maxAbs) stats.maxAbs = ax;
    if (q !== y) stats.inexact++;
    if (q > hi) stats.overflow++;
    else if (q < lo) stats.underflow++;
  };
  if (wrap)
    return (x: number): number => {
      const y = x * scale;
      const q = trn ? Math.floor(y) + 0 : roundScaled(y, 'AP_RND');
      const r = signed ? (q << s) >> s : (q << s) >>> s;
      count(x, y, q);
      if (r !== q) stats.wrapped++;
      return r * inv;
    };
  return (x: number): number => {
    const y = x * scale;
    const q = trn ? Math.floor(y) + 0 : roundScaled(y, 'AP_RND');
    const r = q > hi ? hi : q < lo ? lo : q;
    count(x, y, q);
    if (r !== q) stats.saturated++;
    return r * inv;
  };
}

/** A counting cast over an array: y[yOff + i] = cast(f(x[xOff + i] * xScale)), f = max(., 0) for a ReLU. */
export type CountingLoop = (x: ArrayLike<number>, xOff: number, xScale: number, y: Float64Array, yOff: number, n: number) => void;

/**
 * countingFastCast's arithmetic and counts as a loop generated for one type and one stats record
 * (constants in the code, counters in locals written back once per call), or undefined for the
 * other types. Rounding modes other than TRN and RND (RND_CONV, RND_ZERO, ...: QONNX's Quant layers
 * round half to even) call roundScaled, as the general counting cast does; the overflow step is
 * the same for every rounding mode. Each call site gets its own function (new Function), so V8 specialises each; one
 * closure shared by several layers with different casts inside ran several times slower. With
 * `relu`, each value is max(v, 0) first (NaN: 0), as the ReLU kernel's `castRes(v > 0 ? v : 0)`.
 * Counts, maxima and values are those of makeCast with the same stats (counting-cast.test.ts).
 */
export function countingLoop(t: FixedType, stats: VarStats, relu = false): CountingLoop | undefined {
  const wrap = t.o === 'AP_WRAP' && t.n === 0;
  if (t.w > 32 || (!wrap && t.o !== 'AP_SAT')) return undefined;
  stats.type = t;
  const { lo, hi } = rawLimits(t);
  const s = 32 - t.w;
  const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
  const src = `return function (x, xOff, xScale, y, yOff, n) {
  let over = 0, under = 0, inexact = 0, events = 0, mx = stats.maxAbs;
  for (let i = 0; i < n; i++) {
    let v = x[xOff + i] * xScale;
    ${relu ? 'v = v > 0 ? v : 0;' : ''}
    const u = v * ${num(2 ** fracBits(t))};
    const q = ${t.q === 'AP_TRN' ? 'Math.floor(u) + 0' : `roundScaled(u, '${t.q}')`};
    const r = ${wrap ? (t.signed ? `(q << ${s}) >> ${s}` : `(q << ${s}) >>> ${s}`) : `q > ${num(hi)} ? ${num(hi)} : q < ${num(lo)} ? ${num(lo)} : q`};
    const ax = Math.abs(v);
    if (ax > mx) mx = ax;
    if (q !== u) inexact++;
    if (q > ${num(hi)}) over++;
    else if (q < ${num(lo)}) under++;
    if (r !== q) events++;
    y[yOff + i] = r * ${num(2 ** -fracBits(t))};
  }
  stats.count += n;
  stats.maxAbs = mx;
  stats.inexact += inexact;
  stats.overflow += over;
  stats.underflow += under;
  stats.${wrap ? 'wrapped' : 'saturated'} += events;
};`;
  return new Function('stats', 'roundScaled', src)(stats, roundScaled) as CountingLoop;
}

function plainCast(t: FixedType, scale: number, inv: number, lo: number, hi: number): Cast {
  const w = t.w;
  // Specialised fast paths for the common modes.
  if (t.o === 'AP_WRAP' && t.n === 0 && w <= 32) {
    const s = 32 - w;
    if (t.q === 'AP_TRN') {
      if (t.signed) return s === 0 ? (x) => (Math.floor(x * scale) | 0) * inv : (x) => ((Math.floor(x * scale) << s) >> s) * inv;
      return (x) => ((Math.floor(x * scale) << s) >>> s) * inv;
    }
    const qm = t.q;
    const signed = t.signed;
    return (x) => wrapRaw(roundScaled(x * scale, qm), w, signed) * inv;
  }
  if (t.o === 'AP_SAT') {
    if (t.q === 'AP_TRN') {
      return (x) => {
        const q = Math.floor(x * scale) + 0;
        return (q > hi ? hi : q < lo ? lo : q) * inv;
      };
    }
    if (t.q === 'AP_RND') {
      return (x) => {
        const q = roundScaled(x * scale, 'AP_RND');
        return (q > hi ? hi : q < lo ? lo : q) * inv;
      };
    }
  }
  return (x) => {
    const y = x * scale;
    return overflowRaw(roundScaled(y, t.q), Math.floor(y), t, lo, hi) * inv;
  };
}
