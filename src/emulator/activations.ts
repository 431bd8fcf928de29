/**
 * @fileoverview Activation and softmax kernels, following hls4ml's nnet_activation.h numerics
 * (../shared/NUMERICS.md "Simple activations", "Table activations", "Softmax").
 *
 * Table indices: sigmoid-like tables cover [-8, 8): index = trunc0(x * N / 16) + N / 2, clamped
 * to [0, N-1]; tanh covers [-4, 4): trunc0(x * N / 8) + N / 2. x * N / 16 is exact in a double when
 * N is a power of two or x * N fits 53 bits; otherwise the index is computed on BigInts
 * (exactScaledTrunc). ap_fixed's (int) conversion truncates toward zero, as BigInt division does.
 * Every clamped index is counted as a table-index overflow in the accounting.
 */

import type { FixedType } from '../fixed/type.js';
import { fixedType, fracBits } from '../fixed/type.js';
import type { ActivationKind, SoftmaxImplementation } from '../ir/graph.js';
import type { VarStats } from './overflow.js';
import { countingLoop, makeCast } from './quant.js';
import { compileCast } from './misc.js';
import type { Cast } from './quant.js';
import { exactScaledTrunc, wideHardSigmoid, wideLeaky, wideSelu, wideSoftmax } from './wide-ops.js';
import {
  ceilLog2,
  eluTable,
  indexFromValue,
  legacyExpTable,
  legacyInvTable,
  SELU_LAMBDA,
  SELU_LAMBDA_T,
  seluTable,
  sigmoidTable,
  softmaxExpTable,
  softmaxInvTable,
  softplusTable,
  softsignTable,
  tanhTable,
} from './tables.js';

export type Kernel = (x: Float64Array, y: Float64Array) => void;
type StatsFor = (variable: string, t?: FixedType) => VarStats | undefined;

function countIndex(s: VarStats | undefined, raw: number, n: number): void {
  if (!s) return;
  s.count++;
  const a = Math.abs(raw);
  if (a > s.maxAbs) s.maxAbs = a;
  if (raw > n - 1) {
    s.overflow++;
    s.saturated++;
  } else if (raw < 0) {
    s.underflow++;
    s.saturated++;
  }
}

export interface ActivationSpec {
  readonly kind: ActivationKind;
  readonly inT: FixedType;
  readonly resT: FixedType;
  readonly tableT?: FixedType;
  readonly paramT?: FixedType;
  readonly tableSize: number;
  readonly alpha?: number;
  readonly theta?: number;
  readonly min?: number;
  readonly max?: number;
  readonly slope?: number;
  readonly shift?: number;
  /** PReLU: per-element alpha (already broadcast to the tensor size). */
  readonly alphas?: ArrayLike<number>;
}

/** A table-lookup activation kernel (index rule of sigmoid/tanh/softplus/softsign). */
function tableKernel(table: Float64Array, n: number, range: number, castRes: Cast, idxStats: VarStats | undefined, inBits: number): Kernel {
  const scale = n / (2 * range);
  const half = n / 2;
  const exact = exactScaledTrunc(n, Math.log2(2 * range), inBits);
  return (x, y) => {
    for (let i = 0; i < x.length; i++) {
      let idx = (exact ? exact(x[i]!) : Math.trunc(x[i]! * scale)) + half;
      countIndex(idxStats, idx, n);
      if (idx < 0) idx = 0;
      else if (idx > n - 1) idx = n - 1;
      y[i] = castRes(table[idx]!);
    }
  };
}

