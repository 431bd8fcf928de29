/**
 * @fileoverview Multi-head attention kernel (fastml's own numerics, docs/numerics.md
 * "MultiHeadAttention"; the HLS library's fml_attention.h computes the same):
 *   Q = Dense_acc(query rows), K = Dense_acc(key rows), V = Dense_acc(value rows) (accum_t results);
 *   per head and query step i, key step j: s_ij = q_acc(q_acc(sum_e q_acc(Q_ie * K_je)) * c),
 *   c = q_acc(scale) (default 1/sqrt(key_dim)), the sum in accum_t from 0 in e order;
 *   P = hls4ml's stable softmax of each row s_i. (input, result and sum in accum_t; x_max - x in
 *   inp_norm_t; exp / 1/x tables of exp_table_t / inv_table_t with TableSize entries each);
 *   ctx_ie = sum_j q_acc(P_ij * V_je) in accum_t from 0 in j order;
 *   y = Dense(ctx, W_o, b_o) with result type result_t.
 * The four projections use the layer's strategy; each takes the layer's reuse factor, or under
 * Resource the closest valid one for its own shape.
 */

import type { FixedType } from '../fixed/type.js';
import type { AttentionAttrs, Strategy } from '../ir/graph.js';
import { compileSoftmax } from './activations.js';
import type { VarStats } from './overflow.js';
import { makeCast } from './quant.js';
import { productReuseFactor, stepDense } from './recurrent.js';

export interface AttentionTypes {
  readonly q: FixedType;
  readonly v: FixedType;
  readonly k: FixedType;
  readonly acc: FixedType;
  readonly res: FixedType;
  readonly w: FixedType;
  readonly b: FixedType;
  readonly expT: FixedType;
  readonly invT: FixedType;
  readonly invInpT: FixedType;
  readonly inpNormT: FixedType;
}

export interface AttentionDims {
  readonly tq: number;
  readonly dq: number;
  readonly tv: number;
  readonly dv: number;
  readonly dk: number;
}

/** Quantized weights by IR role (query_kernel, query_bias, ..., output_bias). */
export type AttentionWeights = Readonly<Record<string, Float64Array>>;

/** The score scale c in accum_t: the layer's own, or Keras' 1/sqrt(key_dim). */
export function attentionScale(a: AttentionAttrs, acc: FixedType): number {
  return makeCast(acc)(a.scale ?? 1 / Math.sqrt(a.keyDim));
}

export function compileAttention(
  a: AttentionAttrs,
  d: AttentionDims,
  t: AttentionTypes,
  W: AttentionWeights,
  strategy: Strategy,
  rf: number,
  tableSize: number,
  stats: (v: string, t?: FixedType) => VarStats | undefined,
): (xs: readonly Float64Array[], y: Float64Array) => void {
  const hk = a.heads * a.keyDim;
  const hv = a.heads * a.valueDim;
  const { tq, tv } = d;
  const accT = t.acc;
  const castAcc = makeCast(accT, stats('accum', accT));
  const proj = (nIn: number, nOut: number, rows: number, x: FixedType, role: string, res: FixedType) =>
    stepDense(nIn, nOut, rows, strategy, productReuseFactor(strategy, rf, nIn, nOut), W[`${role}_kernel`]!, W[`${role}_bias`]!, { x, w: t.w, acc: accT, res });
  const pq = proj(d.dq, hk, tq, t.q, 'query', accT);
  const pk = proj(d.dk, hk, tv, t.k, 'key', accT);
  const pv = proj(d.dv, hv, tv, t.v, 'value', accT);
  const po = proj(hv, a.outDim, tq, accT, 'output', t.res);
  const softmax = compileSoftmax(
    { implementation: 'stable', inT: accT, resT: accT, accT, expT: t.expT, invT: t.invT, invInpT: t.invInpT, inpNormT: t.inpNormT, tableSize, slice: tv },
    (v, ty) => stats(`softmax_${v}`, ty),
  );
  const c = attentionScale(a, accT);
  const Q = new Float64Array(tq * hk);
  const K = new Float64Array(tv * hk);
  const V = new Float64Array(tv * hv);
  const S = new Float64Array(tq * tv);
  const P = new Float64Array(tq * tv);
  const X = new Float64Array(tq * hv);
  return (xs, y) => {
    const q = xs[0]!;
    const v = xs[1]!;
    pq(q, Q);
    pk(xs[2] ?? v, K);
    pv(v, V);
    for (let h = 0; h < a.heads; h++) {
      const ok = h * a.keyDim;
      const ov = h * a.valueDim;
      for (let i = 0; i < tq; i++)
        for (let j = 0; j < tv; j++) {
          let s = 0;
          for (let e = 0; e < a.keyDim; e++) s = castAcc(s + castAcc(Q[i * hk + ok + e]! * K[j * hk + ok + e]!));
          S[i * tv + j] = castAcc(s * c);
        }
      softmax(S, P);
      for (let i = 0; i < tq; i++)
        for (let e = 0; e < a.valueDim; e++) {
          let s = 0;
          for (let j = 0; j < tv; j++) s = castAcc(s + castAcc(P[i * tv + j]! * V[j * hv + ov + e]!));
          X[i * hv + ov + e] = s;
        }
    }
    po(X, y);
  };
}
