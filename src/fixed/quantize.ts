/**
 * @fileoverview The exact (BigInt) reference path: converting an exact dyadic value n * 2^e, a
 * double (decoded bit for bit as the Xilinx header does) or an ap_int source into a FixedType, and
 * raw values back to doubles. Every rule is SEMANTICS.md sections 2, 3, 8 and 9; the fast Number
 * path in fast.ts must agree with this file bit for bit, and the property tests check that it does.
 */

import { fracBits, type FixedType } from './type.js';

/** Raw integer bounds of a type: signed [-2^(W-1), 2^(W-1)-1], unsigned [0, 2^W-1]. */
export function rawBounds(t: FixedType): { lo: bigint; hi: bigint } {
  const w = BigInt(t.w);
  if (t.signed) return { lo: -(1n << (w - 1n)), hi: (1n << (w - 1n)) - 1n };
  return { lo: 0n, hi: (1n << w) - 1n };
}

/** Reduces an integer modulo 2^W and reads it in the type's signedness (two's complement). */
export function wrapRaw(q: bigint, t: FixedType): bigint {
  return t.signed ? BigInt.asIntN(t.w, q) : BigInt.asUintN(t.w, q);
}

/** How a conversion went: the rounded integer q (before overflow handling) and what happened. */
export interface QuantizeInfo {
  raw: bigint;
  /** Non-zero bits were dropped by the rounding step. */
  inexact: boolean;
  /** q above / below the destination range (judged after rounding). */
  overflow: boolean;
  underflow: boolean;
}

/** Per-type BigInt constants, cached on the (frozen) type object: BigInt setup dominates small casts. */
interface BigConsts {
  lo: bigint;
  hi: bigint;
  f: number;
}
const bigConsts = new WeakMap<FixedType, BigConsts>();
function constsOf(t: FixedType): BigConsts {
  let c = bigConsts.get(t);
  if (!c) {
    c = { ...rawBounds(t), f: fracBits(t) };
    // Only frozen types (fixedType/parseType make them) are cached: a mutable object could change.
    if (Object.isFrozen(t)) bigConsts.set(t, c);
  }
  return c;
}

/**
 * Step 2 of SEMANTICS.md section 2: the rounded integer q of n * 2^(e+F), and the floor fl (which
 * AP_WRAP_SM with N = 0 needs). Returns [q, fl, inexact].
 */
function roundBig(n: bigint, sh: number, qm: FixedType['q']): [bigint, bigint, boolean] {
  if (sh >= 0) {
    const v = n << BigInt(sh);
    return [v, v, false];
  }
  const k = BigInt(-sh);
  const fl = n >> k; // BigInt >> is floor for negatives
  const rem = n - (fl << k);
  if (rem === 0n) return [fl, fl, false];
  switch (qm) {
    case 'AP_TRN':
      return [fl, fl, true];
    case 'AP_TRN_ZERO':
      return [n < 0n ? fl + 1n : fl, fl, true];
    default: {
      const half = 1n << (k - 1n);
      const up = rem > half || (rem === half && tieUp(qm, n, fl));
      return [up ? fl + 1n : fl, fl, true];
    }
  }
}

/**
 * The raw value of `T v = n * 2^e`, with every Q/O/N rule of SEMANTICS.md section 2 (including
 * AP_SAT_SYM rewriting an in-range minimum, the WRAP N>0 ufixed quirk and the WRAP_SM sign taken
 * from the unrounded floor).
 */
export function quantizeBig(n: bigint, e: number, t: FixedType): bigint {
  if (n === 0n) return 0n;
  const c = constsOf(t);
  const [q, fl] = roundBig(n, e + c.f, t.q);
  if (t.o === 'AP_WRAP' && t.n === 0) return q >= c.lo && q <= c.hi ? q : wrapRaw(q, t);
  const ovf = q > c.hi;
  const unf = q < c.lo;
  if (!ovf && !unf && !(t.o === 'AP_SAT_SYM' && t.signed && q === c.lo)) return q;
  return applyOverflow(q, fl, ovf, t, c.lo, c.hi);
}

/** quantizeBig, also reporting inexactness and overflow (for statistics and the fast path's tests). */
export function quantizeBigInfo(n: bigint, e: number, t: FixedType): QuantizeInfo {
  if (n === 0n) return { raw: 0n, inexact: false, overflow: false, underflow: false };
  const c = constsOf(t);
  const [q, , inexact] = roundBig(n, e + c.f, t.q);
  return { raw: quantizeBig(n, e, t), inexact, overflow: q > c.hi, underflow: q < c.lo };
}