export function compileActivation(s: ActivationSpec, stats: StatsFor): Kernel {
  const castRes = makeCast(s.resT, stats('result', s.resT));
  const n = s.tableSize;
  const tableT = s.tableT ?? fixedType(18, 8);
  const paramT = s.paramT ?? fixedType(16, 6);
  const param = (v: number): number => makeCast(paramT)(v);
  switch (s.kind) {
    case 'linear':
      return compileCast(s.resT, stats('result', s.resT));
    case 'relu': {
      // The common TRN/WRAP result type inline (no call per element); accounting uses castRes.
      const r = s.resT;
      if (!stats('result', r) && r.q === 'AP_TRN' && r.o === 'AP_WRAP' && r.n === 0 && r.w <= 32) {
        const sc = 2 ** fracBits(r);
        const inv = 2 ** -fracBits(r);
        const sh = 32 - r.w;
        if (r.signed)
          return (x, y) => {
            for (let i = 0; i < x.length; i++) {
              const v = x[i]!;
              y[i] = v > 0 ? ((Math.floor(v * sc) << sh) >> sh) * inv : 0;
            }
          };
        return (x, y) => {
          for (let i = 0; i < x.length; i++) {
            const v = x[i]!;
            y[i] = v > 0 ? ((Math.floor(v * sc) << sh) >>> sh) * inv : 0;
          }
        };
      }
      // Accounting on the common types: a counting loop generated for this layer.
      const rs = stats('result', r);
      const loop = rs ? countingLoop(r, rs, true) : undefined;
      if (loop) return (x, y) => loop(x, 0, 1, y, 0, x.length);
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          y[i] = castRes(v > 0 ? v : 0);
        }
      };
    }
    case 'relu6':
    case 'clip': {
      const lo = s.kind === 'relu6' ? 0 : (s.min ?? 0);
      const hi = s.kind === 'relu6' ? 6 : (s.max ?? 6);
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          y[i] = castRes(v < lo ? lo : v > hi ? hi : v);
        }
      };
    }
    case 'leaky_relu': {
      const a = param(s.alpha ?? 0.3);
      // alpha * x needs up to W(param) + W(x) bits: beyond a double, the exact kernel.
      if (s.inT.w + paramT.w > 53) return wideLeaky(Float64Array.of(a), s.resT, stats('result', s.resT));
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          y[i] = castRes(v > 0 ? v : a * v);
        }
      };
    }
    case 'prelu': {
      const al = Float64Array.from(s.alphas ?? [], (v) => param(v));
      if (s.inT.w + paramT.w > 53) return wideLeaky(al, s.resT, stats('result', s.resT));
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          y[i] = castRes(v > 0 ? v : al[i % al.length]! * v);
        }
      };
    }
    case 'thresholded_relu': {
      const th = param(s.theta ?? 1);
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          y[i] = castRes(v > th ? v : 0);
        }
      };
    }
    case 'hard_sigmoid':
    case 'hard_tanh': {
      const slope = param(s.slope ?? 0.2);
      const shift = param(s.shift ?? 0.5);
      const tanh = s.kind === 'hard_tanh';
      if (s.inT.w + paramT.w + 1 > 53) return wideHardSigmoid(slope, shift, tanh, s.resT, stats('result', s.resT));
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          let v = slope * x[i]! + shift;
          v = v > 1 ? 1 : v < 0 ? 0 : v;
          y[i] = castRes(tanh ? 2 * v - 1 : v);
        }
      };
    }
    case 'binary_tanh': {
      // x > 0 -> 1, else -1 (zero included), as hls4ml's binary_tanh and fml_activation.h; a
      // 1-bit unsigned result keeps only the positive case (binary_cast). The float reference keeps
      // QKeras' / QONNX's sign(0) = +1, so the two differ only on inputs that are exactly 0.
      const bit = !s.resT.signed && s.resT.w === 1;
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          const c = x[i]! > 0 ? 1 : -1;
          y[i] = castRes(bit && c < 0 ? 0 : c);
        }
      };
    }
    case 'ternary_tanh': {
      // datareg = (data_T)(2 * x); > 1 -> 1, in (-1, 1] -> 0, else -1.
      const castIn = makeCast(s.inT);
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          const d = castIn(2 * x[i]!);
          y[i] = castRes(d > 1 ? 1 : d > -1 ? 0 : -1);
        }
      };
    }
    case 'sigmoid':
      return tableKernel(sigmoidTable(n, tableT), n, 8, castRes, stats('table_index'), s.inT.w);
    case 'tanh':
      return tableKernel(tanhTable(n, tableT), n, 4, castRes, stats('table_index'), s.inT.w);
    case 'softplus':
      return tableKernel(softplusTable(n, tableT), n, 8, castRes, stats('table_index'), s.inT.w);
    case 'softsign':
      return tableKernel(softsignTable(n, tableT), n, 8, castRes, stats('table_index'), s.inT.w);
    case 'elu':
    case 'selu': {
      const elu = s.kind === 'elu';
      const table = elu ? eluTable(n, tableT) : seluTable(n, tableT);
      const a = elu ? param(s.alpha ?? 1) : 1;
      // SELU's positive branch multiplies by lambda held in ap_ufixed<16,1> (hls4ml selu_const_t).
      const lambda = makeCast(SELU_LAMBDA_T)(SELU_LAMBDA);
      const idxStats = stats('table_index');
      // lambda * x needs up to 16 + W(x) bits: beyond a double, the exact kernel (elu's branches
      // are a cast and a narrow product, exact as they are).
      if (!elu && s.inT.w + SELU_LAMBDA_T.w > 53) return wideSelu(lambda, table, n, s.resT, stats('result', s.resT), idxStats, s.inT.w);
      const exactIdx = exactScaledTrunc(n, 3, s.inT.w);
      return (x, y) => {
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          if (v >= 0) {
            y[i] = castRes(elu ? v : lambda * v);
            continue;
          }
          let idx = exactIdx ? -exactIdx(v) : Math.trunc((v * n) / -8);
          countIndex(idxStats, idx, n);
          if (idx > n - 1) idx = n - 1;
          y[i] = castRes(elu ? a * table[idx]! : table[idx]!);
        }
      };
    }
  }
}

