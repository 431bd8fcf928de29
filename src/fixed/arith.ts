/**
 * @fileoverview Exact ap_fixed arithmetic on raw values: the widened result types the C++ headers
 * give (+, -, *, /, unary -), the exact results (division truncates toward zero, with the header's
 * MIN / -1 wrap quirk), comparisons including the C++ mixed-signedness rules, shifts that keep the
 * type, and conversion to int. SEMANTICS.md sections 5 to 8.
 */

import { fixedType, fracBits, intType, type FixedType } from './type.js';
import { wrapRaw } from './quantize.js';

/** A raw value together with its type (the result of an exact operation). */
export interface RawValue {
  raw: bigint;
  type: FixedType;
}

const b2n = (b: boolean): number => (b ? 1 : 0);

/** Both operands ap_int/ap_uint: the result is an ap_int/ap_uint too (same widths as <W,W>). */
function bothInt(a: FixedType, b: FixedType): boolean {
  return a.int === true && b.int === true;
}

function result(w: number, i: number, signed: boolean, asInt: boolean): FixedType {
  return asInt && w === i ? intType(w, signed) : fixedType(w, i, signed);
}

/** `a*b`: <W1+W2, I1+I2, S1||S2>. */
export function mulType(a: FixedType, b: FixedType): FixedType {
  return result(a.w + b.w, a.i + b.i, a.signed || b.signed, bothInt(a, b));
}

function addSubWI(a: FixedType, b: FixedType): { w: number; i: number } {
  const i = Math.max(a.i + b2n(b.signed && !a.signed), b.i + b2n(a.signed && !b.signed)) + 1;
  const f = Math.max(fracBits(a), fracBits(b));
  return { w: i + f, i };
}

/** `a+b`: I = max(I1+(S2&!S1), I2+(S1&!S2)) + 1, F = max(F1,F2), signed if either is. */
export function addType(a: FixedType, b: FixedType): FixedType {
  const { w, i } = addSubWI(a, b);
  return result(w, i, a.signed || b.signed, bothInt(a, b));
}

/** `a-b`: the width of `+`, always signed. */
export function subType(a: FixedType, b: FixedType): FixedType {
  const { w, i } = addSubWI(a, b);
  return result(w, i, true, bothInt(a, b));
}

/** `a/b`: <S2 + W1 + max(F2,0), S2 + I1 + F2, S1||S2> (for ap_int / ap_int this is <W1+S2>). */
export function divType(a: FixedType, b: FixedType): FixedType {
  const f2 = fracBits(b);
  const s2 = b2n(b.signed);
  return result(s2 + a.w + Math.max(f2, 0), s2 + a.i + f2, a.signed || b.signed, bothInt(a, b));
}

/** Unary minus: <W+1, I+1, signed>. */
export function negType(a: FixedType): FixedType {
  return result(a.w + 1, a.i + 1, true, a.int === true);
}

/** Exact product. */
export function mulRaw(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): RawValue {
  return { raw: aRaw * bRaw, type: mulType(a, b) };
}

/** Both raws aligned to F = max(F1, F2). */
function align(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): [bigint, bigint] {
  const f1 = fracBits(a);
  const f2 = fracBits(b);
  const f = Math.max(f1, f2);
  return [aRaw << BigInt(f - f1), bRaw << BigInt(f - f2)];
}

/** Exact sum (never overflows its result type). */
export function addRaw(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): RawValue {
  const [x, y] = align(aRaw, a, bRaw, b);
  return { raw: x + y, type: addType(a, b) };
}

/** Exact difference (always signed). */
export function subRaw(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): RawValue {
  const [x, y] = align(aRaw, a, bRaw, b);
  return { raw: x - y, type: subType(a, b) };
}

/** Exact negation. */
export function negRaw(aRaw: bigint, a: FixedType): RawValue {
  return { raw: -aRaw, type: negType(a) };
}

/**
 * `a/b`: trunc((R1 << max(F2,0)) / R2), C division toward zero, no rounding mode. The header
 * divides in an internal width max(W1 + max(F2,0) + (S2&!S1), W2 + (S1&!S2)) and the quotient wraps
 * there, so MIN / (-1 LSB) with both operands signed comes out negative; reproduced here.
 */
export function divRaw(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): RawValue {
  if (bRaw === 0n) throw new RangeError('fixed-point division by zero (undefined in ap_fixed)');
  const sh = Math.max(fracBits(b), 0);
  const q = (aRaw << BigInt(sh)) / bRaw; // BigInt division truncates toward zero
  const type = divType(a, b);
  const d = Math.max(a.w + sh + b2n(b.signed && !a.signed), b.w + b2n(a.signed && !b.signed));
  const raw = type.signed ? BigInt.asIntN(d, q) : BigInt.asUintN(d, q);
  return { raw, type };
}

