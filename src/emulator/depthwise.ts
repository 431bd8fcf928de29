/**
 * @fileoverview An integer kernel for depthwise convolutions with a wrapping accumulator.
 *
 * The general kernels run a depthwise convolution as a plan of (input, weight) pairs, per output
 * pixel through a gathered window for large images; for a 256x256x64 depthwise layer that is
 * seconds per sample. Under AP_WRAP (N = 0, W <= 32) with an AP_TRN or AP_RND product cast, each
 * product is cast on its own (a floor or round shift of the exact int32 product) and the sum is
 * taken modulo 2^W: integer addition modulo 2^32 then one wrap to W bits gives the same value in
 * any order (a ring homomorphism), so the kernel may visit taps in memory order and skip padding
 * and zero inputs (exact zeros). Other accumulators (saturating ones depend on the order) use the
 * general kernels; so does overflow accounting.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import type { ConvGeom, MacTypes } from './mac.js';
import { productShift } from './mac.js';
import { makeCast, toRaw, wrapRaw } from './quant.js';

type Kernel = (x: Float64Array, y: Float64Array) => void;

/** The kernel, or undefined when the layer or its types need the general kernels. */
export function compileDepthwiseInt(g: ConvGeom, wq: Float64Array, bq: Float64Array, t: MacTypes): Kernel | undefined {
  const M = g.depthMultiplier;
  if (M === undefined) return undefined;
  const A: FixedType = t.acc;
  const bits = t.x.w + t.w.w + (t.x.signed ? 0 : 1) + (t.w.signed ? 0 : 1);
  if (bits > 32 || A.o !== 'AP_WRAP' || A.n !== 0 || A.w > 32 || (A.q !== 'AP_TRN' && A.q !== 'AP_RND')) return undefined;
  const Fx = fracBits(t.x);
  const { sh, fw: Fw } = productShift(Fx, fracBits(t.w), fracBits(A), bits);
  if (sh < 0) return undefined;
  const rnd = A.q === 'AP_RND' && sh > 0;
  const sh1 = rnd ? sh - 1 : sh;
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const [sH, sW] = g.strides as [number, number];
  const [pH, pW] = g.padBefore as [number, number];
  const [dH, dW] = g.dilations as [number, number];
  const C = g.cIn;
  const CO = g.cOut;
  // Weights [kh][kw][c][m] as raw int32; biases as raw accumulator values.
  const wr = new Int32Array(wq.length);
  for (let k = 0; k < wq.length; k++) wr[k] = wq[k]! * 2 ** Fw;
  const b0 = new Int32Array(CO);
  for (let o = 0; o < CO; o++) b0[o] = toRaw(bq[o]!, A);
  const sx = 2 ** Fx;
  const invAcc = 2 ** -fracBits(A);
  const aw = A.w;
  const signed = A.signed;
  const castRes = makeCast(t.res);
  const xr = new Int32Array(H * W * C);
  const acc = new Int32Array(CO);
  return (x, y) => {
    for (let i = 0; i < xr.length; i++) xr[i] = x[i]! * sx;
    let p = 0;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        acc.set(b0);
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sH - pH + kh * dH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sW - pW + kw * dW;
            if (iw < 0 || iw >= W) continue;
            const src = (ih * W + iw) * C;
            const wb = (kh * KW + kw) * C * M;
            if (M === 1) {
              if (rnd) for (let c = 0; c < C; c++) acc[c] = (acc[c]! + (((Math.imul(xr[src + c]!, wr[wb + c]!) >> sh1) + 1) >> 1)) | 0;
              else for (let c = 0; c < C; c++) acc[c] = (acc[c]! + (Math.imul(xr[src + c]!, wr[wb + c]!) >> sh)) | 0;
            } else {
              for (let c = 0; c < C; c++) {
                const xv = xr[src + c]!;
                if (xv === 0) continue;
                for (let m = 0; m < M; m++) {
                  const pr = Math.imul(xv, wr[wb + c * M + m]!);
                  acc[c * M + m] = (acc[c * M + m]! + (rnd ? ((pr >> sh1) + 1) >> 1 : pr >> sh)) | 0;
                }
              }
            }
          }
        }
        const yo = p * CO;
        for (let o = 0; o < CO; o++) y[yo + o] = castRes(wrapRaw(acc[o]!, aw, signed) * invAcc);
        p++;
      }
    }
  };
}
