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
 * is zero. Depth multiplier 1 with an accumulator of at most 30 bits runs on i32x4 lanes over the
 * channels (simdDepthwise); otherwise one JavaScript loop per layer (recompiled from its source so
 * V8 specialises it). A Dense kernel per channel (few products per call) spent its time in calls.
 */

import type { ConvGeom, MacStats, MacTypes } from './mac.js';
import type { Strategy } from '../ir/graph.js';
import { addMacCounts } from './overflow.js';
import { sharedDenseOrder } from './mac.js';
import { countingSetup, type CountingSetup } from './mac-count.js';
import { wrapRaw } from './quant.js';
import { instantiateRunKernel, simdAvailable, wasmApi, wasmAsm as A } from './simd.js';

type Kernel = (x: Float64Array, y: Float64Array) => void;

/**
 * The counting kernel of a depthwise convolution, or undefined when the types need the general
 * counting kernel or the outputs do not share one accumulation order (Resource orders that differ
 * per output).
 */
export function compileDepthwiseIntCounting(g: ConvGeom, strategy: Strategy, rf: number, wq: Float64Array, bq: Float64Array, t: MacTypes, stats: MacStats, simd = true): Kernel | undefined {
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
  if (simd && mult === 1 && setup.aw <= 30 && Math.ceil(C / 4) <= 64 && simdAvailable()) {
    const k = simdDepthwise(g, ord, setup, taps * g.cOut);
    if (k) return k;
  }
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

/** The layer's counting setup (shared with mac-count.ts) and the depthwise geometry. */
interface KernelParams extends CountingSetup {
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

/**
 * Depth multiplier 1 on i32x4 lanes over the channels (accumulators of at most 30 bits: partial
 * sums stay int32): per output pixel, JavaScript lists the taps inside the image in accumulation
 * order (input and weight addresses) and one call of a module generated for the layer runs them
 * for every group of four channels, with the product, |product|, inexact, overflow tests, wrap or
 * clamp and the same for the partial sum as mac-count.ts's i32x4 kernel, counters kept as lane
 * masks in memory across the calls. Zero inputs are not skipped: their products count like the
 * general kernel's (nothing but the partial sum, which is the bias when it is first), so no bias
 * rule is needed. Padding lanes (C not a multiple of 4) have zero weights and biases and count
 * nothing; their loads read the next pixel's channels or the padding after the input.
 */
function simdDepthwise(g: ConvGeom, ord: Int32Array, setup: CountingSetup, nProducts: number): Kernel | undefined {
  if (!wasmApi()) return undefined;
  const { mask, sh, sx, wr, b0, lo, hi, aw, signed, wrapM, invAcc, invProd, ps, as, castRes } = setup;
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const C = g.cIn;
  const M = Math.ceil(C / 4);
  const rowBytes = 16 * M;
  const nX = H * W * C;
  const nT = KH * KW;
  // Memory: inputs (int32, 16 bytes of padding), weights [tap][4M], biases, accumulators, 7 counter
  // vectors, then the per-pixel list of (input address, weight address) pairs.
  const xOff = 0;
  const wOff = Math.ceil((4 * nX + 16) / 16) * 16;
  const bOff = wOff + nT * rowBytes;
  const accOff = bOff + rowBytes;
  const cOff = accOff + rowBytes;
  const listOff = cOff + 7 * 16;
  const top = listOff + 8 * nT;
  const pages = Math.ceil((top + 64) / 65536);
  if (pages > 16384) return undefined; // over 1 GB: the JavaScript loop needs no copy
  // Locals: 0 list start, 1 list end (params), 2 xo, 3 wo (i32); v128: 4 x, 5 prod, 6 p, 7 sum,
  // 8 vlo, 9 vhi, 10 vmask, 11 zero, 12-18 counters, 19.. accumulators.
  const [LQ, LEND, XO, WO] = [0, 1, 2, 3];
  const [XV, PROD, P, SUM, VLO, VHI, VMASK, ZERO, PINEX, POVER, PUNDER, PMAX, AOVER, AUNDER, AMAX, ACC0] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const op = (o: number): number[] => A.simd(o);
  const vload0 = (off: number): number[] => [...A.i32c(0), ...A.simd(0x00, 0x04, ...A.uleb(off))];
  const vstore0 = (off: number, v: number[]): number[] => [...A.i32c(0), ...v, ...A.simd(0x0b, 0x04, ...A.uleb(off))];
  const vloadAt = (ptr: number, off: number): number[] => [...A.get(ptr), ...A.simd(0x00, 0x04, ...A.uleb(off))];
  const [ABS, MAXS, MINS, GTS, LTS, NE, AND, ADD, MUL, SHL, SHRS, SHRU] = [0xa0, 0xb8, 0xb6, 0x3b, 0x39, 0x38, 0x4e, 0xae, 0xb5, 0xab, 0xac, 0xad].map(op);
  const g_ = A.get;
  const st = A.set;
  const s32 = 32 - aw;
  const reduce = (): number[] => (wrapM ? (s32 === 0 ? [] : [...A.i32c(s32), ...SHL!, ...A.i32c(s32), ...(signed ? SHRS! : SHRU!)]) : [...g_(VHI), ...MINS!, ...g_(VLO), ...MAXS!]);
  const I32_LOAD = (off: number): number[] => [0x28, 0x02, ...A.uleb(off)];
  const code: number[] = [];
  code.push(...A.i32c(lo), ...A.SPLAT, ...st(VLO), ...A.i32c(hi), ...A.SPLAT, ...st(VHI), ...A.i32c(mask), ...A.SPLAT, ...st(VMASK));
  [PINEX, POVER, PUNDER, PMAX, AOVER, AUNDER, AMAX].forEach((v, k) => code.push(...vload0(cOff + 16 * k), ...st(v)));
  for (let m = 0; m < M; m++) code.push(...vload0(bOff + 16 * m), ...st(ACC0 + m));
  const body: number[] = [...g_(LQ), ...I32_LOAD(0), ...st(XO), ...g_(LQ), ...I32_LOAD(4), ...st(WO)];
  for (let m = 0; m < M; m++) {
    body.push(
      ...vloadAt(XO, 16 * m), ...vloadAt(WO, 16 * m), ...MUL!, ...st(PROD),
      ...g_(PMAX), ...g_(PROD), ...ABS!, ...MAXS!, ...st(PMAX),
      ...g_(PINEX), ...g_(PROD), ...g_(VMASK), ...AND!, ...g_(ZERO), ...NE!, ...ADD!, ...st(PINEX),
      ...g_(PROD), ...(sh > 0 ? [...A.i32c(sh), ...SHRS!] : []), ...st(P),
      ...g_(POVER), ...g_(P), ...g_(VHI), ...GTS!, ...ADD!, ...st(POVER),
      ...g_(PUNDER), ...g_(P), ...g_(VLO), ...LTS!, ...ADD!, ...st(PUNDER),
      ...g_(ACC0 + m), ...g_(P), ...reduce(), ...ADD!, ...st(SUM),
      ...g_(AMAX), ...g_(SUM), ...ABS!, ...MAXS!, ...st(AMAX),
      ...g_(AOVER), ...g_(SUM), ...g_(VHI), ...GTS!, ...ADD!, ...st(AOVER),
      ...g_(AUNDER), ...g_(SUM), ...g_(VLO), ...LTS!, ...ADD!, ...st(AUNDER),
      ...g_(SUM), ...reduce(), ...st(ACC0 + m),
    );
  }
  code.push(...A.block(A.loop([...g_(LQ), ...g_(LEND), ...A.GE_U, ...A.brIf(1)], body, [...g_(LQ), ...A.i32c(8), ...A.ADD, ...st(LQ)], A.br(0))));
  for (let m = 0; m < M; m++) code.push(...vstore0(accOff + 16 * m, g_(ACC0 + m)));
  [PINEX, POVER, PUNDER, PMAX, AOVER, AUNDER, AMAX].forEach((v, k) => code.push(...vstore0(cOff + 16 * k, g_(v))));
  const locals = A.vec([
    [...A.uleb(2), A.I32],
    [...A.uleb(15 + M), A.V128],
  ]);
  const fn = [...locals, ...code, 0x0b];
  const { run, buf } = instantiateRunKernel<(start: number, end: number) => void>(fn, pages, 2);
  const xs = new Int32Array(buf, xOff, nX);
  const w = new Int32Array(buf, wOff, nT * 4 * M);
  // Weight (tap * C + c) (multiplier 1) of the layer at [tap][c] with rows of 4M.
  for (let tap = 0; tap < nT; tap++) for (let c = 0; c < C; c++) w[tap * 4 * M + c] = wr[tap * C + c]!;
  const b = new Int32Array(buf, bOff, 4 * M);
  for (let c = 0; c < C; c++) b[c] = b0[c]!;
  const acc = new Int32Array(buf, accOff, 4 * M);
  const cnt = new Int32Array(buf, cOff, 28);
  const list = new Int32Array(buf, listOff, 2 * nT);
  const tkh = Int32Array.from(ord, (q) => Math.floor(q / KW));
  const tkw = Int32Array.from(ord, (q) => q % KW);
  const [sth, stw] = g.strides as [number, number];
  const [ph, pw] = g.padBefore as [number, number];
  const [dh, dw] = g.dilations as [number, number];
  const lane = (k: number): number => -(cnt[4 * k]! + cnt[4 * k + 1]! + cnt[4 * k + 2]! + cnt[4 * k + 3]!);
  const laneMax = (k: number): number => Math.max(cnt[4 * k]!, cnt[4 * k + 1]!, cnt[4 * k + 2]!, cnt[4 * k + 3]!);
  // One output row per call of `row` (optimised as a whole after a few rows; see depthwiseKernel).
  const row = (oh: number, y: Float64Array): void => {
    for (let ow = 0; ow < OW; ow++) {
      let n = 0;
      for (let q = 0; q < nT; q++) {
        const ih = oh * sth - ph + tkh[q]! * dh;
        const iw = ow * stw - pw + tkw[q]! * dw;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        list[n++] = xOff + 4 * (ih * W + iw) * C;
        list[n++] = wOff + ord[q]! * rowBytes;
      }
      run(listOff, listOff + 4 * n);
      castRes(acc, 0, invAcc, y, (oh * OW + ow) * C, C);
    }
  };
  return (x, y) => {
    for (let i = 0; i < nX; i++) xs[i] = x[i]! * sx;
    // Lane counters of one call: at most OH x OW x taps events per lane (int32).
    cnt.fill(0);
    for (let oh = 0; oh < OH; oh++) row(oh, y);
    addMacCounts(ps, as, wrapM, nProducts, lane(0), lane(1), lane(2), laneMax(3) * invProd, lane(4), lane(5), laneMax(6) * invAcc);
  };
}
