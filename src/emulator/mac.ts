/**
 * @fileoverview Multiply-accumulate kernels: Dense, Conv1D/2D (incl. groups) and depthwise Conv,
 * as hls4ml's C++ computes them.
 *
 * Every output o is: acc = (accum_t) bias[o]; for each (input, weight) pair in the order of the
 * strategy: acc = (accum_t)(acc + (accum_t)(x * w)); out = (result_t) acc. The order is fixed at
 * compile time in a plan (per output: input indices and weights, contiguous), so the inner loop is
 * a single pass over typed arrays. Latency order is the input order (for convolutions: kernel row,
 * kernel column, input channel; padding contributes zero products, which are skipped since adding
 * an exact 0 never changes an accumulator). Resource order is hls4ml's reuse-factor-strided order,
 * derived by running hls4ml's loop structure (dense_resource_rf_leq_nin / rf_gt_nin).
 *
 * The accumulator is kept in raw integer units (exact doubles): with ws = w * 2^F_acc precomputed,
 * x * ws is the exact product scaled to accumulator units, so a product cast is one floor (plus
 * the rounding rule) and one overflow rule.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import type { Strategy } from '../ir/graph.js';
import type { VarStats } from './overflow.js';
import { addMacCounts } from './overflow.js';
import { resolveWeights, scaledRow, simdAvailable, simdDense, type WeightSource } from './simd.js';
import { compileBigMac } from './bigmac.js';
import { makeCast, overflowRaw, rawLimits, roundScaled, toRaw, wrapRaw } from './quant.js';

/** Per output o: pairs k in [start[o], start[o+1]) of (xi[k], weight index wi[k]); bias index bi[o]. */
export interface MacPlan {
  readonly nOut: number;
  readonly start: Int32Array;
  readonly xi: Int32Array;
  readonly wi: Int32Array;
  readonly bi: Int32Array;
}

/**
 * How the integer kernels cast a raw product (x raw * w raw, Fx + Fw fractional bits, `bits` wide)
 * into the accumulator: a right shift by sh (0..31), with the weights' raw values taken at `fw`
 * fractional bits. An accumulator with more fractional bits than the product holds it exactly,
 * shifted left: that shift is folded into the raw weights (fw = Fw + shift, sh = 0) when the
 * shifted product still fits an int32. sh = -1: the integer kernels do not apply.
 */
export function productShift(Fx: number, Fw: number, Facc: number, bits: number): { sh: number; fw: number } {
  const sh = Fx + Fw - Facc;
  if (sh > 31) return { sh: -1, fw: Fw };
  if (sh >= 0) return { sh, fw: Fw };
  return bits - sh <= 32 ? { sh: 0, fw: Fw - sh } : { sh: -1, fw: Fw };
}

/**
 * The order in which hls4ml's Resource strategy adds the n_in products of each output, for
 * n_in inputs, n_out outputs and reuse factor rf: returns, per output, the input indices in order.
 */
export function resourceOrder(nIn: number, nOut: number, rf: number): number[][] {
  const flat = resourceOrderFlat(nIn, nOut, rf);
  return Array.from({ length: nOut }, (_, o) => Array.from(flat.subarray(o * nIn, (o + 1) * nIn)));
}

/**
 * Calls push(output, input) in the order hls4ml's Resource loops visit the products (the order
 * each output's accumulator sees its inputs), without storing it.
 */
