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
 * outputs are the same bits. Both loops skip zero inputs and add the one count they can change
 * (see simdCounting).
 *
 * Convolutions (conv.ts compileConvIntCounting) run the same kernel on gathered windows, a row per
 * output pixel, where the taps in the padding are zeros that the general kernel never visits: the
 * caller then says per row which window entry is the first tap inside the image (the bias is a
 * partial sum of its own only when that input is zero) and how many products the call made.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import type { MacStats, MacTypes } from './mac.js';
import type { CountingLoop } from './quant.js';
import { addMacCounts } from './overflow.js';
import { productShift } from './mac.js';
import { countingLoop, makeCast, rawLimits, toRaw, wrapRaw } from './quant.js';
import { instantiateRunKernel, simdAvailable, wasmApi, wasmAsm as A } from './simd.js';

/**
 * (x, y) for a Dense layer. For windows (convolutions), `first[r]` is row r's first input in
 * accumulation order that the general kernel visits (-1: none) and `products` the number of
 * products of the call; by default every input is visited (first = order[0], rows x nIn x nOut).
 */
export type CountingKernel = (x: Float64Array, y: Float64Array, first?: Int32Array, products?: number) => void;
type Kernel = CountingKernel;

const I32_LOAD = (off: number): number[] => [0x28, 0x02, ...A.uleb(off)];
const I32_STORE = (off: number): number[] => [0x36, 0x02, ...A.uleb(off)];

/** What a counting kernel on raw integers needs of a layer's types, weights and statistics. */
export interface CountingSetup {
  readonly mask: number;
  readonly sh: number;
  readonly sx: number;
  /** Raw weights (wq scaled to the product's unit, productShift folded in). */
  readonly wr: Int32Array;
  /** Raw biases in accumulator units. */
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
}

/**
 * The raw-integer form of a layer for the counting kernels, or undefined when its types need the
 * general counting kernel: products up to 32 bits, a truncating accumulator of at most 32 bits
 * that wraps (no sign-magnitude bits) or saturates, and no right shift of the product's fraction.
 */
export function countingSetup(wq: Float64Array, bq: Float64Array, nOut: number, t: MacTypes, stats: MacStats): CountingSetup | undefined {
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
  const wr = new Int32Array(wq.length);
  for (let k = 0; k < wr.length; k++) wr[k] = wq[k]! * 2 ** fw;
  const b0 = new Float64Array(nOut);
  for (let j = 0; j < nOut; j++) b0[j] = toRaw(bq[j]!, A);
  const { lo, hi } = rawLimits(A);
  const invAcc = 2 ** -fracBits(A);
  const invProd = 2 ** -sh * invAcc;
  const ps = stats.product;
  const as = stats.accum;
  ps.type = A;
  as.type = A;
  // The result cast: a counting loop generated for this layer when the type allows, else makeCast's.
  const loop = countingLoop(t.res, stats.result);
  const cast = loop ? undefined : makeCast(t.res, stats.result);
  const castRes: CountingLoop =
    loop ??
    ((a, aOff, sc, y, yOff, n) => {
      for (let j = 0; j < n; j++) y[yOff + j] = cast!(a[aOff + j]! * sc);
    });
  return { mask, sh, sx, wr, b0, lo, hi, aw: A.w, signed: A.signed, wrapM, invAcc, invProd, ps, as, castRes };
}