/** Exact three-way comparison of two values (mathematical, ignoring C++ promotion quirks). */
export function compare(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): -1 | 0 | 1 {
  const [x, y] = align(aRaw, a, bRaw, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The operands as the header compares them (SEMANTICS.md section 6, step 1): aligned raws and the
 * widths they are held in.
 */
function cppAlign(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): { l: bigint; wl: number; r: bigint; wr: number } {
  const f1 = fracBits(a);
  const f2 = fracBits(b);
  if (f1 === f2) return { l: aRaw, wl: a.w, r: bRaw, wr: b.w };
  if (f1 > f2) return { l: aRaw, wl: a.w, r: bRaw << BigInt(f1 - f2), wr: b.w + f1 - f2 };
  return { l: aRaw << BigInt(f2 - f1), wl: a.w + f2 - f1 + 1, r: bRaw, wr: b.w };
}

export type RelOp = '<' | '<=' | '>' | '>=';

/**
 * A relational operator as compiled C++ evaluates it with the Xilinx headers. With mixed
 * signedness the header applies C's usual arithmetic conversions: unless both aligned widths are
 * below 32, an unsigned operand at least as wide as the signed one makes the comparison unsigned
 * over max(WL,WR)+1 bits, so a negative value compares as huge.
 */
export function relationalCpp(op: RelOp, aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): boolean {
  const { l, wl, r, wr } = cppAlign(aRaw, a, bRaw, b);
  let x = l;
  let y = r;
  if (a.signed !== b.signed && !(wl <= 64 && wl < 32 && wr < 32)) {
    const wu = a.signed ? wr : wl;
    const ws = a.signed ? wl : wr;
    if (wu >= ws) {
      const m = Math.max(wl, wr) + 1;
      x = BigInt.asUintN(m, l);
      y = BigInt.asUintN(m, r);
    }
  }
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

/** `a < b` as the C++ header evaluates it. */
export function lessThanCpp(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): boolean {
  return relationalCpp('<', aRaw, a, bRaw, b);
}

/**
 * `a == b` as the header evaluates it: with mixed signedness, bit patterns compared after
 * extending both to max(WL, WR, 32) bits (max(WL, WR) when WL > 64).
 */
export function equalsCpp(aRaw: bigint, a: FixedType, bRaw: bigint, b: FixedType): boolean {
  const { l, wl, r, wr } = cppAlign(aRaw, a, bRaw, b);
  if (a.signed === b.signed) return l === r;
  const m = wl > 64 ? Math.max(wl, wr) : Math.max(wl, wr, 32);
  return BigInt.asUintN(m, l) === BigInt.asUintN(m, r);
}

/** `a << n`: same type, raw shifted and wrapped to W bits (no saturation); negative n shifts right. */
export function shl(raw: bigint, t: FixedType, n: number): bigint {
  if (n < 0) return shr(raw, t, -n);
  if (n >= t.w) return 0n;
  return wrapRaw(raw << BigInt(n), t);
}

/** `a >> n`: same type, arithmetic (signed) or logical (unsigned) shift, no rounding. */
export function shr(raw: bigint, t: FixedType, n: number): bigint {
  if (n < 0) return shl(raw, t, -n);
  return raw >> BigInt(Math.min(n, t.w)); // raws of unsigned types are non-negative
}

/**
 * `(int)a` / `a.to_int()`: truncate toward zero, keep the low 32 bits. Header quirk for I <= 0
 * (mathematically 0): with I == 0 every negative value gives -1; with I < 0 the header reads an
 * uninitialised variable (0 or -1 observed), and fastml gives -1 there too.
 */
export function toInt(raw: bigint, t: FixedType): number {
  return Number(BigInt.asIntN(32, toBigIntTrunc(raw, t)));
}

/** `a.to_int64()`: as toInt but wrapped to 64 bits. */
export function toInt64(raw: bigint, t: FixedType): bigint {
  return BigInt.asIntN(64, toBigIntTrunc(raw, t));
}

function toBigIntTrunc(raw: bigint, t: FixedType): bigint {
  const f = fracBits(t);
  if (t.i <= 0 && raw < 0n) return -1n;
  if (f <= 0) return raw << BigInt(-f);
  const a = raw < 0n ? -raw : raw;
  const v = a >> BigInt(f);
  return raw < 0n ? -v : v;
}
