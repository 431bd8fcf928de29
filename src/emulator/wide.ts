/**
 * @fileoverview The exact path for types wider than 53 bits (e.g. the fixed<57,25> an inferred
 * BatchNorm after an inferred convolution gets). The C++ accepts any width; the emulator's
 * tensors are doubles, so here every cast and the scale-and-bias arithmetic go through src/fixed's
 * BigInt core (quantizeBig, the reference implementation of SEMANTICS.md) and the result is
 * converted back to a double.
 *
 * A value of a wide type is usually still an exact double: it comes from narrower operands (a
 * 16-bit input times a 16-bit weight summed over a few hundred terms has ~40 significant bits,
 * whatever width holds it). When a value really needs more than 53 significant bits the conversion
 * would round, and the emulator would no longer be bit-exact: that is never done silently,
 * `exactNumber` throws a WideValueError instead (the compiler names the layer). The fast Number
 * kernels never see wide types: makeCast and compileMac dispatch here.
 */

import type { FixedType } from '../fixed/type.js';
import { formatType, fracBits } from '../fixed/type.js';
import { decodeDoubleBits, doubleToBits, quantizeBigInfo } from '../fixed/quantize.js';
import type { VarStats } from './overflow.js';

/** A value of a wide type that a double cannot hold exactly (raised while a sample runs). */
export class WideValueError extends Error {}

/** raw * 2^-F as a double; throws when that is not exact. */
export function exactNumber(raw: bigint, F: number, t: FixedType): number {
  const n = Number(raw);
  if (!Number.isFinite(n))
    throw new WideValueError(`a value of ${formatType(t)} is beyond the range of a double (about 2^1024); the emulator holds wide types exactly only while their values fit 53 bits`);
  if (BigInt(n) !== raw)
    throw new WideValueError(
      `a value of ${formatType(t)} has ${raw.toString(2).replace('-', '').replace(/0+$/, '').length} significant bits; the emulator holds wide types exactly only while their values fit 53 bits`,
    );
  return n * 2 ** -F + 0;
}

/** The exact integer n and exponent e with x = n * 2^e. */
export function splitDouble(x: number): { n: bigint; e: number } {
  return decodeDoubleBits(doubleToBits(x));
}

/** Overflow accounting of one exact cast (shared with wide-ops.ts). */
export function countWide(s: VarStats | undefined, info: { inexact: boolean; overflow: boolean; underflow: boolean; raw: bigint }, mag: number, t: FixedType): void {
  if (!s) return;
  s.count++;
  if (mag > s.maxAbs) s.maxAbs = mag;
  if (info.inexact) s.inexact++;
  if (info.overflow) s.overflow++;
  else if (info.underflow) s.underflow++;
  if (info.overflow || info.underflow) {
    if (t.o === 'AP_WRAP' || t.o === 'AP_WRAP_SM') s.wrapped++;
    else s.saturated++;
  }
}

/** (T)x for a double x and a type of any width, exactly (the wide counterpart of makeCast). */
export function makeWideCast(t: FixedType, stats?: VarStats): (x: number) => number {
  const F = fracBits(t);
  if (stats) stats.type = t;
  return (x) => {
    const d = splitDouble(x);
    const info = quantizeBigInfo(d.n, d.e, t);
    countWide(stats, info, Math.abs(x), t);
    return exactNumber(info.raw, F, t);
  };
}

/**
 * y = (result_t)(x * scale[c] + bias[c]) over the last axis, as the C++ computes it (full-precision
 * product and sum, one cast), with BigInt integers: the wide counterpart of compileScaleBias.
 */
export function compileWideScaleBias(scale: Float64Array, bias: Float64Array, resT: FixedType, result?: VarStats): (x: Float64Array, y: Float64Array) => void {
  const s = Array.from(scale, splitDouble);
  const b = Array.from(bias, splitDouble);
  const C = s.length;
  const Cb = b.length;
  const F = fracBits(resT);
  if (result) result.type = resT;
  return (x, y) => {
    for (let i = 0; i < x.length; i++) {
      const xv = splitDouble(x[i]!);
      const sv = s[i % C]!;
      const bv = b[i % Cb]!;
      // n * 2^e = x * scale + bias, aligned on the smaller exponent.
      const pe = xv.e + sv.e;
      const pn = xv.n * sv.n;
      const e = Math.min(pe, bv.e);
      const n = (pn << BigInt(pe - e)) + (bv.n << BigInt(bv.e - e));
      const info = quantizeBigInfo(n, e, resT);
      countWide(result, info, Math.abs(x[i]! * scale[i % C]! + bias[i % Cb]!), resT);
      y[i] = exactNumber(info.raw, F, resT);
    }
  };
}

/** a * 2^ea + b * 2^eb exactly, on the smaller exponent. */
function addExact(a: { n: bigint; e: number }, b: { n: bigint; e: number }, sign: 1n | -1n): { n: bigint; e: number } {
  const e = Math.min(a.e, b.e);
  return { n: (a.n << BigInt(a.e - e)) + sign * (b.n << BigInt(b.e - e)), e };
}

function lessExact(a: { n: bigint; e: number }, b: { n: bigint; e: number }): boolean {
  const d = addExact(a, b, -1n);
  return d.n < 0n;
}

/**
 * Merge (add, sub, mul, avg, max, min) left-folded at full precision, then one cast, with exact
 * BigInt arithmetic: the counterpart of compileMerge for inputs too wide for the double kernel.
 */
export function compileWideMerge(mode: 'add' | 'sub' | 'mul' | 'avg' | 'max' | 'min', resT: FixedType, result?: VarStats): (xs: readonly Float64Array[], y: Float64Array) => void {
  const F = fracBits(resT);
  if (result) result.type = resT;
  type Exact = { n: bigint; e: number };
  const op: (a: Exact, b: Exact) => Exact = {
    add: (a: Exact, b: Exact) => addExact(a, b, 1n),
    sub: (a: Exact, b: Exact) => addExact(a, b, -1n),
    mul: (a: Exact, b: Exact) => ({ n: a.n * b.n, e: a.e + b.e }),
    avg: (a: Exact, b: Exact) => {
      const s = addExact(a, b, 1n);
      return { n: s.n, e: s.e - 1 };
    },
    max: (a: Exact, b: Exact) => (lessExact(a, b) ? b : a),
    min: (a: Exact, b: Exact) => (lessExact(b, a) ? b : a),
  }[mode];
  return (xs, y) => {
    for (let i = 0; i < y.length; i++) {
      let v = splitDouble(xs[0]![i]!);
      for (let k = 1; k < xs.length; k++) v = op(v, splitDouble(xs[k]![i]!));
      const info = quantizeBigInfo(v.n, v.e, resT);
      countWide(result, info, Math.abs(Number(v.n) * 2 ** v.e), resT);
      y[i] = exactNumber(info.raw, F, resT);
    }
  };
}
