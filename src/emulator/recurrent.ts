/**
 * @fileoverview GRU, LSTM and SimpleRNN kernels, following hls4ml's nnet_recurrent.h dataflow as
 * ../shared/reference/hls4ml/README.md documents it ("Dataflow of the new kernels"), and
 * docs/numerics.md for what fastml defines itself (SimpleRNN, the reset-before GRU).
 *
 * Notation below: q_acc / q_res = cast to the layer's accum_t / result_t; Dense_acc = the usual
 * dense (products cast to accum_t, accumulator starting at the bias) in the layer's strategy order,
 * with result type accum_t. The state (h, and c for LSTM) has type result_t and is zero at the
 * first step of every sample (hls4ml's static kernels reset it then, so nothing leaks between
 * samples). Activations are hls4ml's table activations (one TableSize and one table_t per layer)
 * with input and output type accum_t (the LSTM's tanh(c) reads the result_t cell state).
 *
 * - GRU (gates z, r, h): tx = Dense_acc(x, W, b); th = Dense_acc(h, U, b_rec);
 *   z, r = sigmoid(q_acc(tx + th)) on the first 2n; hh = tanh(q_acc(tx_h + q_acc(r * th_h)));
 *   h = q_res(hh * (1 - z) + h * z).
 *   reset_after=False (fastml's own): rh = q_res(r * h); th_h = Dense_acc(rh, U_h, b_rec_h) instead.
 * - LSTM (gates i, f, c, o): a = q_acc(tx + th); i, f, o = sigmoid(a); g = tanh(a_c);
 *   c = q_res(g * i + c * f); h = q_res(o * q_acc(tanh(c))).
 * - SimpleRNN (fastml's own): h = q_res(act(q_acc(tx + th))).
 * The gate arithmetic inside one q_(...) is exact ap_fixed arithmetic: products of two values of
 * at most 26 bits each, exact in a double (checked when the kernel is built).
 */

import type { FixedType } from '../fixed/type.js';
import type { Layer, RecurrentAttrs, Strategy } from '../ir/graph.js';
import { closestReuseFactor, isValidReuseFactor } from '../estimate/reuse.js';
import { compileDenseRows } from './conv.js';
import { compileDenseInt, sharedDenseOrder } from './mac.js';
import type { MacStats, MacTypes } from './mac.js';
import type { Kernel } from './activations.js';
import { compileActivation } from './activations.js';
import type { VarStats } from './overflow.js';
import { makeCast } from './quant.js';

export interface RecurrentTypes {
  readonly x: FixedType;
  readonly res: FixedType;
  readonly acc: FixedType;
  readonly w: FixedType;
  readonly b: FixedType;
  readonly rw: FixedType;
  readonly rb: FixedType;
  readonly table: FixedType;
}

/** Quantized weights of a recurrent layer (values of their types, Keras layouts). */
export interface RecurrentWeights {
  readonly kernel: Float64Array;
  readonly recurrentKernel: Float64Array;
  readonly bias: Float64Array;
  readonly recurrentBias: Float64Array;
}

type StatsFor = (variable: string, t?: FixedType) => VarStats | undefined;

/**
 * One dense product of a step (or of each of `rows` positions): the input-major integer kernel when
 * it applies and nothing is counted (the same bits, several times faster), else the general plan.
 */
export function stepDense(nIn: number, nOut: number, rows: number, strategy: Strategy, rf: number, wq: Float64Array, bq: Float64Array, t: MacTypes, stats?: MacStats): Kernel {
  const order = stats ? undefined : sharedDenseOrder(nIn, nOut, strategy, rf);
  return (order && compileDenseInt(nIn, nOut, rows, order, wq, bq, t)) || compileDenseRows(nIn, nOut, rows, strategy, rf, wq, bq, t, stats);
}