function visitResourceOrder(nIn: number, nOut: number, rf: number, push: (o: number, i: number) => void): void {
  const total = nIn * nOut;
  if (rf <= nIn) {
    // dense_resource_rf_leq_nin: weights stored transposed (w_index = j * n_in + i).
    const multfactor = Math.min(nIn, rf);
    const multiplierLimit = Math.ceil(total / multfactor);
    const blockFactor = Math.ceil(total / rf);
    const multscale = Math.floor(multiplierLimit / nOut);
    for (let ir = 0; ir < rf; ir++) {
      let wIndex = ir;
      let inIndex = ir;
      let outIndex = 0;
      let accStep = 0;
      for (let im = 0; im < blockFactor; im++) {
        if (wIndex < total && outIndex < nOut) push(outIndex, inIndex);
        wIndex += rf;
        inIndex += rf;
        if (inIndex >= nIn) inIndex = ir;
        if (accStep + 1 >= multscale) {
          accStep = 0;
          outIndex++;
        } else accStep++;
      }
    }
  } else {
    // dense_resource_rf_gt_nin_rem0: each reuse step ir handles input ir % n_in for a set of outputs.
    const rufactor = Math.min(rf, total);
    const blockFactor = Math.ceil(total / rf);
    const outscale = Math.floor(rufactor / nIn);
    const outidx: number[] = [];
    let outstep = 0;
    for (let ir = 0; ir < rufactor; ir++) {
      outidx[ir] = outstep;
      if ((ir + 1) % nIn === 0) outstep++;
    }
    let inIndex = 0;
    for (let ir = 0; ir < rufactor; ir++) {
      let wIndex = ir;
      let outIndex = outidx[ir]!;
      for (let im = 0; im < blockFactor; im++) {
        if (outIndex < nOut) push(outIndex, inIndex);
        wIndex += rufactor;
        if (wIndex >= total) break;
        outIndex += outscale;
      }
      inIndex++;
      if (inIndex >= nIn) inIndex = 0;
    }
  }
}

/**
 * resourceOrder as one Int32Array, output o's order at [o * n_in, (o + 1) * n_in): for a large
 * layer (millions of weights) this is 4 bytes a weight instead of a JavaScript array per output.
 */
export function resourceOrderFlat(nIn: number, nOut: number, rf: number): Int32Array {
  const flat = new Int32Array(nIn * nOut);
  const fill = new Int32Array(nOut);
  let ok = true;
  visitResourceOrder(nIn, nOut, rf, (o, i) => {
    if (fill[o]! >= nIn) ok = false;
    else flat[o * nIn + fill[o]!++] = i;
  });
  // Valid reuse factors give every (i, j) exactly once; anything else falls back to input order.
  const seen = new Int32Array(nIn).fill(-1);
  for (let o = 0; ok && o < nOut; o++) {
    if (fill[o] !== nIn) ok = false;
    for (let k = o * nIn; ok && k < (o + 1) * nIn; k++) {
      const i = flat[k]!;
      if (seen[i] === o) ok = false;
      seen[i] = o;
    }
  }
  if (!ok) for (let k = 0; k < flat.length; k++) flat[k] = k % nIn;
  return flat;
}

/** Largest entry of an index array, -1 if empty (a loop: spreading a large array overflows the stack). */
export function maxIndex(a: Int32Array): number {
  let m = -1;
  for (let k = 0; k < a.length; k++) if (a[k]! > m) m = a[k]!;
  return m;
}

class PlanBuilder {
  readonly start: number[] = [0];
  readonly xi: number[] = [];
  readonly wi: number[] = [];
  readonly bi: number[] = [];
  push(bias: number, pairs: ReadonlyArray<readonly [number, number]>): void {
    for (const [x, w] of pairs) {
      this.xi.push(x);
      this.wi.push(w);
    }
    this.bi.push(bias);
    this.start.push(this.xi.length);
  }
  build(): MacPlan {
    return { nOut: this.bi.length, start: Int32Array.from(this.start), xi: Int32Array.from(this.xi), wi: Int32Array.from(this.wi), bi: Int32Array.from(this.bi) };
  }
}

/** Applies the strategy's order to one output's full list of pairs (pads included as null). */
function ordered<T>(pairs: readonly T[], order: readonly number[] | undefined): T[] {
  return order ? order.map((i) => pairs[i]!) : [...pairs];
}

export function densePlan(nIn: number, nOut: number, rows: number, strategy: Strategy, rf: number): MacPlan {
  const b = new PlanBuilder();
  const orders = strategy === 'resource' ? resourceOrder(nIn, nOut, rf) : undefined;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < nOut; j++) {
      const pairs: Array<readonly [number, number]> = [];
      for (let i = 0; i < nIn; i++) pairs.push([r * nIn + i, i * nOut + j]);
      b.push(j, ordered(pairs, orders?.[j]));
    }
  }
  return b.build();
}

