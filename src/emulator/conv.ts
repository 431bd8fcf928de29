/**
 * @fileoverview Convolution kernels whose memory does not grow with the image.
 *
 * The general MAC kernel (mac.ts) runs a precompiled plan with one (input, weight) pair per output
 * pixel x output channel x kernel tap. That is the fastest form for small layers, but its size is
 * OH*OW*cOut*KH*KW*cIn/groups: a 256x256 pointwise conv with 64 inputs and 32 outputs needs 134M
 * pairs, past V8's array limit (the process aborts, no exception). Large layers therefore gather
 * each output pixel's window (kernel row, kernel column, channel) into a small buffer, computed on
 * the fly, and run a one-pixel plan over the window. Pixels near the border lose the taps that
 * fall in the padding; the taps inside the image depend only on the range of valid kernel rows and
 * columns, so there are few distinct one-pixel plans (3 x 3 for 'same' padding), each compiled
 * once. Within a pixel the pairs are exactly those of the full plan in the same order, and pixels
 * run in raster order, so results and overflow counts are the same bits as the full plan. A Dense
 * applied to every pixel gets the same treatment (one-row plan, compileDenseRows).
 */

import type { Strategy } from '../ir/graph.js';
import type { ConvGeom, MacStats, MacTypes } from './mac.js';
import { compileDenseInt, compileMac, convPlan, densePlan, sharedDenseOrder } from './mac.js';
import { compileDepthwiseInt } from './depthwise.js';
import { compileDenseIntCounting } from './mac-count.js';
import { compileDepthwiseIntCounting } from './depthwise-count.js';

type Kernel = (x: Float64Array, y: Float64Array) => void;

/**
 * Largest full plan (pairs) compiled for one layer. 2^22 pairs are 32 MB of typed arrays plus the
 * JS arrays used while building; beyond it the windowed kernel is used. The benchmark layers are
 * far below (conv2d_small: 8*8*2*9 = 1152 pairs).
 */
export const MAX_PLAN_PAIRS = 1 << 22;

/** Number of (input, weight) pairs of the full plan, padding taps included. */
export function convPlanPairs(g: ConvGeom): number {
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const cg = g.depthMultiplier !== undefined ? 1 : g.cIn / g.groups;
  return OH * OW * g.cOut * KH * KW * cg;
}

/**
 * Copies output pixel (oh, ow)'s window into xw[(kh * KW + kw) * cIn + c], zeros for taps in the
 * padding. Offsets are computed per pixel: no table proportional to the image.
 */
export function windowGatherer(g: ConvGeom): (x: Float64Array, oh: number, ow: number, xw: Float64Array) => void {
  const [H, W] = g.inSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const C = g.cIn;
  const [sh, sw] = g.strides as [number, number];
  const [ph, pw] = g.padBefore as [number, number];
  const [dh, dw] = g.dilations as [number, number];
  return (x, oh, ow, xw) => {
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - ph + kh * dh;
      const rowIn = ih >= 0 && ih < H;
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - pw + kw * dw;
        const dst = (kh * KW + kw) * C;
        if (rowIn && iw >= 0 && iw < W) {
          const src = (ih * W + iw) * C;
          for (let c = 0; c < C; c++) xw[dst + c] = x[src + c]!;
        } else for (let c = 0; c < C; c++) xw[dst + c] = 0;
      }
    }
  };
}

/**
 * Classes of output positions along one axis by the range of kernel taps that land inside the
 * input: cls[o] is the class of position o, rep[k] the first position of class k.
 */
