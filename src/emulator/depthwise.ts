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
import { instantiateRunKernel, simdAvailable, wasmApi, wasmAsm as A } from './simd.js';

type Kernel = (x: Float64Array, y: Float64Array) => void;

/** The kernel, or undefined when the layer or its types need the general kernels. */
export function compileDepthwiseInt(g: ConvGeom, wq: Float64Array, bq: Float64Array, t: MacTypes, simd = true): Kernel | undefined {
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
  if (simd && M === 1 && simdAvailable()) {
    const k = depthwiseSimd(g, wr, b0, sh, rnd, t, sx);
    if (k) return k;
  }
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

/**
 * The depthwise kernel (depth multiplier 1) on i32x4 lanes over the channels, one module per layer:
 * loops over output pixels, the taps unrolled with their bounds tests, the channel groups unrolled
 * with accumulators in v128 locals; products cast as above, sums modulo 2^32, then (in the module)
 * the wrap to the accumulator width and, for a signed TRN/WRAP result of at most 32 bits with no
 * more fractional bits than the accumulator, the result cast (as int-chain.ts does); other result
 * types are cast in JavaScript. Inputs and outputs are int32 in the module's memory; channel lanes
 * past C read the next pixel (times zero weights) and write into the next pixel's place before it
 * is computed, or into padding.
 */
function depthwiseSimd(g: ConvGeom, wr: Int32Array, b0: Int32Array, sh: number, rnd: boolean, t: MacTypes, sx: number): Kernel | undefined {
  if (!wasmApi()) return undefined;
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const [sH, sW] = g.strides as [number, number];
  const [pH, pW] = g.padBefore as [number, number];
  const [dH, dW] = g.dilations as [number, number];
  const C = g.cIn;
  const C4 = Math.ceil(C / 4);
  const A_ = t.acc;
  // (An unsigned 32-bit accumulator does not fit an int32 lane once wrapped.)
  if (C4 > 48 || KH * KW > 64 || (!A_.signed && A_.w === 32)) return undefined;
  const R = t.res;
  const dF = fracBits(A_) - fracBits(R);
  const resInline = A_.signed && R.signed && R.q === 'AP_TRN' && R.o === 'AP_WRAP' && R.n === 0 && R.w <= 32 && dF >= 0 && dF <= 31;
  const xOff = 0;
  const xBytes = (H * W * C + 4) * 4;
  const wOff = Math.ceil(xBytes / 16) * 16;
  const tapBytes = C4 * 16;
  const bOff = wOff + KH * KW * tapBytes;
  const oOff = bOff + tapBytes;
  const top = oOff + (OH * OW * C + 4) * 4;
  const pages = Math.ceil((top + 64) / 65536);
  if (pages > 32768) return undefined;
  // Locals: i32 0 oh, 1 ow, 2 ih, 3 iw, 4 xb, 5 ob; v128 6 one, 7.. acc.
  const [OHL, OWL, IH, IW, XB, OB, ONE, ACC0] = [0, 1, 2, 3, 4, 5, 6, 7];
  const g_ = A.get;
  const s_ = A.set;
  const LT_S = [0x48];
  const OR = [0x72];
  const MUL = [0x6c];
  const VMUL = A.simd(0xb5);
  const VADD = A.simd(0xae);
  const VSHL = A.simd(0xab);
  const VSHRS = A.simd(0xac);
  const vloadAt = (addr: number[], off: number): number[] => [...addr, ...A.simd(0x00, 0x00, ...A.uleb(off))];
  const shift = (op: number[], n: number): number[] => (n === 0 ? [] : [...A.i32c(n), ...op]);
  const pixel: number[] = [];
  for (let m = 0; m < C4; m++) pixel.push(...vloadAt(A.i32c(0), bOff + 16 * m), ...s_(ACC0 + m));
  for (let kh = 0; kh < KH; kh++) {
    // ih = oh * sH - pH + kh * dH; skip the row when outside [0, H).
    const rowTaps: number[] = [...g_(OHL), ...A.i32c(sH), ...MUL, ...A.i32c(kh * dH - pH), ...A.ADD, ...s_(IH)];
    const cols: number[] = [];
    for (let kw = 0; kw < KW; kw++) {
      const body: number[] = [
        ...g_(OWL), ...A.i32c(sW), ...MUL, ...A.i32c(kw * dW - pW), ...A.ADD, ...s_(IW),
        ...g_(IW), ...A.i32c(0), ...LT_S, ...g_(IW), ...A.i32c(W), ...A.GE_S, ...OR, ...A.brIf(0),
        ...g_(IH), ...A.i32c(W), ...MUL, ...g_(IW), ...A.ADD, ...A.i32c(C * 4), ...MUL, ...s_(XB),
      ];
      const wb = wOff + (kh * KW + kw) * tapBytes;
      for (let m = 0; m < C4; m++) {
        body.push(...g_(ACC0 + m), ...vloadAt(g_(XB), xOff + 16 * m), ...vloadAt(A.i32c(0), wb + 16 * m), ...VMUL);
        if (rnd) body.push(...A.i32c(sh - 1), ...VSHRS, ...g_(ONE), ...VADD, ...A.i32c(1), ...VSHRS);
        else body.push(...shift(VSHRS, sh));
        body.push(...VADD, ...s_(ACC0 + m));
      }
      cols.push(...A.block(body));
    }
    pixel.push(...A.block(rowTaps, [...g_(IH), ...A.i32c(0), ...LT_S, ...g_(IH), ...A.i32c(H), ...A.GE_S, ...OR, ...A.brIf(0)], cols));
  }
  // Store: wrap to the accumulator width, then (inline case) the result cast.
  const sa = 32 - A_.w;
  for (let m = 0; m < C4; m++) {
    pixel.push(...g_(OB), ...g_(ACC0 + m), ...shift(VSHL, sa), ...shift(A_.signed ? VSHRS : A.simd(0xad), sa));
    if (resInline) pixel.push(...shift(VSHRS, dF), ...shift(VSHL, 32 - R.w), ...shift(VSHRS, 32 - R.w));
    pixel.push(...A.simd(0x0b, 0x00, ...A.uleb(oOff + 16 * m)));
  }
  pixel.push(...g_(OB), ...A.i32c(C * 4), ...A.ADD, ...s_(OB));
  const loopOver = (v: number, n: number, body: number[]): number[] => [
    ...A.i32c(0), ...s_(v),
    ...A.block(A.loop([...g_(v), ...A.i32c(n), ...A.GE_S, ...A.brIf(1)], body, [...g_(v), ...A.i32c(1), ...A.ADD, ...s_(v)], A.br(0))),
  ];
  const code = [...A.i32c(1), ...A.SPLAT, ...s_(ONE), ...A.i32c(0), ...s_(OB), ...loopOver(OHL, OH, loopOver(OWL, OW, pixel))];
  const locals = A.vec([
    [...A.uleb(6), A.I32],
    [...A.uleb(1 + C4), A.V128],
  ]);
  const body = [...locals, ...code, 0x0b];
  const { run, buf } = instantiateRunKernel<() => void>(body, pages);
  const xs = new Int32Array(buf, xOff, H * W * C);
  const w = new Int32Array(buf, wOff, KH * KW * C4 * 4);
  for (let k = 0; k < KH * KW; k++) for (let c = 0; c < C; c++) w[k * C4 * 4 + c] = wr[k * C + c]!;
  const b = new Int32Array(buf, bOff, C4 * 4);
  b.set(b0);
  const n = OH * OW * C;
  const out = new Int32Array(buf, oOff, n);
  const invAcc = 2 ** -fracBits(A_);
  const invRes = 2 ** -fracBits(R);
  const castRes = makeCast(R);
  return (x, y) => {
    for (let i = 0; i < xs.length; i++) xs[i] = x[i]! * sx;
    run();
    if (resInline) for (let k = 0; k < n; k++) y[k] = out[k]! * invRes;
    else for (let k = 0; k < n; k++) y[k] = castRes(out[k]! * invAcc);
  };
}
