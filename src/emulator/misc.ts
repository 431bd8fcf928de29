/**
 * @fileoverview Kernels for the remaining ops: BatchNorm / ScaleBias (res = (result_t)(x * scale
 * + bias) at full precision), pooling, merges, concatenation, padding, cropping, nearest resize,
 * transpose and quantizer layers. Shape-only ops (Reshape, Flatten, Identity, Dropout) need no
 * kernel: the compiler aliases their buffers.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import type { Padding2D } from '../ir/graph.js';
import type { VarStats } from './overflow.js';
import { fastPathApplies, kernelsFor } from '../fixed/codegen.js';
import { countingLoop, makeCast, WidthError } from './quant.js';

export type Kernel = (x: Float64Array, y: Float64Array) => void;
export type Kernel2 = (xs: readonly Float64Array[], y: Float64Array) => void;

/** y = (result_t)(x * scale[c] + bias[c]) over the last axis (scale/bias already quantized). */
export function compileScaleBias(scale: Float64Array, bias: Float64Array, xT: FixedType, sT: FixedType, bT: FixedType, resT: FixedType, result?: VarStats): Kernel {
  // The exact sum needs max(I) + max(F) + 1 significant bits.
  const span = Math.max(xT.i + sT.i, bT.i) + Math.max(fracBits(xT) + fracBits(sT), fracBits(bT)) + 1;
  if (span > 53) throw new WidthError(`x * scale + bias needs ${span} bits, more than a double holds exactly`);
  const cast = makeCast(resT, result);
  const C = scale.length;
  const Cb = bias.length;
  return (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = cast(x[i]! * scale[i % C]! + bias[i % Cb]!);
  };
}

export interface PoolGeom {
  readonly inSp: readonly number[];
  readonly outSp: readonly number[];
  readonly pool: readonly number[];
  readonly strides: readonly number[];
  readonly padBefore: readonly number[];
  readonly c: number;
  readonly mode: 'max' | 'avg';
  readonly countIncludePad: boolean;
}

/**
 * Max / average pooling as hls4ml's pooling*_cl: max over the window with padded cells holding the
 * most negative value of the input type, passed through accum_t then result_t; average sums in
 * accum_t (cast after each add) and divides by the number of real cells (or the window size with
 * count_pad), truncating toward zero at accum_t's LSB as ap_fixed division by an integer does.
 */
export function compilePool(g: PoolGeom, xT: FixedType, accT: FixedType, resT: FixedType, stats: { accum?: VarStats; result?: VarStats }): Kernel {
  const padMax = (xT.signed ? -(2 ** (xT.w - 1)) : 0) * 2 ** -fracBits(xT);
  const castRes = makeCast(resT, stats.result);
  const castAcc = makeCast(accT, stats.accum);
  // 1-D geometry may come as [W] / [p] / [s] / [left]: one row, no vertical padding.
  const [H, W] = asHW(g.inSp);
  const [OH, OW] = asHW(g.outSp);
  const [PH, PW] = asHW(g.pool);
  const strides = asHW(g.strides);
  const padBefore = g.padBefore.length === 1 ? [0, g.padBefore[0]!] : g.padBefore;
  const C = g.c;
  const Facc = fracBits(accT);
  return (x, y) => {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let sum = 0;
          let cnt = 0;
          for (let ph = 0; ph < PH; ph++) {
            const ih = oh * strides[0] - padBefore[0]! + ph;
            for (let pw = 0; pw < PW; pw++) {
              const iw = ow * strides[1] - padBefore[1]! + pw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                if (g.countIncludePad) cnt++;
                if (g.mode === 'max' && padMax > best) best = padMax;
                continue;
              }
              const v = x[(ih * W + iw) * C + c]!;
              if (v > best) best = v;
              sum = castAcc(sum + v);
              cnt++;
            }
          }
          const o = (oh * OW + ow) * C + c;
          if (g.mode === 'max') y[o] = castRes(castAcc(best));
          else {
            // ap_fixed division by an integer truncates toward zero at the dividend's LSB.
            const q = Math.trunc((sum * 2 ** Facc) / cnt) * 2 ** -Facc;
            y[o] = castRes(q);
          }
        }
      }
    }
  };
}

export function compileGlobalPool(n: number, c: number, mode: 'max' | 'avg', accT: FixedType, resT: FixedType, stats: { accum?: VarStats; result?: VarStats }): Kernel {
  const castRes = makeCast(resT, stats.result);
  const castAcc = makeCast(accT, stats.accum);
  const Facc = fracBits(accT);
  return (x, y) => {
    for (let ch = 0; ch < c; ch++) {
      let best = -Infinity;
      let sum = 0;
      for (let p = 0; p < n; p++) {
        const v = x[p * c + ch]!;
        if (v > best) best = v;
        sum = castAcc(sum + v);
      }
      y[ch] = mode === 'max' ? castRes(castAcc(best)) : castRes(Math.trunc((sum * 2 ** Facc) / n) * 2 ** -Facc);
    }
  };
}

