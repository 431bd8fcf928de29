/**
 * @fileoverview Overflow accounting of depthwise convolutions on raw integers.
 *
 * The general counting kernel runs the depthwise plan, one (input, weight) pair per output pixel x
 * output channel x tap inside the image, with a double multiply and floor per product. This kernel
 * walks the same pairs on int32 values in memory order: per output pixel, per tap in the shared
 * accumulation order (taps in the padding skipped, as the plan leaves them out), per input channel
 * and multiplier. Each accumulator (output channel) still sees its products in its order, so the
 * outputs are the same bits, and counts are sums and maxima, so the order of visits between
 * accumulators changes none of them. As in mac-count.ts, zero inputs are skipped (they change no
 * count), except that the bias is a partial sum of its own when an output's first visited input
 * is zero. One JavaScript loop per layer (recompiled from its source so V8 specialises it), with
 * no call per pixel: a depthwise layer has few products per pixel and channel, where the per-row
 * Dense kernel spent its time in calls.
 */

import type { ConvGeom, MacStats, MacTypes } from './mac.js';
import type { CountingLoop } from './quant.js';
import type { Strategy } from '../ir/graph.js';
import { addMacCounts } from './overflow.js';
import { sharedDenseOrder } from './mac.js';
import { countingSetup } from './mac-count.js';
import { wrapRaw } from './quant.js';

type Kernel = (x: Float64Array, y: Float64Array) => void;

/**
 * The counting kernel of a depthwise convolution, or undefined when the types need the general
 * counting kernel or the outputs do not share one accumulation order (Resource orders that differ
 * per output).
 */
export function compileDepthwiseIntCounting(g: ConvGeom, strategy: Strategy, rf: number, wq: Float64Array, bq: Float64Array, t: MacTypes, stats: MacStats): Kernel | undefined {
  const mult = g.depthMultiplier;
  if (mult === undefined) return undefined;
  const [KH, KW] = g.kernel as [number, number];
  const order = sharedDenseOrder(KH * KW, g.cOut, strategy, rf);
  if (!order) return undefined;
  const setup = countingSetup(wq, bq, g.cOut, t, stats);
  if (!setup) return undefined;
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const C = g.cIn;
  // Per input channel, the largest |bias| of its outputs (the bias rule above).
  const absB = new Float64Array(C);
  for (let c = 0; c < C; c++) for (let m = 0; m < mult; m++) absB[c] = Math.max(absB[c]!, Math.abs(setup.b0[c * mult + m]!));
  // Products of one sample: every tap inside the image, per pixel, times the output channels.
  let taps = 0;
  for (let oh = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++)
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++) {
          const ih = oh * g.strides[0]! - g.padBefore[0]! + kh * g.dilations[0]!;
          const iw = ow * g.strides[1]! - g.padBefore[1]! + kw * g.dilations[1]!;
          if (ih >= 0 && ih < H && iw >= 0 && iw < W) taps++;
        }
  const ord = Int32Array.from(order);
  return freshKernel()({
    ...setup,
    H, W, C, mult, cOut: g.cOut, OH, OW, KW,
    sth: g.strides[0]!, stw: g.strides[1]!, ph: g.padBefore[0]!, pw: g.padBefore[1]!, dh: g.dilations[0]!, dw: g.dilations[1]!,
    tkh: Int32Array.from(ord, (q) => Math.floor(q / KW)),
    tkw: Int32Array.from(ord, (q) => q % KW),
    ord,
    absB,
    nProducts: taps * g.cOut,
    acc: new Float64Array(g.cOut),
    xr: new Int32Array(H * W * C),
    wrapRaw,
    fold: addMacCounts,
  });
}

interface KernelParams {
  readonly mask: number;
  readonly sh: number;
  readonly sx: number;
  readonly wr: Int32Array;
  readonly b0: Float64Array;
  readonly lo: number;
  readonly hi: number;
  readonly aw: number;
  readonly signed: boolean;
  readonly wrapM: boolean;
  readonly invAcc: number;
  readonly invProd: number;
  readonly ps: MacStats['product'];
  readonly as: MacStats['accum'];
  readonly castRes: CountingLoop;
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly mult: number;
  readonly cOut: number;
  readonly OH: number;
  readonly OW: number;
  readonly KW: number;
  readonly sth: number;
  readonly stw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  /** Kernel row and column of the q-th tap in accumulation order; ord[q] is its tap index. */
  readonly tkh: Int32Array;
  readonly tkw: Int32Array;
  readonly ord: Int32Array;
  readonly absB: Float64Array;
  readonly nProducts: number;
  readonly acc: Float64Array;
  readonly xr: Int32Array;
  readonly wrapRaw: typeof wrapRaw;
  readonly fold: typeof addMacCounts;
}