/** Columns [c0, c1) of a row-major [rows, cols] matrix. */
export function columns(m: Float64Array, rows: number, cols: number, c0: number, c1: number): Float64Array {
  const out = new Float64Array(rows * (c1 - c0));
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * cols + c0, r * cols + c1), r * (c1 - c0));
  return out;
}

/** The reuse factor a sub-product uses when the layer's factor is not valid for it (Resource only). */
export function productReuseFactor(strategy: Strategy, rf: number, nIn: number, nOut: number): number {
  return strategy === 'resource' && !isValidReuseFactor(nIn, nOut, rf) ? closestReuseFactor(nIn, nOut, rf) : rf;
}

/** Whether the gate arithmetic of these types is exact in doubles (see the file header). */
export function recurrentTypesFit(t: RecurrentTypes): string | undefined {
  const wide = [t.acc, t.res, t.table].find((x) => x.w > 26);
  return wide ? `accum/result/table types of recurrent layers are limited to 26 bits in the emulator (got ${wide.w})` : undefined;
}

export function compileRecurrent(l: Layer, a: RecurrentAttrs, t: RecurrentTypes, wts: RecurrentWeights, tableSize: number, stats: StatsFor): Kernel {
  const n = a.units;
  const nIn = a.nIn;
  const gates = a.op === 'GRU' ? 3 : a.op === 'LSTM' ? 4 : 1;
  const k = gates * n;
  const strategy = l.strategy ?? 'latency';
  const rfIn = l.reuseFactor ?? 1;
  const rfRec = a.recurrentReuseFactor ?? rfIn;
  const accStats = stats('accum', t.acc);
  const castAcc = makeCast(t.acc, accStats);
  const castRes = makeCast(t.res, stats('result', t.res));
  const macStats = accStats ? { product: stats('product')!, accum: accStats, result: accStats } : undefined;
  const inDense = stepDense(nIn, k, 1, strategy, rfIn, wts.kernel, wts.bias, { x: t.x, w: t.w, acc: t.acc, res: t.acc }, macStats);
  const table = (kind: 'tanh' | 'sigmoid', inT: FixedType): Kernel =>
    compileActivation({ kind, inT, resT: t.acc, tableT: t.table, tableSize }, (v, ty) => stats(`${kind}_${v}`, ty));
  const act = table(a.activation, t.acc);
  const recAct = table(a.recurrentActivation ?? 'sigmoid', t.acc);
  const tx = new Float64Array(k);
  const th = new Float64Array(k);
  const h = new Float64Array(n);
  const T = a.steps;
  const seq = a.returnSequences;

  if (a.op === 'GRU' && a.resetAfter === false) {
    // Reset before the recurrent product: U splits into the z/r columns and the h columns.
    const uzr = columns(wts.recurrentKernel, n, k, 0, 2 * n);
    const uh = columns(wts.recurrentKernel, n, k, 2 * n, k);
    const recZr = stepDense(n, 2 * n, 1, strategy, productReuseFactor(strategy, rfRec, n, 2 * n), uzr, wts.recurrentBias.subarray(0, 2 * n), { x: t.res, w: t.rw, acc: t.acc, res: t.acc }, macStats);
    const recH = stepDense(n, n, 1, strategy, productReuseFactor(strategy, rfRec, n, n), uh, wts.recurrentBias.subarray(2 * n), { x: t.res, w: t.rw, acc: t.acc, res: t.acc }, macStats);
    const zrIn = new Float64Array(2 * n);
    const zr = new Float64Array(2 * n);
    const rh = new Float64Array(n);
    const thh = new Float64Array(n);
    const hIn = new Float64Array(n);
    const hh = new Float64Array(n);
    return (x, y) => {
      h.fill(0);
      for (let s = 0; s < T; s++) {
        inDense(x.subarray(s * nIn, (s + 1) * nIn), tx);
        recZr(h, th);
        for (let i = 0; i < 2 * n; i++) zrIn[i] = castAcc(tx[i]! + th[i]!);
        recAct(zrIn, zr);
        for (let i = 0; i < n; i++) rh[i] = castRes(zr[n + i]! * h[i]!);
        recH(rh, thh);
        for (let i = 0; i < n; i++) hIn[i] = castAcc(tx[2 * n + i]! + thh[i]!);
        act(hIn, hh);
        for (let i = 0; i < n; i++) h[i] = castRes(hh[i]! * (1 - zr[i]!) + h[i]! * zr[i]!);
        if (seq) y.set(h, s * n);
      }
      if (!seq) y.set(h);
    };
  }

  const recDense = stepDense(n, k, 1, strategy, rfRec, wts.recurrentKernel, wts.recurrentBias, { x: t.res, w: t.rw, acc: t.acc, res: t.acc }, macStats);

  if (a.op === 'GRU') {
    const zrIn = new Float64Array(2 * n);
    const zr = new Float64Array(2 * n);
    const hIn = new Float64Array(n);
    const hh = new Float64Array(n);
    return (x, y) => {
      h.fill(0);
      for (let s = 0; s < T; s++) {
        inDense(x.subarray(s * nIn, (s + 1) * nIn), tx);
        recDense(h, th);
        for (let i = 0; i < 2 * n; i++) zrIn[i] = castAcc(tx[i]! + th[i]!);
        recAct(zrIn, zr);
        for (let i = 0; i < n; i++) hIn[i] = castAcc(tx[2 * n + i]! + castAcc(zr[n + i]! * th[2 * n + i]!));
        act(hIn, hh);
        for (let i = 0; i < n; i++) h[i] = castRes(hh[i]! * (1 - zr[i]!) + h[i]! * zr[i]!);
        if (seq) y.set(h, s * n);
      }
      if (!seq) y.set(h);
    };
  }

  if (a.op === 'LSTM') {
    const c = new Float64Array(n);
    const ifoIn = new Float64Array(3 * n);
    const ifo = new Float64Array(3 * n);
    const gIn = new Float64Array(n);
    const g = new Float64Array(n);
    const tc = new Float64Array(n);
    // tanh(c) reads the result_t cell state (hls4ml: activation<res_T, accum_t>).
    const actC = table(a.activation, t.res);
    return (x, y) => {
      h.fill(0);
      c.fill(0);
      for (let s = 0; s < T; s++) {
        inDense(x.subarray(s * nIn, (s + 1) * nIn), tx);
        recDense(h, th);
        // i, f from gate blocks 0, 1; o from block 3; the candidate c from block 2.
        for (let i = 0; i < 2 * n; i++) ifoIn[i] = castAcc(tx[i]! + th[i]!);
        for (let i = 0; i < n; i++) ifoIn[2 * n + i] = castAcc(tx[3 * n + i]! + th[3 * n + i]!);
        for (let i = 0; i < n; i++) gIn[i] = castAcc(tx[2 * n + i]! + th[2 * n + i]!);
        recAct(ifoIn, ifo);
        act(gIn, g);
        for (let i = 0; i < n; i++) c[i] = castRes(g[i]! * ifo[i]! + c[i]! * ifo[n + i]!);
        actC(c, tc);
        for (let i = 0; i < n; i++) h[i] = castRes(ifo[2 * n + i]! * tc[i]!);
        if (seq) y.set(h, s * n);
      }
      if (!seq) y.set(h);
    };
  }

  // SimpleRNN
  const aIn = new Float64Array(n);
  const av = new Float64Array(n);
  return (x, y) => {
    h.fill(0);
    for (let s = 0; s < T; s++) {
      inDense(x.subarray(s * nIn, (s + 1) * nIn), tx);
      recDense(h, th);
      for (let i = 0; i < n; i++) aIn[i] = castAcc(tx[i]! + th[i]!);
      act(aIn, av);
      for (let i = 0; i < n; i++) h[i] = castRes(av[i]!);
      if (seq) y.set(h, s * n);
    }
    if (!seq) y.set(h);
  };
}
