/**
 * @fileoverview Exact BigInt kernels for the layers whose arithmetic goes beyond a cast on wide
 * operands: parametric activations (leaky / parametric ReLU, hard sigmoid / tanh, SELU's lambda
 * product), average pooling and softmax. The C++ computes these at full precision (ap_fixed
 * products and sums are exact, one cast into the declared type); a double holds the operands
 * exactly (wide.ts keeps every tensor value an exact double or refuses it) but not always the
 * product or sum of two of them, so the fast kernels would round where the C++ does not.
 *
 * Each kernel here computes the same formula as its fast counterpart (activations.ts, misc.ts)
 * with every intermediate an exact n * 2^e, and casts with src/fixed's BigInt core. The compiler
 * picks them only when an intermediate can exceed 53 bits, so ordinary models keep the fast path.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import { quantizeBigInfo } from '../fixed/quantize.js';
import type { VarStats } from './overflow.js';
import { countWide, exactNumber, splitDouble } from './wide.js';
import { makeCast } from './quant.js';
import type { PoolGeom } from './misc.js';

type Exact = { n: bigint; e: number };
type Kernel = (x: Float64Array, y: Float64Array) => void;

const add = (a: Exact, b: Exact): Exact => {
  const e = Math.min(a.e, b.e);
  return { n: (a.n << BigInt(a.e - e)) + (b.n << BigInt(b.e - e)), e };
};
const mul = (a: Exact, b: Exact): Exact => ({ n: a.n * b.n, e: a.e + b.e });
/** Sign of a - b, exactly. */
const cmp = (a: Exact, b: Exact): number => {
  const d = add(a, { n: -b.n, e: b.e }).n;
  return d > 0n ? 1 : d < 0n ? -1 : 0;
};
const ONE: Exact = { n: 1n, e: 0 };
const ZERO: Exact = { n: 0n, e: 0 };

/** (t) v for an exact v, with the overflow accounting of the fast casts. */
export function makeExactCast(t: FixedType, stats?: VarStats): (v: Exact) => number {
  const F = fracBits(t);
  if (stats) stats.type = t;
  return (v) => {
    const info = quantizeBigInfo(v.n, v.e, t);
    countWide(stats, info, Math.abs(Number(v.n) * 2 ** v.e), t);
    return exactNumber(info.raw, F, t);
  };
}


/**
 * trunc0(x * n / 2^d), the table activations' index, exactly: undefined when the double
 * expression is exact already (n a power of two, or x * n within 53 bits for `inBits`-bit inputs),
 * else a BigInt version (a table of 1000 entries on a 48-bit input: x * 1000 needs 58 bits).
 */
export function exactScaledTrunc(n: number, d: number, inBits: number): ((x: number) => number) | undefined {
  if (Number.isInteger(Math.log2(n)) || inBits + Math.ceil(Math.log2(n)) <= 53) return undefined;
  const N = BigInt(n);
  return (x) => {
    const v = splitDouble(x);
    const num = v.n * N;
    const e = v.e - d;
    // BigInt division truncates toward zero, as ap_fixed's (int) conversion of the index does.
    return Number(e >= 0 ? num << BigInt(e) : num / (1n << BigInt(-e)));
  };
}

/** y = x > 0 ? x : alpha[c] * x (leaky ReLU: one alpha; PReLU: one per element of the pattern). */
export function wideLeaky(alphas: Float64Array, resT: FixedType, stats?: VarStats): Kernel {
  const al = Array.from(alphas, splitDouble);
  const cast = makeExactCast(resT, stats);
  return (x, y) => {
    for (let i = 0; i < x.length; i++) {
      const v = splitDouble(x[i]!);
      y[i] = cast(x[i]! > 0 ? v : mul(al[i % al.length]!, v));
    }
  };
}

