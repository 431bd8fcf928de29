/**
 * @fileoverview The overflow-accounting Dense kernel on raw integers, input-major.
 *
 * The general counting kernel (mac.ts compileMacCountingTrn) walks a plan output by output with a
 * double multiply, a floor and an index load per product. When every output adds its products in
 * the same input order (Latency, and Resource orders shared by all outputs) and the raw product
 * fits an int32, this kernel runs input by input over contiguous weight rows, as the fast kernel
 * does, and counts exactly what the general one counts:
 * - product: count, inexact (bits dropped by the floor shift), overflow / underflow of the
 *   accumulator range (then wrapped or saturated), max |x * w|;
 * - partial sums: count, overflow / underflow, max |sum| (before the wrap or clamp).
 * Counts are sums and maxima, so visiting the (input, output) pairs input-major instead of
 * output-major changes none of them; each accumulator still sees its products in order, so the
 * outputs are the same bits. Zero inputs are not skipped (their partial sums count).
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import type { MacStats, MacTypes } from './mac.js';
import { productShift } from './mac.js';
import { makeCast, rawLimits, toRaw, wrapRaw } from './quant.js';

type Kernel = (x: Float64Array, y: Float64Array) => void;

/** The kernel, or undefined when the types need the general counting kernel. */
export function compileDenseIntCounting(nIn: number, nOut: number, rows: number, order: readonly number[], wq: Float64Array, bq: Float64Array, t: MacTypes, stats: MacStats): Kernel | undefined {
  const A: FixedType = t.acc;
  const bits = t.x.w + t.w.w + (t.x.signed ? 0 : 1) + (t.w.signed ? 0 : 1);
  if (bits > 32 || A.q !== 'AP_TRN' || A.w > 32) return undefined;
  const wrapM = A.o === 'AP_WRAP' && A.n === 0;
  if (!wrapM && A.o !== 'AP_SAT') return undefined;
  const Fx = fracBits(t.x);
  const { sh, fw } = productShift(Fx, fracBits(t.w), fracBits(A), bits);
  if (sh < 0) return undefined;
  const mask = sh === 0 ? 0 : (1 << sh) - 1;
  const sx = 2 ** Fx;
  const wr = new Int32Array(nIn * nOut);
  for (let k = 0; k < wr.length; k++) wr[k] = wq[k]! * 2 ** fw;
  const b0 = new Float64Array(nOut);
  for (let j = 0; j < nOut; j++) b0[j] = toRaw(bq[j]!, A);
  const ord = Int32Array.from(order);
  const { lo, hi } = rawLimits(A);
  const aw = A.w;
  const signed = A.signed;
  const invAcc = 2 ** -fracBits(A);
  const invProd = 2 ** -sh * invAcc;
  const ps = stats.product;
  const as = stats.accum;
  ps.type = A;
  as.type = A;
  const castRes = makeCast(t.res, stats.result);
  const acc = new Float64Array(nOut);
  const xr = new Int32Array(nIn);
  const nProducts = rows * nIn * nOut;
  // A fresh copy of the loop per layer (see freshKernel): V8 then specialises it to this layer's
  // constants; one closure literal shared by every layer ran 2.5x slower.
  return freshKernel()({ mask, sh, sx, wr, b0, ord, lo, hi, aw, signed, invAcc, invProd, ps, as, castRes, acc, xr, nProducts, rows, nIn, nOut, wrapM, wrapRaw });
}

interface KernelParams {
  readonly mask: number;
  readonly sh: number;
  readonly sx: number;
  readonly wr: Int32Array;
  readonly b0: Float64Array;
  readonly ord: Int32Array;
  readonly lo: number;
  readonly hi: number;
  readonly aw: number;
  readonly signed: boolean;
  readonly invAcc: number;
  readonly invProd: number;
  readonly ps: MacStats['product'];
  readonly as: MacStats['accum'];
  readonly castRes: (v: number) => number;
  readonly acc: Float64Array;
  readonly xr: Int32Array;
  readonly nProducts: number;
  readonly rows: number;
  readonly nIn: number;
  readonly nOut: number;
  readonly wrapM: boolean;
  readonly wrapRaw: typeof wrapRaw;
}

/** The counting loop; everything it uses comes in through `k` (it is recompiled from its source). */
function countingKernel(k: KernelParams): Kernel {
  const { mask, sh, sx, wr, b0, ord, lo, hi, aw, signed, invAcc, invProd, ps, as, castRes, acc, xr, nProducts, rows, nIn, nOut, wrapM, wrapRaw } = k;
  const small = aw <= 30;
  return (x, y) => {
    let pInexact = 0;
    let pOver = 0;
    let pUnder = 0;
    let pMax = 0;
    let aOver = 0;
    let aUnder = 0;
    let aMax = 0;
    for (let r = 0; r < rows; r++) {
      const xo = r * nIn;
      for (let i = 0; i < nIn; i++) xr[i] = x[xo + i]! * sx;
      acc.set(b0);
      for (let qi = 0; qi < nIn; qi++) {
        const i = ord[qi]!;
        const xv = xr[i]!;
        const base = i * nOut;
        for (let j = 0; j < nOut; j++) {
          const prod = Math.imul(xv, wr[base + j]!);
          // |prod| without a branch (the sign of a product is a coin flip for the branch predictor).
          const sg = prod >> 31;
          const ap = (prod ^ sg) - sg;
          pMax = ap > pMax ? ap : pMax;
          // 1 when the floor shift drops non-zero bits (branch-free: low bits + mask carry into bit sh).
          pInexact += ((prod & mask) + mask) >>> sh;
          let p = prod >> sh;
          if (p > hi || p < lo) {
            if (p > hi) pOver++;
            else pUnder++;
            p = wrapM ? wrapRaw(p, aw, signed) : p > hi ? hi : lo;
          }
          const sum = acc[j]! + p;
          // Partial sums of accumulators up to 30 bits are int32 (in-range acc plus in-range product).
          const as2 = small ? ((sum ^ (sum >> 31)) - (sum >> 31)) : sum < 0 ? -sum : sum;
          aMax = as2 > aMax ? as2 : aMax;
          if (sum > hi || sum < lo) {
            if (sum > hi) aOver++;
            else aUnder++;
            acc[j] = wrapM ? wrapRaw(sum, aw, signed) : sum > hi ? hi : lo;
          } else acc[j] = sum;
        }
      }
      const yo = r * nOut;
      for (let j = 0; j < nOut; j++) y[yo + j] = castRes(acc[j]! * invAcc);
    }
    ps.count += nProducts;
    ps.inexact += pInexact;
    ps.overflow += pOver;
    ps.underflow += pUnder;
    as.count += nProducts;
    as.overflow += aOver;
    as.underflow += aUnder;
    if (wrapM) {
      ps.wrapped += pOver + pUnder;
      as.wrapped += aOver + aUnder;
    } else {
      ps.saturated += pOver + pUnder;
      as.saturated += aOver + aUnder;
    }
    if (pMax * invProd > ps.maxAbs) ps.maxAbs = pMax * invProd;
    if (aMax * invAcc > as.maxAbs) as.maxAbs = aMax * invAcc;
  };
}

/**
 * countingKernel compiled again from its own source text: a separate function literal per layer,
 * hence separate type feedback and code specialised to the layer's constants (as src/fixed's
 * codegen does for the quantizers). The source is this module's own compiled function.
 */
function freshKernel(): typeof countingKernel {
  return new Function(`return ${countingKernel.toString()};`)() as typeof countingKernel;
}