export interface ConvGeom {
  readonly inSp: readonly number[]; // [H, W] (1-D: [1, W])
  readonly outSp: readonly number[];
  readonly kernel: readonly number[]; // [KH, KW]
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padBefore: readonly number[]; // [top, left]
  readonly cIn: number;
  readonly cOut: number;
  readonly groups: number;
  /** Depthwise: output channel c*mult+m reads only input channel c. */
  readonly depthMultiplier?: number;
}

/**
 * The full plan of a convolution: per output pixel (raster order) and output channel, the
 * (input index, weight index) pairs in the strategy's order, padding taps left out. `pixels`
 * restricts it to some output pixels; with `window` the input index is the tap's place in the
 * pixel's gathered window ((kh * KW + kw) * cIn + c) instead of its place in the input tensor, so
 * one plan serves every pixel with the same taps inside the image (see conv.ts).
 */
export function convPlan(g: ConvGeom, strategy: Strategy, rf: number, pixels?: ReadonlyArray<readonly [number, number]>, window = false): MacPlan {
  const b = new PlanBuilder();
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const depthwise = g.depthMultiplier !== undefined;
  const cg = depthwise ? 1 : g.cIn / g.groups;
  const perGroupOut = g.cOut / (depthwise ? g.cIn : g.groups);
  const nIn = KH * KW * cg;
  const orders = strategy === 'resource' ? resourceOrder(nIn, g.cOut, rf) : undefined;
  const at = (ih: number, iw: number, kh: number, kw: number, ch: number): number => (window ? (kh * KW + kw) * g.cIn + ch : (ih * W + iw) * g.cIn + ch);
  const pixel = (oh: number, ow: number): void => {
    for (let co = 0; co < g.cOut; co++) {
      const grp = Math.floor(co / perGroupOut);
      const pairs: Array<readonly [number, number] | null> = [];
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * g.strides[0]! - g.padBefore[0]! + kh * g.dilations[0]!;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * g.strides[1]! - g.padBefore[1]! + kw * g.dilations[1]!;
          const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
          for (let c = 0; c < cg; c++) {
            if (!inside) {
              pairs.push(null);
              continue;
            }
            if (depthwise) {
              const m = co % g.depthMultiplier!;
              pairs.push([at(ih, iw, kh, kw, grp), ((kh * KW + kw) * g.cIn + grp) * g.depthMultiplier! + m]);
            } else {
              pairs.push([at(ih, iw, kh, kw, grp * cg + c), ((kh * KW + kw) * cg + c) * g.cOut + co]);
            }
          }
        }
      }
      const ord = ordered(pairs, orders?.[co]).filter((p): p is readonly [number, number] => p !== null);
      b.push(co, ord);
    }
  };
  if (pixels) for (const [oh, ow] of pixels) pixel(oh, ow);
  else for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) pixel(oh, ow);
  return b.build();
}

export interface MacTypes {
  readonly x: FixedType;
  readonly w: FixedType;
  readonly acc: FixedType;
  readonly res: FixedType;
}

export interface MacStats {
  readonly product: VarStats;
  readonly accum: VarStats;
  readonly result: VarStats;
}

/**
 * Compiles a plan with quantized weights and biases (values of their types) into a kernel
 * (x, y) => void. Products, accumulators or results wider than a double holds go to the BigInt
 * kernel (src/emulator/bigmac.ts).
 */