export interface SoftmaxSpec {
  readonly implementation: SoftmaxImplementation;
  readonly inT: FixedType;
  readonly resT: FixedType;
  readonly accT: FixedType;
  readonly expT: FixedType;
  readonly invT: FixedType;
  readonly invInpT: FixedType;
  /** Stable: the type of x_max - x_i; default ufixed<W-1, I-1> of a signed input (hls4ml). */
  readonly inpNormT?: FixedType;
  readonly tableT?: FixedType;
  readonly tableSize: number;
  /** Size of the slice softmax runs over (the last axis). */
  readonly slice: number;
}

/** hls4ml's inp_norm_t for the stable softmax: the input type without its sign bit, TRN/WRAP. */
export function defaultInpNorm(inT: FixedType): FixedType {
  const s = inT.signed ? 1 : 0;
  return fixedType(Math.max(1, inT.w - s), inT.i - s, false);
}

/**
 * hls4ml's exp table size: the table size, capped at 2^(W-1) only for the stable softmax with a
 * signed input and a derived inp_norm_t (hls4ml's backend template; latency and unsigned inputs
 * keep the table size).
 */
export function expTableSize(tableSize: number, inT: FixedType, stableDerived = true): number {
  return stableDerived && inT.signed ? Math.min(tableSize, 2 ** (inT.w - 1)) : tableSize;
}

/** Balanced reduction as hls4ml's `reduce`: left part is the largest power of two below n. */
function reducePlan(n: number): Array<[number, number, number]> {
  // Returns ops [dst, a, b] over a scratch array of size 2n; leaves are 0..n-1.
  const ops: Array<[number, number, number]> = [];
  let next = n;
  const rec = (off: number, len: number): number => {
    if (len === 1) return off;
    if (len === 2) {
      const d = next++;
      ops.push([d, off, off + 1]);
      return d;
    }
    let left = 1;
    while (left * 2 <= len - 1) left *= 2;
    const a = rec(off, left);
    const b = rec(off + left, len - left);
    const d = next++;
    ops.push([d, a, b]);
    return d;
  };
  rec(0, n);
  return ops;
}

