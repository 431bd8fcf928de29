/**
 * @fileoverview How constants reach the firmware, bit for bit.
 *
 * hls4ml writes weights as decimal text with as many decimals as the weight type has fractional
 * bits (Python `'{:.Ff}'.format(float32)`, round-half-even on the exact binary value), and the C++
 * parses that text as a double and casts it to the weight type. That is direct quantization except
 * when the printed decimal moves a value across a rounding boundary of the type (ties under the RND
 * modes, values just above a grid point under TRN). `quantizeAsPrinted` reproduces the
 * print-then-parse exactly; `quantizeDirect` is the plain cast, for generated code that emits exact
 * values.
 *
 * BatchNorm scale and bias are computed the way hls4ml's numpy code computes them from the float32
 * arrays: scale = gamma / sqrt(var + eps), bias = beta - scale * mean, all in float32.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import { makeCast } from './quant.js';

const f32 = Math.fround;

/** Exact (mantissa, exponent) of a finite double: x = m * 2^e with m an integer. */
function decompose(x: number): { m: bigint; e: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const expBits = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (expBits === 0) return { m: sign * frac, e: -1074 };
  return { m: sign * (frac | (1n << 52n)), e: expBits - 1075 };
}

/** Python's '{:.Nf}'.format(x) for a finite double: exact value, rounded half-to-even. */
export function formatFixedDecimals(x: number, decimals: number): string {
  // Not (0).toFixed(decimals): toFixed stops at 100 digits, and a type with many fractional
  // bits (an extreme precision) asks for more.
  if (x === 0) return (Object.is(x, -0) ? '-' : '') + (decimals > 0 ? `0.${'0'.repeat(decimals)}` : '0');
  const { m, e } = decompose(x);
  const neg = m < 0n;
  const am = neg ? -m : m;
  const p10 = 10n ** BigInt(decimals);
  let n: bigint;
  if (e >= 0) n = (am << BigInt(e)) * p10;
  else {
    const num = am * p10;
    const den = 1n << BigInt(-e);
    n = num / den;
    const rem = num - n * den;
    const twice = rem * 2n;
    if (twice > den || (twice === den && n % 2n === 1n)) n += 1n;
  }
  let s = n.toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, '0');
    s = `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
  }
  return (neg ? '-' : '') + s;
}

/**
 * Weights cast through their decimal text form, the reference way: print every value with
 * formatFixedDecimals (BigInt), parse it back, cast. quantizeAsPrinted gives the same bits faster;
 * this is kept as its specification (the tests compare the two).
 */
export function quantizeAsPrintedExact(values: ArrayLike<number>, t: FixedType): Float64Array {
  const cast = makeCast(t);
  const decimals = Math.max(0, fracBits(t));
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = Number.isFinite(v) ? cast(Number.parseFloat(formatFixedDecimals(v, decimals))) : cast(v);
  }
  return out;
}

/**
 * Weights cast through their decimal text form, as hls4ml's generated C++ sees them, without
 * printing them when the text cannot matter.
 *
 * Why this is exact: the cast is piecewise constant in y = x * 2^F, with steps only where y is a
 * multiple of 1/2 (grid points for the truncating modes, midpoints for the rounding modes;
 * saturation and wrapping act on the rounded integer, so they add no other step). The printed
 * decimal p (D = max(0, F) decimals) differs from x by at most 10^-D / 2, and parsing p back to a
 * double moves it by at most half an ulp. So when y is at least that far (scaled by 2^F, with a
 * 1% and a relative 2^-50 margin) from every multiple of 1/2, x and the parsed p cast to the same
 * value. When y is an integer, x has at most F fractional bits, hence an exact decimal form of at
 * most D digits: p = x. Everything else (values within about 10^-D of a step, and every value of
 * a type with F <= 0, where D = 0 rounds to integers) takes the reference path above.
 */
export function quantizeAsPrinted(values: ArrayLike<number>, t: FixedType): Float64Array {
  const cast = makeCast(t);
  const F = fracBits(t);
  const decimals = Math.max(0, F);
  const scale = 2 ** F;
  // Half a unit of the last printed decimal, in units of y, with 1% to spare.
  const margin = 0.5 * 10 ** -decimals * scale * 1.01;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const y = v * scale;
    // (y === 0 with v !== 0 is an underflow of v * 2^F, F < 0: not an exact y.)
    if (Number.isInteger(y) && (y !== 0 || v === 0)) {
      out[i] = cast(v);
      continue;
    }
    // Distance from y to the nearest multiple of 1/2 (exact: 2y - round(2y) of a double is exact).
    const y2 = 2 * y;
    const d = Math.abs(y2 - Math.round(y2)) / 2;
    if (F > 0 && d > margin + Math.abs(y) * 2 ** -50) out[i] = cast(v);
    else out[i] = Number.isFinite(v) ? cast(Number.parseFloat(formatFixedDecimals(v, decimals))) : cast(v);
  }
  return out;
}

export function quantizeDirect(values: ArrayLike<number>, t: FixedType): Float64Array {
  const cast = makeCast(t);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = cast(values[i]!);
  return out;
}

/**
 * Quantized constants, computed once per (array, type, mode) and shared: the emulator that computes
 * the test bench and the project writer both ask for every layer's weights, and for a large model
 * the quantization is most of the work. Keyed by the source array object (weights are immutable in
 * the IR: passes make new arrays rather than editing them), so a new graph never sees stale values.
 * Callers must not modify the returned array.
 */
const constCache = new WeakMap<object, Map<string, Float64Array>>();

const typeKey = (t: FixedType, asPrinted: boolean): string => `${t.w},${t.i},${t.signed},${t.q},${t.o},${t.n},${asPrinted}`;

export function quantizeConst(values: ArrayLike<number>, t: FixedType, asPrinted: boolean): Float64Array {
  // Small literal arrays (parameters, pad values) are not worth caching and may be fresh objects.
  const cacheable = ArrayBuffer.isView(values) && values.length >= 64;
  const key = typeKey(t, asPrinted);
  if (cacheable) {
    const hit = constCache.get(values)?.get(key);
    if (hit) return hit;
  }
  const out = asPrinted ? quantizeAsPrinted(values, t) : quantizeDirect(values, t);
  if (cacheable) {
    let m = constCache.get(values);
    if (!m) constCache.set(values, (m = new Map()));
    m.set(key, out);
  }
  return out;
}

/** BatchNorm scale and bias in float32, as hls4ml computes them with numpy. */
export function batchNormScaleBias(
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  epsilon: number,
): { scale: Float32Array; bias: Float32Array } {
  const n = gamma.length;
  const scale = new Float32Array(n);
  const bias = new Float32Array(n);
  const eps = f32(epsilon);
  for (let i = 0; i < n; i++) {
    const s = f32(f32(gamma[i]!) / f32(Math.sqrt(f32(f32(variance[i]!) + eps))));
    scale[i] = s;
    bias[i] = f32(f32(beta[i]!) - f32(s * f32(mean[i]!)));
  }
  return { scale, bias };
}