/** The loop; everything it uses comes in through `k` (it is recompiled from its source). */
function depthwiseKernel(k: KernelParams): Kernel {
  const { mask, sh, sx, wr, b0, lo, hi, aw, signed, wrapM, invAcc, invProd, ps, as, castRes, H, W, C, mult, cOut, OH, OW, sth, stw, ph, pw, dh, dw, tkh, tkw, ord, absB, nProducts, acc, xr, wrapRaw, fold } = k;
  const small = aw <= 30;
  const nT = ord.length;
  const nX = H * W * C;
  // Counters of one call: inexact, over, under (products), over, under (sums); maxima apart.
  const cnt = new Float64Array(5);
  let pMaxAll = 0;
  let aMaxAll = 0;
  // One output row per call of `row`: a function called OH times is optimised as a whole after a
  // few rows, where one loop over the image ran its first sample in on-stack-replaced code at
  // 2-3x the time.
  const row = (oh: number, y: Float64Array): void => {
    let pInexact = 0;
    let pOver = 0;
    let pUnder = 0;
    let pMax = 0;
    let aOver = 0;
    let aUnder = 0;
    let aMax = 0;
    for (let ow = 0; ow < OW; ow++) {
      acc.set(b0);
      let first = true;
      for (let q = 0; q < nT; q++) {
        const ih = oh * sth - ph + tkh[q]! * dh;
        const iw = ow * stw - pw + tkw[q]! * dw;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        const xo = (ih * W + iw) * C;
        const wo = ord[q]! * cOut;
        if (first) {
          // The first visited tap: a zero input makes its outputs' biases partial sums.
          first = false;
          for (let c = 0; c < C; c++) if (xr[xo + c] === 0 && absB[c]! > aMax) aMax = absB[c]!;
        }
        for (let c = 0; c < C; c++) {
          const xv = xr[xo + c]!;
          if (xv === 0) continue;
          const j0 = c * mult;
          for (let m = 0; m < mult; m++) {
            const j = j0 + m;
            const prod = Math.imul(xv, wr[wo + j]!);
            const sg = prod >> 31;
            const ap = (prod ^ sg) - sg;
            pMax = ap > pMax ? ap : pMax;
            pInexact += ((prod & mask) + mask) >>> sh;
            let pr = prod >> sh;
            if (pr > hi || pr < lo) {
              if (pr > hi) pOver++;
              else pUnder++;
              pr = wrapM ? wrapRaw(pr, aw, signed) : pr > hi ? hi : lo;
            }
            const sum = acc[j]! + pr;
            const as2 = small ? (sum ^ (sum >> 31)) - (sum >> 31) : sum < 0 ? -sum : sum;
            aMax = as2 > aMax ? as2 : aMax;
            if (sum > hi || sum < lo) {
              if (sum > hi) aOver++;
              else aUnder++;
              acc[j] = wrapM ? wrapRaw(sum, aw, signed) : sum > hi ? hi : lo;
            } else acc[j] = sum;
          }
        }
      }
      castRes(acc, 0, invAcc, y, (oh * OW + ow) * cOut, cOut);
    }
    cnt[0] += pInexact;
    cnt[1] += pOver;
    cnt[2] += pUnder;
    cnt[3] += aOver;
    cnt[4] += aUnder;
    if (pMax > pMaxAll) pMaxAll = pMax;
    if (aMax > aMaxAll) aMaxAll = aMax;
  };
  return (x, y) => {
    for (let i = 0; i < nX; i++) xr[i] = x[i]! * sx;
    cnt.fill(0);
    pMaxAll = 0;
    aMaxAll = 0;
    for (let oh = 0; oh < OH; oh++) row(oh, y);
    fold(ps, as, wrapM, nProducts, cnt[0]!, cnt[1]!, cnt[2]!, pMaxAll * invProd, cnt[3]!, cnt[4]!, aMaxAll * invAcc);
  };
}

/** depthwiseKernel compiled again from its own source: a separate function per layer (see mac-count.ts freshKernel). */
function freshKernel(): typeof depthwiseKernel {
  return new Function(`return ${depthwiseKernel.toString()};`)() as typeof depthwiseKernel;
}
