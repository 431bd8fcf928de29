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

/** Weights cast through their decimal text form, as hls4ml's generated C++ sees them. */
export function quantizeAsPrinted(values: ArrayLike<number>, t: FixedType): Float64Array {
  const cast = makeCast(t);
  const decimals = Math.max(0, fracBits(t));
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = Number.isFinite(v) ? cast(Number.parseFloat(formatFixedDecimals(v, decimals))) : cast(v);
  }
  return out;
}

export function quantizeDirect(values: ArrayLike<number>, t: FixedType): Float64Array {
  const cast = makeCast(t);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = cast(values[i]!);
  return out;
}

export function quantizeConst(values: ArrayLike<number>, t: FixedType, asPrinted: boolean): Float64Array {
  return asPrinted ? quantizeAsPrinted(values, t) : quantizeDirect(values, t);
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