export function compileMerge(mode: 'add' | 'sub' | 'mul' | 'avg' | 'max' | 'min', resT: FixedType, result?: VarStats): Kernel2 {
  const cast = makeCast(resT, result);
  const op: (a: number, b: number) => number = {
    add: (a: number, b: number) => a + b,
    sub: (a: number, b: number) => a - b,
    mul: (a: number, b: number) => a * b,
    avg: (a: number, b: number) => (a + b) / 2,
    max: (a: number, b: number) => (a > b ? a : b),
    min: (a: number, b: number) => (a < b ? a : b),
  }[mode];
  return (xs, y) => {
    const a = xs[0]!;
    for (let i = 0; i < y.length; i++) {
      let v = a[i]!;
      for (let k = 1; k < xs.length; k++) v = op(v, xs[k]![i]!);
      y[i] = cast(v);
    }
  };
}

/** Concatenation along `axis` of channels-last tensors with the given shapes. */
export function compileConcat(shapes: readonly (readonly number[])[], axis: number, resT: FixedType, result?: VarStats): Kernel2 {
  const cast = makeCast(resT, result);
  const rank = shapes[0]!.length;
  const ax = axis < 0 ? axis + rank : axis;
  const outer = shapes[0]!.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = shapes.map((s) => s.slice(ax).reduce((a, b) => a * b, 1));
  return (xs, y) => {
    let o = 0;
    for (let r = 0; r < outer; r++) {
      for (let k = 0; k < xs.length; k++) {
        const n = inner[k]!;
        const src = xs[k]!;
        for (let i = 0; i < n; i++) y[o++] = cast(src[r * n + i]!);
      }
    }
  };
}

/** A spatial shape as [H, W]: a 1-D shape [W] is one row (H = 1). */
export function asHW(sp: readonly number[]): [number, number] {
  if (sp.length === 1) return [1, sp[0]!];
  if (sp.length === 2) return [sp[0]!, sp[1]!];
  throw new RangeError(`expected a 1-D or 2-D spatial shape, got [${sp.join(', ')}]`);
}

/**
 * Copies x into y at an offset (padding, value `fill`) or from an offset (cropping). Spatial
 * shapes are [W] (1-D: only left / right apply) or [H, W].
 */
export function compilePadCrop(inSp: readonly number[], outSp: readonly number[], c: number, pads: Padding2D, crop: boolean, fill: number, resT?: FixedType, result?: VarStats): Kernel {
  const cast = resT ? makeCast(resT, result) : (v: number) => v;
  const [H, W] = asHW(inSp);
  const [OH, OW] = asHW(outSp);
  const top = inSp.length === 1 ? 0 : pads.top;
  const fillC = cast(fill);
  return (x, y) => {
    if (!crop) y.fill(fillC);
    const hs = crop ? OH : H;
    const wsz = crop ? OW : W;
    for (let h = 0; h < hs; h++) {
      for (let w = 0; w < wsz; w++) {
        for (let ch = 0; ch < c; ch++) {
          if (crop) y[(h * OW + w) * c + ch] = cast(x[((h + top) * W + (w + pads.left)) * c + ch]!);
          else y[((h + top) * OW + (w + pads.left)) * c + ch] = cast(x[(h * W + w) * c + ch]!);
        }
      }
    }
  };
}

/** Nearest-neighbour resize of a [W] or [H, W] spatial shape (index floor(o * in / out)). */
export function compileResize(inSp: readonly number[], outSp: readonly number[], c: number): Kernel {
  const [H, W] = asHW(inSp);
  const [OH, OW] = asHW(outSp);
  return (x, y) => {
    for (let h = 0; h < OH; h++) {
      const ih = Math.min(H - 1, Math.floor((h * H) / OH));
      for (let w = 0; w < OW; w++) {
        const iw = Math.min(W - 1, Math.floor((w * W) / OW));
        for (let ch = 0; ch < c; ch++) y[(h * OW + w) * c + ch] = x[(ih * W + iw) * c + ch]!;
      }
    }
  };
}

/** Index map for a transpose: y[k] = x[src[k]]. */
export function transposeMap(inShape: readonly number[], perm: readonly number[]): Int32Array {
  const rank = inShape.length;
  const outShape = perm.map((p) => inShape[p]!);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= inShape[d]!;
  }
  const out = new Int32Array(s);
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < s; k++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d]! * inStrides[perm[d]!]!;
    out[k] = src;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

export function compileTranspose(map: Int32Array): Kernel {
  return (x, y) => {
    for (let k = 0; k < map.length; k++) y[k] = x[map[k]!]!;
  };
}

export function compileCast(resT: FixedType, result?: VarStats): Kernel {
  // Without accounting: src/fixed's array loop generated for this type (the quantizer inlined in
  // its own loop; the same bits as makeCast, checked in test/unit/emulator/cast-array.test.ts).
  if (!result && fastPathApplies(resT)) {
    const loop = kernelsFor(resT).array;
    return (x, y) => loop(x, y, x.length);
  }
  const loop = result ? countingLoop(resT, result) : undefined;
  if (loop) return (x, y) => loop(x, 0, 1, y, 0, x.length);
  const cast = makeCast(resT, result);
  return (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = cast(x[i]!);
  };
}