/** `To v = from_value;` for a raw value of type `from` (only the destination's Q/O/N matter). */
export function castRaw(raw: bigint, from: FixedType, to: FixedType): bigint {
  return quantizeBig(raw, -fracBits(from), to);
}

/** Whether a tie (remainder exactly half an LSB) rounds up from fl, per Q mode. */
function tieUp(q: FixedType['q'], n: bigint, fl: bigint): boolean {
  switch (q) {
    case 'AP_RND':
      return true;
    case 'AP_RND_ZERO':
      return n < 0n;
    case 'AP_RND_MIN_INF':
      return false;
    case 'AP_RND_INF':
      return n > 0n;
    case 'AP_RND_CONV':
      return (fl & 1n) === 1n;
    default:
      return false;
  }
}

/**
 * Step 3 of SEMANTICS.md section 2 for an out-of-range q (or the AP_SAT_SYM minimum). `fl` is the
 * unrounded floor, needed by AP_WRAP_SM with N = 0.
 */
function applyOverflow(q: bigint, fl: bigint, ovf: boolean, t: FixedType, lo: bigint, hi: bigint): bigint {
  const W = t.w;
  const mask = (1n << BigInt(W)) - 1n;
  const bit = (b: number): bigint => 1n << BigInt(b);
  switch (t.o) {
    case 'AP_SAT':
      return ovf ? hi : lo;
    case 'AP_SAT_ZERO':
      return 0n;
    case 'AP_SAT_SYM':
      if (!t.signed) return ovf ? hi : lo;
      if (ovf) return hi;
      // -hi = lo + 1, except W = 1 where the header gives -1 (= lo) for every negative input.
      return W === 1 ? lo : lo + 1n;
    case 'AP_WRAP': {
      // N > 0 here (N = 0 returned earlier): the top N bits take those of max/min.
      let u = BigInt.asUintN(W, q);
      const N = Math.min(t.n, W);
      if (t.signed) {
        for (let b = W - N; b <= W - 2; b++) u = ovf ? u | bit(b) : u & ~bit(b);
        u = ovf ? u & ~bit(W - 1) : u | bit(W - 1);
      } else {
        // Header quirk: ones on overflow and on underflow alike.
        for (let b = W - N; b <= W - 1; b++) u |= bit(b);
      }
      return wrapRaw(u, t);
    }
    case 'AP_WRAP_SM': {
      let u = BigInt.asUintN(W, q);
      const Ro = (u >> BigInt(W - 1)) & 1n;
      if (t.n === 0) {
        const lD = (fl >> BigInt(W)) & 1n;
        if (lD !== Ro) u = ~u & mask;
      } else {
        const sign = q < 0n ? 1n : 0n;
        if (t.n === 1) {
          if (sign !== Ro) u = ~u & mask;
        } else {
          if (((u >> BigInt(W - t.n)) & 1n) === sign) u = ~u & mask;
          for (let b = W - t.n; b <= W - 2; b++) u = sign ? u & ~bit(b) : u | bit(b);
        }
        u = sign ? u | bit(W - 1) : u & ~bit(W - 1);
      }
      return wrapRaw(u, t);
    }
  }
}