export function compileMac(plan: MacPlan, wq: Float64Array, bq: Float64Array, t: MacTypes, stats?: MacStats): (x: Float64Array, y: Float64Array) => void {
  // Too wide for exact doubles: the BigInt kernel (any input, weight, accum and result width).
  if (t.x.w + t.w.w > 53 || t.acc.w > 52 || t.res.w > 53) return compileBigMac(plan, wq, bq, t, stats);
  const { nOut, start, xi, bi } = plan;
  const Facc = fracBits(t.acc);
  const sAcc = 2 ** Facc;
  const invAcc = 2 ** -Facc;
  // Weights in plan order, pre-scaled to accumulator units.
  const ws = new Float64Array(plan.wi.length);
  for (let k = 0; k < ws.length; k++) ws[k] = wq[plan.wi[k]!]! * sAcc;
  const b0 = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) b0[o] = toRaw(bq[bi[o]!]!, t.acc);
  const castRes = makeCast(t.res, stats?.result);
  const { lo, hi } = rawLimits(t.acc);
  const A = t.acc;

  if (stats) {
    const ps = stats.product;
    const as = stats.accum;
    ps.type = A;
    as.type = A;
    const fastCount = compileMacCountingTrn(plan, ws, b0, t, castRes, ps, as);
    if (fastCount) return fastCount;
    const wrapMode = A.o === 'AP_WRAP' || A.o === 'AP_WRAP_SM';
    const count = (s: VarStats, y: number, q: number, r: number): void => {
      s.count++;
      const ay = Math.abs(y) * invAcc;
      if (ay > s.maxAbs) s.maxAbs = ay;
      if (q !== y) s.inexact++;
      if (q > hi) s.overflow++;
      else if (q < lo) s.underflow++;
      if (r !== q) {
        if (wrapMode) s.wrapped++;
        else s.saturated++;
      }
    };
    return (x, y) => {
      for (let o = 0; o < nOut; o++) {
        let acc = b0[o]!;
        for (let k = start[o]!, e = start[o + 1]!; k < e; k++) {
          const py = x[xi[k]!]! * ws[k]!;
          const pq = roundScaled(py, A.q);
          const p = overflowRaw(pq, Math.floor(py), A, lo, hi);
          count(ps, py, pq, p);
          const sum = acc + p;
          acc = overflowRaw(sum, sum, A, lo, hi);
          count(as, sum, sum, acc);
        }
        y[o] = castRes(acc * invAcc);
      }
    };
  }

  const intKernel = compileMacInt(plan, wq, b0, t, castRes);
  if (intKernel) return intKernel;
  const wrapN0 = A.o === 'AP_WRAP' && A.n === 0 && A.w <= 32;
  if (wrapN0 && A.signed && A.q === 'AP_TRN') {
    const s = 32 - A.w;
    return (x, y) => {
      for (let o = 0; o < nOut; o++) {
        let acc = b0[o]!;
        for (let k = start[o]!, e = start[o + 1]!; k < e; k++) {
          const p = (Math.floor(x[xi[k]!]! * ws[k]!) << s) >> s;
          acc = ((acc + p) << s) >> s;
        }
        y[o] = castRes(acc * invAcc);
      }
    };
  }
  if (A.o === 'AP_SAT' && (A.q === 'AP_TRN' || A.q === 'AP_RND')) {
    const rnd = A.q === 'AP_RND';
    return (x, y) => {
      for (let o = 0; o < nOut; o++) {
        let acc = b0[o]!;
        for (let k = start[o]!, e = start[o + 1]!; k < e; k++) {
          const py = x[xi[k]!]! * ws[k]!;
          let p = Math.floor(py);
          if (rnd && py - p >= 0.5) p++;
          p = p > hi ? hi : p < lo ? lo : p;
          acc += p;
          acc = acc > hi ? hi : acc < lo ? lo : acc;
        }
        y[o] = castRes(acc * invAcc);
      }
    };
  }
  return (x, y) => {
    for (let o = 0; o < nOut; o++) {
      let acc = b0[o]!;
      for (let k = start[o]!, e = start[o + 1]!; k < e; k++) {
        const py = x[xi[k]!]! * ws[k]!;
        const p = overflowRaw(roundScaled(py, A.q), Math.floor(py), A, lo, hi);
        const sum = acc + p;
        acc = overflowRaw(sum, sum, A, lo, hi);
      }
      y[o] = castRes(acc * invAcc);
    }
  };
}

/**
 * Integer kernel for the common case: raw inputs and weights fit so that their product fits an
 * int32 (Math.imul is then exact), the accumulator rounds with TRN or RND and overflows with WRAP
 * (N = 0) or SAT. Under WRAP the product and sum wraps are ring homomorphisms modulo 2^W, so the
 * exact sum is wrapped once at the end (the exact sum stays far below 2^53). Under SAT every
 * product and every partial sum is clamped, in order. Returns undefined when the case does not
 * apply (the caller then uses the double kernels).
 */
