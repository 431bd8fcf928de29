/**
 * @fileoverview Float64 reference of the sequence layers (Keras semantics, no quantization), for
 * `fastml check`, the float columns of reports, and the tests' agreement bounds: GRU (both
 * reset_after forms), LSTM, SimpleRNN, LayerNormalization and multi-head attention.
 */

import type { AttentionAttrs, Layer, RecurrentAttrs, Shape } from '../ir/graph.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const act = (k: string) => (k === 'sigmoid' ? sigmoid : Math.tanh);

/** y[o] = b[o] + sum_i x[i] * W[i, c0 + o] for o < nOut (W row-major [nIn, cols]). */
function affine(x: ArrayLike<number>, W: ArrayLike<number>, cols: number, c0: number, nOut: number, b?: ArrayLike<number>, b0 = 0): Float64Array {
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let s = b ? b[b0 + o]! : 0;
    for (let i = 0; i < x.length; i++) s += x[i]! * W[i * cols + c0 + o]!;
    y[o] = s;
  }
  return y;
}

export function recurrentFloat(l: Layer, a: RecurrentAttrs, x: Float64Array): Float64Array {
  const n = a.units;
  const k = (a.op === 'GRU' ? 3 : a.op === 'LSTM' ? 4 : 1) * n;
  const W = l.weights.kernel!.data;
  const U = l.weights.recurrent_kernel!.data;
  const b = l.weights.bias?.data;
  const rb = l.weights.recurrent_bias?.data;
  const f = act(a.activation);
  const g = act(a.recurrentActivation ?? 'sigmoid');
  let h = new Float64Array(n);
  let c = new Float64Array(n);
  const out = new Float64Array(a.returnSequences ? a.steps * n : n);
  for (let s = 0; s < a.steps; s++) {
    const xs = x.subarray(s * a.nIn, (s + 1) * a.nIn);
    const tx = affine(xs, W, k, 0, k, b);
    const next = new Float64Array(n);
    if (a.op === 'GRU') {
      const th = affine(h, U, k, 0, 2 * n, rb);
      const z = Float64Array.from({ length: n }, (_, i) => g(tx[i]! + th[i]!));
      const r = Float64Array.from({ length: n }, (_, i) => g(tx[n + i]! + th[n + i]!));
      const thh = a.resetAfter === false ? affine(h.map((v, i) => v * r[i]!), U, k, 2 * n, n, rb, 2 * n) : affine(h, U, k, 2 * n, n, rb, 2 * n).map((v, i) => v * r[i]!);
      for (let i = 0; i < n; i++) next[i] = z[i]! * h[i]! + (1 - z[i]!) * f(tx[2 * n + i]! + thh[i]!);
    } else if (a.op === 'LSTM') {
      const th = affine(h, U, k, 0, k, rb);
      const cn = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const ig = g(tx[i]! + th[i]!);
        const fg = g(tx[n + i]! + th[n + i]!);
        const cc = f(tx[2 * n + i]! + th[2 * n + i]!);
        const og = g(tx[3 * n + i]! + th[3 * n + i]!);
        cn[i] = fg * c[i]! + ig * cc;
        next[i] = og * f(cn[i]!);
      }
      c = cn;
    } else {
      const th = affine(h, U, k, 0, k, rb);
      for (let i = 0; i < n; i++) next[i] = f(tx[i]! + th[i]!);
    }
    h = next;
    if (a.returnSequences) out.set(h, s * n);
  }
  if (!a.returnSequences) out.set(h);
  return out;
}

export function layerNormFloat(l: Layer, epsilon: number, x: Float64Array, s0: Shape): Float64Array {
  const dim = s0[s0.length - 1]!;
  const out = new Float64Array(x.length);
  const gm = l.weights.scale?.data;
  const bt = l.weights.bias?.data;
  for (let r = 0; r < x.length / dim; r++) {
    const row = x.subarray(r * dim, (r + 1) * dim);
    const mean = row.reduce((p, v) => p + v, 0) / dim;
    const v = row.reduce((p, q) => p + (q - mean) ** 2, 0) / dim;
    const inv = 1 / Math.sqrt(v + epsilon);
    for (let i = 0; i < dim; i++) out[r * dim + i] = (row[i]! - mean) * inv * (gm ? gm[i]! : 1) + (bt ? bt[i]! : 0);
  }
  return out;
}

/** Multi-head attention: softmax(Q K^T / sqrt(keyDim)) V per head, then the output projection. */
export function attentionFloat(l: Layer, a: AttentionAttrs, q: Float64Array, v: Float64Array, kIn: Float64Array | undefined, qShape: Shape, vShape: Shape): Float64Array {
  const w = (r: string) => l.weights[r]?.data;
  const [Tq, dq] = qShape as [number, number];
  const [Tv, dv] = vShape as [number, number];
  const key = kIn ?? v;
  const hk = a.heads * a.keyDim;
  const hv = a.heads * a.valueDim;
  const proj = (x: Float64Array, T: number, d: number, role: string, cols: number) => {
    const out = new Float64Array(T * cols);
    for (let t = 0; t < T; t++) out.set(affine(x.subarray(t * d, (t + 1) * d), w(`${role}_kernel`)!, cols, 0, cols, w(`${role}_bias`)), t * cols);
    return out;
  };
  const Q = proj(q, Tq, dq, 'query', hk);
  const K = proj(key, Tv, key.length / Tv, 'key', hk);
  const V = proj(v, Tv, dv, 'value', hv);
  const ctx = new Float64Array(Tq * hv);
  const scale = a.scale ?? 1 / Math.sqrt(a.keyDim);
  for (let hd = 0; hd < a.heads; hd++)
    for (let i = 0; i < Tq; i++) {
      const sc = new Float64Array(Tv);
      for (let j = 0; j < Tv; j++) {
        let s = 0;
        for (let e = 0; e < a.keyDim; e++) s += Q[i * hk + hd * a.keyDim + e]! * K[j * hk + hd * a.keyDim + e]!;
        sc[j] = s * scale;
      }
      const m = Math.max(...sc);
      const ex = sc.map((s) => Math.exp(s - m));
      const z = ex.reduce((p, e) => p + e, 0);
      for (let e = 0; e < a.valueDim; e++) {
        let s = 0;
        for (let j = 0; j < Tv; j++) s += (ex[j]! / z) * V[j * hv + hd * a.valueDim + e]!;
        ctx[i * hv + hd * a.valueDim + e] = s;
      }
    }
  return proj(ctx, Tq, hv, 'output', a.outDim);
}