/** hard sigmoid / tanh: v = clip(slope * x + shift, 0, 1) at full precision; tanh gives 2v - 1. */
export function wideHardSigmoid(slope: number, shift: number, tanh: boolean, resT: FixedType, stats?: VarStats): Kernel {
  const s = splitDouble(slope);
  const b = splitDouble(shift);
  const cast = makeExactCast(resT, stats);
  return (x, y) => {
    for (let i = 0; i < x.length; i++) {
      let v = add(mul(s, splitDouble(x[i]!)), b);
      if (cmp(v, ONE) > 0) v = ONE;
      else if (v.n < 0n) v = ZERO;
      y[i] = cast(tanh ? add({ n: v.n, e: v.e + 1 }, { n: -1n, e: 0 }) : v);
    }
  };
}

/** SELU's positive branch lambda * x exactly; the negative branch is the table (an exact value). */
export function wideSelu(lambda: number, table: Float64Array, n: number, resT: FixedType, stats?: VarStats, idxStats?: VarStats, inBits = 53): Kernel {
  const lam = splitDouble(lambda);
  const exactIdx = exactScaledTrunc(n, 3, inBits);
  const cast = makeExactCast(resT, stats);
  const castTable = makeCast(resT, stats);
  return (x, y) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (v >= 0) {
        y[i] = cast(mul(lam, splitDouble(v)));
        continue;
      }
      let idx = exactIdx ? -exactIdx(v) : Math.trunc((v * n) / -8);
      if (idxStats) {
        idxStats.count++;
        if (idx > idxStats.maxAbs) idxStats.maxAbs = idx;
        if (idx > n - 1) {
          idxStats.overflow++;
          idxStats.saturated++;
        }
      }
      if (idx > n - 1) idx = n - 1;
      y[i] = castTable(table[idx]!);
    }
  };
}

/** trunc0(sum / cnt) at accT's LSB, then the result cast: the C++'s div_trunc. */
function divTrunc(raw: bigint, Facc: number, cnt: number): Exact {
  return { n: raw / BigInt(cnt), e: -Facc };
}

/** Average pooling with every partial sum cast to accT exactly (BigInt), as the C++. */
export function wideAvgPool(g: PoolGeom, accT: FixedType, resT: FixedType, stats: { accum?: VarStats; result?: VarStats }): Kernel {
  const [H, W] = g.inSp.length === 1 ? [1, g.inSp[0]!] : [g.inSp[0]!, g.inSp[1]!];
  const [OH, OW] = g.outSp.length === 1 ? [1, g.outSp[0]!] : [g.outSp[0]!, g.outSp[1]!];
  const [PH, PW] = g.pool.length === 1 ? [1, g.pool[0]!] : [g.pool[0]!, g.pool[1]!];
  const [SH, SW] = g.strides.length === 1 ? [1, g.strides[0]!] : [g.strides[0]!, g.strides[1]!];
  const padBefore = g.padBefore.length === 1 ? [0, g.padBefore[0]!] : g.padBefore;
  const C = g.c;
  const Facc = fracBits(accT);
  const acc = accStep(accT, stats.accum);
  const castRes = makeExactCast(resT, stats.result);
  return (x, y) => {
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          let raw = 0n;
          let cnt = 0;
          for (let ph = 0; ph < PH; ph++) {
            const ih = oh * SH - padBefore[0]! + ph;
            for (let pw = 0; pw < PW; pw++) {
              const iw = ow * SW - padBefore[1]! + pw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                if (g.countIncludePad) cnt++;
                continue;
              }
              raw = acc(raw, x[(ih * W + iw) * C + c]!);
              cnt++;
            }
          }
          y[(oh * OW + ow) * C + c] = castRes(divTrunc(raw, Facc, cnt));
        }
  };
}

/** Global average pooling, exactly (BigInt), as the C++. */
export function wideGlobalAvgPool(n: number, c: number, accT: FixedType, resT: FixedType, stats: { accum?: VarStats; result?: VarStats }): Kernel {
  const Facc = fracBits(accT);
  const acc = accStep(accT, stats.accum);
  const castRes = makeExactCast(resT, stats.result);
  return (x, y) => {
    for (let ch = 0; ch < c; ch++) {
      let raw = 0n;
      for (let p = 0; p < n; p++) raw = acc(raw, x[p * c + ch]!);
      y[ch] = castRes(divTrunc(raw, Facc, n));
    }
  };
}