/** A double decoded as the header does: an exact n * 2^e (n = 0 for ±0). */
export interface DecodedDouble {
  n: bigint;
  e: number;
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * Decodes IEEE-754 binary64 bits as the Xilinx header does (SEMANTICS.md section 3): normal values
 * exactly; subnormals wrongly as (1.m)*2^-1023; inf and NaN as ±(1.m)*2^1024 with their sign bit.
 */
export function decodeDoubleBits(bits: bigint): DecodedDouble {
  const neg = (bits >> 63n) & 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = bits & 0xfffffffffffffn;
  if (exp === 0 && mant === 0n) return { n: 0n, e: 0 };
  const m = (1n << 52n) | mant;
  // exp 0 (subnormal) reads as exponent -1023; exp 2047 (inf/NaN) as 1024.
  const e = exp === 0 ? -1023 - 52 : exp === 2047 ? 1024 - 52 : exp - 1075;
  return { n: neg ? -m : m, e };
}

/** The 64-bit pattern of a double (NaN payload/sign as the engine gives it). */
export function doubleToBits(x: number): bigint {
  scratch.setFloat64(0, x);
  return scratch.getBigUint64(0);
}

/** Raw of `T v = (double)x` (SEMANTICS.md section 3). */
export function quantizeDouble(x: number, t: FixedType): bigint {
  const d = decodeDoubleBits(doubleToBits(x));
  return quantizeBig(d.n, d.e, t);
}

/**
 * Like quantizeDouble, but from the bit pattern (16 hex digits or a bigint), so a NaN's sign bit
 * survives: JavaScript engines do not reliably keep it through a Number.
 */
export function quantizeDoubleBits(bits: string | bigint, t: FixedType): bigint {
  const b = typeof bits === 'bigint' ? bits : BigInt('0x' + bits.replace(/^0x/i, ''));
  const d = decodeDoubleBits(BigInt.asUintN(64, b));
  return quantizeBig(d.n, d.e, t);
}

/** quantizeDouble with overflow/inexact information. */
export function quantizeDoubleInfo(x: number, t: FixedType): QuantizeInfo {
  const d = decodeDoubleBits(doubleToBits(x));
  return quantizeBigInfo(d.n, d.e, t);
}

/** Number of bits needed for |v| (0 for 0). */
function bitLength(v: bigint): number {
  if (v < 0n) v = -v;
  return v === 0n ? 0 : v.toString(2).length;
}

/** x * 2^k exactly for a double x and integer k, as long as the result is a normal double. */
function ldexp(x: number, k: number): number {
  // Split the scale so that 2^k itself never overflows or underflows.
  while (k > 1000) {
    x *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    x *= 2 ** -1000;
    k += 1000;
  }
  return x * 2 ** k;
}

/**
 * The value raw * 2^-F rounded to the nearest double, ties to even (the header's to_double). Exact
 * whenever the value is representable, in particular for W <= 53.
 */
export function rawToDouble(raw: bigint, t: FixedType): number {
  return scaledToDouble(raw, -fracBits(t));
}

/** Alias kept for callers that think of values as Numbers. */
export const rawToNumber = rawToDouble;

/** n * 2^e rounded once to the nearest double (ties to even), subnormal and overflow ranges included. */
export function scaledToDouble(n: bigint, e: number): number {
  if (n === 0n) return 0;
  const len = bitLength(n);
  const top = len + e; // the value lies in [2^(top-1), 2^top)
  if (top > 1024) return n < 0n ? -Infinity : Infinity;
  if (top - 53 >= -1074) {
    // Normal result: Number(n) rounds once (nearest-even) to 53 bits, scaling is then exact.
    // Overflow to infinity can only come from rounding up at 2^1024, which is correct too.
    return ldexp(Number(n), e);
  }
  // Subnormal result: round at the 2^-1074 position in BigInt, once.
  const k = -1074 - e; // bits to drop
  if (k <= 0) return ldexp(Number(n), e);
  const neg = n < 0n;
  const a = neg ? -n : n;
  const K = BigInt(k);
  let q = a >> K;
  const rem = a - (q << K);
  const half = 1n << (K - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const v = Number(q) * 2 ** -1074;
  return neg ? -v : v;
}

/** The float (binary32) nearest to raw * 2^-F, rounded once (the header's to_float). */
export function rawToFloat(raw: bigint, t: FixedType): number {
  if (raw === 0n) return 0;
  const e = -fracBits(t);
  const neg = raw < 0n;
  const a = neg ? -raw : raw;
  const len = bitLength(a);
  const top = len + e;
  if (top > 128) return neg ? -Infinity : Infinity;
  // Keep 24 significant bits, or fewer in float's subnormal range (LSB 2^-149).
  const lsbExp = Math.max(top - 24, -149);
  const k = lsbExp - e;
  let q = a;
  if (k > 0) {
    const K = BigInt(k);
    q = a >> K;
    const rem = a - (q << K);
    const half = 1n << (K - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  const v = Math.fround(ldexp(Number(q), k > 0 ? lsbExp : e));
  return neg ? -v : v;
}

/**
 * `ap_int<W>(double)` / `ap_uint<W>(double)` (SEMANTICS.md section 9): truncate toward zero and
 * wrap modulo 2^W; inf and NaN give 0; header quirk: any x in (-0.5, 0) gives +1.
 */
export function apIntFromDouble(x: number, w: number, signed: boolean): bigint {
  if (!Number.isFinite(x)) return 0n;
  if (x < 0 && x > -0.5) return 1n;
  const v = BigInt(Math.trunc(x));
  return signed ? BigInt.asIntN(w, v) : BigInt.asUintN(w, v);
}