/** The kernel, or undefined when the types need the general counting kernel. */
export function compileDenseIntCounting(nIn: number, nOut: number, rows: number, order: readonly number[], wq: Float64Array, bq: Float64Array, t: MacTypes, stats: MacStats, simd = true): Kernel | undefined {
  const setup = countingSetup(wq.subarray(0, nIn * nOut), bq, nOut, t, stats);
  if (!setup) return undefined;
  const { mask, sh, sx, wr, b0, lo, hi, aw, signed, wrapM, invAcc, invProd, ps, as, castRes } = setup;
  const ord = Int32Array.from(order);
  const acc = new Float64Array(nOut);
  const xr = new Int32Array(nIn);
  const nProducts = rows * nIn * nOut;
  let maxBias = 0;
  for (let j = 0; j < nOut; j++) maxBias = Math.max(maxBias, Math.abs(b0[j]!));
  // Lane counters sum a whole call (up to rows x nIn events per lane) in int32.
  if (simd && simdAvailable() && aw <= 30 && nIn * Math.ceil(nOut / 4) <= 8192 && rows * nIn < 2 ** 31) {
    const k = simdCounting(nIn, nOut, rows, ord, wr, b0, maxBias, sh, mask, lo, hi, aw, signed, wrapM, sx, invAcc, invProd, ps, as, castRes);
    if (k) return k;
  }
  // A fresh copy of the loop per layer (see freshKernel): V8 then specialises it to this layer's
  // constants; one closure literal shared by every layer ran 2.5x slower.
  return freshKernel()({ mask, sh, sx, wr, b0, ord, lo, hi, aw, signed, invAcc, invProd, ps, as, castRes, acc, xr, nProducts, maxBias, rows, nIn, nOut, wrapM, wrapRaw, fold: addMacCounts });
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
  readonly castRes: CountingLoop;
  readonly acc: Float64Array;
  readonly xr: Int32Array;
  readonly nProducts: number;
  readonly maxBias: number;
  readonly rows: number;
  readonly nIn: number;
  readonly nOut: number;
  readonly wrapM: boolean;
  readonly wrapRaw: typeof wrapRaw;
  readonly fold: typeof addMacCounts;
}

