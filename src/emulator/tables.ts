/**
 * @fileoverview Lookup tables of the table-based activations, built exactly as hls4ml's C++ builds
 * them: the argument and the function are evaluated in float32 (every place the C++ uses `float`
 * is a Math.fround here), then the float is cast to the table type. Doubles are used only where
 * the C++ uses doubles (e.g. `2 * 8.0 * (i - N / 2.0) / N`).
 *
 * Softmax tables are addressed by bit slices of a fixed-point word: the index of x is the top
 * ceil(log2(size)) bits of its W-bit pattern, and entry i is built from the value whose top bits
 * are i and whose other bits are 0 (`softmax_real_val_from_idx`).
 */

import type { FixedType } from '../fixed/type.js';
import { fixedType, fracBits } from '../fixed/type.js';
import { makeCast } from './quant.js';

const f32 = Math.fround;

/** float32 exp. V8's exp is accurate to < 1 ulp of a double, so rounding it to float32 gives the correctly rounded expf except in astronomically rare near-ties. */
export function expf(x: number): number {
  return f32(Math.exp(f32(x)));
}

export function ceilLog2(n: number): number {
  let k = 0;
  while (2 ** k < n) k++;
  return k;
}

/** Value of the word of type t whose top `bits` bits are i (other bits 0). */
export function valueFromIndex(t: FixedType, bits: number, i: number): number {
  let raw = i * 2 ** (t.w - bits);
  if (t.signed && raw >= 2 ** (t.w - 1)) raw -= 2 ** t.w;
  return raw * 2 ** -fracBits(t);
}

/** Top `bits` bits of the W-bit pattern of x (a value of type t), as an unsigned index. */
export function indexFromValue(t: FixedType, bits: number, x: number): number {
  let raw = x * 2 ** fracBits(t);
  if (raw < 0) raw += 2 ** t.w;
  return Math.floor(raw / 2 ** (t.w - bits));
}

function build(n: number, tableT: FixedType, fn: (i: number) => number): Float64Array {
  const cast = makeCast(tableT);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = cast(fn(i));
  return out;
}

/** Argument of entry i of a symmetric table over [-range, range): computed in double, stored as float. */
function symArg(i: number, n: number, range: number): number {
  return f32((2 * range * (i - n / 2.0)) / n);
}

export function sigmoidTable(n: number, tableT: FixedType): Float64Array {
  return build(n, tableT, (i) => {
    const x = symArg(i, n, 8);
    return f32(1.0 / f32(1 + expf(-x)));
  });
}

export function tanhTable(n: number, tableT: FixedType): Float64Array {
  return build(n, tableT, (i) => f32(Math.tanh(symArg(i, n, 4))));
}

export function softplusTable(n: number, tableT: FixedType): Float64Array {
  // log(expf(x) + 1.): the + 1. and the log are in double, the result returned as float.
  return build(n, tableT, (i) => f32(Math.log(expf(symArg(i, n, 8)) + 1)));
}

export function softsignTable(n: number, tableT: FixedType): Float64Array {
  return build(n, tableT, (i) => {
    const x = symArg(i, n, 8);
    return f32(x / f32(Math.abs(x) + 1));
  });
}

/** ELU over the negative side: entry i at x = -8 i / N, value exp(x) - 1 (alpha applied by the kernel). */
export function eluTable(n: number, tableT: FixedType): Float64Array {
  return build(n, tableT, (i) => {
    const x = f32((-8.0 * i) / n);
    return f32(expf(x) - 1);
  });
}

/**
 * SELU's lambda and the type hls4ml hard-codes for it (nnet_activation.h: `ap_ufixed<16,1>
 * selu_const_t`), independent of the layer's table or param types. The HLS writer emits the same.
 */
export const SELU_LAMBDA = 1.0507009873554805;
export const SELU_LAMBDA_T: FixedType = fixedType(16, 1, false);

export function seluTable(n: number, tableT: FixedType): Float64Array {
  // 1.0507... * (1.6732... * (expf(x) - 1.)) in double, returned as float (hls4ml selu_fcn_float).
  return build(n, tableT, (i) => {
    const x = f32((-8.0 * i) / n);
    return f32(1.0507009873554804934193349852946 * (1.6732632423543772848170429916717 * (expf(x) - 1)));
  });
}

/** Softmax exp table addressed by the top bits of `addrT`; `negate` for the stable form (x_max - x >= 0). */
export function softmaxExpTable(size: number, addrT: FixedType, expT: FixedType, negate: boolean, expScale = 1): Float64Array {
  const bits = ceilLog2(size);
  return build(size, expT, (i) => {
    let x = f32(f32(valueFromIndex(addrT, bits, i)) * expScale);
    if (negate) x = -x;
    return expf(x);
  });
}

/** Softmax 1/x table addressed by the top bits of `addrT`; x == 0 uses FLT_MIN as hls4ml does. */
export function softmaxInvTable(size: number, addrT: FixedType, invT: FixedType): Float64Array {
  const bits = ceilLog2(size);
  const FLT_MIN = 1.1754943508222875e-38;
  return build(size, invT, (i) => {
    const x = f32(valueFromIndex(addrT, bits, i));
    return f32(1 / (x === 0 ? FLT_MIN : x));
  });
}

/** Legacy softmax: exp over [-8, 8) and 1/x over [0, 64) (0 at x = 0). */
export function legacyExpTable(n: number, tableT: FixedType): Float64Array {
  return build(n, tableT, (i) => expf(symArg(i, n, 8)));
}

export function legacyInvTable(n: number, tableT: FixedType): Float64Array {
  return build(n, tableT, (i) => {
    const x = f32((64.0 * i) / n);
    return x > 0 ? f32(1.0 / x) : 0;
  });
}