function axisClasses(n: number, k: number, stride: number, pad: number, dil: number, size: number): { cls: Int32Array; rep: number[] } {
  const ids = new Map<string, number>();
  const cls = new Int32Array(n);
  const rep: number[] = [];
  for (let o = 0; o < n; o++) {
    let lo = -1;
    let hi = -1;
    for (let t = 0; t < k; t++) {
      const i = o * stride - pad + t * dil;
      if (i >= 0 && i < size) {
        if (lo < 0) lo = t;
        hi = t;
      }
    }
    const key = `${lo},${hi}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = rep.length;
      ids.set(key, id);
      rep.push(o);
    }
    cls[o] = id;
  }
  return { cls, rep };
}

/**
 * The windowed kernel: per output pixel, gather the window and run the one-pixel plan of the
 * pixel's border class (plans compiled with compileMac, so every accumulator type, the BigInt path
 * and overflow accounting behave as in the full plan).
 */
export function compileConvWindowed(g: ConvGeom, strategy: Strategy, rf: number, wq: Float64Array, bq: Float64Array, t: MacTypes, stats?: MacStats): Kernel {
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const rows = axisClasses(OH, KH, g.strides[0]!, g.padBefore[0]!, g.dilations[0]!, H);
  const cols = axisClasses(OW, KW, g.strides[1]!, g.padBefore[1]!, g.dilations[1]!, W);
  const nCols = cols.rep.length;
  const kernels: Kernel[] = [];
  for (const oh of rows.rep) for (const ow of cols.rep) kernels.push(compileMac(convPlan(g, strategy, rf, [[oh, ow]], true), wq, bq, t, stats));
  const gather = windowGatherer(g);
  const xw = new Float64Array(KH * KW * g.cIn);
  const yw = new Float64Array(g.cOut);
  const cOut = g.cOut;
  const rowCls = rows.cls;
  const colCls = cols.cls;
  return (x, y) => {
    let p = 0;
    for (let oh = 0; oh < OH; oh++) {
      const kr = rowCls[oh]! * nCols;
      for (let ow = 0; ow < OW; ow++) {
        gather(x, oh, ow, xw);
        kernels[kr + colCls[ow]!]!(xw, yw);
        y.set(yw, p * cOut);
        p++;
      }
    }
  };
}

/**
 * A convolution (groups 1) as one small Dense per output pixel: the pixel's window is gathered
 * (kernel row, kernel column, input channel, zeros for padding) and multiplied by the kernel matrix
 * [kh*kw*cIn][cOut] with the integer / SIMD Dense kernel. The per-output order of products is the
 * convolution's (padding zeros are exact no-ops), so the bits are those of conv_*_latency_cl.
 * Returns undefined when the integer Dense kernel does not apply.
 */
export function compileConvInt(g: ConvGeom, strategy: Strategy, rf: number, wq: Float64Array, bq: Float64Array, t: MacTypes, minOut = 8): Kernel | undefined {
  // With few output channels the per-pixel call costs more than it saves (measured: conv2d_small,
  // 2 filters, is faster on the general plan).
  if (g.groups !== 1 || g.depthMultiplier !== undefined || g.cOut < minOut) return undefined;
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const nWin = KH * KW * g.cIn;
  const order = sharedDenseOrder(nWin, g.cOut, strategy, rf, t.acc);
  if (!order) return undefined;
  const row = compileDenseInt(nWin, g.cOut, 1, order, wq, bq, t);
  if (!row) return undefined;
  const gather = windowGatherer(g);
  const xw = new Float64Array(nWin);
  const yw = new Float64Array(g.cOut);
  const cOut = g.cOut;
  return (x, y) => {
    let p = 0;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        gather(x, oh, ow, xw);
        row(xw, yw);
        y.set(yw, p * cOut);
        p++;
      }
  };
}

/** Largest gather table (entries, int32) of the counting convolutions: 4 MB; larger images gather per tap. */
export const GATHER_TABLE_MAX = 1 << 20;

/**
 * Per output-row class of a convolution whose windows are gathered as (kernel row, kernel column,
 * channel) with C channels and visited in `order`: each pixel's first window entry inside the
 * image in that order (-1: none), and the taps inside the image summed over the row's pixels.
 */
function rowClassInfo(g: ConvGeom, order: readonly number[], C: number, rows: { rep: number[] }, cols: { cls: Int32Array; rep: number[] }): { firsts: Int32Array[]; taps: number[] } {
  const [H, W] = g.inSp as [number, number];
  const [OW, KH, KW] = [g.outSp[1]!, g.kernel[0]!, g.kernel[1]!];
  const inRow = (oh: number, kh: number): boolean => {
    const i = oh * g.strides[0]! - g.padBefore[0]! + kh * g.dilations[0]!;
    return i >= 0 && i < H;
  };
  const inCol = (ow: number, kw: number): boolean => {
    const i = ow * g.strides[1]! - g.padBefore[1]! + kw * g.dilations[1]!;
    return i >= 0 && i < W;
  };
  const firsts: Int32Array[] = [];
  const taps: number[] = [];
  for (const oh of rows.rep) {
    const colFirst = cols.rep.map((ow) => {
      for (const i of order) {
        const tap = Math.floor(i / C);
        const kh = Math.floor(tap / KW);
        if (inRow(oh, kh) && inCol(ow, tap - kh * KW)) return i;
      }
      return -1;
    });
    let kin = 0;
    for (let kh = 0; kh < KH; kh++) if (inRow(oh, kh)) kin++;
    const first = new Int32Array(OW);
    let n = 0;
    for (let ow = 0; ow < OW; ow++) {
      first[ow] = colFirst[cols.cls[ow]!]!;
      for (let kw = 0; kw < KW; kw++) if (inCol(ow, kw)) n += kin;
    }
    firsts.push(first);
    taps.push(n);
  }
  return { firsts, taps };
}

/**
 * Every window entry's input index, pixel by pixel in raster order ((kernel row, kernel column,
 * channel) within a pixel, C channels gathered from an input of cIn), padding taps pointing at
 * the zero placed after the input (index H * W * cIn).
 */
function gatherTable(g: ConvGeom, C: number): Int32Array {
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const [sh, sw] = g.strides as [number, number];
  const [ph, pw] = g.padBefore as [number, number];
  const [dh, dw] = g.dilations as [number, number];
  const inLen = H * W * g.cIn;
  const idx = new Int32Array(OH * OW * KH * KW * C);
  let k = 0;
  for (let oh = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++)
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh - ph + kh * dh;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * sw - pw + kw * dw;
          const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
          for (let c = 0; c < C; c++) idx[k++] = inside ? (ih * W + iw) * g.cIn + c : inLen;
        }
      }
  return idx;
}

/**
 * Overflow accounting of a convolution (groups 1) on the counting Dense kernel (mac-count.ts): the
 * windows of one output row (OW pixels) are gathered, padding taps as zeros, and run as OW rows of
 * a Dense [kh*kw*cIn][cOut] in the convolution's shared accumulation order. The general counting
 * kernel visits only the taps inside the image; a padding zero changes no count either, except
 * that the bias would become a partial sum of its own when padding comes first in order. So each
 * row is told which window entry is its first tap inside the image (the bias counts when that
 * input is zero, as in the general kernel) and each call how many products it made. Outputs and
 * counts are those of the general counting kernel (tested on both kernel paths). Undefined when
 * the counting Dense kernel does not apply (types, order), or for groups / depthwise.
 */
export function compileConvIntCounting(g: ConvGeom, strategy: Strategy, rf: number, wq: Float64Array, bq: Float64Array, t: MacTypes, stats: MacStats, simd = true, tableMax = GATHER_TABLE_MAX): Kernel | undefined {
  if (g.groups !== 1 || g.depthMultiplier !== undefined) return undefined;
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const C = g.cIn;
  const nWin = KH * KW * C;
  const order = sharedDenseOrder(nWin, g.cOut, strategy, rf);
  if (!order) return undefined;
  const row = compileDenseIntCounting(nWin, g.cOut, OW, order, wq, bq, t, stats, simd);
  if (!row) return undefined;
  const rows = axisClasses(OH, KH, g.strides[0]!, g.padBefore[0]!, g.dilations[0]!, H);
  const cols = axisClasses(OW, KW, g.strides[1]!, g.padBefore[1]!, g.dilations[1]!, W);
  const { firsts, taps } = rowClassInfo(g, order, C, rows, cols);
  const products = taps.map((n) => n * C * g.cOut);
  const xw = new Float64Array(OW * nWin);
  const rowOut = OW * g.cOut;
  const rowCls = rows.cls;
  const inLen = H * W * C;
  if (OH * OW * nWin <= tableMax) {
    // Small images: every window entry's input index in one table, so gathering is one load per
    // entry instead of the per-tap bounds tests, which cost more than the counting itself on a
    // layer with few channels.
    const idx = gatherTable(g, C);
    const xp = new Float64Array(inLen + 1);
    const perRow = OW * nWin;
    return (x, y) => {
      for (let i = 0; i < inLen; i++) xp[i] = x[i]!;
      for (let oh = 0; oh < OH; oh++) {
        const base = oh * perRow;
        for (let j = 0; j < perRow; j++) xw[j] = xp[idx[base + j]!]!;
        const c = rowCls[oh]!;
        row(xw, y.subarray(oh * rowOut, (oh + 1) * rowOut), firsts[c], products[c]);
      }
    };
  }
  const gather = windowGatherer(g);
  const win = Array.from({ length: OW }, (_, ow) => xw.subarray(ow * nWin, (ow + 1) * nWin));
  return (x, y) => {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) gather(x, oh, ow, win[ow]!);
      const c = rowCls[oh]!;
      row(xw, y.subarray(oh * rowOut, (oh + 1) * rowOut), firsts[c], products[c]);
    }
  };
}

/**
 * Picks the kernel for a Conv / DepthwiseConv layer: the integer depthwise kernel (depthwise.ts) or
 * the per-pixel integer Dense kernel when they apply (no accounting; with accounting the counting
 * Dense kernel on each output row's windows, depthwise-count.ts for depthwise), else the full plan for small layers (fastest) and the windowed plan
 * for large ones. `maxPlan` is a parameter so tests can force the windowed path on small layers.
 */
export function compileConv(g: ConvGeom, strategy: Strategy, rf: number, wq: Float64Array, bq: Float64Array, t: MacTypes, stats?: MacStats, maxPlan = MAX_PLAN_PAIRS): Kernel {
  // FASTML_GENERAL_COUNT=1: accounting on the general counting kernel (tests compare the two).
  const fast = stats
    ? process.env['FASTML_GENERAL_COUNT']
      ? undefined
      : (compileConvIntCounting(g, strategy, rf, wq, bq, t, stats) ?? compileDepthwiseIntCounting(g, strategy, rf, wq, bq, t, stats))
    : (compileDepthwiseInt(g, wq, bq, t) ?? compileConvInt(g, strategy, rf, wq, bq, t));
  if (fast) return fast;
  if (convPlanPairs(g) <= maxPlan) return compileMac(convPlan(g, strategy, rf), wq, bq, t, stats);
  return compileConvWindowed(g, strategy, rf, wq, bq, t, stats);
}

/**
 * A Dense layer applied to every row of a [..., nIn] tensor (rows > 1, e.g. a pointwise layer on
 * an image): the same one-row plan for every row when the full plan (rows * nIn * nOut pairs)
 * would exceed `maxPlan`. Rows run in order, so results and overflow counts equal the full plan.
 */
export function compileDenseRows(nIn: number, nOut: number, rows: number, strategy: Strategy, rf: number, wq: Float64Array, bq: Float64Array, t: MacTypes, stats?: MacStats, maxPlan = MAX_PLAN_PAIRS): Kernel {
  if (rows * nIn * nOut <= maxPlan) return compileMac(densePlan(nIn, nOut, rows, strategy, rf), wq, bq, t, stats);
  const row = compileMac(densePlan(nIn, nOut, 1, strategy, rf), wq, bq, t, stats);
  return (x, y) => {
    for (let r = 0; r < rows; r++) row(x.subarray(r * nIn, (r + 1) * nIn), y.subarray(r * nOut, (r + 1) * nOut));
  };
}