export function compileSoftmax(s: SoftmaxSpec, stats: StatsFor): Kernel {
  const castRes = makeCast(s.resT, stats('result', s.resT));
  const n = s.slice;
  if (s.implementation === 'argmax') {
    const one = castRes(1);
    const zero = castRes(0);
    return (x, y) => {
      for (let off = 0; off < x.length; off += n) {
        let best = 0;
        for (let i = 1; i < n; i++) if (x[off + i]! > x[off + best]!) best = i;
        for (let i = 0; i < n; i++) y[off + i] = i === best ? one : zero;
      }
    };
  }
  if (s.implementation === 'legacy') {
    const tT = s.tableT ?? fixedType(18, 8);
    const N = s.tableSize;
    const expT = legacyExpTable(N, tT);
    const invT = legacyInvTable(N, tT);
    const castT = makeCast(tT, stats('exp_sum', tT));
    const idxStats = stats('table_index');
    const sum = new Float64Array(n);
    return (x, y) => {
      for (let off = 0; off < x.length; off += n) {
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j < n; j++) {
            let e: number;
            if (i === j) e = 1;
            else {
              let idx = Math.trunc(((x[off + j]! - x[off + i]!) * N) / 16) + N / 2;
              countIndex(idxStats, idx, N);
              idx = idx < 0 ? 0 : idx > N - 1 ? N - 1 : idx;
              e = expT[idx]!;
            }
            acc = castT(acc + e);
          }
          sum[i] = acc;
        }
        for (let i = 0; i < n; i++) {
          let idx = Math.trunc((sum[i]! * N) / 64);
          countIndex(idxStats, idx, N);
          idx = idx < 0 ? 0 : idx > N - 1 ? N - 1 : idx;
          y[off + i] = castRes(invT[idx]!);
        }
      }
    };
  }
  const stable = s.implementation === 'stable';
  const normT = s.inpNormT ?? defaultInpNorm(s.inT);
  const expSize = expTableSize(s.tableSize, s.inT, stable && s.inpNormT === undefined);
  const invSize = s.tableSize;
  const expBits = ceilLog2(expSize);
  const invBits = ceilLog2(invSize);
  const addrT = stable ? normT : s.inT;
  const expTable = softmaxExpTable(expSize, addrT, s.expT, stable);
  const invTable = softmaxInvTable(invSize, s.invInpT, s.invT);
  const plan = reducePlan(n);
  // max - x_i, the index patterns, the sums or exp * inv beyond 53 bits: the exact kernel.
  if (Math.max(s.inT.w, addrT.w, s.accT.w, s.invInpT.w, s.resT.w) > 53 || s.accT.w + s.invT.w > 53)
    return wideSoftmax(
      { stable, addrT, accT: s.accT, invInpT: s.invInpT, resT: s.resT, expTable, invTable, expBits, invBits, slice: n, plan },
      { norm: stats('inp_norm', normT), accum: stats('accum', s.accT), invInp: stats('inv_inp', s.invInpT), result: stats('result', s.resT) },
    );
  const normStats = stats('inp_norm', normT);
  const accStats = stats('accum', s.accT);
  const invInpStats = stats('inv_inp', s.invInpT);
  const castNorm = makeCast(normT, normStats);
  const castAcc = makeCast(s.accT, accStats);
  const castInvInp = makeCast(s.invInpT, invInpStats);
  // The plan flat ([dst, a, b] per add) for indexed loops in the kernels below.
  const flat = Int32Array.from(plan.flat());
  const nFlat = flat.length;
  const scratch = new Float64Array(2 * n + 1);
  const root = plan.length ? plan[plan.length - 1]![0] : 0;
  const expScale = 2 ** fracBits(addrT);
  const expMod = 2 ** addrT.w;
  const expDiv = 2 ** (addrT.w - expBits);
  // Without accounting, every cast above is a pure function, so the chain from a difference
  // xmax - x (a multiple of the input's ulp in [0, 2^W ulp]) to its accumulated exp term, and from
  // a sum (a value of accT) to its inverse, can be computed once per distinct argument and kept:
  // memo tables filled on first use (NaN: not yet), for input and accumulator types of at most 18
  // bits (2 MB per table at most). Same functions, same bits; with accounting the casts run every
  // time, to be counted.
  const memo = stable && !normStats && !accStats && !invInpStats && s.inT.w <= 18 && s.accT.w <= 18;
  if (memo) {
    const inScale = 2 ** fracBits(s.inT);
    const inInv = 2 ** -fracBits(s.inT);
    const expOf = new Float64Array(2 ** s.inT.w + 1).fill(NaN);
    const accScale = 2 ** fracBits(s.accT);
    const accOff = s.accT.signed ? 2 ** (s.accT.w - 1) : 0;
    const invOf = new Float64Array(2 ** s.accT.w).fill(NaN);
    return (x, y) => {
      for (let off = 0; off < x.length; off += n) {
        let xmax = x[off]!;
        for (let i = 1; i < n; i++) if (x[off + i]! > xmax) xmax = x[off + i]!;
        for (let i = 0; i < n; i++) {
          const k = (xmax - x[off + i]!) * inScale;
          let v = expOf[k]!;
          if (v !== v) {
            let raw = castNorm(k * inInv) * expScale;
            if (raw < 0) raw += expMod;
            v = expOf[k] = castAcc(expTable[Math.floor(raw / expDiv)]!);
          }
          scratch[i] = v;
        }
        for (let p = 0; p < nFlat; p += 3) scratch[flat[p]!] = castAcc(scratch[flat[p + 1]!]! + scratch[flat[p + 2]!]!);
        const key = scratch[root]! * accScale + accOff;
        let inv = invOf[key]!;
        if (inv !== inv) inv = invOf[key] = invTable[indexFromValue(s.invInpT, invBits, castInvInp(scratch[root]!))]!;
        for (let i = 0; i < n; i++) y[off + i] = castRes(scratch[i]! * inv);
      }
    };
  }
  return (x, y) => {
    for (let off = 0; off < x.length; off += n) {
      let xmax = x[off]!;
      if (stable) for (let i = 1; i < n; i++) if (x[off + i]! > xmax) xmax = x[off + i]!;
      for (let i = 0; i < n; i++) {
        const v = stable ? castNorm(xmax - x[off + i]!) : x[off + i]!;
        let raw = v * expScale;
        if (raw < 0) raw += expMod;
        scratch[i] = castAcc(expTable[Math.floor(raw / expDiv)]!);
      }
      for (const [d, a, b] of plan) scratch[d] = castAcc(scratch[a]! + scratch[b]!);
      const sum = castInvInp(scratch[root]!);
      const inv = invTable[indexFromValue(s.invInpT, invBits, sum)]!;
      for (let i = 0; i < n; i++) y[off + i] = castRes(scratch[i]! * inv);
    }
  };
}