function compileMacInt(plan: MacPlan, wq: Float64Array, b0: Float64Array, t: MacTypes, castRes: (v: number) => number): ((x: Float64Array, y: Float64Array) => void) | undefined {
  const A = t.acc;
  const bits = t.x.w + t.w.w + (t.x.signed ? 0 : 1) + (t.w.signed ? 0 : 1);
  if (bits > 32) return undefined;
  if (A.q !== 'AP_TRN' && A.q !== 'AP_RND') return undefined;
  const wrap = A.o === 'AP_WRAP' && A.n === 0;
  if (!wrap && A.o !== 'AP_SAT') return undefined;
  const Fx = fracBits(t.x);
  const { sh, fw: Fw } = productShift(Fx, fracBits(t.w), fracBits(A), bits);
  if (sh < 0) return undefined;
  const { nOut, start, xi } = plan;
  const sx = 2 ** Fx;
  const wr = new Int32Array(plan.wi.length);
  for (let k = 0; k < wr.length; k++) wr[k] = wq[plan.wi[k]!]! * 2 ** Fw;
  const nx = maxIndex(xi) + 1;
  const xr = new Int32Array(nx);
  const invAcc = 2 ** -fracBits(A);
  const { lo, hi } = rawLimits(A);
  const aw = A.w;
  const signed = A.signed;
  const rnd = A.q === 'AP_RND';
  // RND: floor(p / 2^sh + 1/2) = ((p >> (sh - 1)) + 1) >> 1, without overflow.
  const sh1 = rnd ? sh - 1 : sh;
  const rndIsIdentity = rnd && sh === 0;
  if (wrap) {
    return (x, y) => {
      for (let i = 0; i < nx; i++) xr[i] = x[i]! * sx;
      for (let o = 0; o < nOut; o++) {
        let acc = b0[o]!;
        const e = start[o + 1]!;
        if (rnd && !rndIsIdentity) for (let k = start[o]!; k < e; k++) acc += ((Math.imul(xr[xi[k]!]!, wr[k]!) >> sh1) + 1) >> 1;
        else for (let k = start[o]!; k < e; k++) acc += Math.imul(xr[xi[k]!]!, wr[k]!) >> sh;
        y[o] = castRes(wrapRaw(acc, aw, signed) * invAcc);
      }
    };
  }
  return (x, y) => {
    for (let i = 0; i < nx; i++) xr[i] = x[i]! * sx;
    for (let o = 0; o < nOut; o++) {
      let acc = b0[o]!;
      for (let k = start[o]!, e = start[o + 1]!; k < e; k++) {
        let p = Math.imul(xr[xi[k]!]!, wr[k]!);
        p = rnd && !rndIsIdentity ? ((p >> sh1) + 1) >> 1 : p >> sh;
        p = p > hi ? hi : p < lo ? lo : p;
        acc += p;
        acc = acc > hi ? hi : acc < lo ? lo : acc;
      }
      y[o] = castRes(acc * invAcc);
    }
  };
}

/** The input order shared by every output of a Dense layer (undefined if outputs differ). */
/**
 * The common case of sharedDenseOrder without the n_in x n_out order table (20 MB for a 5M-weight
 * layer), in one visit of the loops: output 0's order is recorded as it comes and every other
 * output's k-th input is checked against output 0's k-th (hls4ml's loops reach output 0's k-th
 * first; when they would not, or anything differs, this returns undefined and the table decides).
 * When every output sees the same permutation of the inputs, the table is valid and shared, so
 * that permutation is the answer.
 */