/** sum = (accT)(sum + v), with sum held as its raw integer at accT's LSB. */
function accStep(accT: FixedType, stats?: VarStats): (raw: bigint, v: number) => bigint {
  const F = fracBits(accT);
  if (stats) stats.type = accT;
  return (raw, v) => {
    const s = add({ n: raw, e: -F }, splitDouble(v));
    const info = quantizeBigInfo(s.n, s.e, accT);
    countWide(stats, info, Math.abs(Number(s.n) * 2 ** s.e), accT);
    return info.raw;
  };
}

export interface WideSoftmaxSpec {
  readonly stable: boolean;
  /** Type the exp table is addressed by: inp_norm_t (stable) or the input type (latency). */
  readonly addrT: FixedType;
  readonly accT: FixedType;
  readonly invInpT: FixedType;
  readonly resT: FixedType;
  readonly expTable: Float64Array;
  readonly invTable: Float64Array;
  readonly expBits: number;
  readonly invBits: number;
  readonly slice: number;
  /** Partial-sum plan of the balanced tree (activations.ts reducePlan). */
  readonly plan: ReadonlyArray<readonly [number, number, number]>;
}

/** The top `bits` bits of a value's `t.w`-bit two's-complement pattern, clamped to the table. */
function topBits(raw: bigint, t: FixedType, bits: number, size: number): number {
  const pattern = raw < 0n ? raw + (1n << BigInt(t.w)) : raw;
  const idx = t.w >= bits ? Number(pattern >> BigInt(t.w - bits)) : Number(pattern << BigInt(bits - t.w));
  return idx > size - 1 ? size - 1 : idx;
}

/**
 * Stable / latency softmax with exact intermediates: d_i = (inp_norm_t)(max - x_i), the exp index
 * from the top bits of d_i's (or x_i's) pattern, the balanced accT sum, the inverse index from the
 * top bits of (inv_inp_t) sum, and y_i = (result_t)(exp_i * inv).
 */
export function wideSoftmax(s: WideSoftmaxSpec, stats: { norm?: VarStats; accum?: VarStats; invInp?: VarStats; result?: VarStats }): Kernel {
  const n = s.slice;
  const F = fracBits(s.addrT);
  const castAcc = makeExactCast(s.accT, stats.accum);
  const castRes = makeExactCast(s.resT, stats.result);
  const exactRaw = (t: FixedType, st?: VarStats) => {
    if (st) st.type = t;
    return (v: Exact): bigint => {
      const info = quantizeBigInfo(v.n, v.e, t);
      countWide(st, info, Math.abs(Number(v.n) * 2 ** v.e), t);
      return info.raw;
    };
  };
  const toNorm = exactRaw(s.addrT, s.stable ? stats.norm : undefined);
  const toInvInp = exactRaw(s.invInpT, stats.invInp);
  const inv = s.invTable.length;
  const expN = s.expTable.length;
  const scratch: Exact[] = new Array(2 * n + 1);
  const root = s.plan.length ? s.plan[s.plan.length - 1]![0] : 0;
  return (x, y) => {
    for (let off = 0; off < x.length; off += n) {
      let m = x[off]!;
      if (s.stable) for (let i = 1; i < n; i++) if (x[off + i]! > m) m = x[off + i]!;
      const mx = splitDouble(m);
      for (let i = 0; i < n; i++) {
        const xi = splitDouble(x[off + i]!);
        // Latency: x_i is already of the input type, its raw pattern at the input's LSB.
        const raw = s.stable ? toNorm(add(mx, { n: -xi.n, e: xi.e })) : xi.e >= -F ? xi.n << BigInt(xi.e + F) : xi.n >> BigInt(-F - xi.e);
        const e = s.expTable[topBits(raw, s.addrT, s.expBits, expN)]!;
        const c = castAcc(splitDouble(e));
        scratch[i] = splitDouble(c);
      }
      for (const [d, a, b] of s.plan) scratch[d] = splitDouble(castAcc(add(scratch[a]!, scratch[b]!)));
      const sum = toInvInp(scratch[root]!);
      const iv = splitDouble(s.invTable[topBits(sum, s.invInpT, s.invBits, inv)]!);
      for (let i = 0; i < n; i++) y[off + i] = castRes(mul(scratch[i]!, iv));
    }
  };
}