/** The counting loop; everything it uses comes in through `k` (it is recompiled from its source). */
function countingKernel(k: KernelParams): Kernel {
  const { mask, sh, sx, wr, b0, ord, lo, hi, aw, signed, invAcc, invProd, ps, as, castRes, acc, xr, nProducts, maxBias, rows, nIn, nOut, wrapM, wrapRaw, fold } = k;
  const small = aw <= 30;
  const first0 = ord[0]!;
  return (x, y, first, products) => {
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
      // Zero inputs change no count but this one (see simdCounting): the bias is a partial sum of
      // its own when the first visited input is zero.
      const f = first ? first[r]! : first0;
      if (f >= 0 && xr[f] === 0 && maxBias > aMax) aMax = maxBias;
      for (let qi = 0; qi < nIn; qi++) {
        const i = ord[qi]!;
        const xv = xr[i]!;
        if (xv === 0) continue;
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
      castRes(acc, 0, invAcc, y, yo, nOut);
    }
    fold(ps, as, wrapM, products ?? nProducts, pInexact, pOver, pUnder, pMax * invProd, aOver, aUnder, aMax * invAcc);
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

/**
 * The same counting on i32x4 lanes (four outputs per instruction), for accumulators of at most 30
 * bits (partial sums stay int32) and layers small enough to generate in full: per input, per group
 * of four outputs, the product, |product| into a running lane maximum, the inexact test (low bits
 * and mask, non-zero), the floor shift, the out-of-range tests (lane masks of -1 added to
 * counters), the wrap (shl, shr) or clamp, then the same for the partial sum. Lanes are summed (and
 * maximised) in JavaScript after the call. Padding lanes have zero weights and biases: they count
 * nothing. Each layer is its own module, with its constants in the code.
 */
function simdCounting(
  nIn: number,
  nOut: number,
  rows: number,
  ord: Int32Array,
  wr: Int32Array,
  b0: Float64Array,
  maxBias: number,
  sh: number,
  mask: number,
  lo: number,
  hi: number,
  aw: number,
  signed: boolean,
  wrapM: boolean,
  sx: number,
  invAcc: number,
  invProd: number,
  ps: MacStats['product'],
  as: MacStats['accum'],
  castRes: CountingLoop,
): Kernel | undefined {
  if (!wasmApi()) return undefined;
  const n4 = Math.ceil(nOut / 4) * 4;
  const M = n4 / 4;
  const rowBytes = n4 * 4;
  // Memory: x (nIn i32, padded), weights [nIn][n4], bias n4, acc out n4, 7 counter vectors, then
  // the list of nonzero inputs (value, weight row address).
  const xOff = 0;
  const wOff = Math.ceil(nIn / 4) * 16;
  const bOff = wOff + nIn * rowBytes;
  const accOff = bOff + rowBytes;
  const cOff = accOff + rowBytes;
  const listOff = cOff + 7 * 16;
  const top = listOff + 8 * nIn;
  const pages = Math.ceil((top + 64) / 65536);
  // Locals: 0 xv, 1 p, 2 q, 3 base (i32); v128: 4 spl, 5 prod, 6 p, 7 sum, 8 vlo, 9 vhi, 10 vmask,
  // 11 zero, 12 pInex, 13 pOver, 14 pUnder, 15 pMax, 16 aOver, 17 aUnder, 18 aMax, 19.. acc.
  const [XV, LP, LQ, BASE] = [0, 1, 2, 3];
  const [SPL, PROD, P, SUM, VLO, VHI, VMASK, ZERO, PINEX, POVER, PUNDER, PMAX, AOVER, AUNDER, AMAX, ACC0] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const op = (o: number): number[] => A.simd(o);
  const vload = (off: number): number[] => [...A.i32c(0), ...A.simd(0x00, 0x04, ...A.uleb(off))];
  const vstore = (off: number, v: number[]): number[] => [...A.i32c(0), ...v, ...A.simd(0x0b, 0x04, ...A.uleb(off))];
  const ABS = op(0xa0);
  const MAXS = op(0xb8);
  const MINS = op(0xb6);
  const GTS = op(0x3b);
  const LTS = op(0x39);
  const NE = op(0x38);
  const AND = op(0x4e);
  const ADD = op(0xae);
  const MUL = op(0xb5);
  const SHL = op(0xab);
  const SHRS = op(0xac);
  const SHRU = op(0xad);
  const g = A.get;
  const st = A.set;
  const s32 = 32 - aw;
  const reduce = (v: number): number[] =>
    wrapM ? (s32 === 0 ? [] : [...A.i32c(s32), ...SHL, ...A.i32c(s32), ...(signed ? SHRS : SHRU)]) : [...g(VHI), ...MINS, ...g(VLO), ...MAXS];
  // Zero inputs: their products are 0 (nothing to count) and their partial sums are the current
  // accumulators, in range after the previous wrap or clamp and no larger in magnitude than the
  // partial sum they came from (products are cast into the accumulator's range before the add, so
  // an unsigned sum is never negative; a signed sum that left the range has |s| >= 2^(W-1) >=
  // |wrap(s)|; a clamp only shrinks), except the bias itself when the first input in order is zero
  // (added after the call). So zero inputs are skipped, without a branch per input: the nonzero ones
  // are compacted first, in order, as (value, weight row address) pairs.
  const code: number[] = [];
  code.push(...A.i32c(lo), ...A.SPLAT, ...st(VLO), ...A.i32c(hi), ...A.SPLAT, ...st(VHI), ...A.i32c(mask), ...A.SPLAT, ...st(VMASK));
  for (let m = 0; m < M; m++) code.push(...vload(bOff + 16 * m), ...st(ACC0 + m));
  // The counters continue from memory: a call of several rows sums them in the lanes and reads
  // them once (the caller zeroes them first), rather than reducing seven vectors per row.
  [PINEX, POVER, PUNDER, PMAX, AOVER, AUNDER, AMAX].forEach((v, k) => code.push(...vload(cOff + 16 * k), ...st(v)));
  code.push(...A.i32c(listOff), ...st(LP));
  for (let q = 0; q < nIn; q++) {
    const i = ord[q]!;
    code.push(...g(LP), ...A.i32c(0), ...I32_LOAD(xOff + 4 * i), ...A.tee(XV), ...I32_STORE(0));
    code.push(...g(LP), ...A.i32c(wOff + i * rowBytes), ...I32_STORE(4));
    code.push(...g(LP), ...g(XV), ...A.i32c(0), ...A.NE, ...A.i32c(3), ...A.SHL, ...A.ADD, ...st(LP));
  }
  const body: number[] = [...g(LQ), ...I32_LOAD(0), ...A.SPLAT, ...st(SPL), ...g(LQ), ...I32_LOAD(4), ...st(BASE)];
  for (let m = 0; m < M; m++) {
    body.push(
      ...g(SPL), ...g(BASE), ...A.simd(0x00, 0x04, ...A.uleb(16 * m)), ...MUL, ...st(PROD),
      ...g(PMAX), ...g(PROD), ...ABS, ...MAXS, ...st(PMAX),
      ...g(PINEX), ...g(PROD), ...g(VMASK), ...AND, ...g(ZERO), ...NE, ...ADD, ...st(PINEX),
      ...g(PROD), ...(sh > 0 ? [...A.i32c(sh), ...SHRS] : []), ...st(P),
      ...g(POVER), ...g(P), ...g(VHI), ...GTS, ...ADD, ...st(POVER),
      ...g(PUNDER), ...g(P), ...g(VLO), ...LTS, ...ADD, ...st(PUNDER),
      ...g(ACC0 + m), ...g(P), ...reduce(P), ...ADD, ...st(SUM),
      ...g(AMAX), ...g(SUM), ...ABS, ...MAXS, ...st(AMAX),
      ...g(AOVER), ...g(SUM), ...g(VHI), ...GTS, ...ADD, ...st(AOVER),
      ...g(AUNDER), ...g(SUM), ...g(VLO), ...LTS, ...ADD, ...st(AUNDER),
      ...g(SUM), ...reduce(SUM), ...st(ACC0 + m),
    );
  }
  code.push(
    ...A.i32c(listOff),
    ...st(LQ),
    ...A.block(A.loop([...g(LQ), ...g(LP), ...A.GE_U, ...A.brIf(1)], body, [...g(LQ), ...A.i32c(8), ...A.ADD, ...st(LQ)], A.br(0))),
  );
  for (let m = 0; m < M; m++) code.push(...vstore(accOff + 16 * m, g(ACC0 + m)));
  [PINEX, POVER, PUNDER, PMAX, AOVER, AUNDER, AMAX].forEach((v, k) => code.push(...vstore(cOff + 16 * k, g(v))));
  const locals = A.vec([
    [...A.uleb(4), A.I32],
    [...A.uleb(15 + M), A.V128],
  ]);
  const fn = [...locals, ...code, 0x0b];
  const { run, buf } = instantiateRunKernel<() => void>(fn, pages);
  const xs = new Int32Array(buf, xOff, nIn);
  const w = new Int32Array(buf, wOff, nIn * n4);
  for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) w[i * n4 + j] = wr[i * nOut + j]!;
  const b = new Int32Array(buf, bOff, n4);
  for (let j = 0; j < nOut; j++) b[j] = b0[j]!;
  const acc = new Int32Array(buf, accOff, n4);
  const cnt = new Int32Array(buf, cOff, 28);
  const nProducts = rows * nIn * nOut;
  const first0 = ord[0]!;
  const lane = (k: number): number => -(cnt[4 * k]! + cnt[4 * k + 1]! + cnt[4 * k + 2]! + cnt[4 * k + 3]!);
  const laneMax = (k: number): number => Math.max(cnt[4 * k]!, cnt[4 * k + 1]!, cnt[4 * k + 2]!, cnt[4 * k + 3]!);
  return (x, y, first, products) => {
    let aMax = 0;
    // Lane counters of one call: at most rows x nIn x nOut / 4 events per lane (int32).
    cnt.fill(0);
    for (let r = 0; r < rows; r++) {
      const xo = r * nIn;
      for (let i = 0; i < nIn; i++) xs[i] = x[xo + i]! * sx;
      run();
      // The bias is a partial sum of its own when the first visited input is zero (skipped).
      const f = first ? first[r]! : first0;
      if (f >= 0 && xs[f] === 0 && maxBias > aMax) aMax = maxBias;
      const yo = r * nOut;
      castRes(acc, 0, invAcc, y, yo, nOut);
    }
    // The counters hold -1 per event (lane masks added up).
    const pInexact = lane(0);
    const pOver = lane(1);
    const pUnder = lane(2);
    const pMax = laneMax(3);
    const aOver = lane(4);
    const aUnder = lane(5);
    aMax = Math.max(aMax, laneMax(6));
    addMacCounts(ps, as, wrapM, products ?? nProducts, pInexact, pOver, pUnder, pMax * invProd, aOver, aUnder, aMax * invAcc);
  };
}