function sharedResourceOrder(nIn: number, nOut: number, rf: number): number[] | undefined {
  const first = new Int32Array(nIn);
  const fill = new Int32Array(nOut);
  let same = true;
  visitResourceOrder(nIn, nOut, rf, (o, i) => {
    const k = fill[o]!;
    if (k >= nIn) same = false;
    else {
      if (o === 0) first[k] = i;
      else if (k >= fill[0]! || first[k] !== i) same = false;
      fill[o] = k + 1;
    }
  });
  if (!same || fill.some((c) => c !== nIn)) return undefined;
  const seen = new Uint8Array(nIn);
  for (let k = 0; k < nIn; k++) {
    const i = first[k]!;
    if (i < 0 || i >= nIn || seen[i]) return undefined;
    seen[i] = 1;
  }
  return Array.from(first);
}

/**
 * Whether the order of the products cannot change the bits: each product is cast into the
 * accumulator on its own (TRN or RND: the cast depends on the product alone) and the accumulator
 * wraps at W <= 32 bits, so the sum is taken modulo 2^W, which is commutative and associative.
 * The input-major integer kernels then give the same outputs in any order; hls4ml's Resource order
 * matters only for saturating accumulators and for overflow accounting (which counts partial sums:
 * callers that count must not pass `acc`).
 */
export function orderFree(acc: FixedType): boolean {
  return acc.o === 'AP_WRAP' && acc.n === 0 && (acc.q === 'AP_TRN' || acc.q === 'AP_RND') && acc.w <= 32;
}

const identityOrders = new Map<number, readonly number[]>();

function identityOrder(nIn: number): readonly number[] {
  let o = identityOrders.get(nIn);
  if (!o) identityOrders.set(nIn, (o = Array.from({ length: nIn }, (_, i) => i)));
  return o;
}

/** sharedDenseOrder's answers: a pure function of the shape, asked by the emulator and its fast paths. */
const sharedOrderCache = new Map<string, readonly number[] | undefined>();

export function sharedDenseOrder(nIn: number, nOut: number, strategy: Strategy, rf: number, acc?: FixedType): readonly number[] | undefined {
  if (strategy !== 'resource' || (acc !== undefined && orderFree(acc))) return identityOrder(nIn);
  const key = `${nIn},${nOut},${rf}`;
  if (sharedOrderCache.has(key)) return sharedOrderCache.get(key);
  const order = sharedResourceOrder(nIn, nOut, rf) ?? sharedFromTable(nIn, nOut, rf);
  sharedOrderCache.set(key, order);
  return order;
}

function sharedFromTable(nIn: number, nOut: number, rf: number): number[] | undefined {
  const flat = resourceOrderFlat(nIn, nOut, rf);
  for (let k = nIn; k < flat.length; k++) if (flat[k] !== flat[k % nIn]) return undefined;
  return Array.from(flat.subarray(0, nIn));
}

/**
 * Input-major Dense kernel for the integer case: for each input in the accumulation order, one
 * contiguous pass over the weight row updates every output's accumulator. Each accumulator sees
 * the same sequence of products as in the output-major order, so the bits are the same. A zero
 * input adds exact zeros (no-ops under WRAP and SAT alike), so it is skipped: post-ReLU
 * activations are often half zeros.
 */
export function compileDenseInt(nIn: number, nOut: number, rows: number, order: readonly number[], wq: WeightSource, bq: Float64Array, t: MacTypes): ((x: Float64Array, y: Float64Array) => void) | undefined {
  const A = t.acc;
  const bits = t.x.w + t.w.w + (t.x.signed ? 0 : 1) + (t.w.signed ? 0 : 1);
  if (bits > 32 || (A.q !== 'AP_TRN' && A.q !== 'AP_RND') || t.acc.w > 52) return undefined;
  const wrap = A.o === 'AP_WRAP' && A.n === 0;
  if (!wrap && A.o !== 'AP_SAT') return undefined;
  const Fx = fracBits(t.x);
  const { sh, fw: Fw } = productShift(Fx, fracBits(t.w), fracBits(A), bits);
  if (sh < 0) return undefined;
  const rnd = A.q === 'AP_RND' && sh > 0;
  const sh1 = rnd ? sh - 1 : sh;
  const sx = 2 ** Fx;
  const b0 = new Float64Array(nOut);
  for (let j = 0; j < nOut; j++) b0[j] = toRaw(bq[j]!, A);
  const ord = Int32Array.from(order);
  const castRes = makeCast(t.res);
  const invAcc = 2 ** -fracBits(A);
  const { lo, hi } = rawLimits(A);
  const aw = A.w;
  const signed = A.signed;
  // Integer accumulators when they cannot leave int32: under WRAP any W <= 32 (arithmetic modulo
  // 2^32 then a final wrap to W bits is the same as modulo 2^W), under SAT W <= 30 (a clamped
  // partial sum plus a clamped product stays inside int32).
  const intAcc = wrap ? aw <= 32 : aw <= 30;
  // Inline result cast for the default case: WRAP signed accumulator <= 32 bits, TRN/WRAP signed
  // result <= 32 bits with no more fractional bits than the accumulator.
  const R = t.res;
  const dF = fracBits(A) - fracBits(R);
  const resInline = wrap && signed && aw <= 32 && R.signed && R.q === 'AP_TRN' && R.o === 'AP_WRAP' && R.n === 0 && R.w <= 32 && dF >= 0 && dF <= 31;
  const sa = 32 - aw;
  const sr = 32 - R.w;
  const invRes = 2 ** -fracBits(R);
  if (intAcc && simdAvailable()) {
    // The raw weights go straight into the kernel's memory (no int32 copy of a large matrix).
    // int16 weights when the weight type's raw values fit and no product shift is folded into them.
    const w16 = Fw === fracBits(t.w) && t.w.w <= (t.w.signed ? 16 : 15);
    const k = simdDense(nIn, nOut, ord, wq, 2 ** Fw, !wrap, rnd, sh, lo, hi, w16);
    const b0i = Int32Array.from(b0);
    const xs = k.x;
    const acc = k.acc;
    return (x, y) => {
      for (let r = 0; r < rows; r++) {
        const xo = r * nIn;
        for (let i = 0; i < nIn; i++) xs[i] = x[xo + i]! * sx;
        acc.set(b0i);
        k.run();
        const yo = r * nOut;
        if (resInline) {
          // acc wrapped to W_acc, shifted down to the result's LSB (floor), wrapped to W_res.
          for (let j = 0; j < nOut; j++) y[yo + j] = (((((acc[j]! << sa) >> sa) >> dF) << sr) >> sr) * invRes;
        } else if (wrap) for (let j = 0; j < nOut; j++) y[yo + j] = castRes(wrapRaw(acc[j]!, aw, signed) * invAcc);
        else for (let j = 0; j < nOut; j++) y[yo + j] = castRes(acc[j]! * invAcc);
      }
    };
  }
  const wr = new Int32Array(nIn * nOut);
  scaledRow(wr, 0, resolveWeights(wq), 0, nIn * nOut, 2 ** Fw);
  if (intAcc) {
    const acc = new Int32Array(nOut);
    const b0i = Int32Array.from(b0);
    return (x, y) => {
      for (let r = 0; r < rows; r++) {
        const xo = r * nIn;
        acc.set(b0i);
        for (let q = 0; q < nIn; q++) {
          const i = ord[q]!;
          const xv = x[xo + i]! * sx;
          if (xv === 0) continue;
          const base = i * nOut;
          if (wrap) {
            if (rnd) for (let j = 0; j < nOut; j++) acc[j] = (acc[j]! + (((Math.imul(xv, wr[base + j]!) >> sh1) + 1) >> 1)) | 0;
            else for (let j = 0; j < nOut; j++) acc[j] = (acc[j]! + (Math.imul(xv, wr[base + j]!) >> sh)) | 0;
          } else {
            for (let j = 0; j < nOut; j++) {
              let p = Math.imul(xv, wr[base + j]!);
              p = rnd ? ((p >> sh1) + 1) >> 1 : p >> sh;
              p = p > hi ? hi : p < lo ? lo : p;
              const s = acc[j]! + p;
              acc[j] = s > hi ? hi : s < lo ? lo : s;
            }
          }
        }
        const yo = r * nOut;
        if (wrap) for (let j = 0; j < nOut; j++) y[yo + j] = castRes(wrapRaw(acc[j]!, aw, signed) * invAcc);
        else for (let j = 0; j < nOut; j++) y[yo + j] = castRes(acc[j]! * invAcc);
      }
    };
  }
  const acc = new Float64Array(nOut);
  return (x, y) => {
    for (let r = 0; r < rows; r++) {
      const xo = r * nIn;
      acc.set(b0);
      for (let q = 0; q < nIn; q++) {
        const i = ord[q]!;
        const xv = x[xo + i]! * sx;
        if (xv === 0) continue;
        const base = i * nOut;
        if (wrap) {
          if (rnd) for (let j = 0; j < nOut; j++) acc[j] += ((Math.imul(xv, wr[base + j]!) >> sh1) + 1) >> 1;
          else for (let j = 0; j < nOut; j++) acc[j] += Math.imul(xv, wr[base + j]!) >> sh;
        } else {
          for (let j = 0; j < nOut; j++) {
            let p = Math.imul(xv, wr[base + j]!);
            p = rnd ? ((p >> sh1) + 1) >> 1 : p >> sh;
            p = p > hi ? hi : p < lo ? lo : p;
            const s = acc[j]! + p;
            acc[j] = s > hi ? hi : s < lo ? lo : s;
          }
        }
      }
      const yo = r * nOut;
      if (wrap) for (let j = 0; j < nOut; j++) y[yo + j] = castRes(wrapRaw(acc[j]!, aw, signed) * invAcc);
      else for (let j = 0; j < nOut; j++) y[yo + j] = castRes(acc[j]! * invAcc);
    }
  };
}

/**
 * The accounting kernel for the common accumulators (AP_TRN with AP_WRAP N=0 or AP_SAT): the same
 * steps as the generic counting loop, with the counts kept in locals and added to the stats once
 * per call (the generic loop updates objects per product and is several times slower).
 */
function compileMacCountingTrn(
  plan: MacPlan,
  ws: Float64Array,
  b0: Float64Array,
  t: MacTypes,
  castRes: (v: number) => number,
  ps: VarStats,
  as: VarStats,
): ((x: Float64Array, y: Float64Array) => void) | undefined {
  const A = t.acc;
  if (A.q !== 'AP_TRN' || !((A.o === 'AP_WRAP' && A.n === 0) || A.o === 'AP_SAT')) return undefined;
  const wrapM = A.o === 'AP_WRAP';
  const { nOut, start, xi } = plan;
  const { lo, hi } = rawLimits(A);
  const aw = A.w;
  const signed = A.signed;
  const invAcc = 2 ** -fracBits(A);
  const nProducts = start[nOut]! - start[0]!;
  return (x, y) => {
    let pInexact = 0;
    let pOver = 0;
    let pUnder = 0;
    let pMax = 0;
    let aOver = 0;
    let aUnder = 0;
    let aMax = 0;
    for (let o = 0; o < nOut; o++) {
      let acc = b0[o]!;
      for (let k = start[o]!, e = start[o + 1]!; k < e; k++) {
        const py = x[xi[k]!]! * ws[k]!;
        const q = Math.floor(py) + 0;
        if (q !== py) pInexact++;
        const ap = py < 0 ? -py : py;
        if (ap > pMax) pMax = ap;
        let p = q;
        if (q > hi) {
          pOver++;
          p = wrapM ? wrapRaw(q, aw, signed) : hi;
        } else if (q < lo) {
          pUnder++;
          p = wrapM ? wrapRaw(q, aw, signed) : lo;
        }
        const sum = acc + p;
        const as2 = sum < 0 ? -sum : sum;
        if (as2 > aMax) aMax = as2;
        if (sum > hi) {
          aOver++;
          acc = wrapM ? wrapRaw(sum, aw, signed) : hi;
        } else if (sum < lo) {
          aUnder++;
          acc = wrapM ? wrapRaw(sum, aw, signed) : lo;
        } else acc = sum;
      }
      y[o] = castRes(acc * invAcc);
    }
    addMacCounts(ps, as, wrapM, nProducts, pInexact, pOver, pUnder, pMax * invAcc, aOver, aUnder, aMax * invAcc);
  };
}
